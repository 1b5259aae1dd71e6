// @ts-check
/**
 * The inspector page: wires the WebSocket (connection.js) to the panels: the architecture band
 * (arch.js), the statechart (statechart.js, laid out by elkjs), the sequence diagram
 * (sequence.js), the kubectl tables (tables.js) and the controls.
 */
import { Connection } from './connection.js';
import { archHtml, controlPlaneShape, pulse, updateActor, updateControlPlane, WORKER_BOX } from './arch.js';
import { buildElkGraph, highlight, renderSvg, valueText, activePaths, wheelFactor } from './statechart.js';
import { renderSequence, COLORS } from './sequence.js';
import { renderTables } from './tables.js';
import { createSchedulingView } from './scheduling.js';
import { compareRank, esc, formatTime, isHeartbeat, kindOf, nodeOf, rankOf, setControlPlaneNodes, shortName } from './model.js';

/** Messages the page keeps (older ones are forgotten; the server keeps its own buffer). */
const MAX_KEEP = 20000;
/** Rows the sequence diagram draws. */
const MAX_ROWS = 400;

const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

const state = {
  /** @type {Map<string, any>} */
  actors: new Map(),
  /** @type {string[]} */
  nodes: [],
  /** the control-plane nodes of a highly available control plane (empty for the single one) */
  /** @type {string[]} */
  controlPlaneNodes: [],
  /** its status (`hello.controlPlane`, then `control-plane` messages) */
  /** @type {any} */
  controlPlane: null,
  controlPlaneShape: '',
  /** pod key → node, remembered after the pod is gone (for lifeline order) */
  /** @type {Map<string, string>} */
  hosts: new Map(),
  /** @type {any[]} */
  messages: [],
  /** @type {Map<string, { count: number, last: number }>} */
  flows: new Map(),
  flowsChanged: false,
  /** @type {Set<string>} */
  components: new Set(),
  componentsChanged: false,
  /** @type {any} */
  status: null,
  /** @type {any} */
  tables: {},
  /** @type {Set<string>} */
  seenRows: new Set(),
  /** @type {string | null} */
  selected: null,
  userSelected: false,
  /** @type {string | null} */
  pendingSelect: null,
  /** @type {number | null} */
  selectedSeq: null,
  /** messages delivered by Step: drawn whatever the filters (a stepped heartbeat is what Step did) */
  /** @type {Set<number>} */
  stepped: new Set(),
  /** @type {Set<string>} */
  componentFilter: new Set(),
  flowFilter: '',
  hideNoise: true,
  groupControllers: true,
  follow: true,
  flowsRendered: 0,
  flowCounts: false,
  overflow: 0,
  cluster: /** @type {any} */ (null),
  chart: /** @type {{ key: string, cacheKey: string, value: unknown } | null} */ (null),
  /** the worker nodes as tiles with one expanded (their boxes do not all fit the band's width) */
  archCompact: false,
  /** the worker node whose box the compact band shows (the last picked) */
  /** @type {string | null} */
  expandedNode: null,
  view: { x: 0, y: 0, k: 1 },
  /** the first lifeline in view when they do not all fit the diagram's width */
  seqOffset: 0,
  /** how many lifelines are in view, and in all */
  seqWindow: { shown: 0, total: 0 },
};

const dirty = { arch: false, seq: false, tables: false, filters: false };
let frame = 0;
function schedule() {
  if (!frame) frame = requestAnimationFrame(render);
}

// ---- text measuring ------------------------------------------------------------------------
const canvas = document.createElement('canvas');
const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
function measure(/** @type {string} */ text, font = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif') {
  ctx.font = font;
  return ctx.measureText(text).width;
}

// ---- connection ----------------------------------------------------------------------------
const wsUrl = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
const conn = new Connection(wsUrl, {
  onState(s, info) {
    const el = $('conn');
    el.className = `conn-state ${s}`;
    el.textContent = s === 'open' ? 'live' : s === 'closed' ? `disconnected, ${info ?? ''}` : 'connecting…';
  },
  onReset() {
    state.messages = [];
    state.flows.clear();
    state.components.clear();
    state.hosts.clear();
    state.overflow = 0;
    state.flowFilter = '';
    state.componentFilter.clear();
    $('seq-banner').hidden = true;
    state.flowsChanged = state.componentsChanged = true;
  },
  onHello(m) {
    state.cluster = m.cluster;
    state.nodes = m.cluster.nodes;
    state.controlPlaneNodes = m.cluster.controlPlaneNodes ?? [];
    setControlPlaneNodes(state.controlPlaneNodes);
    state.controlPlane = m.controlPlane ?? null;
    state.controlPlaneShape = controlPlaneShape(state.controlPlane);
    state.componentsChanged = true;
    $('arch').parentElement?.classList.toggle('ha', state.controlPlaneNodes.length > 0);
    state.actors = new Map(m.actors.map((/** @type {any} */ a) => [a.key, a]));
    for (const a of m.actors) if (a.kind === 'pod' && a.host) state.hosts.set(a.key, a.host);
    state.tables = m.tables;
    setStatus(m.status);
    const cp = state.controlPlaneNodes.length;
    $('cluster-info').textContent = `seed ${m.cluster.seed} · profile ${m.cluster.profile} · ${cp ? `${cp} control-plane nodes · ` : ''}${m.cluster.nodes.length} worker node${m.cluster.nodes.length === 1 ? '' : 's'}`;
    const sel = /** @type {HTMLSelectElement} */ ($('fault-node'));
    const options = (/** @type {string[]} */ list) => list.map((n) => `<option>${esc(n)}</option>`).join('');
    const previous = sel.value;
    sel.innerHTML = cp ? `<optgroup label="worker nodes">${options(m.cluster.nodes)}</optgroup><optgroup label="control-plane nodes">${options(state.controlPlaneNodes)}</optgroup>` : options(m.cluster.nodes);
    if (previous && [...sel.options].some((o) => o.value === previous)) sel.value = previous;
    dirty.arch = dirty.tables = dirty.seq = true;
    if (state.selected && state.actors.has(state.selected)) selectActor(state.selected, state.userSelected);
    else autoSelect();
    schedule();
  },
  onMessages(list) {
    let pulses = 0;
    for (let i = list.length - 1; i >= 0; i--) {
      const m = list[i];
      if (m.type === 'message' && pulses < 24) {
        pulse($('arch'), m.to);
        pulses++;
      }
    }
    for (const m of list) handle(m);
    schedule();
  },
});

/** The scheduler's per-plugin view of the selected pod (scheduling.js). */
const scheduling = createSchedulingView($('scheduling'), (req) => conn.request(req));

function handle(/** @type {any} */ m) {
  switch (m.type) {
    case 'actor':
      if (m.op === 'added') {
        state.actors.set(m.actor.key, m.actor);
        if (m.actor.kind === 'pod' && m.actor.host) state.hosts.set(m.actor.key, m.actor.host);
        dirty.arch = true;
        if (m.actor.key === state.pendingSelect || (!state.userSelected && m.actor.kind === 'pod' && (!state.selected || kindOf(state.selected) !== 'pod'))) {
          state.pendingSelect = null;
          selectActor(m.actor.key, false);
        } else if (m.actor.key === state.selected) selectActor(m.actor.key, state.userSelected);
      } else {
        state.actors.delete(m.key);
        dirty.arch = true;
        if (m.key === state.selected) $('chart-title').textContent = `${m.key} (stopped: ${m.status})`;
      }
      break;
    case 'snapshot': {
      const a = state.actors.get(m.key);
      if (!a) break;
      a.value = m.value;
      a.status = m.status;
      if (a.kind === 'node' || a.kind === 'control-plane-node') dirty.arch = true;
      else updateActor($('arch'), a);
      if (m.key === state.selected) showValue(a.value, true);
      break;
    }
    case 'message':
      state.messages.push(m);
      if (state.messages.length > MAX_KEEP + 2000) state.messages.splice(0, state.messages.length - MAX_KEEP);
      if (m.flow) {
        const f = state.flows.get(m.flow);
        if (f) {
          f.count++;
          f.last = m.seq;
          state.flowCounts = true;
        } else {
          state.flows.set(m.flow, { count: 1, last: m.seq });
          state.flowsChanged = true;
        }
      }
      for (const c of [m.from, m.to]) {
        if (!state.components.has(c)) {
          state.components.add(c);
          state.componentsChanged = true;
        }
      }
      dirty.seq = true;
      break;
    case 'overflow':
      state.overflow += m.to - m.from;
      $('seq-banner').hidden = false;
      $('seq-banner').textContent = `⚠ ${state.overflow} message${state.overflow === 1 ? '' : 's'} could not be shown: ${m.message}`;
      break;
    case 'cluster':
      state.tables = m.tables;
      dirty.tables = true;
      if (scheduling.pod) scheduling.refresh();
      break;
    case 'status':
      setStatus(m);
      break;
    case 'control-plane': {
      state.controlPlane = m.controlPlane;
      const shape = controlPlaneShape(m.controlPlane);
      if (shape !== state.controlPlaneShape) {
        state.controlPlaneShape = shape;
        dirty.arch = true;
      } else if (!dirty.arch) updateControlPlane($('arch'), m.controlPlane);
      break;
    }
  }
}

function setStatus(/** @type {any} */ s) {
  state.status = s;
  if (!s.paused && state.stepped.size) {
    // playing again: what Step delivered is no longer special
    state.stepped.clear();
    $('step-info').hidden = true;
    dirty.filters = true;
  }
  const clock = $('clock');
  clock.textContent = formatTime(s.time);
  clock.classList.toggle('paused', s.paused);
  const play = $('btn-play');
  play.innerHTML = s.paused
    ? '<svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><path d="M4 2.5 L13 8 L4 13.5 Z"/></svg>Play'
    : '<svg class="icon" viewBox="0 0 16 16" aria-hidden="true"><path d="M4 3 h3 v10 h-3 Z M9 3 h3 v10 h-3 Z"/></svg>Pause';
  play.classList.toggle('primary', true);
  const speed = /** @type {HTMLSelectElement} */ ($('speed'));
  if (document.activeElement !== speed) {
    const v = String(s.speed);
    if (![...speed.options].some((o) => o.value === v)) speed.insertAdjacentHTML('beforeend', `<option value="${esc(v)}">${esc(v)}×</option>`);
    speed.value = v;
  }
  $('stats').textContent = `${s.seq.toLocaleString()} messages · ${state.actors.size} actors${s.errors ? ` · ${s.errors} actor errors` : ''}${s.error ? ` · stopped: ${s.error}` : ''}`;
  // a simulation error is not a detail of the counters: it stands out until it is gone
  const problem = $('sim-error');
  const last = s.lastActorError ? ` — the last: ${s.lastActorError.address} at ${formatTime(s.lastActorError.time)}: ${s.lastActorError.message}` : '';
  const text = s.error ? `⚠ The simulation stopped: ${s.error}${last}` : s.errors ? `⚠ ${s.errors} actor error${s.errors === 1 ? '' : 's'}${last || ' (an actor failed; the kernel recorded it)'}` : '';
  problem.title = text;
  problem.hidden = !text;
  if (problem.textContent !== text) problem.textContent = text;
  problem.classList.toggle('stopped', Boolean(s.error));
}

// ---- rendering -----------------------------------------------------------------------------
function render() {
  frame = 0;
  if (dirty.arch) {
    dirty.arch = false;
    renderArch();
  }
  if (dirty.tables) {
    dirty.tables = false;
    renderTables($('tables'), state.tables, state.seenRows);
  }
  if (state.flowsChanged) {
    state.flowsChanged = false;
    renderFlowOptions();
  }
  if (state.componentsChanged) {
    state.componentsChanged = false;
    renderComponentFilter();
  }
  if (dirty.seq || dirty.filters) {
    const force = dirty.filters;
    dirty.seq = dirty.filters = false;
    if (state.follow || force) renderSeq(force);
    else updateCount();
  }
}

/**
 * The architecture band. Every worker node gets its own box when the boxes fit the band's width;
 * otherwise (more nodes, a narrower window) each node is a tile and only the expanded node has
 * its box. The control plane and the user are drawn the same either way, so whether the boxes
 * fit is decided from their widths without going back and forth.
 */
function renderArch() {
  const el = $('arch');
  const band = /** @type {HTMLElement} */ (el.parentElement);
  const draw = (/** @type {boolean} */ compact) => {
    el.innerHTML = archHtml(state.actors, state.nodes, state.selected, state.controlPlaneNodes.length ? { nodes: state.controlPlaneNodes, view: state.controlPlane } : null, { compact, expanded: expandedNode() });
    band.classList.toggle('compact', compact);
  };
  draw(state.archCompact);
  let others = 0;
  for (const c of el.children) if (!c.classList.contains('workers')) others += c.getBoundingClientRect().width + 10;
  const workers = new Set([...state.nodes, ...[...state.actors.values()].filter((a) => a.kind === 'node').map((a) => a.key.slice('node/'.length))]).size;
  const style = getComputedStyle(band);
  const room = band.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
  const compact = others + workers * WORKER_BOX > room;
  if (compact !== state.archCompact) {
    state.archCompact = compact;
    draw(compact);
  }
}

/** The worker node the compact band expands: the last picked, else the selected actor's, else the first in trouble, else the first. */
function expandedNode() {
  if (state.expandedNode && state.nodes.includes(state.expandedNode)) return state.expandedNode;
  const fromSelected = state.selected ? nodeOf(state.selected, state.hosts) : undefined;
  if (fromSelected && state.nodes.includes(fromSelected)) return fromSelected;
  const trouble = state.nodes.find((n) => {
    const a = state.actors.get(`node/${n}`);
    return !a || !/^ready/.test(String(typeof a.value === 'string' ? a.value : Object.keys(a.value ?? {})[0] ?? ''));
  });
  return trouble ?? state.nodes[0] ?? null;
}

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
function renderSeq(force = false) {
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

function updateCount() {
  const total = state.messages.length;
  $('seq-count').textContent = `${shown} shown · ${total.toLocaleString()} received${state.follow ? '' : ' · paused scrolling'}`;
}

// counts in the flow list are refreshed once a second (not while the list is open)
setInterval(() => {
  if (state.flowCounts && document.activeElement !== $('flow-filter')) renderFlowOptions();
}, 1000);

function renderFlowOptions() {
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

function renderComponentFilter() {
  const list = [...new Set([...state.components].map(lifeline))].sort((a, b) => compareRank(/** @type {any} */ (rankOf(a, state.hosts, state.nodes)), /** @type {any} */ (rankOf(b, state.hosts, state.nodes))));
  $('component-filter').innerHTML = list
    .map((c) => {
      const color = /** @type {Record<string, string>} */ (COLORS)[kindOf(c)] ?? '#94a3b8';
      return `<button class="cf${state.componentFilter.has(c) ? ' on' : ''}" data-component="${esc(c)}" style="--kind:${color}" title="${esc(c)}">${esc(c)}</button>`;
    })
    .join('');
}

// ---- statechart ----------------------------------------------------------------------------
/** @type {any} */
let elk;
/** @type {Map<string, Promise<string>>} */
const layouts = new Map();

async function selectActor(/** @type {string} */ key, /** @type {boolean} */ byUser) {
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
  const answer = await conn.request({ type: 'statechart', key });
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

function showValue(/** @type {unknown} */ value, /** @type {boolean} */ flash) {
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
function toggleMaximise(/** @type {boolean} */ on = !document.body.classList.contains('chart-max')) {
  document.body.classList.toggle('chart-max', on);
  const b = $('chart-max');
  b.textContent = on ? '⤡' : '⤢';
  b.title = on ? 'restore the panels (Esc)' : 'maximise the statechart (Esc restores)';
  b.setAttribute('aria-pressed', String(on));
  fit();
}

function fit() {
  const svg = $('chart').querySelector('svg.chart');
  if (!svg) return;
  const body = $('chart');
  const w = Number(svg.getAttribute('data-width'));
  const h = Number(svg.getAttribute('data-height'));
  const k = Math.max(ZOOM_MIN, Math.min((body.clientWidth - 16) / w, (body.clientHeight - 16) / h, 1.5));
  state.view = { k, x: (body.clientWidth - w * k) / 2, y: Math.max(8, (body.clientHeight - h * k) / 2) };
  applyView();
}

function autoSelect() {
  const pod = [...state.actors.values()].find((a) => a.kind === 'pod');
  // the single scheduler; with several control-plane nodes, the etcd leader
  const leader = state.controlPlane?.etcd.leader;
  const pick = pod?.key ?? (state.actors.has('scheduler') ? 'scheduler' : leader && state.actors.has(leader) ? leader : [...state.actors.keys()][0]);
  if (pick) selectActor(pick, false);
}

// ---- payload -------------------------------------------------------------------------------
function jsonHtml(/** @type {unknown} */ v) {
  const text = JSON.stringify(v, null, 2) ?? 'null';
  return esc(text).replace(/(&quot;(?:[^&]|&(?!quot;))*?&quot;)(\s*:)?|\b(true|false|null)\b|(-?\d+(?:\.\d+)?(?:e[+-]?\d+)?)/g, (_m, str, colon, lit, num) => {
    if (str) return colon ? `<span class="j-key">${str}</span>${colon}` : `<span class="j-str">${str}</span>`;
    if (lit) return `<span class="j-lit">${lit}</span>`;
    return `<span class="j-num">${num}</span>`;
  });
}

async function showPayload(/** @type {number} */ seq) {
  state.selectedSeq = seq;
  for (const g of $('seq').querySelectorAll('.m-row.sel')) g.classList.remove('sel');
  $('seq').querySelector(`.m-row[data-seq="${seq}"]`)?.classList.add('sel');
  const el = $('payload');
  el.hidden = false;
  el.innerHTML = `<div class="p-head">loading message #${seq}…</div>`;
  seqHeight = $('seq').clientHeight;
  if (!state.follow) revealRow(seq);
  const answer = await conn.request({ type: 'payload', seq });
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

// ---- results -------------------------------------------------------------------------------
function statusBox(/** @type {any} */ s) {
  if (!s) return '';
  const causes = s.details?.causes ?? [];
  let h = `<div class="status-box"><div class="s-head">${esc(s.code ?? '')} ${esc(s.reason ?? 'Failure')}${causes.length ? ` · ${causes.length} cause${causes.length === 1 ? '' : 's'}` : ''}</div><div class="s-msg" title="click to show all of it">${esc(s.message ?? '')}</div>`;
  for (const c of causes) {
    h += `<div class="cause"><code class="field">${esc(c.field ?? '(object)')}</code> <span class="reason">${esc(c.reason ?? '')}</span><div class="c-msg">${esc(c.message ?? '')}</div></div>`;
  }
  return h + `</div>`;
}

function showResult(/** @type {any} */ r) {
  const el = $('result');
  if (r.type === 'error') {
    el.innerHTML = `<div class="fail">${esc(r.message)}</div>`;
    return;
  }
  let h = '';
  if (r.items) {
    for (const i of r.items) h += i.ok ? `<div class="ok">${esc(i.ref)} ${esc(i.action)}</div>` : `<div class="fail">${esc(i.ref)}</div>${statusBox(i.status)}`;
  }
  if (!r.items?.length) h += r.ok ? `<div class="ok">${esc(r.message ?? 'ok')}</div>` : r.status ? statusBox(r.status) : `<div class="fail">${esc(r.error ?? r.message ?? 'failed')}</div>`;
  else if (r.status) h += statusBox(r.status);
  el.innerHTML = h;
}

const EXAMPLE = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: web
        image: nginx:1.14.2
        ports:
        - containerPort: 80
`;

const BROKEN = `# the API server refuses this pod: see the Status and its causes
apiVersion: v1
kind: Pod
metadata:
  name: Bad_Name
spec:
  restartPolicy: Sometimes
  containers:
  - name: web
    ports:
    - containerPort: 70000
`;

// ---- wiring --------------------------------------------------------------------------------
function control(/** @type {any} */ req) {
  conn.request({ type: 'control', ...req }).then((r) => {
    if (!r.ok) showResult(r);
  });
}

$('btn-play').addEventListener('click', () => control({ action: state.status?.paused ? 'resume' : 'pause' }));
/**
 * Step: delivers the next message and shows it, whatever the filters: its row is drawn (marked
 * ▶), selected with its payload, and the line above the diagram says what it was — a stepped
 * heartbeat would otherwise change nothing visible.
 */
async function step() {
  setFollow(true);
  const r = await conn.request({ type: 'control', action: 'step' });
  if (!r.ok) return showResult(r);
  const seqs = /** @type {number[]} */ (r.seqs ?? []);
  const info = $('step-info');
  info.hidden = false;
  if (!seqs.length) {
    info.innerHTML = `<b>Step</b>: nothing to deliver (no message is pending)`;
    return;
  }
  for (const s of seqs) state.stepped.add(s);
  const seq = seqs[seqs.length - 1];
  const m = state.messages.find((x) => x.seq === seq);
  const hidden = m ? visibleByFilters(m) : '';
  info.innerHTML = m
    ? `<b>Stepped</b> #${seq} at ${esc(formatTime(m.time))}: ${esc(m.from)} → ${esc(m.to)} <b>${esc(m.event)}</b> ${esc(m.summary)}${m.status === 'dropped' ? ` <span class="bad">(dropped: ${esc(m.reason)})</span>` : ''}${hidden ? ` <span class="muted">— drawn although ${esc(hidden)}</span>` : ''}`
    : `<b>Stepped</b> #${seq}`;
  state.selectedSeq = seq;
  dirty.filters = true;
  schedule();
  showPayload(seq);
}

/** Why the filters would hide a message (`heartbeats are hidden`), or '' when they show it. */
function visibleByFilters(/** @type {any} */ m) {
  if (state.hideNoise && isHeartbeat(m)) return 'heartbeats are hidden';
  if (state.flowFilter && m.flow !== state.flowFilter) return 'another flow is selected';
  if (state.componentFilter.size && !(state.componentFilter.has(lifeline(m.from)) || state.componentFilter.has(lifeline(m.to)))) return 'other components are selected';
  return '';
}

$('btn-step').addEventListener('click', () => step());
$('speed').addEventListener('change', (e) => control({ action: 'speed', speed: Number(/** @type {HTMLSelectElement} */ (e.target).value) }));
for (const b of document.querySelectorAll('[data-jump]')) b.addEventListener('click', () => control({ action: 'jump', ms: Number(b.getAttribute('data-jump')) }));
document.addEventListener('keydown', (e) => {
  const t = /** @type {HTMLElement} */ (e.target);
  if (t && (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.tagName === 'SELECT')) return;
  if (e.key === ' ') {
    e.preventDefault();
    control({ action: state.status?.paused ? 'resume' : 'pause' });
  } else if (e.key === 's') step();
  else if (e.key === 'Escape' && document.body.classList.contains('chart-max')) toggleMaximise(false);
});

// a row of the pods table: the scheduler's last cycle of that pod (a Pending pod has no actor yet)
$('tables').addEventListener('click', (e) => {
  const row = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('tr[data-row^="pods/"]'));
  if (row) scheduling.show(/** @type {string} */ (row.getAttribute('data-row')).slice('pods/'.length));
});

$('arch').addEventListener('click', (e) => {
  const pick = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[data-node-pick]'));
  if (pick) return selectActor(`node/${pick.getAttribute('data-node-pick')}`, true);
  const el = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[data-actor]'));
  if (el) selectActor(/** @type {string} */ (el.getAttribute('data-actor')), true);
});

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

function setFollow(/** @type {boolean} */ on) {
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

for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t === tab);
    for (const b of document.querySelectorAll('[data-tab-body]')) /** @type {HTMLElement} */ (b).hidden = b.getAttribute('data-tab-body') !== tab.getAttribute('data-tab');
  });
}

/** Shows one flow in the sequence diagram (after the page started a request). */
function focusFlow(/** @type {string} */ flow) {
  state.flowFilter = flow;
  state.seqOffset = 0;
  if (!state.flows.has(flow)) state.flows.set(flow, { count: 0, last: Number.MAX_SAFE_INTEGER });
  renderFlowOptions();
  state.follow = true;
  /** @type {HTMLInputElement} */ ($('follow')).checked = true;
  dirty.filters = true;
  schedule();
}

$('create-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = /** @type {HTMLInputElement} */ ($('pod-name')).value.trim();
  const image = /** @type {HTMLInputElement} */ ($('pod-image')).value.trim();
  const btn = /** @type {HTMLButtonElement} */ ($('btn-create'));
  btn.disabled = true;
  $('result').innerHTML = `<div>creating…${state.status?.paused ? ' (virtual time is paused: press Play or Step)' : ''}</div>`;
  const requested = name || null;
  if (requested) {
    state.pendingSelect = `pod/default/${requested}`;
    focusFlow(`create pods default/${requested}`);
  }
  const r = await conn.request({ type: 'create-pod', ...(name ? { name } : {}), ...(image ? { image } : {}) });
  btn.disabled = false;
  showResult(r);
  if (r.ok && r.name) {
    const key = `pod/default/${r.name}`;
    if (state.actors.has(key)) selectActor(key, true);
    else state.pendingSelect = key;
    state.userSelected = true;
    if (r.flow) focusFlow(r.flow);
    /** @type {HTMLInputElement} */ ($('pod-name')).value = '';
  }
});

const manifest = /** @type {HTMLTextAreaElement} */ ($('manifest'));
manifest.value = EXAMPLE;
$('btn-example').addEventListener('click', () => (manifest.value = EXAMPLE));
$('btn-broken').addEventListener('click', () => (manifest.value = BROKEN));
$('btn-apply').addEventListener('click', async () => {
  const btn = /** @type {HTMLButtonElement} */ ($('btn-apply'));
  btn.disabled = true;
  $('result').innerHTML = `<div>applying…${state.status?.paused ? ' (virtual time is paused: press Play or Step)' : ''}</div>`;
  const r = await conn.request({ type: 'apply', manifest: manifest.value });
  btn.disabled = false;
  showResult(r);
  // its flow is selected: the first refused object's (its request and the API server's answer),
  // else the first object's
  const items = (r.items ?? []).filter((/** @type {any} */ i) => i.flow);
  const pick = items.find((/** @type {any} */ i) => !i.ok) ?? items[0];
  if (pick) focusFlow(pick.flow);
  $('result').scrollIntoView({ block: 'nearest' });
});

for (const b of document.querySelectorAll('[data-fault]')) {
  b.addEventListener('click', async () => {
    const kind = b.getAttribute('data-fault');
    const node = /** @type {HTMLSelectElement} */ ($('fault-node')).value;
    const r = await conn.request({ type: 'fault', kind, ...(kind?.endsWith('-node') ? { node } : {}) });
    showResult(r);
    if (r.ok && kind?.endsWith('-node')) {
      state.flowFilter = '';
      renderFlowOptions();
      dirty.filters = true;
      schedule();
    }
  });
}

$('chart-fit').addEventListener('click', fit);
$('chart-max').addEventListener('click', () => toggleMaximise());
for (const [id, factor] of /** @type {const} */ ([['chart-zoom-in', 1.25], ['chart-zoom-out', 0.8]])) {
  $(id).addEventListener('click', () => zoomAt(factor, $('chart').clientWidth / 2, $('chart').clientHeight / 2));
}
$('result').addEventListener('click', (e) => {
  const m = /** @type {HTMLElement} */ (e.target).closest('.s-msg');
  if (m) m.classList.toggle('open');
});
window.addEventListener('resize', () => {
  fit();
  dirty.arch = true;
  dirty.filters = true;
  schedule();
});

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

// for debugging and tests
/** @type {any} */ (window).inspector = { state, conn, selectActor, shortName };

conn.connect();
