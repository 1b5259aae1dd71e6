// @ts-check
/**
 * The sequence diagram panel: the messages drawn by sequence.js (the newest, through the
 * filters), following or not, the lifelines' window, the filters and a message's payload.
 */
import { $, dirty, MAX_ROWS, measure, request, schedule, state } from './shared.js';
import { renderSequence, COLORS } from './sequence.js';
import { compareRank, esc, formatTime, isHeartbeat, kindOf, rankOf } from './model.js';

/** The lifeline a component is drawn on (the controllers share the controller manager's, if grouped). */
function lifeline(/** @type {string} */ address) {
  return state.groupControllers && address.startsWith('controller-manager/') ? 'controller-manager' : address;
}

function visible(/** @type {any} */ m) {
  if (state.stepped.has(m.seq)) return true;
  if (state.hideNoise && isHeartbeat(m)) return false;
  if (state.flowFilter && m.flow !== state.flowFilter) return false;
  if (state.componentFilter.size && !(state.componentFilter.has(lifeline(m.from)) || state.componentFilter.has(lifeline(m.to)))) return false;
  return true;
}

let shown = 0;
let lastSignature = '';
export function renderSeq(force = false) {
  /** @type {any[]} */
  const out = [];
  for (let i = state.messages.length - 1; i >= 0 && out.length < MAX_ROWS; i--) {
    const m = state.messages[i];
    if (visible(m)) out.push(state.groupControllers ? { ...m, from: lifeline(m.from), to: lifeline(m.to), realFrom: m.from, realTo: m.to } : m);
  }
  out.reverse();
  shown = out.length;
  const el = $('seq');
  // nothing new to draw (new messages were all filtered out): leave the DOM alone
  const signature = `${out.length}:${out[0]?.seq}:${out[out.length - 1]?.seq}:${state.selectedSeq}:${el.clientWidth}:${state.seqOffset}`;
  if (!force && signature === lastSignature) {
    updateCount();
    return;
  }
  lastSignature = signature;
  const drawn = renderSequence(el, out, { hosts: state.hosts, nodes: state.nodes, selected: state.selectedSeq, stepped: state.stepped, offset: state.seqOffset, measure: (t) => measure(t, '600 11px system-ui, sans-serif') });
  state.seqOffset = drawn.offset;
  state.seqWindow = { shown: drawn.shown, total: drawn.total };
  seqHeight = el.clientHeight;
  if (state.follow) scrollSeq(el.scrollHeight);
  else if (state.selectedSeq !== null) revealRow(state.selectedSeq);
  updateCount();
}

/** Scrolls the sequence diagram without the scroll counting as the user's (which would change follow). */
let ownScroll = false;
function scrollSeq(/** @type {number} */ top) {
  const el = $('seq');
  const target = Math.max(0, Math.min(top, el.scrollHeight - el.clientHeight));
  if (Math.abs(el.scrollTop - target) < 1) return;
  ownScroll = true;
  el.scrollTop = target;
}

/** Scrolls a message's row into view (below the sticky lifeline heads), if it is drawn. */
function revealRow(/** @type {number} */ seq) {
  const el = $('seq');
  const bg = el.querySelector(`.m-row[data-seq="${seq}"] .m-bg`);
  if (!bg) return;
  const head = /** @type {HTMLElement | null} */ (el.querySelector('.seq-head'))?.offsetHeight ?? 0;
  const top = Number(bg.getAttribute('y')) + head;
  const rowH = Number(bg.getAttribute('height'));
  if (top - head < el.scrollTop) scrollSeq(top - head - rowH);
  else if (top + rowH > el.scrollTop + el.clientHeight) scrollSeq(top + rowH * 2 - el.clientHeight);
}

export function updateCount() {
  const total = state.messages.length;
  $('seq-count').textContent = `${shown} shown · ${total.toLocaleString()} received${state.follow ? '' : ' · paused scrolling'}`;
}

// counts in the flow list are refreshed once a second (not while the list is open)
setInterval(() => {
  if (state.flowCounts && document.activeElement !== $('flow-filter')) renderFlowOptions();
}, 1000);

export function renderFlowOptions() {
  state.flowsRendered = performance.now();
  state.flowCounts = false;
  const sel = /** @type {HTMLSelectElement} */ ($('flow-filter'));
  const flows = [...state.flows].sort((a, b) => b[1].last - a[1].last).slice(0, 80);
  const current = state.flowFilter;
  sel.innerHTML =
    `<option value="">all flows</option>` +
    flows.map(([f, v]) => `<option value="${esc(f)}"${f === current ? ' selected' : ''}>${esc(f)} (${v.count})</option>`).join('') +
    (current && !flows.some(([f]) => f === current) ? `<option value="${esc(current)}" selected>${esc(current)}</option>` : '');
}

export function renderComponentFilter() {
  const list = [...new Set([...state.components].map(lifeline))].sort((a, b) => compareRank(/** @type {any} */ (rankOf(a, state.hosts, state.nodes)), /** @type {any} */ (rankOf(b, state.hosts, state.nodes))));
  $('component-filter').innerHTML = list
    .map((c) => {
      const color = /** @type {Record<string, string>} */ (COLORS)[kindOf(c)] ?? '#94a3b8';
      return `<button class="cf${state.componentFilter.has(c) ? ' on' : ''}" data-component="${esc(c)}" style="--kind:${color}" title="${esc(c)}">${esc(c)}</button>`;
    })
    .join('');
}

function jsonHtml(/** @type {unknown} */ v) {
  const text = JSON.stringify(v, null, 2) ?? 'null';
  return esc(text).replace(/(&quot;(?:[^&]|&(?!quot;))*?&quot;)(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)/g, (_m, str, colon, lit, num) => {
    if (str) return colon ? `<span class="j-key">${str}</span>${colon}` : `<span class="j-str">${str}</span>`;
    if (lit) return `<span class="j-lit">${lit}</span>`;
    return `<span class="j-num">${num}</span>`;
  });
}

export async function showPayload(/** @type {number} */ seq) {
  state.selectedSeq = seq;
  for (const g of $('seq').querySelectorAll('.m-row.sel')) g.classList.remove('sel');
  $('seq').querySelector(`.m-row[data-seq="${seq}"]`)?.classList.add('sel');
  const el = $('payload');
  el.hidden = false;
  el.innerHTML = `<div class="p-head">loading message #${seq}…</div>`;
  seqHeight = $('seq').clientHeight;
  if (!state.follow) revealRow(seq);
  const answer = await request({ type: 'payload', seq });
  if (state.selectedSeq !== seq) return;
  const e = answer.entry ?? state.messages.find((m) => m.seq === seq);
  const head = e
    ? `<b>#${seq}</b> ${esc(e.from)} → ${esc(e.to)} <b>${esc(e.type ?? e.event)}</b> · sent ${formatTime(e.sent)} · ${e.status === 'dropped' ? `<span style="color:#fca5a5">dropped (${esc(e.reason)})</span>` : `delivered ${formatTime(e.time)}`}${e.flow ? ` · flow “${esc(e.flow)}”` : ''}`
    : `<b>#${seq}</b>`;
  el.innerHTML = `<div class="p-head"><span>${head}</span><span class="grow"></span><button id="payload-close" title="close">✕</button></div><pre>${answer.event === null ? esc(answer.error ?? 'no payload') : jsonHtml(answer.event)}</pre>`;
  // the payload panel took room from the diagram: keep the message in view
  seqHeight = $('seq').clientHeight;
  if (!state.follow) revealRow(seq);
  else scrollSeq($('seq').scrollHeight);
}

/** Why the filters would hide a message (`heartbeats are hidden`), or '' when they show it. */
export function visibleByFilters(/** @type {any} */ m) {
  if (state.hideNoise && isHeartbeat(m)) return 'heartbeats are hidden';
  if (state.flowFilter && m.flow !== state.flowFilter) return 'another flow is selected';
  if (state.componentFilter.size && !(state.componentFilter.has(lifeline(m.from)) || state.componentFilter.has(lifeline(m.to)))) return 'other components are selected';
  return '';
}

/** Moves the window of lifelines by `by` (when they do not all fit the diagram's width). */
function shiftLifelines(/** @type {number} */ by) {
  const next = Math.max(0, Math.min(state.seqOffset + by, state.seqWindow.total - 1));
  if (next === state.seqOffset) return;
  state.seqOffset = next;
  dirty.filters = true;
  schedule();
}

// sideways: a horizontal wheel (or shift + wheel) moves one lifeline a notch
{
  let acc = 0;
  $('seq').addEventListener(
    'wheel',
    (e) => {
      const dx = Math.abs(e.deltaX) > Math.abs(e.deltaY) ? e.deltaX : e.shiftKey ? e.deltaY : 0;
      if (!dx || state.seqWindow.shown >= state.seqWindow.total) return;
      e.preventDefault();
      acc += e.deltaMode === 1 ? dx * 33 : dx;
      while (Math.abs(acc) >= 60) {
        shiftLifelines(Math.sign(acc));
        acc -= Math.sign(acc) * 60;
      }
    },
    { passive: false },
  );
}

$('seq').addEventListener('click', (e) => {
  const edge = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[data-edge]'));
  if (edge) {
    // a page of lifelines toward that edge
    const page = Math.max(1, state.seqWindow.shown - 1);
    return shiftLifelines(edge.getAttribute('data-edge') === 'left' ? -page : page);
  }
  const row = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[data-seq]'));
  if (!row) return;
  // looking at a message: stop following, or the newest messages would push it out of view
  setFollow(false);
  showPayload(Number(row.getAttribute('data-seq')));
});

let seqHeight = 0;
$('seq').addEventListener('scroll', () => {
  const el = $('seq');
  if (ownScroll) {
    ownScroll = false;
    return;
  }
  // a resize (the payload panel opening) is not the user scrolling away
  if (el.clientHeight !== seqHeight) {
    seqHeight = el.clientHeight;
    if (state.follow) scrollSeq(el.scrollHeight);
    else if (state.selectedSeq !== null) revealRow(state.selectedSeq);
    return;
  }
  const atBottom = el.scrollHeight - el.scrollTop - el.clientHeight < 30;
  if (atBottom !== state.follow) {
    state.follow = atBottom;
    /** @type {HTMLInputElement} */ ($('follow')).checked = atBottom;
    if (atBottom) {
      dirty.seq = true;
      schedule();
    } else updateCount();
  }
});
$('payload').addEventListener('click', (e) => {
  if (/** @type {HTMLElement} */ (e.target).id === 'payload-close') {
    $('payload').hidden = true;
    state.selectedSeq = null;
    for (const g of $('seq').querySelectorAll('.m-row.sel')) g.classList.remove('sel');
  }
});
$('follow').addEventListener('change', (e) => {
  state.follow = /** @type {HTMLInputElement} */ (e.target).checked;
  dirty.filters = true;
  schedule();
});

export function setFollow(/** @type {boolean} */ on) {
  state.follow = on;
  /** @type {HTMLInputElement} */ ($('follow')).checked = on;
  updateCount();
}
$('group-controllers').addEventListener('change', (e) => {
  state.groupControllers = /** @type {HTMLInputElement} */ (e.target).checked;
  state.seqOffset = 0;
  state.componentFilter.clear();
  renderComponentFilter();
  dirty.filters = true;
  schedule();
});
$('hide-noise').addEventListener('change', (e) => {
  state.hideNoise = /** @type {HTMLInputElement} */ (e.target).checked;
  state.seqOffset = 0;
  dirty.filters = true;
  schedule();
});
$('flow-filter').addEventListener('change', (e) => {
  state.flowFilter = /** @type {HTMLSelectElement} */ (e.target).value;
  state.seqOffset = 0;
  dirty.filters = true;
  schedule();
});
$('component-filter').addEventListener('click', (e) => {
  const b = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[data-component]'));
  if (!b) return;
  const c = /** @type {string} */ (b.getAttribute('data-component'));
  if (state.componentFilter.has(c)) state.componentFilter.delete(c);
  else state.componentFilter.add(c);
  state.seqOffset = 0;
  b.classList.toggle('on');
  dirty.filters = true;
  schedule();
});

/** Shows one flow in the sequence diagram (after the page started a request). */
export function focusFlow(/** @type {string} */ flow) {
  state.flowFilter = flow;
  state.seqOffset = 0;
  if (!state.flows.has(flow)) state.flows.set(flow, { count: 0, last: Number.MAX_SAFE_INTEGER });
  renderFlowOptions();
  state.follow = true;
  /** @type {HTMLInputElement} */ ($('follow')).checked = true;
  dirty.filters = true;
  schedule();
}
