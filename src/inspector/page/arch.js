// @ts-check
/**
 * The actor tree, laid out as the architecture picture: the user's kubectl, the control plane
 * (api-server, etcd, scheduler, controller-manager with its controllers), and each worker node
 * with its kubelet, kube-proxy, container runtime and pods (with their containers). Every box is
 * a live actor: a dot coloured by its state, its state value, a click selects it.
 */
import { esc, shortName, stateClass } from './model.js';
import { shortValue } from './statechart.js';

const ROLES = {
  kubectl: 'the user’s client',
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
 * The whole band's markup.
 * @param {Map<string, ActorNode>} actors
 * @param {string[]} nodes
 * @param {string | null} selected
 */
export function archHtml(actors, nodes, selected) {
  const list = [...actors.values()];
  const byKind = (/** @type {string} */ k) => list.filter((a) => a.kind === k).sort((a, b) => (a.key < b.key ? -1 : 1));
  let h = '';
  // the user
  h += `<div class="zone user"><div class="zone-title">User</div><div class="user-hint">your requests (Create pod, Apply) go through kubectl</div>`;
  for (const a of byKind('kubectl')) h += chip(a, 'big', selected);
  h += `</div><div class="arrow-sep" aria-hidden="true">⇄</div>`;
  // control plane
  h += `<div class="zone control-plane"><div class="zone-title">Control plane</div><div class="cp-grid">`;
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
  h += `</div></div><div class="arrow-sep" aria-hidden="true">⇄</div>`;
  // worker nodes
  const allNodes = [...nodes];
  for (const a of byKind('node')) {
    const n = a.key.slice('node/'.length);
    if (!allNodes.includes(n)) allNodes.push(n);
  }
  h += `<div class="zone workers">`;
  for (const n of allNodes) {
    const node = actors.get(`node/${n}`);
    const text = node ? textOf(node) : 'unknown';
    const nodeCls = node ? (text === 'down' ? 'down' : text === 'partitioned' ? 'partitioned' : '') : 'down';
    h += `<div class="zone worker ${nodeCls}" data-node="${esc(n)}">`;
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
    h += `</div></div>`;
  }
  h += `</div>`;
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
