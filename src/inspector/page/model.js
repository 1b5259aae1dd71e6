// @ts-check
/** Shared helpers of the page: component kinds and order, state colouring, escaping. */

export const esc = (/** @type {unknown} */ s) => String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c);

/**
 * The control-plane nodes of a highly available control plane (`control-plane-1` …), from `hello`;
 * empty for the single control plane.
 * @type {string[]}
 */
let controlPlaneNodes = [];

/** Tells the helpers which nodes are control-plane nodes (from `hello.cluster.controlPlaneNodes`). */
export function setControlPlaneNodes(/** @type {string[] | undefined} */ list) {
  controlPlaneNodes = Array.isArray(list) ? [...list] : [];
}

/** The kinds that run on a control-plane node of a highly available control plane. */
const CONTROL_PLANE_KINDS = ['control-plane-node', 'api-server', 'etcd', 'leader-elector', 'scheduler', 'controller-manager'];

/** The kind of a component address (as the trace names them). */
export function kindOf(/** @type {string} */ address) {
  if (address === 'faults') return 'faults';
  if (address === 'kubectl' || address.startsWith('kubectl/')) return 'kubectl';
  if (address === 'api-server' || address === 'etcd' || address === 'scheduler' || address === 'controller-manager') return address;
  const parts = address.split('/');
  const prefix = parts[0];
  // a highly available control plane: etcd/control-plane-1, api-server/…, scheduler/…, leader-elector/<lease>/…
  if (prefix === 'etcd' || prefix === 'api-server' || prefix === 'scheduler' || prefix === 'leader-elector') return prefix;
  if (prefix === 'controller-manager') return controlPlaneNodes.includes(parts[1] ?? '') ? 'controller-manager' : 'controller';
  if (prefix === 'node' && controlPlaneNodes.includes(parts[1] ?? '')) return 'control-plane-node';
  if (['node', 'kubelet', 'kube-proxy', 'container-runtime', 'pod'].includes(prefix)) return prefix === 'pod' && parts.length > 3 ? 'container' : prefix;
  return 'actor';
}

/** The control-plane node an address of a highly available control plane runs on (`etcd/control-plane-2` → `control-plane-2`), if any. */
export function controlPlaneNodeOf(/** @type {string} */ address) {
  if (!controlPlaneNodes.length || !CONTROL_PLANE_KINDS.includes(kindOf(address))) return undefined;
  const last = address.slice(address.lastIndexOf('/') + 1);
  return controlPlaneNodes.includes(last) ? last : undefined;
}

/** The node an address belongs to (`kubelet/node-1` → `node-1`), if any; pods need the host map. */
export function nodeOf(/** @type {string} */ address, /** @type {Map<string, string>} */ hosts) {
  const kind = kindOf(address);
  if (kind === 'node' || kind === 'kubelet' || kind === 'kube-proxy' || kind === 'container-runtime') return address.slice(address.indexOf('/') + 1);
  if (kind === 'pod' || kind === 'container') return hosts.get(address.split('/').slice(0, 3).join('/'));
  return undefined;
}

const NODE_RANK = { node: 0, kubelet: 1, pod: 2, container: 3, 'container-runtime': 4, 'kube-proxy': 5 };

/** Order of the components of one control-plane node. */
const CONTROL_PLANE_RANK = { 'control-plane-node': 0, 'api-server': 1, etcd: 2, 'leader-elector': 3, scheduler: 4, 'controller-manager': 5 };

/**
 * A sort key placing components as the architecture picture does: the user (kubectl), the
 * control plane (api-server, etcd, scheduler, controllers; with several control-plane nodes the
 * load balancer at api-server, then each control-plane node's components, then the
 * controllers), then each worker node's components and pods.
 */
export function rankOf(/** @type {string} */ address, /** @type {Map<string, string>} */ hosts, /** @type {string[]} */ nodes) {
  const kind = kindOf(address);
  const cpNode = controlPlaneNodeOf(address);
  if (cpNode) return [10 + controlPlaneNodes.indexOf(cpNode) * 10 + /** @type {Record<string, number>} */ (CONTROL_PLANE_RANK)[kind], address];
  // the controllers (and, grouped, the controller managers) after the control-plane nodes
  if (controlPlaneNodes.length && (kind === 'controller' || kind === 'controller-manager')) return [10 + controlPlaneNodes.length * 10 + (kind === 'controller' ? 1 : 0), address];
  switch (kind) {
    case 'faults':
      return [0, address];
    case 'kubectl':
      return [1, address];
    case 'api-server':
      return [2, address];
    case 'etcd':
      return [3, address];
    case 'scheduler':
      return [4, address];
    case 'controller-manager':
      return [5, address];
    case 'controller':
      return [6, address];
  }
  const node = nodeOf(address, hosts);
  const i = node ? nodes.indexOf(node) : -1;
  const r = /** @type {Record<string, number>} */ (NODE_RANK)[kind] ?? 9;
  return [100000 + (i < 0 ? 99999 : i) * 10 + r, address];
}

export function compareRank(/** @type {[number, string]} */ a, /** @type {[number, string]} */ b) {
  return a[0] - b[0] || (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0);
}

/** ok / warn / bad for a state value's text (green / amber / red dot). */
export function stateClass(/** @type {string} */ text, /** @type {string | undefined} */ status) {
  if (status && status !== 'active') return 's-bad';
  const t = text.toLowerCase();
  if (/down|crash|fail|error|unavailable|errimagepull|imagepullbackoff|oomkilled|notready|dead/.test(t)) return 's-bad';
  if (/partition|pending|pulling|creating|starting|terminating|booting|sandbox|backoff|retry|degraded|recover|deciding|restarting|unknown/.test(t)) return 's-warn';
  return 's-ok';
}

/** A short name of a component in its own box (`kubelet/node-1` → `kubelet`, `pod/default/web` → `web`). */
export function shortName(/** @type {string} */ address) {
  const kind = kindOf(address);
  if (kind === 'pod') return address.split('/').slice(2).join('/');
  if (kind === 'container') return address.split('/').slice(3).join('/');
  if (kind === 'controller') return address.slice('controller-manager/'.length);
  if (kind === 'kubelet' || kind === 'kube-proxy' || kind === 'container-runtime' || kind === 'node') return kind;
  if (kind === 'leader-elector') return address.split('/')[1] ?? address;
  if (kind === 'control-plane-node') return 'node';
  if (controlPlaneNodeOf(address)) return kind;
  return address;
}

/** Periodic traffic the "hide heartbeats" filter leaves out (lease renewals, node status, bookmarks), unless it was dropped. */
export function isHeartbeat(/** @type {any} */ m) {
  // a highly available control plane: Raft's heartbeats (appends without a flow; a write's
  // replication carries its flow), ten a second to each peer, also while they are lost to a
  // crashed or cut-off node (its box says so)
  if (controlPlaneNodes.length && (m.event === 'raft.append' || m.event === 'raft.appended') && !m.flow) return true;
  if (m.status === 'dropped') return false; // a lost heartbeat is news (a partition, a crash)
  if (m.event === 'watch.bookmark' || m.event === 'etcd.progress') return true;
  if (m.flow) return /lease/i.test(m.flow);
  const s = m.summary ?? '';
  if (/lease/i.test(s)) return true;
  if (/nodes\/status|\/registry\/minions\/|MODIFIED Node |^20\d Node /.test(s)) return true;
  if (m.event === 'etcd.result' && s.startsWith('ok')) return true;
  if (controlPlaneNodes.length) {
    // the load balancer's health probes of the API servers (a failed probe is shown)
    if (/^(get namespaces kube-system|get \/registry\/namespaces\/kube-system|200 Namespace kube-system)$/.test(s)) return true;
  }
  return false;
}

/** Virtual ms as `12.345 s`, or `1:02.345` past a minute. */
export function formatTime(/** @type {number} */ ms) {
  const s = ms / 1000;
  if (s < 60) return `${s.toFixed(3)} s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  if (m < 60) return `${m}:${rest.toFixed(3).padStart(6, '0')}`;
  const h = Math.floor(m / 60);
  return `${h}:${String(m % 60).padStart(2, '0')}:${rest.toFixed(3).padStart(6, '0')}`;
}
