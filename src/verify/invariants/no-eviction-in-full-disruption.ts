/**
 * no-eviction-in-full-disruption (safety): while every node of the cluster is not Ready (every
 * zone in FullDisruption: the control plane has most likely lost the network), the node lifecycle
 * controller puts no NoExecute `node.kubernetes.io/unreachable` or `not-ready` taint on a node that
 * has none, and marks no pod for deletion (`DisruptionTarget`, reason `DeletionByTaintManager`) on
 * a node that carries no such taint.
 *
 * What kube-controller-manager does (`handleDisruption`): when every zone's new state is
 * FullDisruption it enters "master disruption mode": it takes the NoExecute taints of the Ready
 * condition off every node (`markNodeAsReachable`) and sets every zone's tainting rate to 0, so no
 * node is tainted and, the taints gone, no pod is evicted; it leaves the mode when a node is Ready
 * again. The invariant is stated so that nothing kube allows is reported:
 *
 * - The controller counts a node overdue in its health check as not Ready before it writes the
 *   `Unknown`, so when the write that leaves no node Ready is its own (reason `NodeStatusUnknown`
 *   or `NodeStatusNeverUpdated`) it is in disruption mode before etcd shows it: a taint decided
 *   after that write is reported at once. When the last Ready node went otherwise (its kubelet
 *   posted NotReady, a Node was added or deleted), the controller only learns it through its
 *   informer and acts at its next health check: decisions within one monitor period and a margin
 *   (`nodeMonitorPeriodMs` + 5 s) are not judged. Neither are those within that margin of a
 *   disturbance of the control plane (a restart of the controller manager or the API server, an
 *   etcd outage or recovery) or while message faults are on (its informer may lag).
 * - A taint request is judged at its decision: the first time the controller sends a taint with
 *   that `timeAdded` for that node (a retry after a conflict keeps the decision's stamp). Swapping
 *   one of the two taints for the other (the Ready condition went from False to Unknown or back)
 *   is allowed: kube swaps at once in any mode.
 * - A taint put on before the disruption may stay (taking it off can fail, and kube does not try
 *   again), and a taint request in flight when the mode was entered may land after it; pods on
 *   such a node may be evicted. An eviction is reported only when its node had no NoExecute taint
 *   of the Ready condition in etcd during the margin before it was decided.
 *
 * Times come from the trace: every message the controller sends is judged at its send time, and
 * etcd's changes are read as they happen (at the first trace entry after each write).
 */
import type { Node, Pod, Taint } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import type { History } from '../history.js';

const NAME = 'no-eviction-in-full-disruption';
const READINESS_KEYS = new Set(['node.kubernetes.io/unreachable', 'node.kubernetes.io/not-ready']);
/** `--node-monitor-period` of the node lifecycle controller, by default. */
const NODE_MONITOR_PERIOD_MS = 5_000;
/** Beyond one monitor period: informer delivery, the queue, retries. */
const MARGIN_MS = 5_000;
/** The reasons of the `Unknown` Ready condition the node lifecycle controller writes. */
const CONTROLLER_REASONS = new Set(['NodeStatusUnknown', 'NodeStatusNeverUpdated']);
const DISTURBANCES = new Set(['etcd-outage', 'etcd-recover', 'restart-api-server', 'restart-controller-manager', 'message-loss', 'message-duplication', 'message-reorder']);

interface NodeState {
  ready: boolean;
  /** When it last stopped being Ready in etcd, and whether the controller's own `Unknown` did it. */
  wentAt: number;
  byController: boolean;
  /** Readiness NoExecute taint keys it carries in etcd now. */
  taints: Set<string>;
  /** When each readiness NoExecute key was last seen on it (now when it still carries it). */
  lastTainted: Map<string, number>;
}

interface Disruption {
  /** When etcd came to have no Ready node (at or after the write). */
  since: number;
  /** From when decisions are judged (`since`, or a margin later when the controller learnt it late). */
  judgedFrom: number;
}

interface State {
  revision: number;
  /** Time of the trace entry before the current one (a write seen now happened after it). */
  lastEntry: number;
  nodes: Map<string, NodeState>;
  /** The disruption in progress, if any. */
  current: Disruption | undefined;
  /** Past disruptions: [judgedFrom, until) with `until` at or before the end. */
  past: { judgedFrom: number; until: number }[];
  /** When a Node was last added or deleted. */
  membershipAt: number;
  /** When the last disturbance happened or message faults were last on. */
  disturbedAt: number;
  faultCursor: number;
  /** `node|key|timeAdded` of every readiness taint already seen (in etcd or a request). */
  seenTaints: Set<string>;
  found: Violation[];
  margin: number;
}

const NODES_PREFIX = findResource('nodes')!.etcdPrefix;

function init(history: History): State {
  const period: unknown = history.cluster.options.controllerManager?.options?.['node-lifecycle']?.nodeMonitorPeriodMs;
  return {
    revision: 0,
    lastEntry: 0,
    nodes: new Map(),
    current: undefined,
    past: [],
    membershipAt: -Infinity,
    disturbedAt: -Infinity,
    faultCursor: 0,
    seenTaints: new Set(),
    found: [],
    margin: (typeof period === 'number' ? period : NODE_MONITOR_PERIOD_MS) + MARGIN_MS,
  };
}

function readinessTaints(node: Node | undefined): Taint[] {
  return (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute' && READINESS_KEYS.has(t.key));
}

function readyCondition(node: Node) {
  return node.status?.conditions?.find((c) => c.type === 'Ready');
}

/** Reads etcd's node changes up to now, and enters or leaves the disruption. */
function pull(state: State, history: History, now: number): void {
  const store = history.cluster.store;
  if (store.revision <= state.revision) return;
  const changes = store.changesSince(state.revision + 1, NODES_PREFIX);
  state.revision = store.revision;
  const apply = (name: string, node: Node | undefined) => {
    const before = state.nodes.get(name);
    if (!node) {
      if (before) state.membershipAt = now;
      state.nodes.delete(name);
      return;
    }
    const ready = readyCondition(node)?.status === 'True';
    const taints = readinessTaints(node);
    for (const t of taints) state.seenTaints.add(`${name}|${t.key}|${t.timeAdded ?? ''}`);
    const s: NodeState = before ?? { ready, wentAt: now, byController: false, taints: new Set(), lastTainted: new Map() };
    if (!before) state.membershipAt = now;
    else if (before.ready && !ready) {
      s.wentAt = now;
      s.byController = CONTROLLER_REASONS.has(readyCondition(node)?.reason ?? '');
    }
    s.ready = ready;
    for (const key of s.taints) s.lastTainted.set(key, now);
    s.taints = new Set(taints.map((t) => t.key));
    for (const key of s.taints) s.lastTainted.set(key, now);
    state.nodes.set(name, s);
  };
  if (changes) {
    for (const { change } of changes) apply(change.kv.key.slice(NODES_PREFIX.length), change.kind === 'delete' ? undefined : (change.kv.value as Node));
  } else {
    // compacted past our revision: start again from the store as it is
    const names = new Set<string>();
    for (const node of history.cluster.objects<Node>('nodes')) {
      names.add(node.metadata!.name!);
      apply(node.metadata!.name!, node);
    }
    for (const name of [...state.nodes.keys()]) if (!names.has(name)) apply(name, undefined);
  }
  const all = state.nodes.size > 0 && [...state.nodes.values()].every((n) => !n.ready);
  if (all && !state.current) {
    // the controller learnt it late when a node stopped being Ready otherwise than by its own
    // `Unknown`, or a node came or went, within the margin
    const late = state.membershipAt >= now - state.margin || [...state.nodes.values()].some((n) => !n.byController && n.wentAt >= now - state.margin);
    state.current = { since: now, judgedFrom: late ? now + state.margin : now };
  } else if (!all && state.current) {
    // the write that ended it came after the previous trace entry
    state.past.push({ judgedFrom: state.current.judgedFrom, until: state.lastEntry });
    if (state.past.length > 64) state.past.shift();
    state.current = undefined;
  }
  for (const n of state.nodes.values()) for (const key of n.taints) n.lastTainted.set(key, now);
}

/** Whether a decision at `at` falls in a judged stretch of a disruption. */
function judged(state: State, at: number): boolean {
  if (at < state.disturbedAt + state.margin) return false;
  if (state.current && at >= state.current.judgedFrom) return true;
  return state.past.some((p) => at >= p.judgedFrom && at < p.until);
}

function noteDisturbances(state: State, history: History, now: number): void {
  const { faults } = history;
  for (; state.faultCursor < faults.length; state.faultCursor++) {
    const f = faults[state.faultCursor]!;
    if (DISTURBANCES.has(f.fault.kind)) state.disturbedAt = Math.max(state.disturbedAt, f.time);
  }
  const remote = history.cluster.kernel.network.defaults.remote;
  if (remote.dropRate > 0 || remote.duplicateRate > 0 || remote.reorder) state.disturbedAt = now;
}

export const noEvictionInFullDisruption: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'while no node is Ready, the node lifecycle controller taints no node NoExecute and evicts no pod from a node without such a taint',
  observe(entry, history) {
    const state = history.scratch<State>(NAME, () => init(history));
    noteDisturbances(state, history, entry.time);
    pull(state, history, entry.time);
    state.lastEntry = entry.time;
    if (entry.type !== 'api.request' || entry.duplicate || !/(^|\/)node-lifecycle$/.test(entry.from)) return;
    const req = entry.event as { verb?: string; resource?: string; subresource?: string; namespace?: string; name?: string; body?: unknown } | undefined;
    if (!req || req.verb === undefined) return;
    const at = entry.sent;
    if (req.resource === 'nodes' && req.verb === 'update' && !req.subresource) {
      const node = req.body as Node;
      const name = node?.metadata?.name ?? req.name ?? '';
      const current = state.nodes.get(name);
      for (const t of readinessTaints(node)) {
        const id = `${name}|${t.key}|${t.timeAdded ?? ''}`;
        if (state.seenTaints.has(id)) continue;
        state.seenTaints.add(id);
        // a swap: the node carried the other taint of the Ready condition within the margin
        const other = [...READINESS_KEYS].find((k) => k !== t.key)!;
        if ((current?.lastTainted.get(other) ?? -Infinity) >= at - state.margin) continue;
        if (!judged(state, at)) continue;
        state.found.push(
          violation(
            NAME,
            `the node lifecycle controller put ${t.key}:NoExecute on node ${name} (timeAdded ${t.timeAdded ?? 'unset'}) at t=${(at / 1000).toFixed(3)}s while no node was Ready (since t=${((state.current?.since ?? at) / 1000).toFixed(3)}s): every zone is in FullDisruption and kube-controller-manager taints nothing in master disruption mode`,
            at,
          ),
        );
      }
      return;
    }
    if (req.resource === 'pods' && req.subresource === 'status' && (req.verb === 'patch' || req.verb === 'update')) {
      const conditions = (req.body as Pod | undefined)?.status?.conditions ?? [];
      if (!conditions.some((c) => c.type === 'DisruptionTarget' && c.reason === 'DeletionByTaintManager')) return;
      if (!judged(state, at)) return;
      const pod = history.cluster.object<Pod>('pods', req.name ?? '', req.namespace);
      const nodeName = pod?.spec?.nodeName;
      if (!nodeName) return;
      const node = state.nodes.get(nodeName);
      const lastTainted = Math.max(-Infinity, ...(node ? [...node.lastTainted.values()] : []));
      if (lastTainted >= at - state.margin) return;
      state.found.push(
        violation(
          NAME,
          `the node lifecycle controller evicted pod ${req.namespace}/${req.name} from node ${nodeName} at t=${(at / 1000).toFixed(3)}s while no node was Ready, though the node had no NoExecute taint of its Ready condition${lastTainted > -Infinity ? ` since t=${(lastTainted / 1000).toFixed(3)}s` : ''}`,
          at,
        ),
      );
    }
  },
  check(_cluster, history) {
    const state = history.scratch<State>(NAME, () => init(history));
    return state.found.splice(0);
  },
};
