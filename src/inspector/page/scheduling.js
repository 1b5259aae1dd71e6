// @ts-check
/**
 * The scheduler's per-plugin view of one pod, as kube-scheduler-simulator shows it: the pod's last
 * scheduling cycle (the `scheduling` request) as a table with a row per node the filters ran on,
 * a column per Filter plugin (✓, or ✗ with the reason; `–` not run after an earlier rejection,
 * `skip` when its PreFilter skipped the pod), a column per Score plugin (normalised × weight, the
 * raw score in the cell's title), the total, and the chosen node marked; above it the chosen node
 * or the FailedScheduling message.
 */
import { esc, formatTime } from './model.js';

/** @param {any} v a filter verdict */
function filterCell(v) {
  if (v === 'Success') return `<td class="sc-pass" title="passed">✓</td>`;
  if (v === 'Skip') return `<td class="sc-skip" title="its PreFilter returned Skip: the Filter did not run">skip</td>`;
  if (v === 'NotRun' || v === undefined) return `<td class="sc-skip" title="not run: an earlier plugin rejected the node">–</td>`;
  const reasons = (v.reasons ?? []).join(', ');
  return `<td class="sc-fail" title="${esc(v.code)}: ${esc(reasons)}">✗ ${esc(reasons)}</td>`;
}

/**
 * @param {any} c the `scheduling` answer's cycle (CycleRecordJSON)
 * @returns {string} HTML
 */
function schedulingHtml(c) {
  let h = `<div class="sc-head"><b>${esc(c.pod)}</b> · cycle at ${esc(formatTime(c.time))} (attempt #${c.attempt}) · `;
  h += c.result.ok
    ? `<span class="sc-ok">bound to <b>${esc(c.result.node)}</b></span>`
    : `<span class="sc-bad">FailedScheduling</span>${c.result.nominatedNode ? ` · nominated <b>${esc(c.result.nominatedNode)}</b>, preempting ${esc((c.result.victims ?? []).join(', ') || 'nothing')}` : ''}`;
  h += `</div>`;
  if (!c.result.ok) h += `<div class="sc-msg">${esc(c.result.message)}</div>`;
  if (c.preFilterRejection) h += `<div class="sc-msg">PreFilter <b>${esc(c.preFilterRejection.plugin)}</b>: ${esc(c.preFilterRejection.code)} ${esc(c.preFilterRejection.reasons.join(', '))}</div>`;
  const notes = [];
  if (c.restrictedBy.length) notes.push(`nodes restricted by PreFilter of ${c.restrictedBy.join(', ')}`);
  if (c.notEvaluated) notes.push(`${c.notEvaluated} node${c.notEvaluated === 1 ? '' : 's'} not evaluated`);
  if (c.scoring !== 'ran') notes.push(`no scoring: ${c.scoring}`);
  if (c.skippedScorePlugins.length) notes.push(`PreScore skipped ${c.skippedScorePlugins.join(', ')}`);
  if (notes.length) h += `<div class="sc-note">${esc(notes.join(' · '))}</div>`;
  if (!c.nodes.length) return h;
  h += `<table class="sc-table"><thead><tr><th>node</th>`;
  for (const p of c.filterPlugins) h += `<th class="sc-filter" title="Filter">${esc(p)}</th>`;
  for (const p of c.scorePlugins) h += `<th class="sc-score" title="Score, weight ${p.weight}">${esc(p.name)} ×${p.weight}</th>`;
  if (c.scorePlugins.length) h += `<th>total</th>`;
  h += `</tr></thead><tbody>`;
  for (const n of c.nodes) {
    h += `<tr${n.selected ? ' class="sc-selected"' : ''} data-node="${esc(n.node)}"><td>${n.selected ? '▶ ' : ''}${esc(n.node)}</td>`;
    for (const p of c.filterPlugins) h += filterCell(n.filters[p]);
    for (const p of c.scorePlugins) {
      const s = n.scores?.[p.name];
      h += s ? `<td class="sc-num" title="raw ${s.raw}, normalised ${s.normalized}, × weight ${p.weight}">${s.weighted}</td>` : `<td></td>`;
    }
    if (c.scorePlugins.length) h += `<td class="sc-num"><b>${n.total ?? ''}</b></td>`;
    h += `</tr>`;
  }
  return h + `</tbody></table>`;
}

/**
 * The panel: `show(pod)` asks the server for the pod's last cycle and draws it; `refresh()` asks
 * again for the pod shown (after the cluster changed).
 * @param {HTMLElement} el
 * @param {(req: any) => Promise<any>} request
 */
export function createSchedulingView(el, request) {
  /** @type {string | null} */
  let shown = null;
  let generation = 0;
  async function load() {
    if (!shown) return;
    const pod = shown;
    const mine = ++generation;
    const answer = await request({ type: 'scheduling', pod });
    if (mine !== generation || shown !== pod) return;
    el.hidden = false;
    const close = `<button class="sc-close" title="close">✕</button>`;
    el.innerHTML = `<div class="panel-head"><h2>Scheduling</h2><span class="panel-sub">the scheduler's last cycle of ${esc(pod)}, per plugin</span><span class="grow"></span>${close}</div>` +
      `<div class="sc-body">${answer.cycle ? schedulingHtml(answer.cycle) : `<div class="none">${esc(answer.error ?? 'no scheduling cycle')}</div>`}</div>`;
  }
  el.addEventListener('click', (e) => {
    if (/** @type {HTMLElement} */ (e.target).closest('.sc-close')) {
      shown = null;
      el.hidden = true;
    }
  });
  return {
    /** @param {string} pod `namespace/name` */
    show(pod) {
      shown = pod;
      return load();
    },
    refresh() {
      return load();
    },
    get pod() {
      return shown;
    },
  };
}
