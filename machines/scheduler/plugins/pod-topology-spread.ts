/**
 * PodTopologySpread (kube-scheduler `plugins/podtopologyspread`).
 *
 * A pod's `topologySpreadConstraints` (or, when it has none, the default constraints: with the
 * default `defaultingType: System`, `kubernetes.io/hostname` maxSkew 3 and
 * `topology.kubernetes.io/zone` maxSkew 5, both ScheduleAnyway, selecting the pods of the
 * Services, ReplicaSet, StatefulSet or ReplicationController that select the pod).
 *
 * PreFilter (the `DoNotSchedule` constraints) counts, per topology domain, the pods its selector
 * matches in the pod's namespace (terminating pods left out) on the nodes that have every
 * constraint's topology key and pass the node inclusion policies (`nodeAffinityPolicy`, default
 * Honor: the pod's node selector and required node affinity; `nodeTaintsPolicy`, default Ignore).
 * `matchLabelKeys` add `key=value` requirements with the pod's own values.
 *
 * Filter: a node without a constraint's key is `node(s) didn't match pod topology spread
 * constraints (missing required label)` (UnschedulableAndUnresolvable); a node where
 * `matching pods in its domain + 1 (if the pod matches itself) - global minimum` would exceed
 * maxSkew is `node(s) didn't match pod topology spread constraints` (Unschedulable). The global
 * minimum is 0 while fewer than `minDomains` domains exist.
 *
 * Score (the `ScheduleAnyway` constraints): per node, the sum over constraints of
 * `matching pods in its domain × log(domains + 2) + maxSkew - 1`; normalized so the node with
 * the fewest gets 100 (`100 × (max + min - score) / max`).
 */
import type { Node, Pod } from '../../../src/api/types.js';
import { deepEqual } from '../../../src/api/json-values.js';
import { ActionType, isSamePod, type HintContext, type QueueingHint } from '../events.js';
import { selectorFromRequirements, selectorFromSet, type LabelSelectorMatcher, type Labels } from '../../../src/api/selectors.js';
import { labelSelectorFromObject } from '../../../src/api/label-selector.js';
import { MAX_NODE_SCORE, SKIP, SUCCESS, unresolvable, unschedulable, type CycleState, type FilterPlugin, type PreFilterResult, type ScorePlugin, type Status } from '../framework.js';
import { type NodeInfo } from '../node-info.js';
import { EMPTY_SNAPSHOT, defaultSelector, type Snapshot } from '../snapshot.js';
import { findUntoleratedTaint } from './taint-toleration.js';

const PASS: Status = SUCCESS;

/** The plugin's name. */
const POD_TOPOLOGY_SPREAD = 'PodTopologySpread';

/** `ErrReasonConstraintsNotMatch`. */
export const ERR_REASON_CONSTRAINTS_NOT_MATCH = "node(s) didn't match pod topology spread constraints";
/** `ErrReasonNodeLabelNotMatch`. */
export const ERR_REASON_NODE_LABEL_NOT_MATCH = `${ERR_REASON_CONSTRAINTS_NOT_MATCH} (missing required label)`;

const LABEL_HOSTNAME = 'kubernetes.io/hostname';

/** A `v1.TopologySpreadConstraint` as the plugin's arguments and pods carry it. */
export interface TopologySpreadConstraintSpec {
  maxSkew: number;
  topologyKey: string;
  whenUnsatisfiable: 'DoNotSchedule' | 'ScheduleAnyway';
  labelSelector?: unknown;
  minDomains?: number;
  nodeAffinityPolicy?: 'Honor' | 'Ignore';
  nodeTaintsPolicy?: 'Honor' | 'Ignore';
  matchLabelKeys?: string[];
}

/** kube-scheduler's `systemDefaultConstraints`. */
const SYSTEM_DEFAULT_CONSTRAINTS: readonly TopologySpreadConstraintSpec[] = Object.freeze([
  { topologyKey: LABEL_HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 3 },
  { topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', maxSkew: 5 },
]);

/** `PodTopologySpreadArgs`. */
export interface PodTopologySpreadArgs {
  /** Constraints for pods without their own (only with `defaultingType: List`). */
  readonly defaultConstraints?: readonly TopologySpreadConstraintSpec[];
  /** `System` (default): {@link SYSTEM_DEFAULT_CONSTRAINTS}; `List`: `defaultConstraints`. */
  readonly defaultingType?: 'System' | 'List';
}

/** A parsed constraint (`topologySpreadConstraint`). */
export interface SpreadConstraint {
  readonly maxSkew: number;
  readonly topologyKey: string;
  readonly selector: LabelSelectorMatcher;
  /** The selector's identity for per-node count memos. */
  readonly selectorKey: string;
  readonly minDomains: number;
  readonly nodeAffinityPolicy: 'Honor' | 'Ignore';
  readonly nodeTaintsPolicy: 'Honor' | 'Ignore';
}

function hasLabel(labels: Labels, key: string): boolean {
  return Object.hasOwn(labels, key);
}

/** `filterTopologySpreadConstraints`: the constraints of one `whenUnsatisfiable`, parsed. */
function filterConstraints(specs: readonly TopologySpreadConstraintSpec[], podLabels: Labels, action: string): SpreadConstraint[] {
  const out: SpreadConstraint[] = [];
  for (const c of specs) {
    if (c.whenUnsatisfiable !== action) continue;
    let selector = labelSelectorFromObject(c.labelSelector as never);
    if ((c.matchLabelKeys?.length ?? 0) > 0 && !selector.isNothing) {
      const set: Record<string, string> = {};
      for (const k of c.matchLabelKeys!) if (hasLabel(podLabels, k)) set[k] = podLabels[k]!;
      if (Object.keys(set).length > 0) selector = selectorFromRequirements([...selectorFromSet(set).requirements, ...selector.requirements]);
    }
    out.push({
      maxSkew: c.maxSkew,
      topologyKey: c.topologyKey,
      selector,
      selectorKey: selector.isNothing ? '\u0000nothing' : selector.toString(),
      minDomains: c.minDomains ?? 1,
      nodeAffinityPolicy: c.nodeAffinityPolicy ?? 'Honor',
      nodeTaintsPolicy: c.nodeTaintsPolicy ?? 'Ignore',
    });
  }
  return out;
}

function nodeLabelsMatchSpreadConstraints(labels: Labels, constraints: readonly SpreadConstraint[]): boolean {
  for (const c of constraints) if (!hasLabel(labels, c.topologyKey)) return false;
  return true;
}

function matchNodeInclusionPolicies(c: SpreadConstraint, state: CycleState, ni: NodeInfo): boolean {
  if (c.nodeAffinityPolicy === 'Honor' && state.requiredAffinity && !state.requiredAffinity.matches(ni.labels, ni.name)) return false;
  if (c.nodeTaintsPolicy === 'Honor' && findUntoleratedTaint(ni.taints, state.tolerations)) return false;
  return true;
}

const memo = new WeakMap<NodeInfo, { generation: number; counts: Map<string, number> }>();

/**
 * `countPodsMatchSelector`: the pods on a node in `namespace`, not terminating, whose labels
 * the selector matches (0 for an empty selector). Memoized per node until its pods change.
 */
function countPodsMatchSelector(snapshot: Snapshot, ni: NodeInfo, c: Pick<SpreadConstraint, 'selector' | 'selectorKey'>, namespace: string): number {
  if (c.selector.isEverything || c.selector.isNothing || ni.pods.size === 0) return 0;
  let m = memo.get(ni);
  if (!m || m.generation !== ni.generation) memo.set(ni, (m = { generation: ni.generation, counts: new Map() }));
  const key = `${namespace}\u0000${c.selectorKey}`;
  const hit = m.counts.get(key);
  if (hit !== undefined) return hit;
  let n = 0;
  for (const k of ni.pods) {
    const p = snapshot.pod(k)?.pod;
    if (!p || p.metadata?.deletionTimestamp || (p.metadata?.namespace ?? 'default') !== namespace) continue;
    if (c.selector.matches(p.metadata?.labels)) n++;
  }
  m.counts.set(key, n);
  return n;
}

/** The pre-filter state: per constraint, matching pods per domain, and its minimum. */
export interface SpreadPreFilterState {
  readonly constraints: readonly SpreadConstraint[];
  readonly tpValueToMatchNum: Map<string, number>[];
  clone(): SpreadPreFilterState;
}

function makeState(constraints: readonly SpreadConstraint[], counts: Map<string, number>[]): SpreadPreFilterState {
  return { constraints, tpValueToMatchNum: counts, clone: () => makeState(constraints, counts.map((m) => new Map(m))) };
}

const MAX_INT32 = 2147483647;

function minMatchNum(s: SpreadPreFilterState, i: number): number {
  const m = s.tpValueToMatchNum[i]!;
  if (m.size < s.constraints[i]!.minDomains) return 0;
  let min = MAX_INT32;
  for (const v of m.values()) if (v < min) min = v;
  return min;
}

/** Creates the plugin with its arguments. */
export function createPodTopologySpread(args: PodTopologySpreadArgs = {}): FilterPlugin & ScorePlugin {
  const defaultingType = args.defaultingType ?? 'System';
  if (defaultingType !== 'System' && defaultingType !== 'List') throw new RangeError(`defaultingType: Unsupported value: "${defaultingType}": supported values: "List", "System"`);
  if (defaultingType === 'System' && (args.defaultConstraints?.length ?? 0) > 0) {
    throw new RangeError('defaultConstraints: Invalid value: when .defaultingType is "System", .defaultConstraints must be empty');
  }
  const systemDefaulted = defaultingType === 'System';
  const defaults = systemDefaulted ? SYSTEM_DEFAULT_CONSTRAINTS : (args.defaultConstraints ?? []);
  for (const c of defaults) {
    if (c.labelSelector !== undefined) throw new RangeError('defaultConstraints.labelSelector: Forbidden: constraint must not define a selector, as they deduced for each pod');
  }
  const name = POD_TOPOLOGY_SPREAD;
  const scoreKey = `${name}/score`;

  const constraintsOf = (pod: Pod, snapshot: Snapshot, action: string): SpreadConstraint[] => {
    const own = pod.spec?.topologySpreadConstraints as TopologySpreadConstraintSpec[] | undefined;
    const labels = (pod.metadata?.labels) ?? {};
    if (own && own.length > 0) return filterConstraints(own, labels, action);
    const constraints = filterConstraints(defaults, labels, action);
    if (constraints.length === 0) return constraints;
    const selector = defaultSelector(snapshot, pod);
    if (selector.isEverything) return [];
    const selectorKey = selector.toString();
    return constraints.map((c) => ({ ...c, selector, selectorKey }));
  };

  /** `getConstraints`: the pod's hard (DoNotSchedule) constraints, its own or the defaults. */
  const hardConstraints = (pod: Pod, context: HintContext): SpreadConstraint[] =>
    constraintsOf(pod, { ...EMPTY_SNAPSHOT, listers: context.listers }, 'DoNotSchedule');

  /** `involvedInTopologySpreading`: the pod itself, or a bound pod in its namespace. */
  const involved = (incoming: Pod, target: Pod): boolean =>
    isSamePod(incoming, target) || (!!incoming.spec?.nodeName && (incoming.metadata?.namespace ?? 'default') === (target.metadata?.namespace ?? 'default'));

  const podLabelsMatch = (constraints: readonly SpreadConstraint[], labels: Labels | undefined): boolean =>
    constraints.some((c) => c.selector.matches(labels));

  /** `isSchedulableAfterPodChange`. */
  const isSchedulableAfterPodChange = (pod: Pod, originalPod: Pod | undefined, modifiedPod: Pod | undefined, context: HintContext): QueueingHint => {
    if ((modifiedPod && !involved(modifiedPod, pod)) || (originalPod && !involved(originalPod, pod))) return 'QueueSkip';
    const constraints = hardConstraints(pod, context);
    if (modifiedPod && originalPod) {
      if (
        isSamePod(pod, modifiedPod) &&
        !deepEqual(modifiedPod.spec?.tolerations ?? null, originalPod.spec?.tolerations ?? null) &&
        constraints.some((c) => c.nodeTaintsPolicy === 'Honor')
      ) {
        return 'Queue';
      }
      if (deepEqual(modifiedPod.metadata?.labels ?? {}, originalPod.metadata?.labels ?? {})) return 'QueueSkip';
      for (const c of constraints) {
        if (c.selector.matches(originalPod.metadata?.labels) !== c.selector.matches(modifiedPod.metadata?.labels)) return 'Queue';
      }
      return 'QueueSkip';
    }
    const added = modifiedPod ?? originalPod;
    if (!added) return 'Queue';
    return podLabelsMatch(constraints, added.metadata?.labels) ? 'Queue' : 'QueueSkip';
  };

  /** `isSchedulableAfterNodeChange`. */
  const isSchedulableAfterNodeChange = (pod: Pod, originalNode: Node | undefined, modifiedNode: Node | undefined, context: HintContext): QueueingHint => {
    const constraints = hardConstraints(pod, context);
    const originalMatching = originalNode ? nodeLabelsMatchSpreadConstraints(originalNode.metadata?.labels ?? {}, constraints) : false;
    const modifiedMatching = modifiedNode ? nodeLabelsMatchSpreadConstraints(modifiedNode.metadata?.labels ?? {}, constraints) : false;
    if (originalNode && modifiedNode) {
      if (originalMatching !== modifiedMatching) return 'Queue';
      const before = originalNode.metadata?.labels ?? {};
      const after = modifiedNode.metadata?.labels ?? {};
      const keyChanged = constraints.some((c) => before[c.topologyKey] !== after[c.topologyKey]);
      if (modifiedMatching && (keyChanged || !deepEqual(originalNode.spec?.taints ?? null, modifiedNode.spec?.taints ?? null))) return 'Queue';
      return 'QueueSkip';
    }
    if (modifiedNode) return modifiedMatching ? 'Queue' : 'QueueSkip';
    return originalMatching ? 'Queue' : 'QueueSkip';
  };

  const readState = (state: CycleState) => state.data.get(name) as SpreadPreFilterState | undefined;

  const updateWithPod = (state: CycleState, pod: Pod, other: Pod, ni: NodeInfo, delta: number): void => {
    const s = readState(state);
    if (!s || (other.metadata?.namespace ?? 'default') !== (pod.metadata?.namespace ?? 'default') || !ni.node) return;
    if (!nodeLabelsMatchSpreadConstraints(ni.labels, s.constraints)) return;
    s.constraints.forEach((c, i) => {
      if (!c.selector.matches(other.metadata?.labels)) return;
      if (!matchNodeInclusionPolicies(c, state, ni)) return;
      const v = ni.labels[c.topologyKey]!;
      const m = s.tpValueToMatchNum[i]!;
      m.set(v, (m.get(v) ?? 0) + delta);
    });
  };

  interface ScoreState {
    constraints: SpreadConstraint[];
    ignored: Set<string>;
    pairCounts: Map<string, number>;
    weights: number[];
  }

  const score = (pod: Pod, ni: NodeInfo, state: CycleState): number => {
    const s = state.data.get(scoreKey) as ScoreState | undefined;
    if (!s) return 0;
    // an ignored node scores kube's invalidScore (-1); NormalizeScore turns it into 0
    if (s.ignored.has(ni.name)) return -1;
    let total = 0;
    const ns = pod.metadata?.namespace ?? 'default';
    for (let i = 0; i < s.constraints.length; i++) {
      const c = s.constraints[i]!;
      if (!hasLabel(ni.labels, c.topologyKey)) continue;
      const cnt =
        c.topologyKey === LABEL_HOSTNAME
          ? countPodsMatchSelector(state.snapshot, ni, c, ns)
          : (s.pairCounts.get(`${c.topologyKey}\u0000${ni.labels[c.topologyKey]}`) ?? 0);
      total += cnt * s.weights[i]! + (c.maxSkew - 1);
    }
    return Math.round(total);
  };

  return {
    name,
    events: [
      // Add / Delete: a pod counted in a domain; UpdatePodLabel: a pod (un)matching a selector; UpdatePodTolerations: the pod itself, under nodeTaintsPolicy Honor
      {
        event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.UpdatePodTolerations | ActionType.Delete },
        hint: isSchedulableAfterPodChange,
      },
      // a node added, deleted or relabelled changes the domains
      {
        event: { resource: 'Node', actionType: ActionType.Add | ActionType.Delete | ActionType.UpdateNodeLabel | ActionType.UpdateNodeTaint },
        hint: isSchedulableAfterNodeChange,
      },
    ],
    preFilter(pod: Pod, state: CycleState): PreFilterResult | undefined {
      const snap = state.snapshot;
      const constraints = constraintsOf(pod, snap, 'DoNotSchedule');
      if (constraints.length === 0) return { status: SKIP };
      const counts = constraints.map(() => new Map<string, number>());
      const ns = pod.metadata?.namespace ?? 'default';
      for (const ni of snap.nodes) {
        if (!nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) continue;
        for (let i = 0; i < constraints.length; i++) {
          const c = constraints[i]!;
          if (!matchNodeInclusionPolicies(c, state, ni)) continue;
          const v = ni.labels[c.topologyKey]!;
          counts[i]!.set(v, (counts[i]!.get(v) ?? 0) + countPodsMatchSelector(snap, ni, c, ns));
        }
      }
      state.data.set(name, makeState(constraints, counts));
      return undefined;
    },
    addPod: (state, pod, other, ni) => updateWithPod(state, pod, other, ni, 1),
    removePod: (state, pod, other, ni) => updateWithPod(state, pod, other, ni, -1),
    filter(pod: Pod, ni: NodeInfo, state: CycleState): Status {
      const s = readState(state);
      if (!s || s.constraints.length === 0 || !ni.node) return PASS;
      const podLabels = pod.metadata?.labels;
      for (let i = 0; i < s.constraints.length; i++) {
        const c = s.constraints[i]!;
        if (!hasLabel(ni.labels, c.topologyKey)) return unresolvable(ERR_REASON_NODE_LABEL_NOT_MATCH);
        const selfMatch = c.selector.matches(podLabels) ? 1 : 0;
        const matchNum = s.tpValueToMatchNum[i]!.get(ni.labels[c.topologyKey]!) ?? 0;
        if (matchNum + selfMatch - minMatchNum(s, i) > c.maxSkew) return unschedulable(ERR_REASON_CONSTRAINTS_NOT_MATCH);
      }
      return PASS;
    },
    preScore(pod: Pod, state: CycleState, filtered: readonly NodeInfo[]): 'skip' | void {
      const snap = state.snapshot;
      if (filtered.length === 0 || snap.nodes.length === 0) return 'skip';
      const requireAllTopologies = (pod.spec?.topologySpreadConstraints?.length ?? 0) > 0 || !systemDefaulted;
      const constraints = constraintsOf(pod, snap, 'ScheduleAnyway');
      if (constraints.length === 0) return 'skip';
      const ignored = new Set<string>();
      const pairCounts = new Map<string, number>();
      const topoSize = constraints.map(() => 0);
      for (const ni of filtered) {
        if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) {
          ignored.add(ni.name);
          continue;
        }
        constraints.forEach((c, i) => {
          if (c.topologyKey === LABEL_HOSTNAME) return;
          const pair = `${c.topologyKey}\u0000${ni.labels[c.topologyKey] ?? ''}`;
          if (!pairCounts.has(pair)) {
            pairCounts.set(pair, 0);
            topoSize[i]!++;
          }
        });
      }
      const weights = constraints.map((c, i) => Math.log((c.topologyKey === LABEL_HOSTNAME ? filtered.length - ignored.size : topoSize[i]!) + 2));
      const ns = pod.metadata?.namespace ?? 'default';
      for (const ni of snap.nodes) {
        if (requireAllTopologies && !nodeLabelsMatchSpreadConstraints(ni.labels, constraints)) continue;
        for (const c of constraints) {
          if (c.topologyKey === LABEL_HOSTNAME || !matchNodeInclusionPolicies(c, state, ni)) continue;
          const pair = `${c.topologyKey}\u0000${ni.labels[c.topologyKey] ?? ''}`;
          const cur = pairCounts.get(pair);
          if (cur === undefined) continue;
          pairCounts.set(pair, cur + countPodsMatchSelector(snap, ni, c, ns));
        }
      }
      state.data.set(scoreKey, { constraints, ignored, pairCounts, weights } satisfies ScoreState);
    },
    score,
    scoreNodes(pod: Pod, nodes: readonly NodeInfo[], state: CycleState, out: number[]): void {
      for (let i = 0; i < nodes.length; i++) out.push(score(pod, nodes[i]!, state));
    },
    normalize(scores: number[]): void {
      // ignored nodes scored -1 (kube's invalidScore)
      let min = Infinity;
      let max = 0;
      for (const s of scores) {
        if (s < 0) continue;
        if (s < min) min = s;
        if (s > max) max = s;
      }
      for (let i = 0; i < scores.length; i++) {
        const s = scores[i]!;
        if (s < 0) scores[i] = 0;
        else if (max === 0) scores[i] = MAX_NODE_SCORE;
        else scores[i] = Math.trunc((MAX_NODE_SCORE * (max + min - s)) / max);
      }
    },
  };
}

/** The PodTopologySpread filter and score plugin with the default arguments (system defaults). */
export const PodTopologySpread: FilterPlugin & ScorePlugin = createPodTopologySpread();
