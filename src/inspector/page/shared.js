// @ts-check
/**
 * What the inspector page's modules share: the page's state, what is dirty and the frame that
 * renders it, text measuring and the requests to the server.
 */

/** Messages the page keeps (older ones are forgotten; the server keeps its own buffer). */
export const MAX_KEEP = 20000;
/** Rows the sequence diagram draws. */
export const MAX_ROWS = 400;

export const $ = (/** @type {string} */ id) => /** @type {HTMLElement} */ (document.getElementById(id));

export const state = {
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

export const dirty = { arch: false, seq: false, tables: false, filters: false };
let frame = 0;
/** @type {() => void} */
let renderer = () => {};
/** The page's render (app.js), run once per animation frame after something is marked dirty. */
export function setRenderer(/** @type {() => void} */ render) {
  renderer = render;
}
export function schedule() {
  if (!frame)
    frame = requestAnimationFrame(() => {
      frame = 0;
      renderer();
    });
}

// ---- text measuring ------------------------------------------------------------------------
const canvas = document.createElement('canvas');
const ctx = /** @type {CanvasRenderingContext2D} */ (canvas.getContext('2d'));
export function measure(/** @type {string} */ text, font = '11px system-ui, -apple-system, "Segoe UI", Roboto, sans-serif') {
  ctx.font = font;
  return ctx.measureText(text).width;
}

// ---- requests ------------------------------------------------------------------------------
/** @type {import('./connection.js').Connection | undefined} */
let connection;
/** The page's connection (app.js creates it). */
export function setConnection(/** @type {import('./connection.js').Connection} */ c) {
  connection = c;
}
/** A request to the server over the page's connection; its answer as a Promise. */
export function request(/** @type {any} */ req) {
  if (!connection) throw new Error('the inspector page has no connection yet');
  return connection.request(req);
}
