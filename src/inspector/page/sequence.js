// @ts-check
/**
 * The live sequence diagram: one lifeline per component (ordered as the architecture picture:
 * user, control plane, then each node), one arrow per message, newest at the bottom, with the
 * virtual time on the left. Dropped messages are dashed and end in a red cross.
 */
import { compareRank, controlPlaneNodeOf, esc, formatTime, kindOf, rankOf, shortName } from './model.js';

const ROW = 22;
const GUTTER = 66;
const HEAD = 34;
/** The narrowest a lifeline gets before the diagram shows a window of them. */
const MIN_LIFELINE = 70;
/** A lifeline's widest (a long label is cut, its full name in the tooltip). */
const MAX_LIFELINE = 100;
/** The lanes at the edges that stand for the lifelines out of view. */
const EDGE = 62;

/**
 * Which lifelines a diagram `avail` px wide shows from `offset` on: they get their widths, and
 * the ones before and after the window are summarised in an edge lane each.
 * @param {number[]} widths the lifelines' widths
 * @param {number} avail
 * @param {number} offset the first lifeline wanted
 * @returns {{ start: number, end: number }} the window `start … end-1`, `start` clamped so that the window is full
 */
export function lifelineWindow(widths, avail, offset) {
  const n = widths.length;
  const total = widths.reduce((a, w) => a + w, 0);
  if (GUTTER + total <= avail) return { start: 0, end: n };
  /** the end of the window from `start` */
  const endFrom = (/** @type {number} */ start) => {
    const room = avail - GUTTER - (start > 0 ? EDGE : 0);
    let used = 0;
    let end = start;
    while (end < n && used + widths[end] <= room - (end + 1 < n ? EDGE : 0)) used += widths[end++];
    // at least one lifeline, however narrow the panel
    return Math.max(end, Math.min(start + 1, n));
  };
  // the last start whose window reaches the end
  let last = n - 1;
  while (last > 0 && endFrom(last - 1) >= n) last--;
  const start = Math.max(0, Math.min(Math.floor(offset) || 0, last));
  return { start, end: endFrom(start) };
}
const KINDS = ['faults', 'kubectl', 'api-server', 'etcd', 'scheduler', 'controller-manager', 'controller', 'control-plane-node', 'leader-elector', 'load-balancer', 'node', 'kubelet', 'kube-proxy', 'container-runtime', 'pod', 'container', 'actor'];

/** Colour of a kind (matches style.css). */
export const COLORS = {
  faults: '#dc2626',
  kubectl: '#475569',
  'api-server': '#326ce5',
  etcd: '#0f8a7e',
  scheduler: '#7c3aed',
  'controller-manager': '#c026d3',
  controller: '#c026d3',
  'control-plane-node': '#1e3a8a',
  'leader-elector': '#9333ea',
  'load-balancer': '#326ce5',
  node: '#334155',
  kubelet: '#ea580c',
  'kube-proxy': '#b7791f',
  'container-runtime': '#64748b',
  pod: '#16a34a',
  container: '#22c55e',
  actor: '#94a3b8',
};

/** A label for a lifeline: `kubelet` with the node under it. */
function lifelineLabel(/** @type {string} */ address) {
  const kind = kindOf(address);
  if (kind === 'kubelet' || kind === 'kube-proxy' || kind === 'container-runtime' || kind === 'node') {
    return [kind === 'container-runtime' ? 'runtime' : kind, address.slice(address.indexOf('/') + 1)];
  }
  if (kind === 'pod') return ['pod', shortName(address)];
  if (kind === 'controller') return ['controller', shortName(address)];
  // a highly available control plane: the component, its control-plane node under it
  const cpNode = controlPlaneNodeOf(address);
  if (cpNode) return [kind === 'leader-elector' ? `elector ${shortName(address)}` : kind === 'control-plane-node' ? 'node' : kind, cpNode];
  return [address, ''];
}

/**
 * Renders messages into `el` (a scroll container).
 * @param {HTMLElement} el
 * @param {any[]} msgs the messages to draw, oldest first
 * @param {{ hosts: Map<string, string>, nodes: string[], selected: number | null, stepped?: Set<number>, offset?: number, measure: (t: string) => number }} opts
 *   `offset`: the first lifeline to show when they do not all fit (the others are summarised at the edges)
 * @returns {{ offset: number, shown: number, total: number }} the window drawn
 */
export function renderSequence(el, msgs, opts) {
  const set = new Set();
  for (const m of msgs) {
    set.add(m.from);
    set.add(m.to);
  }
  const lifelines = [...set].sort((a, b) => compareRank(/** @type {any} */ (rankOf(a, opts.hosts, opts.nodes)), /** @type {any} */ (rankOf(b, opts.hosts, opts.nodes))));
  if (!lifelines.length) {
    el.innerHTML = `<div class="empty">No messages match. Messages between components appear here as they are delivered.</div>`;
    return { offset: 0, shown: 0, total: 0 };
  }
  const widths = lifelines.map((l) => {
    const [a, b] = lifelineLabel(l);
    return Math.min(MAX_LIFELINE, Math.max(MIN_LIFELINE, Math.ceil(Math.max(opts.measure(a), opts.measure(b))) + 18));
  });
  const avail = Math.max(el.clientWidth - 2, 200);
  // the lifelines in view; the others are summarised in a lane at each edge, where their
  // messages' arrows end
  const { start, end } = lifelineWindow(widths, avail, opts.offset ?? 0);
  const leftHidden = lifelines.slice(0, start);
  const rightHidden = lifelines.slice(end);
  const inView = widths.slice(start, end).reduce((a, w) => a + w, 0);
  const room = avail - GUTTER - (leftHidden.length ? EDGE : 0) - (rightHidden.length ? EDGE : 0);
  const scale = inView < room ? room / inView : 1;
  /** @type {Map<string, number>} */
  const xs = new Map();
  let x = GUTTER + (leftHidden.length ? EDGE : 0);
  for (let i = start; i < end; i++) {
    const w = widths[i] * scale;
    xs.set(lifelines[i], x + w / 2);
    x += w;
  }
  const leftX = GUTTER + EDGE / 2;
  const rightX = x + EDGE / 2;
  const width = Math.ceil(x + (rightHidden.length ? EDGE : 0));
  const height = msgs.length * ROW + 10;
  const index = new Map(lifelines.map((l, i) => [l, i]));
  /** Where a lifeline's arrows end: its own line, or the edge lane that stands for it. */
  const at = (/** @type {string} */ l) => xs.get(l) ?? ((index.get(l) ?? 0) < start ? leftX : rightX);
  /** Whether a lifeline is out of view. */
  const away = (/** @type {string} */ l) => !xs.has(l);
  const label = (/** @type {string} */ l) => lifelineLabel(l).filter(Boolean).join(' ');

  let head = `<svg width="${width}" height="${HEAD}">`;
  head += `<text x="6" y="21" class="m-time">virtual s</text>`;
  for (let i = start; i < end; i++) {
    const l = lifelines[i];
    const cx = /** @type {number} */ (xs.get(l));
    const w = widths[i] * scale - 10;
    const color = /** @type {Record<string, string>} */ (COLORS)[kindOf(l)] ?? '#94a3b8';
    const [a, b] = lifelineLabel(l);
    const fit = (/** @type {string} */ t) => trimTo(t, w - 8, opts.measure);
    head += `<g data-lifeline="${esc(l)}"><title>${esc(l)}</title><rect class="ll-box" x="${cx - w / 2}" y="3" width="${w}" height="${HEAD - 7}" rx="6" stroke="${color}"/>`;
    if (b) {
      head += `<text class="ll-label" x="${cx}" y="15" text-anchor="middle" fill="${color}">${esc(fit(a))}</text>`;
      head += `<text class="m-time" x="${cx}" y="26" text-anchor="middle">${esc(fit(b))}</text>`;
    } else head += `<text class="ll-label" x="${cx}" y="21" text-anchor="middle" fill="${color}">${esc(fit(a))}</text>`;
    head += `</g>`;
  }
  for (const [side, hidden, cx] of /** @type {const} */ ([['left', leftHidden, leftX], ['right', rightHidden, rightX]])) {
    if (!hidden.length) continue;
    const tip = `${hidden.length} lifeline${hidden.length === 1 ? '' : 's'} out of view (click, or scroll sideways, to show them):\n${hidden.join('\n')}`;
    head += `<g class="ll-edge" data-edge="${side}" data-hidden="${esc(hidden.join(' '))}"><title>${esc(tip)}</title><rect class="ll-edge-box" x="${cx - EDGE / 2 + 4}" y="3" width="${EDGE - 8}" height="${HEAD - 7}" rx="6"/>`;
    head += `<text class="ll-edge-label" x="${cx}" y="15" text-anchor="middle">${side === 'left' ? `◀ ${hidden.length}` : `${hidden.length} ▶`}</text>`;
    head += `<text class="m-time" x="${cx}" y="26" text-anchor="middle">more</text></g>`;
  }
  head += `</svg>`;

  let body = `<svg width="${width}" height="${height}"><defs>`;
  for (const k of KINDS) {
    const c = /** @type {Record<string, string>} */ (COLORS)[k];
    body += `<marker id="sq-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`;
  }
  body += `</defs>`;
  if (leftHidden.length) body += `<rect class="ll-edge-lane" x="${leftX - EDGE / 2 + 4}" y="0" width="${EDGE - 8}" height="${height}"/>`;
  if (rightHidden.length) body += `<rect class="ll-edge-lane" x="${rightX - EDGE / 2 + 4}" y="0" width="${EDGE - 8}" height="${height}"/>`;
  for (const [, cx] of xs) body += `<line class="ll-line" x1="${cx}" x2="${cx}" y1="0" y2="${height}"/>`;
  msgs.forEach((m, i) => {
    const top = i * ROW;
    const y = top + 16;
    const x1 = at(m.from);
    const x2 = at(m.to);
    const kind = kindOf(m.from);
    const color = /** @type {Record<string, string>} */ (COLORS)[kind] ?? '#94a3b8';
    const dropped = m.status === 'dropped';
    const stepped = opts.stepped?.has(m.seq) ?? false;
    const cls = ['m-row', dropped ? 'dropped' : '', m.seq === opts.selected ? 'sel' : '', stepped ? 'stepped' : ''].filter(Boolean).join(' ');
    const full = `#${m.seq} ${m.realFrom ?? m.from} → ${m.realTo ?? m.to}: ${m.event} ${m.summary}${dropped ? ` (dropped: ${m.reason})` : m.reason ? ` (${m.reason})` : ''}${m.flow ? `\nflow: ${m.flow}` : ''}\nsent ${formatTime(m.sent)}, delivered ${formatTime(m.time)}`;
    body += `<g class="${cls}" data-seq="${m.seq}" data-from="${esc(m.realFrom ?? m.from)}" data-to="${esc(m.realTo ?? m.to)}" data-event="${esc(m.event)}"${m.flow ? ` data-flow="${esc(m.flow)}"` : ''}><title>${esc(full)}</title>`;
    body += `<rect class="m-bg" x="0" y="${top}" width="${width}" height="${ROW}"/>`;
    body += `<text class="m-time" x="${stepped ? 14 : 6}" y="${y + 3}">${(m.time / 1000).toFixed(3)}</text>`;
    if (stepped) body += `<text class="m-step" x="3" y="${y + 3}">▶<title>delivered by Step</title></text>`;
    const via = m.realTo && m.realTo !== m.to ? shortName(m.realTo) : m.realFrom && m.realFrom !== m.from ? shortName(m.realFrom) : '';
    // an end out of view is named: `kubelet node-7 ⇢ api.request …`, `watch.added … ⇢ kubelet node-7`
    const fromAway = away(m.from) ? `${label(m.from)} ⇢ ` : '';
    const toAway = away(m.to) ? ` ⇢ ${label(m.to)}` : '';
    const evName = via ? `${m.event} [${via}]` : m.event;
    const event = m.from === m.to ? `${fromAway}${evName}` : `${fromAway}${evName}${toAway}`;
    const text0 = `${event} ${m.summary}`.trim();
    const mark = `url(#sq-${kind in COLORS ? kind : 'actor'})`;
    if (m.from !== m.to && x1 === x2) {
      // both ends out of view on the same side: a loop in the edge lane, the label beside it
      // naming both ends
      const inward = x1 === rightX ? -1 : 1;
      body += `<path class="m-line" stroke="${color}" d="M${x1},${y - 6} h${inward * 14} v10 h${-inward * 12}"${dropped ? '' : ` marker-end="${mark}"`}/>`;
      const both = `${label(m.from)} ⇢ ${label(m.to)}: ${evName}`;
      const room = inward < 0 ? x1 - 20 - GUTTER : width - x1 - 20;
      const text = trim(`${both} ${m.summary}`.trim(), Math.max(14, Math.floor(room / 6.2)));
      const evLen = Math.min(both.length, text.length);
      body += `<text class="m-text" x="${x1 + inward * 20}" y="${y - 2}"${inward < 0 ? ' text-anchor="end"' : ''}><tspan class="ev" fill="${color}">${esc(text.slice(0, evLen))}</tspan>${esc(text.slice(evLen))}</text>`;
    } else if (m.from === m.to) {
      body += `<path class="m-line" stroke="${color}" d="M${x1},${y - 6} h22 v10 h-20" marker-end="${mark}"/>`;
      body += `<text class="m-text" x="${x1 + 28}" y="${y - 2}"><tspan class="ev">${esc(event)}</tspan> ${esc(trim(m.summary, 48))}</text>`;
    } else {
      const dir = x2 > x1 ? 1 : -1;
      const end = x2 - dir * 3;
      body += `<line class="m-line" stroke="${color}" x1="${x1 + dir * 3}" y1="${y}" x2="${end}" y2="${y}"${dropped ? '' : ` marker-end="${mark}"`}/>`;
      if (dropped) body += `<path class="m-x" d="M${end - 4},${y - 4} l8,8 M${end - 4},${y + 4} l8,-8"/>`;
      // the label starts above the arrow's left end and may run past its right end when the
      // arrow is short (up to the diagram's edge)
      const left = Math.min(x1, x2) + 6;
      const room = Math.max(Math.abs(x2 - x1) - 12, Math.min(width - left - 8, 380));
      const text = trim(text0, Math.max(14, Math.floor(room / 6.2)));
      const evLen = Math.min(event.length, text.length);
      body += `<text class="m-text" x="${left}" y="${y - 4}"><tspan class="ev" fill="${color}">${esc(text.slice(0, evLen))}</tspan>${esc(text.slice(evLen))}</text>`;
    }
    body += `</g>`;
  });
  body += `</svg>`;
  el.innerHTML = `<div class="seq-head">${head}</div><div class="seq-rows">${body}</div>`;
  return { offset: start, shown: end - start, total: lifelines.length };
}

/** A text cut with `…` to fit `px` (by `measure`). */
function trimTo(/** @type {string} */ s, /** @type {number} */ px, /** @type {(t: string) => number} */ measure) {
  if (measure(s) <= px) return s;
  let n = s.length - 1;
  while (n > 1 && measure(`${s.slice(0, n)}…`) > px) n--;
  return `${s.slice(0, n)}…`;
}

function trim(/** @type {string} */ s, /** @type {number} */ n) {
  return s.length > n ? `${s.slice(0, Math.max(1, n - 1))}…` : s;
}
