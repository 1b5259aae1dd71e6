// @ts-check
/**
 * The statechart panel: an actor's machine definition (the `statechart` message) laid out by
 * elkjs (layered, hierarchical: compound and parallel states contain their children) and drawn
 * as SVG, with the active states highlighted from the actor's current state value.
 *
 * `buildElkGraph` is pure (no DOM) so it can be tested outside a browser.
 */

/** @typedef {{ id: string, key: string, path: string, type: string, initial?: string[], states: StateNode[], transitions: Transition[], entry: string[], exit: string[], invoke: string[], tags: string[] }} StateNode */
/** @typedef {{ event: string, label: string, targets: string[], guard?: string, actions: string[], reenter: boolean }} Transition */

const FONT = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const TITLE_FONT = '600 12px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif';
const LINE = 14;
const MAX_LIST = 7;

/** The active state paths of a state value (ancestors included), e.g. `{a: 'b'}` → `['a', 'a.b']`. */
export function activePaths(value, prefix = '') {
  /** @type {string[]} */
  const out = [];
  const join = (/** @type {string} */ k) => (prefix ? `${prefix}.${k}` : k);
  if (typeof value === 'string') out.push(join(value));
  else if (value && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      out.push(join(k));
      out.push(...activePaths(v, join(k)));
    }
  }
  return out;
}

/** A compact text of a state value: `syncing › containers`, parallel regions joined with ` · `. */
export function valueText(value) {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value !== 'object') return String(value);
  const entries = Object.entries(value);
  return entries
    .map(([k, v]) => {
      const inner = valueText(v);
      if (!inner) return k;
      return typeof v === 'object' && v && Object.keys(v).length > 1 ? `${k}(${inner})` : `${k} › ${inner}`;
    })
    .join(' · ');
}

/**
 * A short text of a state value for small boxes: the path's last two states (`syncing ›
 * containers`), or for parallel states the leaf of each region (`ready · idle`).
 */
export function shortValue(value) {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'object') return String(value);
  /** @type {string[]} */
  const path = [];
  /** @type {any} */
  let v = value;
  while (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length !== 1) {
      /** @type {string[]} */
      const leaves = [];
      const walk = (/** @type {any} */ x, /** @type {string} */ k) => {
        if (x && typeof x === 'object' && Object.keys(x).length) for (const [kk, xx] of Object.entries(x)) walk(xx, kk);
        else leaves.push(typeof x === 'string' ? x : k);
      };
      walk(v, '');
      return leaves.join(' · ');
    }
    path.push(keys[0]);
    v = v[keys[0]];
  }
  if (typeof v === 'string') path.push(v);
  return path.slice(-2).join(' › ');
}

/**
 * How much one wheel event zooms: a mouse's notch (100 px, 3 lines, or 120 px on some systems)
 * is about 10%; a trackpad's or a pinch's small deltas zoom by as little. Lines and pages are
 * converted to pixels first.
 */
export function wheelFactor(/** @type {number} */ deltaY, /** @type {number} */ deltaMode) {
  const px = deltaMode === 1 ? deltaY * 33 : deltaMode === 2 ? deltaY * 800 : deltaY;
  const clamped = Math.max(-120, Math.min(120, px));
  return Math.exp(-clamped * 0.001);
}

/** The label of a transition with its guard: `pod.sync [changed]`. */
function edgeText(/** @type {Transition} */ t) {
  return t.guard ? `${t.label} [${t.guard}]` : t.label;
}

/**
 * The ELK graph of a statechart. `measure(text, font)` returns a text's width in px.
 * Edges go into the lowest common ancestor of their ends (as ELK expects); coordinates come
 * back relative to the root (`elk.json.shapeCoords`/`edgeCoords: ROOT`).
 */
export function buildElkGraph(/** @type {{ id: string, root: StateNode }} */ chart, /** @type {(text: string, font: string) => number} */ measure) {
  /** @type {Map<string, StateNode>} */
  const byId = new Map();
  /** @type {Map<string, string | undefined>} */
  const parentOf = new Map();
  const index = (/** @type {StateNode} */ n, /** @type {string | undefined} */ parent) => {
    byId.set(n.id, n);
    parentOf.set(n.id, parent);
    for (const c of n.states) index(c, n.id);
  };
  index(chart.root, undefined);

  /** @type {Map<string, any>} */
  const elkNodes = new Map();
  /** @type {any[]} */
  const pending = [];
  let edgeNo = 0;

  const ancestors = (/** @type {string} */ id) => {
    const out = [];
    for (let p = /** @type {string | undefined} */ (id); p !== undefined; p = parentOf.get(p)) out.push(p);
    return out;
  };
  const container = (/** @type {string} */ s, /** @type {string} */ t) => {
    if (s === t) return parentOf.get(s) ?? s;
    const as = ancestors(s);
    const at = new Set(ancestors(t));
    if (at.has(s)) return s;
    for (const a of as) if (at.has(a)) return a;
    return chart.root.id;
  };

  /** Internal (targetless or self) transitions listed inside a state. */
  const internalOf = (/** @type {StateNode} */ n) =>
    n.transitions.filter((t) => t.targets.length === 0 || (t.targets.length === 1 && t.targets[0] === n.id)).map((t) => (t.targets.length ? '↻ ' : '') + edgeText(t));

  const toElk = (/** @type {StateNode} */ n, /** @type {boolean} */ isRoot) => {
    const title = isRoot ? chart.id : n.key;
    const internal = [...new Set(internalOf(n))];
    const shown = internal.slice(0, MAX_LIST);
    if (internal.length > MAX_LIST) shown.push(`+${internal.length - MAX_LIST} more`);
    const titleW = measure(title, TITLE_FONT) + (n.type === 'parallel' ? 30 : 20);
    const listW = Math.max(0, ...shown.map((s) => measure(s, FONT))) + 16;
    /** @type {any} */
    const node = { id: n.id, labels: [{ text: title }], stateType: n.type, internal: shown, isRoot };
    elkNodes.set(n.id, node);
    if (n.states.length > 0) {
      const listH = shown.length ? shown.length * LINE + 6 : 0;
      node.layoutOptions = { 'elk.padding': `[top=${28 + listH},left=14,bottom=14,right=14]`, 'elk.nodeSize.minimum': `(${Math.max(titleW, listW)}, 40)`, 'elk.nodeSize.constraints': 'MINIMUM_SIZE' };
      node.children = [];
      if (n.type !== 'parallel' && n.initial && n.initial.length) {
        const initId = `${n.id}::initial`;
        node.children.push({ id: initId, width: 10, height: 10, stateType: 'initial' });
        for (const target of n.initial) pending.push({ id: `e${edgeNo++}`, sources: [initId], targets: [target], initial: true, from: initId, to: target });
      }
      for (const c of n.states) node.children.push(toElk(c, false));
    } else {
      node.width = Math.ceil(Math.max(titleW, listW, 56));
      node.height = 26 + (shown.length ? shown.length * LINE + 6 : 0);
    }
    for (const t of n.transitions) {
      const targets = t.targets.filter((x) => byId.has(x) && x !== n.id);
      for (const target of targets) {
        const text = edgeText(t);
        pending.push({
          id: `e${edgeNo++}`,
          sources: [n.id],
          targets: [target],
          from: n.id,
          to: target,
          event: t.event,
          labels: [{ text, width: Math.ceil(measure(text, FONT)) + 6, height: LINE }],
        });
      }
    }
    return node;
  };

  const root = toElk(chart.root, true);
  // edges between the root's own initial marker and its children stay at the root
  for (const e of pending) {
    const from = e.from.endsWith('::initial') ? e.from.slice(0, -'::initial'.length) : e.from;
    const c = e.from.endsWith('::initial') ? from : container(from, e.to);
    const holder = elkNodes.get(c) ?? root;
    (holder.edges ??= []).push(e);
  }
  const graph = {
    id: '__graph',
    layoutOptions: {
      'elk.algorithm': 'layered',
      'elk.direction': 'DOWN',
      'elk.hierarchyHandling': 'INCLUDE_CHILDREN',
      'elk.edgeRouting': 'ORTHOGONAL',
      'elk.layered.spacing.nodeNodeBetweenLayers': '34',
      'elk.spacing.nodeNode': '22',
      'elk.spacing.edgeLabel': '3',
      'elk.spacing.edgeNode': '14',
      'elk.spacing.edgeEdge': '8',
      'elk.layered.spacing.edgeNodeBetweenLayers': '12',
      'elk.edgeLabels.placement': 'CENTER',
      'elk.layered.nodePlacement.strategy': 'NETWORK_SIMPLEX',
      'elk.layered.crossingMinimization.semiInteractive': 'true',
      'elk.json.shapeCoords': 'ROOT',
      'elk.json.edgeCoords': 'ROOT',
      'elk.padding': '[top=8,left=8,bottom=8,right=8]',
    },
    children: [root],
  };
  return graph;
}

const esc = (/** @type {string} */ s) => String(s).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] ?? c);

/** Every node of a laid-out ELK graph, with its absolute position (ROOT coordinates). */
function allNodes(/** @type {any} */ n, /** @type {any[]} */ out = []) {
  for (const c of n.children ?? []) {
    out.push(c);
    allNodes(c, out);
  }
  return out;
}
function allEdges(/** @type {any} */ n, /** @type {any[]} */ out = []) {
  for (const e of n.edges ?? []) out.push(e);
  for (const c of n.children ?? []) allEdges(c, out);
  return out;
}

/**
 * SVG markup of a laid-out graph. States carry `data-state-id` and `data-path`; the caller marks
 * active ones with {@link highlight}.
 */
export function renderSvg(/** @type {any} */ laid, /** @type {{ id: string, root: StateNode }} */ chart) {
  /** @type {Map<string, StateNode>} */
  const byId = new Map();
  const index = (/** @type {StateNode} */ n) => {
    byId.set(n.id, n);
    n.states.forEach(index);
  };
  index(chart.root);
  const w = Math.ceil(laid.width ?? 100);
  const h = Math.ceil(laid.height ?? 100);
  let s = `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${w} ${h}" width="${w}" height="${h}" data-width="${w}" data-height="${h}" data-root="${esc(chart.root.id)}">`;
  s += `<defs><marker id="sc-arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="sc-arrowhead"/></marker>`;
  s += `<marker id="sc-arrow-active" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z" class="sc-arrowhead active"/></marker></defs>`;
  const nodes = allNodes(laid);
  // states: outer first so children draw on top
  for (const n of nodes) {
    const x = n.x ?? 0;
    const y = n.y ?? 0;
    if (n.stateType === 'initial') {
      s += `<circle class="sc-initial" cx="${x + 5}" cy="${y + 5}" r="5"/>`;
      continue;
    }
    const state = byId.get(n.id);
    if (!state) continue;
    const compound = (n.children ?? []).length > 0;
    const cls = ['sc-state', `sc-${n.stateType}`, compound ? 'sc-compound' : 'sc-atomic', n.isRoot ? 'sc-root' : ''].join(' ');
    s += `<g class="${cls}" data-state-id="${esc(n.id)}" data-path="${esc(state.path)}">`;
    s += `<title>${esc(state.id)}${state.entry.length ? `\nentry: ${esc(state.entry.join(', '))}` : ''}${state.exit.length ? `\nexit: ${esc(state.exit.join(', '))}` : ''}${state.invoke.length ? `\ninvoke: ${esc(state.invoke.join(', '))}` : ''}</title>`;
    s += `<rect x="${x}" y="${y}" width="${n.width}" height="${n.height}" rx="${compound ? 10 : 8}"/>`;
    if (n.stateType === 'final') s += `<rect class="sc-final-inner" x="${x + 3}" y="${y + 3}" width="${n.width - 6}" height="${n.height - 6}" rx="6"/>`;
    const title = n.labels?.[0]?.text ?? state.key;
    if (compound) {
      s += `<text class="sc-title" x="${x + 10}" y="${y + 17}">${esc(title)}${n.stateType === 'parallel' ? ' ⫴' : ''}</text>`;
    } else {
      s += `<text class="sc-title" x="${x + n.width / 2}" y="${y + 17}" text-anchor="middle">${esc(title)}</text>`;
    }
    const list = n.internal ?? [];
    if (list.length) {
      const top = y + 26;
      if (!compound) s += `<line class="sc-sep" x1="${x + 6}" x2="${x + n.width - 6}" y1="${top - 3}" y2="${top - 3}"/>`;
      list.forEach((t, i) => {
        s += `<text class="sc-internal" x="${x + 8}" y="${top + 10 + i * LINE}">${esc(t)}</text>`;
      });
    }
    s += `</g>`;
  }
  for (const e of allEdges(laid)) {
    const sec = e.sections?.[0];
    if (!sec) continue;
    const pts = [sec.startPoint, ...(sec.bendPoints ?? []), sec.endPoint];
    const d = pts.map((p, i) => `${i ? 'L' : 'M'}${p.x.toFixed(1)},${p.y.toFixed(1)}`).join(' ');
    const from = e.from.endsWith('::initial') ? '' : e.from;
    s += `<g class="sc-edge${e.initial ? ' sc-edge-initial' : ''}" data-from="${esc(from)}" data-to="${esc(e.to)}" data-event="${esc(e.event ?? '')}">`;
    s += `<path d="${d}" marker-end="url(#sc-arrow)"/>`;
    for (const l of e.labels ?? []) {
      if (l.x === undefined) continue;
      s += `<rect class="sc-label-bg" x="${l.x - 1}" y="${l.y - 1}" width="${l.width + 2}" height="${l.height + 2}" rx="3"/>`;
      s += `<text class="sc-label" x="${l.x + 3}" y="${l.y + 10.5}">${esc(l.text)}</text>`;
    }
    s += `</g>`;
  }
  s += `</svg>`;
  return s;
}

/** Marks the states of `value` (and the transitions leaving them) as active in a drawn chart. */
export function highlight(/** @type {Element} */ svg, value) {
  const active = new Set(activePaths(value));
  /** @type {Set<string>} */
  const activeIds = new Set();
  const rootId = svg.getAttribute('data-root') ?? '';
  for (const g of svg.querySelectorAll('g.sc-state')) {
    const path = g.getAttribute('data-path') ?? '';
    const on = path === '' || active.has(path);
    g.classList.toggle('active', on && path !== '');
    if (on) activeIds.add(g.getAttribute('data-state-id') ?? '');
  }
  for (const g of svg.querySelectorAll('g.sc-edge')) {
    const from = g.getAttribute('data-from') ?? '';
    const on = from !== '' && from !== rootId && activeIds.has(from);
    g.classList.toggle('active', on);
    g.querySelector('path')?.setAttribute('marker-end', on ? 'url(#sc-arrow-active)' : 'url(#sc-arrow)');
  }
}
