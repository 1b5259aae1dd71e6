// @ts-check
/**
 * The statechart panel: the selected actor's machine (laid out by elkjs, drawn by statechart.js)
 * with its active states, pan, zoom and maximise; and the scheduler's view of the selected pod.
 */
import { $, dirty, measure, request, schedule, state } from './shared.js';
import { buildElkGraph, highlight, renderSvg, valueText, activePaths, wheelFactor } from './statechart.js';
import { createSchedulingView } from './scheduling.js';
import { esc, nodeOf } from './model.js';

/** The scheduler's per-plugin view of the selected pod (scheduling.js). */
export const scheduling = createSchedulingView($('scheduling'), request);

/** @type {any} */
let elk;
/** @type {Map<string, Promise<string>>} */
const layouts = new Map();

export async function selectActor(/** @type {string} */ key, /** @type {boolean} */ byUser) {
  state.selected = key;
  if (byUser) state.userSelected = true;
  // the compact band expands the node of the selected actor
  // (picked by the user: it stays expanded; picked by the page: until the user picks one)
  const node = nodeOf(key, state.hosts);
  if (node && state.nodes.includes(node) && (byUser ? node !== state.expandedNode : !state.expandedNode)) {
    if (byUser) state.expandedNode = node;
    if (state.archCompact) {
      dirty.arch = true;
      schedule();
    }
  }
  for (const el of $('arch').querySelectorAll('.selected')) el.classList.remove('selected');
  for (const el of $('arch').querySelectorAll(`[data-actor="${CSS.escape(key)}"]`)) el.classList.add('selected');
  $('chart-title').textContent = key;
  // a pod: the scheduler's last cycle of it, per plugin
  const podKey = /^pod\/([^/]+\/[^/]+)$/.exec(key)?.[1];
  if (podKey && byUser) scheduling.show(podKey);
  // until its statechart arrives, the previous actor's state is not shown as this one's
  const old = $('chart').querySelector('svg.chart');
  if (old && state.chart && state.chart.key !== key) {
    highlight(old, null);
    state.chart.value = undefined;
    $('chart-value').textContent = '';
  }
  const answer = await request({ type: 'statechart', key });
  if (state.selected !== key) return;
  const body = $('chart');
  if (!answer.definition) {
    state.chart = null;
    body.innerHTML = `<div class="empty">${esc(key)}: ${esc(answer.error ?? 'its logic is not a state machine')}</div>`;
    $('chart-value').textContent = '';
    return;
  }
  const def = answer.definition;
  const cacheKey = `${def.id}:${JSON.stringify(def).length}`;
  $('chart-title').textContent = `${key} · machine “${def.id}”`;
  if (state.chart?.cacheKey === cacheKey && body.querySelector('svg.chart')) {
    state.chart.key = key;
    showValue(state.actors.get(key)?.value ?? answer.value, false);
    return;
  }
  let p = layouts.get(cacheKey);
  if (!p) {
    elk ??= new /** @type {any} */ (window).ELK();
    const graph = buildElkGraph(def, measure);
    p = elk.layout(graph).then((/** @type {any} */ laid) => renderSvg(laid, def));
    layouts.set(cacheKey, /** @type {Promise<string>} */ (p));
  }
  body.innerHTML = `<div class="empty">laying out ${esc(def.id)}…</div>`;
  let svg;
  try {
    svg = await p;
  } catch (error) {
    body.innerHTML = `<div class="empty">layout failed: ${esc(String(error))}</div>`;
    return;
  }
  if (state.selected !== key) return;
  body.innerHTML = svg;
  state.chart = { key, cacheKey, value: undefined };
  fit();
  showValue(state.actors.get(key)?.value ?? answer.value, false);
}

export function showValue(/** @type {unknown} */ value, /** @type {boolean} */ flash) {
  $('chart-value').textContent = valueText(value);
  const svg = $('chart').querySelector('svg.chart');
  if (!svg || !state.chart) return;
  const before = new Set(activePaths(state.chart.value));
  highlight(svg, value);
  if (flash) {
    for (const p of activePaths(value)) {
      if (before.has(p)) continue;
      const g = svg.querySelector(`g.sc-state[data-path="${CSS.escape(p)}"]`);
      if (g) {
        g.classList.remove('flash');
        void (/** @type {any} */ (g).getBBox?.());
        g.classList.add('flash');
      }
    }
  }
  state.chart.value = value;
}

function applyView() {
  const svg = /** @type {SVGSVGElement | null} */ ($('chart').querySelector('svg.chart'));
  if (svg) svg.style.transform = `translate(${state.view.x}px, ${state.view.y}px) scale(${state.view.k})`;
  $('chart-zoom').textContent = `${Math.round(state.view.k * 100)}%`;
}

/** Zoom limits of the statechart. */
const ZOOM_MIN = 0.05;
const ZOOM_MAX = 4;

/** Zooms the statechart by `factor`, keeping the point (px, py) of the panel where it is. */
function zoomAt(/** @type {number} */ factor, /** @type {number} */ px, /** @type {number} */ py) {
  const k = Math.max(ZOOM_MIN, Math.min(ZOOM_MAX, state.view.k * factor));
  state.view.x = px - ((px - state.view.x) * k) / state.view.k;
  state.view.y = py - ((py - state.view.y) * k) / state.view.k;
  state.view.k = k;
  applyView();
}

/** Maximises the statechart panel over the others (and back). */
export function toggleMaximise(/** @type {boolean} */ on = !document.body.classList.contains('chart-max')) {
  document.body.classList.toggle('chart-max', on);
  const b = $('chart-max');
  b.textContent = on ? '⤡' : '⤢';
  b.title = on ? 'restore the panels (Esc)' : 'maximise the statechart (Esc restores)';
  b.setAttribute('aria-pressed', String(on));
  fit();
}

export function fit() {
  const svg = $('chart').querySelector('svg.chart');
  if (!svg) return;
  const body = $('chart');
  const w = Number(svg.getAttribute('data-width'));
  const h = Number(svg.getAttribute('data-height'));
  const k = Math.max(ZOOM_MIN, Math.min((body.clientWidth - 16) / w, (body.clientHeight - 16) / h, 1.5));
  state.view = { k, x: (body.clientWidth - w * k) / 2, y: Math.max(8, (body.clientHeight - h * k) / 2) };
  applyView();
}

export function autoSelect() {
  const pod = [...state.actors.values()].find((a) => a.kind === 'pod');
  // the single scheduler; with several control-plane nodes, the etcd leader
  const leader = state.controlPlane?.etcd.leader;
  const pick = pod?.key ?? (state.actors.has('scheduler') ? 'scheduler' : leader && state.actors.has(leader) ? leader : [...state.actors.keys()][0]);
  if (pick) selectActor(pick, false);
}

$('chart-fit').addEventListener('click', fit);
$('chart-max').addEventListener('click', () => toggleMaximise());
for (const [id, factor] of /** @type {const} */ ([['chart-zoom-in', 1.25], ['chart-zoom-out', 0.8]])) {
  $(id).addEventListener('click', () => zoomAt(factor, $('chart').clientWidth / 2, $('chart').clientHeight / 2));
}

// pan and zoom of the statechart
{
  const body = $('chart');
  /** @type {{ x: number, y: number, vx: number, vy: number } | null} */
  let drag = null;
  body.addEventListener('mousedown', (e) => {
    drag = { x: e.clientX, y: e.clientY, vx: state.view.x, vy: state.view.y };
    body.classList.add('dragging');
  });
  window.addEventListener('mousemove', (e) => {
    if (!drag) return;
    state.view.x = drag.vx + e.clientX - drag.x;
    state.view.y = drag.vy + e.clientY - drag.y;
    applyView();
  });
  window.addEventListener('mouseup', () => {
    drag = null;
    body.classList.remove('dragging');
  });
  body.addEventListener(
    'wheel',
    (e) => {
      e.preventDefault();
      const r = body.getBoundingClientRect();
      const px = e.clientX - r.left;
      const py = e.clientY - r.top;
      zoomAt(wheelFactor(e.deltaY, e.deltaMode), px, py);
    },
    { passive: false },
  );
}
