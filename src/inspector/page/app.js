// @ts-check
/**
 * The inspector page: wires the WebSocket (connection.js) to the panels: the architecture band
 * (arch.js), the statechart panel (chart-pane.js), the sequence diagram (seq-pane.js), the
 * kubectl tables (tables.js), the results (results.js) and the controls. What they share (the
 * page's state, the render frame, requests) is in shared.js.
 */
import { Connection } from './connection.js';
import { archHtml, controlPlaneShape, pulse, updateActor, updateControlPlane, WORKER_BOX } from './arch.js';
import { renderTables } from './tables.js';
import { $, dirty, MAX_KEEP, request, schedule, setConnection, setRenderer, state } from './shared.js';
import { autoSelect, scheduling, selectActor, showValue, toggleMaximise, fit } from './chart-pane.js';
import { createLogsView } from './logs.js';

/** The log pane of a container of the pod picked in the pods table (logs.js). */
const logs = createLogsView($('logs'), request);
import { renderComponentFilter, renderFlowOptions, renderSeq, setFollow, showPayload, updateCount, visibleByFilters } from './seq-pane.js';
import { showResult } from './results.js';
import { esc, formatTime, kindOf, nodeOf, setControlPlaneNodes, shortName } from './model.js';

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
setConnection(conn);


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
      if (logs.pod) logs.refresh();
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
setRenderer(render);
function render() {
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
  if (row) logs.show(/** @type {string} */ (row.getAttribute('data-row')).slice('pods/'.length));
});

$('arch').addEventListener('click', (e) => {
  const pick = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[data-node-pick]'));
  if (pick) return selectActor(`node/${pick.getAttribute('data-node-pick')}`, true);
  const el = /** @type {HTMLElement | null} */ (/** @type {HTMLElement} */ (e.target).closest('[data-actor]'));
  if (el) selectActor(/** @type {string} */ (el.getAttribute('data-actor')), true);
});

for (const tab of document.querySelectorAll('.tab')) {
  tab.addEventListener('click', () => {
    for (const t of document.querySelectorAll('.tab')) t.classList.toggle('active', t === tab);
    for (const b of document.querySelectorAll('[data-tab-body]')) /** @type {HTMLElement} */ (b).hidden = b.getAttribute('data-tab-body') !== tab.getAttribute('data-tab');
  });
}

window.addEventListener('resize', () => {
  fit();
  dirty.arch = true;
  dirty.filters = true;
  schedule();
});

// for debugging and tests
/** @type {any} */ (window).inspector = { state, conn, selectActor, shortName };

conn.connect();
