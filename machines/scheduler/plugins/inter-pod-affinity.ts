/**
 * InterPodAffinity (kube-scheduler `plugins/interpodaffinity`).
 *
 * PreFilter counts, per topology pair (a node label key and value), (1) the existing pods whose
 * required anti-affinity terms match the incoming pod, (2) the existing pods that match all of
 * the incoming pod's required affinity terms, (3) the existing pods that match each of its
 * required anti-affinity terms. The incoming pod's terms with a namespace selector get the
 * selected namespaces merged into their namespaces first. When no existing pod has required
 * anti-affinity against it and it has no required terms, the plugin is skipped: a cluster without
 * affinity terms costs nothing beyond a set lookup.
 *
 * Filter, in this order:
 * - a node missing a required affinity term's topology key, or whose domain holds no matching pod
 *   → `node(s) didn't match pod affinity rules` (UnschedulableAndUnresolvable), unless no pod in
 *   the cluster matches and the pod matches its own terms (the first pod of a group);
 * - a domain holding a pod its required anti-affinity selects → `node(s) didn't match pod
 *   anti-affinity rules` (Unschedulable);
 * - a domain holding a pod whose required anti-affinity selects it → `node(s) didn't satisfy
 *   existing pods anti-affinity rules` (Unschedulable).
 *
 * PreScore sums, per topology pair, the weights of the preferred terms (the incoming pod's
 * against existing pods, and existing pods' preferred terms and required affinity terms — the
 * latter with `hardPodAffinityWeight`, 1 — against the incoming pod), anti-affinity negatively.
 * Score is the sum over the node's labels; NormalizeScore maps min..max to 0..100.
 */
import type { Node, Pod } from '../../../src/api/types.js';
import { ActionType, type QueueingHint } from '../events.js';
import type { Labels } from '../../../src/api/selectors.js';
import { MAX_NODE_SCORE, SKIP, SUCCESS, unresolvable, unschedulable, type CycleState, type FilterPlugin, type PreFilterResult, type ScorePlugin, type Status } from '../framework.js';
import { type NodeInfo } from '../node-info.js';
import {
  mergeTermNamespaces,
  podAffinityInfo,
  podMatchesAllAffinityTerms,
  termMatches,
  type AffinityTerm,
  type WeightedAffinityTerm,
} from '../pod-affinity-terms.js';
import { namespaceLabels, namespacesMatching, type Snapshot } from '../snapshot.js';

const PASS: Status = SUCCESS;

/** The plugin's name. */
const INTER_POD_AFFINITY = 'InterPodAffinity';

/** `ErrReasonExistingAntiAffinityRulesNotMatch`. */
export const ERR_REASON_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules";
/** `ErrReasonAffinityRulesNotMatch`. */
export const ERR_REASON_AFFINITY = "node(s) didn't match pod affinity rules";
/** `ErrReasonAntiAffinityRulesNotMatch`. */
export const ERR_REASON_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules";

/** `InterPodAffinityArgs`. */
export interface InterPodAffinityArgs {
  /** Weight of existing pods' required affinity terms in scoring (0..100, default 1). */
  readonly hardPodAffinityWeight?: number;
  /** Skip existing pods' preferred terms when the incoming pod has none (default false). */
  readonly ignorePreferredTermsOfExistingPods?: boolean;
}

/** Counts per topology pair, keyed `key\0value`. */
type PairCounts = Map<string, number>;

const pairKey = (key: string, value: string): string => `${key}\u0000${value}`;

function add(m: PairCounts, key: string, value: string, n: number): void {
  const k = pairKey(key, value);
  const v = (m.get(k) ?? 0) + n;
  if (v === 0) m.delete(k);
  else m.set(k, v);
}

function labelOf(labels: Labels, key: string): string | undefined {
  return Object.hasOwn(labels, key) ? labels[key] : undefined;
}

/** The pre-filter state (kept in the cycle state under the plugin's name). */
export interface InterPodAffinityPreFilterState {
  readonly pod: Pod;
  readonly requiredAffinityTerms: readonly AffinityTerm[];
  readonly requiredAntiAffinityTerms: readonly AffinityTerm[];
  readonly namespaceLabels: Labels | undefined;
  readonly existingAntiAffinityCounts: PairCounts;
  readonly affinityCounts: PairCounts;
  readonly antiAffinityCounts: PairCounts;
  clone(): InterPodAffinityPreFilterState;
}

function makeState(s: Omit<InterPodAffinityPreFilterState, 'clone'>): InterPodAffinityPreFilterState {
  return {
    ...s,
    clone: () =>
      makeState({
        ...s,
        existingAntiAffinityCounts: new Map(s.existingAntiAffinityCounts),
        affinityCounts: new Map(s.affinityCounts),
        antiAffinityCounts: new Map(s.antiAffinityCounts),
      }),
  };
}

function updateWithAffinityTerms(m: PairCounts, target: Pod, nodeLabels: Labels, terms: readonly AffinityTerm[], n: number): void {
  if (!podMatchesAllAffinityTerms(terms, target)) return;
  for (const t of terms) {
    const v = labelOf(nodeLabels, t.topologyKey);
    if (v !== undefined) add(m, t.topologyKey, v, n);
  }
}

function updateWithAntiAffinityTerms(m: PairCounts, target: Pod, nsLabels: Labels | undefined, nodeLabels: Labels, terms: readonly AffinityTerm[], n: number): void {
  for (const t of terms) {
    if (!termMatches(t, target, nsLabels)) continue;
    const v = labelOf(nodeLabels, t.topologyKey);
    if (v !== undefined) add(m, t.topologyKey, v, n);
  }
}

function mergedTerms<T extends AffinityTerm>(terms: readonly T[], snapshot: Snapshot): T[] {
  return terms.map((t) => mergeTermNamespaces(t, (sel) => namespacesMatching(snapshot, sel)));
}

/** The pre-filter state of a cycle, or undefined when the plugin was skipped. */
function interPodAffinityPreFilterState(state: CycleState): InterPodAffinityPreFilterState | undefined {
  return state.data.get(INTER_POD_AFFINITY) as InterPodAffinityPreFilterState | undefined;
}

function preFilter(pod: Pod, state: CycleState): PreFilterResult | undefined {
  const snap = state.snapshot;
  const info = podAffinityInfo(pod);
  if (info.error) return { status: unresolvable(`parsing pod: ${info.error}`) };
  const requiredAffinityTerms = info.requiredAffinityTerms.length ? mergedTerms(info.requiredAffinityTerms, snap) : info.requiredAffinityTerms;
  const requiredAntiAffinityTerms = info.requiredAntiAffinityTerms.length ? mergedTerms(info.requiredAntiAffinityTerms, snap) : info.requiredAntiAffinityTerms;
  const nsLabels = snap.affinityPods.size > 0 ? namespaceLabels(snap, pod.metadata?.namespace ?? 'default') : undefined;

  // existing pods' required anti-affinity against the incoming pod
  const existingAntiAffinityCounts: PairCounts = new Map();
  for (const key of snap.affinityPods) {
    const sp = snap.pod(key);
    const ni = sp && snap.nodeInfo(sp.nodeName);
    if (!sp || !ni) continue;
    const terms = podAffinityInfo(sp.pod).requiredAntiAffinityTerms;
    if (terms.length > 0) updateWithAntiAffinityTerms(existingAntiAffinityCounts, pod, nsLabels, ni.labels, terms, 1);
  }
  if (existingAntiAffinityCounts.size === 0 && requiredAffinityTerms.length === 0 && requiredAntiAffinityTerms.length === 0) {
    return { status: SKIP };
  }

  // existing pods against the incoming pod's required terms
  const affinityCounts: PairCounts = new Map();
  const antiAffinityCounts: PairCounts = new Map();
  if (requiredAffinityTerms.length > 0 || requiredAntiAffinityTerms.length > 0) {
    for (const ni of snap.nodes) {
      for (const key of ni.pods) {
        const existing = snap.pod(key)?.pod;
        if (!existing) continue;
        updateWithAffinityTerms(affinityCounts, existing, ni.labels, requiredAffinityTerms, 1);
        updateWithAntiAffinityTerms(antiAffinityCounts, existing, undefined, ni.labels, requiredAntiAffinityTerms, 1);
      }
    }
  }
  state.data.set(
    INTER_POD_AFFINITY,
    makeState({ pod, requiredAffinityTerms, requiredAntiAffinityTerms, namespaceLabels: nsLabels, existingAntiAffinityCounts, affinityCounts, antiAffinityCounts }),
  );
  return undefined;
}

function satisfyPodAffinity(s: InterPodAffinityPreFilterState, labels: Labels): boolean {
  let podsExist = true;
  for (const t of s.requiredAffinityTerms) {
    const v = labelOf(labels, t.topologyKey);
    if (v === undefined) return false; // every topology label must exist on the node
    if ((s.affinityCounts.get(pairKey(t.topologyKey, v)) ?? 0) <= 0) podsExist = false;
  }
  if (podsExist) return true;
  // the first pod of a group with affinity to itself: no pod matches anywhere yet
  return s.affinityCounts.size === 0 && podMatchesAllAffinityTerms(s.requiredAffinityTerms, s.pod);
}

function satisfyPodAntiAffinity(s: InterPodAffinityPreFilterState, labels: Labels): boolean {
  if (s.antiAffinityCounts.size === 0) return true;
  for (const t of s.requiredAntiAffinityTerms) {
    const v = labelOf(labels, t.topologyKey);
    if (v !== undefined && (s.antiAffinityCounts.get(pairKey(t.topologyKey, v)) ?? 0) > 0) return false;
  }
  return true;
}

function satisfyExistingPodsAntiAffinity(s: InterPodAffinityPreFilterState, labels: Labels): boolean {
  if (s.existingAntiAffinityCounts.size === 0) return true;
  for (const key of Object.keys(labels)) {
    if ((s.existingAntiAffinityCounts.get(pairKey(key, labels[key]!)) ?? 0) > 0) return false;
  }
  return true;
}

/** Pre-filter extension: counts `other` as if it were added to (n = 1) or removed from (n = -1) `nodeInfo`. */
function updateWithPod(state: CycleState, other: Pod, nodeInfo: NodeInfo, n: number): void {
  const s = interPodAffinityPreFilterState(state);
  if (!s) return;
  const info = podAffinityInfo(other);
  updateWithAntiAffinityTerms(s.existingAntiAffinityCounts, s.pod, s.namespaceLabels, nodeInfo.labels, info.requiredAntiAffinityTerms, n);
  updateWithAffinityTerms(s.affinityCounts, other, nodeInfo.labels, s.requiredAffinityTerms, n);
  updateWithAntiAffinityTerms(s.antiAffinityCounts, other, undefined, nodeInfo.labels, s.requiredAntiAffinityTerms, n);
}

// ---- scoring ---------------------------------------------------------------------------------

const SCORE_KEY = `${INTER_POD_AFFINITY}/score`;

/** topologyKey → value → score. */
type TopologyScore = Map<string, Map<string, number>>;

function processTerm(m: TopologyScore, term: AffinityTerm, weight: number, pod: Pod, nsLabels: Labels | undefined, nodeLabels: Labels, multiplier: number): void {
  if (!termMatches(term, pod, nsLabels)) return;
  const v = labelOf(nodeLabels, term.topologyKey);
  if (v === undefined) return;
  let byValue = m.get(term.topologyKey);
  if (!byValue) m.set(term.topologyKey, (byValue = new Map()));
  byValue.set(v, (byValue.get(v) ?? 0) + weight * multiplier);
}

function processTerms(m: TopologyScore, terms: readonly WeightedAffinityTerm[], pod: Pod, nsLabels: Labels | undefined, nodeLabels: Labels, multiplier: number): void {
  for (const t of terms) processTerm(m, t, t.weight, pod, nsLabels, nodeLabels, multiplier);
}

/**
 * `isSchedulableAfterPodChange` (bound pods only): an added pod matches all the pending pod's
 * required affinity terms; an updated pod starts matching them, or stops matching its required
 * anti-affinity terms; a deleted pod matched its anti-affinity terms.
 */
function isSchedulableAfterPodChange(pod: Pod, originalPod: Pod | undefined, modifiedPod: Pod | undefined): QueueingHint {
  if ((modifiedPod && !modifiedPod.spec?.nodeName) || (originalPod && !originalPod.spec?.nodeName)) return 'QueueSkip';
  const info = podAffinityInfo(pod);
  const terms = info.requiredAffinityTerms;
  const antiTerms = info.requiredAntiAffinityTerms;
  if (modifiedPod && originalPod) {
    if (!podMatchesAllAffinityTerms(terms, originalPod) && podMatchesAllAffinityTerms(terms, modifiedPod)) return 'Queue';
    if (podMatchesAllAffinityTerms(antiTerms, originalPod) && !podMatchesAllAffinityTerms(antiTerms, modifiedPod)) return 'Queue';
    return 'QueueSkip';
  }
  if (modifiedPod) return podMatchesAllAffinityTerms(terms, modifiedPod) ? 'Queue' : 'QueueSkip';
  if (!originalPod) return 'Queue';
  return podMatchesAllAffinityTerms(antiTerms, originalPod) ? 'Queue' : 'QueueSkip';
}

/** `isSchedulableAfterNodeChange`: the added or updated node has the topology key of one of the pending pod's required terms. */
function isSchedulableAfterNodeChange(pod: Pod, _originalNode: Node | undefined, modifiedNode: Node | undefined): QueueingHint {
  if (!modifiedNode) return 'Queue';
  const labels = modifiedNode.metadata?.labels ?? {};
  const info = podAffinityInfo(pod);
  for (const t of info.requiredAffinityTerms) if (Object.hasOwn(labels, t.topologyKey)) return 'Queue';
  for (const t of info.requiredAntiAffinityTerms) if (Object.hasOwn(labels, t.topologyKey)) return 'Queue';
  return 'QueueSkip';
}

/** Creates the plugin with its arguments. */
/** Whether a node has any label (without `Object.keys`' array: PreScore asks it for every node). */
function hasAnyLabel(labels: Labels): boolean {
  for (const _ in labels) return true;
  return false;
}

export function createInterPodAffinity(args: InterPodAffinityArgs = {}): FilterPlugin & ScorePlugin {
  const hardWeight = args.hardPodAffinityWeight ?? 1;
  if (!Number.isInteger(hardWeight) || hardWeight < 0 || hardWeight > 100) {
    throw new RangeError(`hardPodAffinityWeight: Invalid value: ${hardWeight}: not in valid range [0, 100]`);
  }
  const ignoreExisting = args.ignorePreferredTermsOfExistingPods ?? false;

  const score = (_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number => {
    const m = state.data.get(SCORE_KEY) as TopologyScore | undefined;
    if (!m) return 0;
    let total = 0;
    for (const [key, byValue] of m) {
      const v = labelOf(nodeInfo.labels, key);
      if (v !== undefined) total += byValue.get(v) ?? 0;
    }
    return total;
  };

  return {
    name: INTER_POD_AFFINITY,
    events: [
      // Add: a pod the pending pod's affinity needs; UpdatePodLabel: a pod's labels (un)matching its terms; Delete: a pod its anti-affinity selects
      { event: { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel | ActionType.Delete }, hint: isSchedulableAfterPodChange },
      { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel }, hint: isSchedulableAfterNodeChange },
    ],
    preFilter,
    addPod: (state, _pod, other, nodeInfo) => updateWithPod(state, other, nodeInfo, 1),
    removePod: (state, _pod, other, nodeInfo) => updateWithPod(state, other, nodeInfo, -1),
    filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
      const s = interPodAffinityPreFilterState(state);
      if (!s || !nodeInfo.node) return PASS;
      const labels = nodeInfo.labels;
      if (!satisfyPodAffinity(s, labels)) return unresolvable(ERR_REASON_AFFINITY);
      if (!satisfyPodAntiAffinity(s, labels)) return unschedulable(ERR_REASON_ANTI_AFFINITY);
      if (!satisfyExistingPodsAntiAffinity(s, labels)) return unschedulable(ERR_REASON_EXISTING_ANTI_AFFINITY);
      return PASS;
    },
    preScore(pod: Pod, state: CycleState, nodes: readonly NodeInfo[]): 'skip' | void {
      if (nodes.length === 0) return 'skip';
      const snap = state.snapshot;
      const a = pod.spec?.affinity;
      const hasConstraints =
        (a?.podAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0 ||
        (a?.podAntiAffinity?.preferredDuringSchedulingIgnoredDuringExecution?.length ?? 0) > 0;
      if (ignoreExisting && !hasConstraints) return 'skip';
      if (!hasConstraints && snap.affinityPods.size === 0) return 'skip';
      const info = podAffinityInfo(pod);
      const preferredAffinityTerms = mergedTerms(info.preferredAffinityTerms, snap);
      const preferredAntiAffinityTerms = mergedTerms(info.preferredAntiAffinityTerms, snap);
      const nsLabels = namespaceLabels(snap, pod.metadata?.namespace ?? 'default');
      const m: TopologyScore = new Map();
      // a node without labels has no topology (kube: `len(node.Labels) == 0`); checked without allocating
      const processExisting = (existing: Pod, labels: Labels): void => {
        processTerms(m, preferredAffinityTerms, existing, undefined, labels, 1);
        processTerms(m, preferredAntiAffinityTerms, existing, undefined, labels, -1);
        const ex = podAffinityInfo(existing);
        if (hardWeight > 0) for (const t of ex.requiredAffinityTerms) processTerm(m, t, hardWeight, pod, nsLabels, labels, 1);
        processTerms(m, ex.preferredAffinityTerms, pod, nsLabels, labels, 1);
        processTerms(m, ex.preferredAntiAffinityTerms, pod, nsLabels, labels, -1);
      };
      if (hasConstraints) {
        for (const ni of snap.nodes) {
          if (!hasAnyLabel(ni.labels)) continue;
          for (const key of ni.pods) {
            const existing = snap.pod(key)?.pod;
            if (existing) processExisting(existing, ni.labels);
          }
        }
      } else {
        for (const key of snap.affinityPods) {
          const sp = snap.pod(key);
          const ni = sp && snap.nodeInfo(sp.nodeName);
          if (sp && ni && hasAnyLabel(ni.labels)) processExisting(sp.pod, ni.labels);
        }
      }
      if (m.size === 0) return 'skip';
      state.data.set(SCORE_KEY, m);
    },
    score,
    normalize(scores: number[]): void {
      let min = Infinity;
      let max = -Infinity;
      for (const s of scores) {
        if (s > max) max = s;
        if (s < min) min = s;
      }
      const diff = max - min;
      for (let i = 0; i < scores.length; i++) {
        scores[i] = diff > 0 ? Math.trunc(MAX_NODE_SCORE * ((scores[i]! - min) / diff)) : 0;
      }
    },
  };
}

/** The InterPodAffinity filter and score plugin with the default arguments. */
export const InterPodAffinity: FilterPlugin & ScorePlugin = createInterPodAffinity();
