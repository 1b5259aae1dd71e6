/**
 * The generated machine pages: docs/machines/<machine>.md, one per machine of the cluster, each
 * with its statechart as a Mermaid `stateDiagram-v2` drawn from the machine definition itself
 * (`machine.root`: states, nested and parallel states, initial and final states, transitions with
 * their events and guards, `always` and `after` transitions), the tables of its states,
 * transitions, events and delays, and the messages it sent and received in a recorded run.
 * `npm run docs` writes them (src/docs/generate.ts); a test regenerates them and fails when the
 * committed pages are stale.
 *
 * Mermaid draws a transition between states of different composite states only when it is
 * declared outside every composite block (a transition declared inside a block moves its states
 * into that block), so transitions between siblings are written in their parent's block and all
 * others at the top level. Transitions a machine takes in every state (declared on its root) start
 * from a pseudo-state `(any state)`. Transitions without a target (the state handles the event
 * and stays) are not drawn; the transition table lists them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AnyStateMachine } from 'xstate';
import { etcdMachine } from '../../machines/etcd.js';
import { apiServerMachine } from '../../machines/api-server.js';
import { schedulerMachine } from '../../machines/scheduler.js';
import { BUILT_IN_CONTROLLERS, controllerManagerMachine } from '../../machines/controller-manager.js';
import { kubectlMachine } from '../../machines/kubectl.js';
import { nodeMachine } from '../../machines/node.js';
import { kubeletMachine } from '../../machines/kubelet.js';
import { kubeProxyMachine } from '../../machines/kube-proxy.js';
import { containerRuntimeMachine } from '../../machines/container-runtime.js';
import { podMachine } from '../../machines/pod.js';
import { containerMachine } from '../../machines/container.js';
import { etcdMemberMachine } from '../../machines/etcd-member.js';
import { leaderElectorMachine } from '../../machines/leader-elector.js';
import { loadBalancerMachine } from '../../machines/load-balancer.js';
import { controlPlaneNodeMachine } from '../../machines/control-plane-node.js';
import { createCluster } from '../cluster/create-cluster.js';
import type { TraceEntry } from '../kernel/trace.js';
import type { Pod } from '../api/types.js';
import { childrenOf, invokedSources, names, nameOf, rootOf, statesIn, transitionLabel, transitionsOf, type StateNodeLike, type TransitionLike } from '../inspector/state-nodes.js';

// ---- reading a machine ------------------------------------------------------------------------

/** One transition of a machine, flattened. */
export interface MachineTransition {
  /** Path of the state that declares it (`''` for the machine's root). */
  source: string;
  /** The event (`pod.sync`), `always`, or `after <delay>`. */
  label: string;
  /** The raw event type (`''` for `always`, `xstate.after.…` for a delay). */
  event: string;
  /** Paths of the target states; empty when the state handles the event and stays. */
  targets: string[];
  /** The guard's name, if any. */
  guard?: string;
  /** Names of the actions. */
  actions: string[];
  /** True for a self-transition that exits and re-enters the state. */
  reenter: boolean;
}

/** One state of a machine, flattened. */
export interface MachineState {
  /** Path from the root, joined with `.` (`''` for the root). */
  path: string;
  /** The state's own key (the last part of its path). */
  key: string;
  /** atomic, compound, parallel, final or history. */
  type: StateNodeLike['type'];
  /** Path of the initial child, for compound states. */
  initial?: string;
  /** Names of the entry actions. */
  entry: string[];
  /** Names of the exit actions. */
  exit: string[];
  /** Sources of the actors it invokes. */
  invoke: string[];
  /** Its tags. */
  tags: string[];
  /** Its description, when the definition gives one. */
  description?: string;
}

/** A machine definition, flattened: its states and transitions in document order. */
export interface MachineChart {
  /** The machine's id. */
  id: string;
  /** Every state, root first, in document order. */
  states: MachineState[];
  /** Every transition, in document order of their states. */
  transitions: MachineTransition[];
  /** Named delays and their values (a number of ms, or `computed` for a function). */
  delays: Record<string, number | 'computed'>;
}

/** `list` without up to `count` occurrences of `name`. */
function withoutInternal(list: string[], name: string, count: number): string[] {
  let left = count;
  return list.filter((n) => !(n === name && left-- > 0));
}

const pathOf = (node: StateNodeLike): string => node.path.join('.');

/**
 * Flattens a machine's definition (walking `machine.root`): every state with its type, initial
 * child, entry/exit actions, invoked actors and tags, and every transition — event, `always` and
 * `after` — with its guard, actions and targets.
 */
export function machineChart(machine: AnyStateMachine): MachineChart {
  const root = rootOf(machine);
  if (!root) throw new TypeError('machineChart needs an XState state machine');
  const states: MachineState[] = [];
  const transitions: MachineTransition[] = [];
  const visit = (node: StateNodeLike): void => {
    // XState implements `after` with a delayed `raise` on entry and its `cancel` on exit: leave those out
    const delayed = [...node.transitions.keys()].filter((e) => e.startsWith('xstate.after.')).length;
    const state: MachineState = {
      path: pathOf(node),
      key: node.key,
      type: node.type,
      entry: withoutInternal(names(node.entry), 'raise', delayed),
      exit: withoutInternal(names(node.exit), 'cancel', delayed),
      invoke: invokedSources(node),
      tags: [...(node.tags ?? [])],
    };
    const initial = statesIn(node.initial?.target).map(pathOf);
    if (node.type === 'compound' && initial.length > 0) state.initial = initial[0];
    if (node.description) state.description = node.description;
    states.push(state);
    const add = (t: TransitionLike): void => {
      const out: MachineTransition = {
        source: pathOf(node),
        label: transitionLabel(t.eventType, t.delay),
        event: t.eventType,
        targets: statesIn(t.target).map(pathOf),
        actions: names(t.actions),
        reenter: Boolean(t.reenter),
      };
      const guard = t.guard !== undefined ? nameOf(t.guard) : '';
      if (guard) out.guard = guard;
      transitions.push(out);
    };
    for (const t of transitionsOf(node)) add(t);
    for (const child of childrenOf(node)) visit(child);
  };
  visit(root);
  const delays: Record<string, number | 'computed'> = {};
  const impl = (machine as unknown as { implementations?: { delays?: Record<string, unknown> } }).implementations?.delays ?? {};
  for (const name of Object.keys(impl).sort()) {
    const value = impl[name];
    delays[name] = typeof value === 'number' ? value : 'computed';
  }
  return { id: machine.id, states, transitions, delays };
}

// ---- Mermaid ------------------------------------------------------------------------------------

const ANY_STATE = 'any_state';

/** A Mermaid state id for a state path (`waiting.pullBackOff` → `s_waiting_pullBackOff`). */
function mermaidId(path: string): string {
  return path === '' ? ANY_STATE : `s_${path.replace(/[^A-Za-z0-9]/g, '_')}`;
}

function mermaidText(text: string): string {
  return text.replace(/[;#"]/g, ' ').replace(/\s+/g, ' ').trim();
}

function transitionText(t: MachineTransition): string {
  return mermaidText(t.guard ? `${t.label} [${t.guard}]` : t.label);
}

const parentPath = (path: string): string | undefined => (path === '' ? undefined : path.includes('.') ? path.slice(0, path.lastIndexOf('.')) : '');

/**
 * The machine's statechart as a Mermaid `stateDiagram-v2`: composite states for compound ones,
 * regions separated by `--` for parallel ones, `[*]` for initial and final states, and one arrow
 * per (source, target, event, guard) of every transition that has a target.
 */
export function mermaidStateDiagram(machine: AnyStateMachine): string {
  const chart = machineChart(machine);
  const root = rootOf(machine)!;
  const lines: string[] = ['stateDiagram-v2'];
  const seen = new Set<string>();
  const edge = (from: string, to: string, text: string): string | undefined => {
    const line = `${mermaidId(from)} --> ${mermaidId(to)} : ${text}`;
    if (seen.has(line)) return undefined;
    seen.add(line);
    return line;
  };
  // Mermaid's layout fails on an arrow that touches a composite state nested inside a region of
  // a parallel state: such an arrow goes to the composite's initial leaf state instead (entering
  // the composite enters it), or leaves from each of its leaf states.
  const byPath = new Map<string, StateNodeLike>();
  const index = (node: StateNodeLike): void => {
    byPath.set(pathOf(node), node);
    for (const child of childrenOf(node)) index(child);
  };
  index(root);
  const awkward = (path: string): boolean => {
    const node = byPath.get(path);
    if (!node || childrenOf(node).length === 0) return false;
    let up = parentPath(parentPath(path) ?? '');
    for (; up !== undefined; up = parentPath(up)) if (byPath.get(up)?.type === 'parallel') return true;
    return false;
  };
  const initialLeaf = (path: string): string => {
    let node = byPath.get(path)!;
    for (;;) {
      const children = childrenOf(node);
      if (children.length === 0) return pathOf(node);
      node = node.type === 'parallel' ? children[0]! : (node.initial?.target?.find(Boolean) ?? children[0]!);
    }
  };
  const leaves = (path: string): string[] => {
    const node = byPath.get(path)!;
    const children = childrenOf(node);
    return children.length === 0 ? [path] : children.flatMap((c) => leaves(pathOf(c)));
  };
  // transitions between siblings go in their parent's block; the others at the top level
  const inner = new Map<string, string[]>();
  const outer: string[] = [];
  for (const t of chart.transitions) {
    const sources = t.source !== '' && awkward(t.source) ? leaves(t.source) : [t.source];
    for (const rawTarget of t.targets) {
      const target = awkward(rawTarget) ? initialLeaf(rawTarget) : rawTarget;
      for (const source of sources) {
        const line = edge(source, target, transitionText(t));
        if (!line) continue;
        const parent = parentPath(source);
        if (source !== '' && parent !== undefined && parent !== '' && parentPath(target) === parent) {
          const list = inner.get(parent) ?? [];
          list.push(line);
          inner.set(parent, list);
        } else outer.push(line);
      }
    }
  }
  const emit = (node: StateNodeLike, depth: number): void => {
    const pad = '  '.repeat(depth);
    const path = pathOf(node);
    const id = mermaidId(path);
    const children = childrenOf(node);
    if (node.type === 'history') {
      lines.push(`${pad}state "${node.history === 'deep' ? 'H*' : 'H'}" as ${id}`);
      return;
    }
    if (children.length === 0) {
      lines.push(`${pad}state "${mermaidText(node.key)}" as ${id}`);
      if (node.type === 'final') lines.push(`${pad}${id} --> [*]`);
      return;
    }
    lines.push(`${pad}state "${mermaidText(node.key)}" as ${id} {`);
    body(node, depth + 1);
    lines.push(`${pad}}`);
  };
  const body = (node: StateNodeLike, depth: number): void => {
    const pad = '  '.repeat(depth);
    const path = pathOf(node);
    const children = childrenOf(node);
    if (node.type === 'parallel') {
      children.forEach((child, i) => {
        if (i > 0) lines.push(`${pad}--`);
        emit(child, depth);
      });
    } else {
      const initial = node.initial?.target?.find(Boolean);
      if (initial) lines.push(`${pad}[*] --> ${mermaidId(pathOf(initial))}`);
      for (const child of children) emit(child, depth);
    }
    for (const line of inner.get(path) ?? []) lines.push(`${pad}${line}`);
  };
  if (root.type === 'parallel') {
    // Mermaid accepts `--` regions only inside a composite state: draw the machine as one
    lines.push(`  [*] --> s_machine_root`, `  state "${mermaidText(root.key)}" as s_machine_root {`);
    body(root, 2);
    lines.push('  }');
  } else body(root, 1);
  if (chart.transitions.some((t) => t.source === '' && t.targets.length > 0)) lines.push(`  state "(any state)" as ${ANY_STATE}`);
  for (const line of outer) lines.push(`  ${line}`);
  return lines.join('\n') + '\n';
}

// ---- the pages ----------------------------------------------------------------------------------

/** The repository root (two levels above src/docs). */
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** A machine with a page. */
export interface MachineDoc {
  /** File name under docs/machines/. */
  file: string;
  /** Page title. */
  title: string;
  /** The machine. */
  machine: AnyStateMachine;
  /** Its export (`etcdMachine`). */
  exportName: string;
  /** Its source file, relative to the repository root. */
  source: string;
  /** Where its actors live on the network. */
  address: string;
  /** The component kind its trace entries carry (`pod` for `pod/<ns>/<name>`), or undefined when it is not on the network. */
  kind?: string;
  /** Which recorded run its messages come from: the single control plane (default) or the highly available one. */
  run?: 'single' | 'ha';
  /** One line for the index. */
  summary: string;
  /** A paragraph after the header. */
  note?: string;
}

/** Every machine with a page, in the order of the architecture picture: control plane, client, nodes. */
export function machineDocs(): MachineDoc[] {
  const controllers = BUILT_IN_CONTROLLERS.map((c) => `\`${c.id}\``).join(', ');
  return [
    { file: 'etcd.md', title: 'etcd', machine: etcdMachine, exportName: 'etcdMachine', source: 'machines/etcd.ts', address: '`etcd` on host `control-plane`', kind: 'etcd', summary: 'the key-value store; only the API server talks to it' },
    { file: 'api-server.md', title: 'API server', machine: apiServerMachine, exportName: 'apiServerMachine', source: 'machines/api-server.ts', address: '`api-server` on host `control-plane`', kind: 'api-server', summary: 'authentication, authorization, admission, persistence in etcd, watches' },
    { file: 'scheduler.md', title: 'Scheduler', machine: schedulerMachine, exportName: 'schedulerMachine', source: 'machines/scheduler.ts', address: '`scheduler` on host `control-plane`', kind: 'scheduler', summary: 'picks a node for each pending pod (filter, score, bind)' },
    { file: 'controller-manager.md', title: 'Controller manager', machine: controllerManagerMachine, exportName: 'controllerManagerMachine', source: 'machines/controller-manager.ts', address: '`controller-manager` on host `control-plane`', kind: 'controller-manager', summary: 'runs the controllers, each its own actor' },
    {
      file: 'controller.md',
      title: 'A controller (defineController)',
      machine: BUILT_IN_CONTROLLERS[0] as unknown as AnyStateMachine,
      exportName: 'defineController',
      source: 'machines/controllers/controller.ts',
      address: '`controller-manager/<name>` on host `control-plane`',
      kind: 'controller',
      summary: 'the machine every controller is, built-in or a user\'s own',
      note: `Every controller is this machine, made by \`defineController\` from a sync function and its watches: the built-in ones (${controllers}) and users' own. The statechart below is drawn from the built-in \`${BUILT_IN_CONTROLLERS[0]?.id}\` controller; only the machine's id differs between controllers.`,
    },
    { file: 'kubectl.md', title: 'kubectl', machine: kubectlMachine, exportName: 'kubectlMachine', source: 'machines/kubectl.ts', address: '`kubectl` (its own host)', kind: 'kubectl', summary: 'the user\'s client: requests and watches' },
    { file: 'node.md', title: 'Node', machine: nodeMachine, exportName: 'nodeMachine', source: 'machines/node.ts', address: '`node/<node>` on host `<node>`', kind: 'node', summary: 'the machine hosting a kubelet, a kube-proxy and a container runtime; crashes and partitions' },
    { file: 'kubelet.md', title: 'kubelet', machine: kubeletMachine, exportName: 'kubeletMachine', source: 'machines/kubelet.ts', address: '`kubelet/<node>` on host `<node>`', kind: 'kubelet', summary: 'registers the node, renews its lease, runs the pods bound to it' },
    { file: 'kube-proxy.md', title: 'kube-proxy', machine: kubeProxyMachine, exportName: 'kubeProxyMachine', source: 'machines/kube-proxy.ts', address: '`kube-proxy/<node>` on host `<node>`', kind: 'kube-proxy', summary: 'the node\'s service rules from Services and Endpoints' },
    { file: 'container-runtime.md', title: 'Container runtime', machine: containerRuntimeMachine, exportName: 'containerRuntimeMachine', source: 'machines/container-runtime.ts', address: '`container-runtime/<node>` on host `<node>`', kind: 'container-runtime', summary: 'the node\'s image cache and image pulls' },
    { file: 'pod.md', title: 'Pod worker', machine: podMachine, exportName: 'podMachine', source: 'machines/pod.ts', address: '`pod/<namespace>/<name>` on host `<node>`', kind: 'pod', summary: 'one pod on a node: sandbox, init containers, containers, status' },
    { file: 'container.md', title: 'Container', machine: containerMachine, exportName: 'containerMachine', source: 'machines/container.ts', address: 'a child actor of its pod worker (id = the container\'s name); it is not on the network', summary: 'one container: pulling, running, probes, restarts with back-off' },
    // the highly available control plane: createCluster({ controlPlane: { nodes: 3 } })
    { file: 'control-plane-node.md', title: 'Control-plane node (HA)', machine: controlPlaneNodeMachine, exportName: 'controlPlaneNodeMachine', source: 'machines/control-plane-node.ts', address: '`node/control-plane-<i>` on host `control-plane-<i>`', kind: 'control-plane-node', run: 'ha', summary: 'HA: a control-plane node hosting an etcd member, an API server and two leader electors' },
    { file: 'etcd-member.md', title: 'etcd member (HA)', machine: etcdMemberMachine, exportName: 'etcdMemberMachine', source: 'machines/etcd-member.ts', address: '`etcd/control-plane-<i>` on host `control-plane-<i>`', kind: 'etcd-member', run: 'ha', summary: 'HA: one member of a Raft-replicated etcd' },
    { file: 'leader-elector.md', title: 'Leader elector (HA)', machine: leaderElectorMachine, exportName: 'leaderElectorMachine', source: 'machines/leader-elector.ts', address: '`leader-elector/<lease>/control-plane-<i>` on host `control-plane-<i>`', kind: 'leader-elector', run: 'ha', summary: 'HA: Lease-based leader election running the scheduler or the controller manager while it leads' },
    { file: 'load-balancer.md', title: 'Load balancer (HA)', machine: loadBalancerMachine, exportName: 'loadBalancerMachine', source: 'machines/load-balancer.ts', address: '`api-server` on host `load-balancer`', kind: 'load-balancer', run: 'ha', summary: 'HA: the API servers\' load balancer, with health checks' },
  ];
}

/** The header comment of a source file (its first `/** … *\/` block), as Markdown. */
export function headerComment(source: string): string {
  let text: string;
  try {
    text = readFileSync(join(ROOT, source), 'utf8');
  } catch {
    return '';
  }
  const match = /\/\*\*([\s\S]*?)\*\//.exec(text);
  if (!match) return '';
  const lines = match[1]!.split('\n').map((l) => l.replace(/^\s*\* ?/, '').replace(/\s+$/, ''));
  while (lines.length && lines[0] === '') lines.shift();
  while (lines.length && lines[lines.length - 1] === '') lines.pop();
  const out: string[] = [];
  let inExample = false;
  for (const line of lines) {
    if (/^@example\b/.test(line)) {
      if (inExample) out.push('```');
      if (out.length > 0 && out[out.length - 1] !== '') out.push('');
      out.push('Example:', '', '```ts');
      inExample = true;
      continue;
    }
    out.push(line);
  }
  if (inExample) out.push('```');
  return out.join('\n');
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string): string => (text === '' ? '' : `\`${text}\``);
const stateName = (path: string): string => (path === '' ? '(machine)' : path);

/** The messages a kind of component sent and received in a run: peer kind → message types. */
export interface MessageSummary {
  /** Kind of the receiver → message types sent to it. */
  sent: Map<string, Set<string>>;
  /** Kind of the sender → message types received from it. */
  received: Map<string, Set<string>>;
}

/**
 * The component kind of an address: `pod/default/nginx` → `pod`, `controller-manager/replicaset`
 * → `controller`. With `ha`, the addresses of a highly available control plane: `api-server` is
 * the load balancer, `api-server/control-plane-1` an API server, `etcd/control-plane-1` an etcd
 * member, `node/control-plane-1` a control-plane node, `controller-manager/control-plane-1` a
 * controller manager.
 */
export function kindOf(address: string, ha = false): string {
  const [head, rest] = [address.split('/')[0]!, address.slice(address.indexOf('/') + 1)];
  if (ha) {
    if (address === 'api-server') return 'load-balancer';
    if (head === 'etcd' && address !== 'etcd') return 'etcd-member';
    if (head === 'node' && rest.startsWith('control-plane-')) return 'control-plane-node';
    if (head === 'controller-manager' && rest.startsWith('control-plane-')) return 'controller-manager';
  }
  if (head === 'controller-manager' && address !== 'controller-manager') return 'controller';
  return head;
}

/**
 * A recorded run whose messages the pages summarise (seed 1, 3 nodes): the nodes register, a pod
 * and the nginx Deployment (3 replicas) are created and run, the Deployment is scaled to 2, the pod
 * is deleted, node-2 crashes and restarts, etcd is out for 10 s, and the scheduler and the
 * controller manager restart.
 */
export function recordedMessages(): TraceEntry[] {
  const cluster = createCluster({ nodes: 3, seed: 1 });
  try {
    cluster.runUntil(() => cluster.count('nodes') === 3, { timeout: 60_000 });
    cluster.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'hello', labels: { app: 'hello' } },
      spec: { containers: [{ name: 'hello', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] },
    });
    cluster.client.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'nginx-deployment', labels: { app: 'nginx' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'nginx' } },
        template: { metadata: { labels: { app: 'nginx' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] } },
      },
    });
    cluster.runUntil(() => cluster.objects<Pod>('pods').filter((p) => p.status?.phase === 'Running').length >= 4, { timeout: 120_000 });
    cluster.client.scale('deployments', 'nginx-deployment', 2);
    cluster.client.delete('pods', 'hello');
    cluster.advance(40_000);
    cluster.faults.crashNode('node-2');
    cluster.advance(30_000);
    cluster.faults.restartNode('node-2');
    cluster.advance(30_000);
    cluster.faults.etcdOutage();
    cluster.advance(10_000);
    cluster.faults.etcdRecover();
    cluster.faults.restartScheduler();
    cluster.faults.restartControllerManager();
    cluster.advance(30_000);
    return cluster.kernel.trace.since(0);
  } finally {
    cluster.stop();
  }
}

/**
 * A recorded run of a highly available control plane (seed 1, 3 control-plane nodes, 2 workers):
 * a pod is created and runs, then the control-plane node of the etcd leader crashes and restarts.
 */
export function recordedHaMessages(): TraceEntry[] {
  const cluster = createCluster({ nodes: 2, seed: 1, controlPlane: { nodes: 3 } });
  try {
    cluster.runUntil(() => cluster.count('nodes') === 2, { timeout: 60_000 });
    cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hello' }, spec: { containers: [{ name: 'hello', image: 'nginx:1.14.2' }] } });
    cluster.runUntil(() => cluster.object<Pod>('pods', 'hello')?.status?.phase === 'Running', { timeout: 60_000 });
    cluster.advance(20_000);
    const leader = cluster.controlPlane?.status().etcd.members.find((m) => m.role === 'leader')?.node ?? 'control-plane-1';
    cluster.faults.crashNode(leader);
    cluster.advance(30_000);
    cluster.faults.restartNode(leader);
    cluster.advance(30_000);
    return cluster.kernel.trace.since(0);
  } finally {
    cluster.stop();
  }
}

/** Groups trace entries by component kind (see {@link kindOf}): what each kind sent to and received from whom. */
export function summarizeMessages(entries: readonly TraceEntry[], ha = false): Map<string, MessageSummary> {
  const out = new Map<string, MessageSummary>();
  const of = (kind: string): MessageSummary => {
    let s = out.get(kind);
    if (!s) out.set(kind, (s = { sent: new Map(), received: new Map() }));
    return s;
  };
  const add = (map: Map<string, Set<string>>, peer: string, type: string): void => {
    let set = map.get(peer);
    if (!set) map.set(peer, (set = new Set()));
    set.add(type);
  };
  for (const e of entries) {
    if (e.status !== 'delivered') continue;
    const from = kindOf(e.from, ha);
    const to = kindOf(e.to, ha);
    add(of(from).sent, to, e.type);
    add(of(to).received, from, e.type);
  }
  return out;
}

function messageTable(map: Map<string, Set<string>>, header: string): string[] {
  if (map.size === 0) return ['(none)'];
  const rows = [`| ${header} | messages |`, '| --- | --- |'];
  for (const peer of [...map.keys()].sort()) rows.push(`| \`${peer}\` | ${[...map.get(peer)!].sort().map(code).join(', ')} |`);
  return rows;
}

const RUNS = {
  single: 'seed 1: a pod and the nginx Deployment created, scaled, deleted; a node crash and restart; an etcd outage; scheduler and controller manager restarts',
  ha: 'seed 1, a highly available control plane of 3 nodes and 2 workers: a pod created; the etcd leader\'s control-plane node crashes and restarts',
};

/** The Markdown page of one machine; `messages` are the summaries of the single and the HA recorded runs. */
export function machinePage(doc: MachineDoc, messages?: Map<string, MessageSummary> | { single: Map<string, MessageSummary>; ha: Map<string, MessageSummary> }): string {
  const chart = machineChart(doc.machine);
  const lines: string[] = [
    `# ${doc.title}`,
    '',
    `<!-- generated by \`npm run docs\` from ${doc.source} (src/docs/machines.ts); do not edit -->`,
    '',
    `- **Machine:** \`${doc.machine.id}\` — \`${doc.exportName}\`, in [${doc.source}](../../${doc.source})`,
    `- **Address:** ${doc.address}`,
    '',
  ];
  if (doc.note) lines.push(doc.note, '');
  const header = headerComment(doc.source);
  if (header) lines.push(header, '');
  lines.push(
    '## Statechart',
    '',
    'Drawn from the machine definition. Arrows are labelled with the event, `always` (an eventless transition) or `after <delay>`, and the guard in brackets; transitions without a target are listed below but not drawn.',
    '',
    '```mermaid',
    mermaidStateDiagram(doc.machine).trimEnd(),
    '```',
    '',
    '## States',
    '',
    '| state | type | initial | entry | exit | invokes |',
    '| --- | --- | --- | --- | --- | --- |',
  );
  for (const s of chart.states) {
    const type = s.type === 'history' ? 'history' : s.type;
    lines.push(
      `| ${code(stateName(s.path))} | ${type} | ${s.initial ? code(s.initial) : ''} | ${s.entry.map(code).join(', ')} | ${s.exit.map(code).join(', ')} | ${s.invoke.map(code).join(', ')} |`,
    );
  }
  lines.push('', '## Transitions', '', '| from | event | guard | to | actions |', '| --- | --- | --- | --- | --- |');
  for (const t of chart.transitions) {
    const to = t.targets.length === 0 ? '(stays)' : t.targets.map((p) => code(stateName(p)) + (t.reenter && p === t.source ? ' (re-entered)' : '')).join(', ');
    lines.push(`| ${code(stateName(t.source))} | ${code(cell(t.label))} | ${t.guard ? code(t.guard) : ''} | ${to} | ${t.actions.map(code).join(', ')} |`);
  }
  const events = [...new Set(chart.transitions.map((t) => t.event).filter((e) => e !== '' && !e.startsWith('xstate.')))].sort();
  lines.push('', '## Events it handles', '', events.length ? events.map(code).join(', ') : '(none)');
  const delays = Object.entries(chart.delays);
  if (delays.length > 0) {
    lines.push('', '## Delays', '', '| delay | value |', '| --- | --- |');
    for (const [name, value] of delays) lines.push(`| \`${name}\` | ${value === 'computed' ? 'computed per actor (from its input, profile or state)' : `${value} ms`} |`);
  }
  if (messages) {
    lines.push('', '## Messages in a recorded run', '');
    const run = doc.run ?? 'single';
    const byKind = messages instanceof Map ? messages : messages[run];
    const summary = doc.kind ? byKind.get(doc.kind) : undefined;
    if (!doc.kind) {
      lines.push('It talks only to its parent actor (with `sendParent`), not through the simulated network, so the kernel\'s trace does not show its messages.');
    } else if (!summary) {
      lines.push('It sent and received nothing in the recorded run.');
    } else {
      lines.push(
        `What it sent and received through the simulated network in a recorded run (${RUNS[run]}), by the kind of the other component:`,
        '',
        '**Sent**',
        '',
        ...messageTable(summary.sent, 'to'),
        '',
        '**Received**',
        '',
        ...messageTable(summary.received, 'from'),
      );
    }
  }
  lines.push('');
  return lines.join('\n');
}

/** The index page docs/machines/README.md. */
export function machineIndex(docs: readonly MachineDoc[]): string {
  return [
    '# The machines',
    '',
    '<!-- generated by `npm run docs` (src/docs/machines.ts); do not edit -->',
    '',
    'Every component of the cluster is an XState v5 machine. Each page shows the machine\'s statechart, drawn from its definition, its states, transitions, events and delays, and the messages it exchanged in a recorded run. See [../architecture.md](../architecture.md) for how they fit together.',
    '',
    '| machine | address | what it is |',
    '| --- | --- | --- |',
    ...docs.map((d) => `| [${d.title}](${d.file}) | ${d.address} | ${d.summary} |`),
    '',
  ].join('\n');
}

/** Every machine page (and the index), by file name under docs/machines/. */
export function machinePages(): Record<string, string> {
  const docs = machineDocs();
  const messages = { single: summarizeMessages(recordedMessages()), ha: summarizeMessages(recordedHaMessages(), true) };
  const pages: Record<string, string> = { 'README.md': machineIndex(docs) };
  for (const doc of docs) pages[doc.file] = machinePage(doc, messages);
  return pages;
}
