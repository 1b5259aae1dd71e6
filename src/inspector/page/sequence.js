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
 * @param {{ hosts: Map<string, string>, nodes: string[], selected: number | null, stepped?: Set<number>, measure: (t: string) => number }} opts
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
    return;
  }
  const widths = lifelines.map((l) => {
    const [a, b] = lifelineLabel(l);
    return Math.max(76, Math.ceil(Math.max(opts.measure(a), opts.measure(b))) + 18);
  });
  const natural = GUTTER + widths.reduce((s, w) => s + w, 0);
  const avail = Math.max(el.clientWidth - 2, 200);
  const scale = natural < avail ? (avail - GUTTER) / (natural - GUTTER) : 1;
  /** @type {Map<string, number>} */
  const xs = new Map();
  let x = GUTTER;
  lifelines.forEach((l, i) => {
    const w = widths[i] * scale;
    xs.set(l, x + w / 2);
    x += w;
  });
  const width = Math.ceil(x);
  const height = msgs.length * ROW + 10;

  let head = `<svg width="${width}" height="${HEAD}">`;
  head += `<text x="6" y="21" class="m-time">virtual s</text>`;
  lifelines.forEach((l, i) => {
    const cx = /** @type {number} */ (xs.get(l));
    const w = widths[i] * scale - 10;
    const color = /** @type {Record<string, string>} */ (COLORS)[kindOf(l)] ?? '#94a3b8';
    const [a, b] = lifelineLabel(l);
    head += `<g data-lifeline="${esc(l)}"><title>${esc(l)}</title><rect class="ll-box" x="${cx - w / 2}" y="3" width="${w}" height="${HEAD - 7}" rx="6" stroke="${color}"/>`;
    if (b) {
      head += `<text class="ll-label" x="${cx}" y="15" text-anchor="middle" fill="${color}">${esc(a)}</text>`;
      head += `<text class="m-time" x="${cx}" y="26" text-anchor="middle">${esc(b)}</text>`;
    } else head += `<text class="ll-label" x="${cx}" y="21" text-anchor="middle" fill="${color}">${esc(a)}</text>`;
    head += `</g>`;
  });
  head += `</svg>`;

  let body = `<svg width="${width}" height="${height}"><defs>`;
  for (const k of KINDS) {
    const c = /** @type {Record<string, string>} */ (COLORS)[k];
    body += `<marker id="sq-${k}" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L10,5 L0,10 z" fill="${c}"/></marker>`;
  }
  body += `</defs>`;
  for (const l of lifelines) {
    const cx = xs.get(l);
    body += `<line class="ll-line" x1="${cx}" x2="${cx}" y1="0" y2="${height}"/>`;
  }
  msgs.forEach((m, i) => {
    const top = i * ROW;
    const y = top + 16;
    const x1 = /** @type {number} */ (xs.get(m.from));
    const x2 = /** @type {number} */ (xs.get(m.to));
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
    const event = via ? `${m.event} [${via}]` : m.event;
    const label = `${event} ${m.summary}`.trim();
    if (m.from === m.to) {
      body += `<path class="m-line" stroke="${color}" d="M${x1},${y - 6} h22 v10 h-20" marker-end="url(#sq-${kind in COLORS ? kind : 'actor'})"/>`;
      body += `<text class="m-text" x="${x1 + 28}" y="${y - 2}"><tspan class="ev">${esc(event)}</tspan> ${esc(trim(m.summary, 48))}</text>`;
    } else {
      const dir = x2 > x1 ? 1 : -1;
      const end = x2 - dir * 3;
      body += `<line class="m-line" stroke="${color}" x1="${x1 + dir * 3}" y1="${y}" x2="${end}" y2="${y}"${dropped ? '' : ` marker-end="url(#sq-${kind in COLORS ? kind : 'actor'})"`}/>`;
      if (dropped) body += `<path class="m-x" d="M${end - 4},${y - 4} l8,8 M${end - 4},${y + 4} l8,-8"/>`;
      // the label starts above the arrow's left end and may run past its right end when the
      // arrow is short (up to the diagram's edge)
      const left = Math.min(x1, x2) + 6;
      const room = Math.max(Math.abs(x2 - x1) - 12, Math.min(width - left - 8, 380));
      const text = trim(label, Math.max(14, Math.floor(room / 6.2)));
      const evLen = Math.min(event.length, text.length);
      body += `<text class="m-text" x="${left}" y="${y - 4}"><tspan class="ev" fill="${color}">${esc(text.slice(0, evLen))}</tspan>${esc(text.slice(evLen))}</text>`;
    }
    body += `</g>`;
  });
  body += `</svg>`;
  el.innerHTML = `<div class="seq-head">${head}</div><div class="seq-rows">${body}</div>`;
}

function trim(/** @type {string} */ s, /** @type {number} */ n) {
  return s.length > n ? `${s.slice(0, Math.max(1, n - 1))}…` : s;
}
