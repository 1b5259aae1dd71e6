// @ts-check
/**
 * The actor tree, laid out as the architecture picture: the user's kubectl, the control plane
 * (api-server, etcd, scheduler, controller-manager with its controllers), and each worker node
 * with its kubelet, kube-proxy, container runtime and pods (with their containers). Every box is
 * a live actor: a dot coloured by its state, its state value, a click selects it.
 *
 * With a highly available control plane (`hello.cluster.controlPlaneNodes` not empty) the control
 * plane zone shows the etcd leader and its term and who holds each Lease, the load balancer at
 * `api-server`, and one box per control-plane node: its state, its etcd member (role, term), its
 * API server (health as the balancer sees it) and its leader electors, with the scheduler or the
 * controller manager (and its controllers) under the elector that leads.
 */
import { esc, shortName, stateClass } from './model.js';
import { shortValue } from './statechart.js';

const ROLES = {
  kubectl: 'the user’s client',
  'load-balancer': 'load balancer',
  'leader-elector': 'leader election on a Lease',
  'control-plane-node': 'a control-plane machine',
  'api-server': 'front door: authn, authz, admission, storage',
  etcd: 'key-value store of the cluster',
  scheduler: 'picks a node for each pod',
  'controller-manager': 'runs the controllers',
  controller: 'controller',
  kubelet: 'node agent: runs the pods',
  'kube-proxy': 'service networking rules',
  'container-runtime': 'pulls images, runs containers',
  node: 'the machine',
  pod: 'pod worker',
  container: 'container',
};

/** @typedef {{ key: string, kind: string, parent?: string, host?: string, machine?: string, value?: unknown, status: string }} ActorNode */

const textOf = (/** @type {ActorNode} */ a) => (a.status !== 'active' ? a.status : shortValue(a.value));

function pill(/** @type {ActorNode} */ a, /** @type {string | null} */ selected) {
  const text = textOf(a);
  const title = `${a.key} (controller)\nstate: ${JSON.stringify(a.value ?? null)}`;
  return `<span class="actor pill k-${a.kind} ${stateClass(text, a.status)}${a.key === selected ? ' selected' : ''}" data-actor="${esc(a.key)}" data-kind="${esc(a.kind)}" title="${esc(title)}"><span class="dot"></span>${esc(shortName(a.key))}</span>`;
}

function chip(/** @type {ActorNode | undefined} */ a, /** @type {string} */ size, /** @type {string | null} */ selected, /** @type {string} */ extra = '') {
  if (!a) return '';
  const text = textOf(a);
  const cls = ['actor', `k-${a.kind}`, size, stateClass(text, a.status), a.key === selected ? 'selected' : '', extra].filter(Boolean).join(' ');
  const role = /** @type {Record<string, string>} */ (ROLES)[a.kind] ?? a.kind;
  const title = `${a.key} — ${role}${a.machine ? `\nmachine: ${a.machine}` : ''}\nstate: ${JSON.stringify(a.value ?? null)}`;
  const short = a.kind === 'container-runtime' ? 'runtime' : shortName(a.key);
  const name = size === 'big' && a.kind !== 'kubectl' ? `${esc(short)}<span class="role">${esc(role)}</span>` : esc(short);
  return `<div class="${cls}" data-actor="${esc(a.key)}" data-kind="${esc(a.kind)}" title="${esc(title)}"><div class="name"><span class="dot"></span>${name}</div><div class="state">${esc(text)}</div></div>`;
}

/**
 * The single control plane: api-server, etcd, scheduler, controller-manager with its controllers.
 * @param {Map<string, ActorNode>} actors
 * @param {(kind: string) => ActorNode[]} byKind
 * @param {string | null} selected
 */
function singleControlPlaneHtml(actors, byKind, selected) {
  let h = `<div class="zone control-plane"><div class="zone-title">Control plane</div><div class="cp-grid">`;
  h += chip(actors.get('api-server'), 'big', selected, 'wide');
  h += chip(actors.get('etcd'), 'big', selected);
  h += chip(actors.get('scheduler'), 'big', selected);
  const cm = actors.get('controller-manager');
  if (cm) {
    const controllers = byKind('controller');
    h += `<div class="wide">${chip(cm, 'big', selected)}`;
    if (controllers.length) h += `<div class="controllers">${controllers.map((c) => pill(c, selected)).join('')}</div>`;
    h += `</div>`;
  }
  return h + `</div></div>`;
}

/** `leader-elector/kube-scheduler/control-plane-1` → `kube-scheduler` */
const leaseOf = (/** @type {string} */ address) => address.split('/')[1] ?? address;
/** `etcd/control-plane-2` → `control-plane-2` */
const nodeOfAddress = (/** @type {string | undefined} */ address) => (address ? address.slice(address.lastIndexOf('/') + 1) : '');

/**
 * The numbers of the control plane that move all the time (commit index, revision, watches):
 * updated in place (see {@link updateControlPlane}), without redrawing the band.
 * @param {any} view
 * @returns {Map<string, string>}
 */
function controlPlaneTexts(view) {
  /** @type {Map<string, string>} */
  const out = new Map();
  if (!view) return out;
  for (const m of view.etcd.members) {
    const commit = m.role === 'down' ? `applied ${m.applied}` : `commit ${m.commitIndex}${m.applied !== m.commitIndex ? ` (applied ${m.applied})` : ''}`;
    out.set(m.address, `${commit} · rev ${m.revision}`);
  }
  for (const a of view.apiServers) out.set(a.address, `${a.watches} watch${a.watches === 1 ? '' : 'es'}`);
  for (const l of view.leases) out.set(`lease/${l.name}`, l.renewTime ? `renewed ${l.renewTime.slice(11, 19)}` : '');
  return out;
}

/**
 * What of the control plane changes the band's drawing (roles, terms, leaders, health, holders,
 * who leads): when it is unchanged the band is only updated in place.
 * @param {any} view
 */
export function controlPlaneShape(view) {
  if (!view) return '';
  return JSON.stringify([
    view.nodes.map((/** @type {any} */ n) => n.state),
    view.etcd.leader ?? null,
    view.etcd.term,
    view.etcd.members.map((/** @type {any} */ m) => [m.role, m.term]),
    view.apiServers.map((/** @type {any} */ a) => a.healthy),
    view.loadBalancer.state ?? null,
    view.leases.map((/** @type {any} */ l) => [l.holderNode ?? null, l.leaseTransitions ?? null, l.acting]),
    view.electors.map((/** @type {any} */ e) => e.leading),
  ]);
}

/** Updates the control plane's moving numbers in place. */
export function updateControlPlane(/** @type {HTMLElement} */ root, /** @type {any} */ view) {
  for (const [key, text] of controlPlaneTexts(view)) {
    const el = root.querySelector(`[data-cp-text="${CSS.escape(key)}"]`);
    if (el && el.textContent !== text) el.textContent = text;
  }
}

/** A badge: `leader · term 3`. */
const badge = (/** @type {string} */ cls, /** @type {string} */ text, /** @type {string} */ title = '') => `<span class="badge ${cls}"${title ? ` title="${esc(title)}"` : ''}>${esc(text)}</span>`;

/**
 * A component of a control-plane node: its live chip, or a placeholder while it is not running
 * (its node is down).
 * @param {ActorNode | undefined} a
 * @param {string} address
 * @param {string} kind
 * @param {string | null} selected
 * @param {string} badges
 * @param {string} [text] the moving numbers
 * @param {boolean} [inline] the numbers on the state's line (short ones)
 */
function cpChip(a, address, kind, selected, badges, text, inline = false) {
  const numbers = text !== undefined ? `<${inline ? 'span' : 'div'} class="cp-text" data-cp-text="${esc(address)}">${esc(text)}</${inline ? 'span' : 'div'}>` : '';
  const state = (/** @type {string} */ t) => (inline ? `<div class="state-row"><span class="state">${esc(t)}</span>${numbers}</div>` : `<div class="state">${esc(t)}</div>${numbers}`);
  if (!a) {
    return `<div class="actor small k-${esc(kind)} gone" title="${esc(address)}: not running"><div class="name"><span class="dot"></span>${esc(shortName(address))}${badges}</div>${state('not running')}</div>`;
  }
  const text0 = textOf(a);
  const cls = ['actor', 'small', `k-${a.kind}`, stateClass(text0, a.status), a.key === selected ? 'selected' : ''].filter(Boolean).join(' ');
  const role = /** @type {Record<string, string>} */ (ROLES)[a.kind] ?? a.kind;
  const title = `${a.key} — ${role}${a.machine ? `\nmachine: ${a.machine}` : ''}\nstate: ${JSON.stringify(a.value ?? null)}`;
  return `<div class="${cls}" data-actor="${esc(a.key)}" data-kind="${esc(a.kind)}" title="${esc(title)}"><div class="name"><span class="dot"></span>${esc(shortName(a.key))}${badges}</div>${state(text0)}</div>`;
}

/**
 * A one-line actor (a leader elector): its name and a badge; a placeholder while not running.
 * @param {ActorNode | undefined} a
 * @param {string} address
 * @param {string} kind
 * @param {string | null} selected
 * @param {string} badges
 */
function cpLine(a, address, kind, selected, badges) {
  const name = `<span class="dot"></span><span class="nm">${esc(shortName(address))}</span>${badges}`;
  if (!a) return `<div class="actor line k-${esc(kind)} gone" title="${esc(address)}: not running">${name}</div>`;
  const text = textOf(a);
  const cls = ['actor', 'line', `k-${a.kind}`, stateClass(text, a.status), a.key === selected ? 'selected' : ''].filter(Boolean).join(' ');
  const role = /** @type {Record<string, string>} */ (ROLES)[a.kind] ?? a.kind;
  const title = `${a.key} — ${role}${a.machine ? `\nmachine: ${a.machine}` : ''}\nstate: ${JSON.stringify(a.value ?? null)}`;
  return `<div class="${cls}" data-actor="${esc(a.key)}" data-kind="${esc(a.kind)}" title="${esc(title)}">${name}</div>`;
}

/**
 * A highly available control plane: the etcd leader and term, the Lease holders and the load
 * balancer on the left, then one box per control-plane node.
 * @param {Map<string, ActorNode>} actors
 * @param {string[]} cpNodes
 * @param {any} view the `controlPlane` of hello / the `control-plane` messages (null until known)
 * @param {string | null} selected
 */
function haControlPlaneHtml(actors, cpNodes, view, selected) {
  const texts = controlPlaneTexts(view);
  const list = [...actors.values()];
  let h = `<div class="zone control-plane ha"><div class="zone-title">Control plane <span class="zone-sub">${cpNodes.length} nodes · etcd (Raft), API servers, leader election</span></div>`;
  // the facts of the moment: etcd's leader and term, the Lease holders, the balancer
  h += `<div class="cp-body"><div class="cp-summary">`;
  const leaderNode = view?.etcd.leaderNode ?? nodeOfAddress(view?.etcd.leader);
  if (view) {
    h += `<div class="cp-fact etcd-fact${leaderNode ? '' : ' none'}" data-cp="etcd" title="the etcd leader (the leader of the highest term among running members) and the highest term">`;
    h += `<span class="fact-label">etcd leader</span><span class="fact-value" data-cp-value="etcd-leader">${esc(leaderNode || 'none (election)')}</span>`;
    h += `<span class="fact-term" data-cp-value="etcd-term">term ${esc(view.etcd.term)}</span></div>`;
    for (const l of view.leases) {
      const acting = l.acting.length ? l.acting.map((/** @type {string} */ x) => nodeOfAddress(x)).join(', ') : '';
      const holds = l.holderNode ?? '';
      const status = !holds ? 'nobody' : acting === holds ? 'acting' : acting ? `${acting} acts` : 'not acting';
      const cls = !holds ? 'bad' : acting === holds ? 'ok' : 'warn';
      h += `<div class="cp-fact lease-fact" data-lease="${esc(l.name)}" title="Lease kube-system/${esc(l.name)}: holder ${esc(l.holderIdentity ?? 'none')}${l.leaseTransitions !== undefined ? `, ${l.leaseTransitions} transition${l.leaseTransitions === 1 ? '' : 's'}` : ''}; acting: ${esc(l.acting.join(', ') || 'nobody')}">`;
      h += `<span class="fact-label">Lease ${esc(l.name)}</span><span class="fact-value" data-lease-holder="${esc(l.name)}">${esc(holds || 'no holder')}</span>`;
      h += `${badge(`lease-${cls}`, status)}<span class="cp-text" data-cp-text="lease/${esc(l.name)}">${esc(texts.get(`lease/${l.name}`) ?? '')}</span></div>`;
    }
  }
  const lb = actors.get('api-server');
  if (lb) {
    const healthy = view ? view.apiServers.filter((/** @type {any} */ a) => a.healthy).length : undefined;
    h += `<div class="cp-lb">${chip(lb, 'big', selected)}${healthy !== undefined ? `<div class="lb-health ${healthy ? '' : 'bad'}">${healthy}/${view.apiServers.length} API servers healthy</div>` : ''}</div>`;
  }
  h += `</div><div class="cp-nodes">`;
  for (const n of cpNodes) {
    const node = actors.get(`node/${n}`);
    const nv = view?.nodes.find((/** @type {any} */ x) => x.name === n);
    const stateText = node ? textOf(node) : nv?.state ?? 'unknown';
    const nodeCls = stateText === 'down' ? 'down' : stateText === 'partitioned' ? 'partitioned' : '';
    const member = view?.etcd.members.find((/** @type {any} */ m) => m.node === n);
    const isLeader = leaderNode === n;
    h += `<div class="${['cp-node', nodeCls, isLeader ? 'etcd-leader' : ''].filter(Boolean).join(' ')}" data-cp-node="${esc(n)}">`;
    h += `<div class="zone-title">${esc(n)}`;
    if (node) h += ` <span class="node-state ${stateClass(stateText, node.status)}${node.key === selected ? ' selected' : ''}" data-actor="${esc(node.key)}" data-kind="control-plane-node" title="node/${esc(n)}: the control-plane machine (click for its statechart)">${esc(stateText)}</span>`;
    else h += ` <span class="node-state s-bad">${esc(stateText)}</span>`;
    if (isLeader) h += `<span class="crown" title="this node's etcd member leads term ${esc(view?.etcd.term)}">★ etcd leader</span>`;
    h += `</div>`;
    // etcd member: role and term
    const etcdAddress = `etcd/${n}`;
    const role = member?.role ?? 'unknown';
    const etcdBadges = member ? badge(`role-${role}`, role === 'down' || role === 'unavailable' ? role : `${role} · term ${member.term}`, `Raft role ${role}, term ${member.term}${member.leader ? `, follows ${member.leader}` : ''}`) : '';
    h += cpChip(actors.get(etcdAddress), etcdAddress, 'etcd', selected, etcdBadges, texts.get(etcdAddress) ?? '');
    // API server: health as the balancer sees it
    const apiAddress = `api-server/${n}`;
    const api = view?.apiServers.find((/** @type {any} */ a) => a.node === n);
    const apiActor = actors.get(apiAddress);
    const health = !api ? '' : !apiActor ? 'down' : api.healthy ? 'healthy' : 'unhealthy';
    h += cpChip(apiActor, apiAddress, 'api-server', selected, health ? badge(`health-${health}`, health, 'as the load balancer’s probes see it') : '', texts.get(apiAddress) ?? '', true);
    // leader electors, with the component of the one that leads
    h += `<div class="electors">`;
    const electors = view ? view.electors.filter((/** @type {any} */ e) => e.node === n) : list.filter((a) => a.kind === 'leader-elector' && nodeOfAddress(a.key) === n).map((a) => ({ address: a.key, lease: leaseOf(a.key), leading: false, component: '' }));
    for (const e of electors) {
      const el = actors.get(e.address);
      const lease = view?.leases.find((/** @type {any} */ l) => l.name === e.lease);
      const holds = lease?.holderNode === n;
      const b = e.leading
        ? badge('leading', 'leading', `holds the Lease ${e.lease} and runs ${e.component}`)
        : holds
          ? badge('holds', 'not acting', `the Lease ${e.lease} still names this node, but its ${e.component} is not running`)
          : badge(el ? 'standby' : 'gone', el ? 'standby' : 'down', el ? `waits for the Lease ${e.lease}` : 'not running');
      h += `<div class="elector${e.leading ? ' leading' : ''}">${cpLine(el, e.address, 'leader-elector', selected, b)}`;
      const component = e.component ? actors.get(e.component) : undefined;
      if (component) {
        h += `<div class="elected">${chip(component, 'small', selected)}`;
        if (component.kind === 'controller-manager') {
          const controllers = list.filter((a) => a.kind === 'controller' && a.parent === component.key).sort((a, b) => (a.key < b.key ? -1 : 1));
          if (controllers.length) h += `<div class="controllers">${controllers.map((c) => pill(c, selected)).join('')}</div>`;
        }
        h += `</div>`;
      }
      h += `</div>`;
    }
    h += `</div></div>`;
  }
  return h + `</div></div></div>`;
}

/** The width of one worker node's box (style.css `.zone.worker`) and the gap after it. */
export const WORKER_BOX = 296 + 10;

/** `down`, `partitioned`, or '' for a node's box by its state text. */
const nodeTrouble = (/** @type {ActorNode | undefined} */ node, /** @type {string} */ text) => (node ? (text === 'down' ? 'down' : text === 'partitioned' ? 'partitioned' : '') : 'down');

/**
 * One worker node's box: its state, kubelet, kube-proxy, runtime and pods with their containers.
 * @param {Map<string, ActorNode>} actors
 * @param {ActorNode[]} list
 * @param {string} n
 * @param {string | null} selected
 * @param {string} [extra] more classes
 */
function workerHtml(actors, list, n, selected, extra = '') {
  const node = actors.get(`node/${n}`);
  const text = node ? textOf(node) : 'unknown';
  let h = `<div class="${['zone', 'worker', nodeTrouble(node, text), extra].filter(Boolean).join(' ')}" data-node="${esc(n)}">`;
  h += `<div class="zone-title">Worker ${esc(n)}`;
  if (node) h += ` <span class="node-state ${stateClass(text, node.status)}${node.key === selected ? ' selected' : ''}" data-actor="${esc(node.key)}" data-kind="node" title="node/${esc(n)}: the machine (click for its statechart)">${esc(text)}</span>`;
  h += `</div><div class="node-grid">`;
  for (const k of ['kubelet', 'kube-proxy', 'container-runtime']) h += chip(actors.get(`${k}/${n}`), 'small', selected);
  h += `</div>`;
  const pods = list.filter((a) => a.kind === 'pod' && a.host === n).sort((a, b) => (a.key < b.key ? -1 : 1));
  h += `<div class="pods-title">Pods (${pods.length})</div><div class="pods">`;
  if (!pods.length) h += `<div class="pods-empty">${node && text !== 'down' ? 'no pods' : 'node is down'}</div>`;
  for (const p of pods) {
    const containers = list.filter((a) => a.parent === p.key);
    h += `<div class="pod-box">${chip(p, '', selected)}`;
    if (containers.length) h += `<div class="containers">${containers.map((c) => chip(c, 'small', selected)).join('')}</div>`;
    h += `</div>`;
  }
  return h + `</div></div>`;
}

/**
 * The worker nodes when their boxes do not all fit: one tile per node (its name, its state, its
 * pod count; a crashed node hatched red, a partitioned one dashed amber), a line counting the
 * nodes by state with the ones in trouble named, and the box of the expanded node beside.
 * @param {Map<string, ActorNode>} actors
 * @param {ActorNode[]} list
 * @param {string[]} allNodes
 * @param {string | null} selected
 * @param {string | null} expanded the node whose box is shown
 */
function workersOverviewHtml(actors, list, allNodes, selected, expanded) {
  /** @type {Map<string, number>} */
  const podCount = new Map();
  for (const a of list) if (a.kind === 'pod' && a.host) podCount.set(a.host, (podCount.get(a.host) ?? 0) + 1);
  /** @type {Map<string, number>} */
  const byState = new Map();
  /** @type {string[]} */
  const trouble = [];
  let tiles = '';
  for (const n of allNodes) {
    const node = actors.get(`node/${n}`);
    const text = node ? textOf(node) : 'unknown';
    const cls = node ? stateClass(text, node.status) : 's-bad';
    byState.set(text, (byState.get(text) ?? 0) + 1);
    if (cls !== 's-ok') trouble.push(n);
    const pods = podCount.get(n) ?? 0;
    const tileCls = ['node-tile', cls, nodeTrouble(node, text), n === expanded ? 'expanded' : '', node && node.key === selected ? 'selected' : ''].filter(Boolean).join(' ');
    const attrs = node ? ` data-actor="${esc(node.key)}" data-kind="node"` : '';
    tiles += `<div class="${tileCls}" data-node-tile="${esc(n)}"${attrs} title="${esc(`node/${n}: ${text}, ${pods} pod${pods === 1 ? '' : 's'} (click to expand it and see its statechart)`)}">`;
    tiles += `<span class="tile-name"><span class="dot"></span>${esc(n)}</span><span class="tile-meta"><span class="state">${esc(text)}</span><span class="tile-pods" title="${pods} pod${pods === 1 ? '' : 's'}">${pods}</span></span></div>`;
  }
  const counts = [...byState].sort((a, b) => b[1] - a[1]).map(([t, c]) => `${c} ${t}`).join(' · ');
  let h = `<div class="zone workers compact">`;
  h += `<div class="zone nodes-overview"><div class="zone-title">Worker nodes <span class="zone-sub">${allNodes.length} · ${esc(counts)}</span>`;
  if (trouble.length) {
    h += `<span class="trouble" title="nodes not ready (click one to expand it)">⚠ ${trouble
      .slice(0, 6)
      .map((n) => `<span class="trouble-node" data-node-pick="${esc(n)}">${esc(n)} ${esc(textOf(actors.get(`node/${n}`) ?? /** @type {any} */ ({ status: 'unknown' })))}</span>`)
      .join(' ')}${trouble.length > 6 ? ` +${trouble.length - 6}` : ''}</span>`;
  }
  h += `</div><div class="node-tiles">${tiles}</div></div>`;
  if (expanded && allNodes.includes(expanded)) h += workerHtml(actors, list, expanded, selected, 'expanded');
  return h + `</div>`;
}

/**
 * The whole band's markup.
 * @param {Map<string, ActorNode>} actors
 * @param {string[]} nodes
 * @param {string | null} selected
 * @param {{ nodes: string[], view: any } | null} [controlPlane] a highly available control plane: its nodes and its status
 * @param {{ compact: boolean, expanded: string | null }} [workers] `compact`: one tile per worker node and the box of the `expanded` one (when the boxes do not all fit)
 */
export function archHtml(actors, nodes, selected, controlPlane = null, workers = { compact: false, expanded: null }) {
  const list = [...actors.values()];
  const byKind = (/** @type {string} */ k) => list.filter((a) => a.kind === k).sort((a, b) => (a.key < b.key ? -1 : 1));
  let h = '';
  // the user
  h += `<div class="zone user"><div class="zone-title">User</div><div class="user-hint">your requests (Create pod, Apply) go through kubectl</div>`;
  for (const a of byKind('kubectl')) h += chip(a, 'big', selected);
  h += `</div><div class="arrow-sep" aria-hidden="true">⇄</div>`;
  // control plane
  if (controlPlane && controlPlane.nodes.length) h += haControlPlaneHtml(actors, controlPlane.nodes, controlPlane.view, selected);
  else h += singleControlPlaneHtml(actors, byKind, selected);
  h += `<div class="arrow-sep" aria-hidden="true">⇄</div>`;
  // worker nodes
  const allNodes = [...nodes];
  for (const a of byKind('node')) {
    const n = a.key.slice('node/'.length);
    if (!allNodes.includes(n)) allNodes.push(n);
  }
  if (workers.compact) h += workersOverviewHtml(actors, list, allNodes, selected, workers.expanded ?? allNodes[0] ?? null);
  else {
    h += `<div class="zone workers">`;
    for (const n of allNodes) h += workerHtml(actors, list, n, selected);
    h += `</div>`;
  }
  // anything else (actors of unknown kinds)
  const others = list.filter((a) => a.kind === 'actor' && !(a.parent && actors.has(a.parent) && actors.get(a.parent)?.kind === 'pod'));
  if (others.length) {
    h += `<div class="zone"><div class="zone-title">Other actors</div>${others.map((o) => chip(o, 'small', selected)).join('')}</div>`;
  }
  return h;
}

/** Updates one actor's box in place (its state text and colour). */
export function updateActor(/** @type {HTMLElement} */ root, /** @type {ActorNode} */ a) {
  const text = textOf(a);
  for (const el of root.querySelectorAll(`[data-actor="${CSS.escape(a.key)}"]`)) {
    const cls = stateClass(text, a.status);
    el.classList.remove('s-ok', 's-warn', 's-bad');
    el.classList.add(cls);
    if (el.classList.contains('node-state')) {
      el.textContent = text;
      continue;
    }
    const s = el.querySelector('.state');
    if (s) s.textContent = text;
    if (el.classList.contains('pill')) continue;
    el.setAttribute('title', `${a.key}${a.machine ? `\nmachine: ${a.machine}` : ''}\nstate: ${JSON.stringify(a.value ?? null)}`);
  }
}

/** A short flash on an actor's box (it received a message). */
export function pulse(/** @type {HTMLElement} */ root, /** @type {string} */ key) {
  const el = root.querySelector(`.actor[data-actor="${CSS.escape(key)}"]`);
  if (!el) return;
  el.classList.remove('pulse');
  // restart the animation
  void (/** @type {HTMLElement} */ (el).offsetWidth);
  el.classList.add('pulse');
}
