/**
 * NodeAffinity (kube-scheduler `plugins/nodeaffinity`).
 *
 * PreFilter: skipped for pods with neither `nodeSelector` nor required node affinity; when every
 * required term names nodes with `matchFields metadata.name In`, only those nodes are considered
 * (how DaemonSet pods are pinned); terms whose names do not intersect make the pod unschedulable
 * (`pod affinity terms conflict`).
 * Filter: the node must match `nodeSelector` and one required term.
 * Score: the sum of the weights of the preferred terms the node matches, normalized so the best
 * node gets 100.
 */
import type { Node, Pod } from '../../../src/api/types.js';
import { ActionType, type QueueingHint } from '../events.js';
import { MAX_NODE_SCORE, SKIP, SUCCESS, defaultNormalizeScore, unresolvable, type CycleState, type FilterPlugin, type PreFilterResult, type ScorePlugin, type Status } from '../framework.js';
import { type NodeInfo } from '../node-info.js';
import { compileRequiredNodeAffinity, nodeLabels, scorePreferredTerms } from '../node-selector.js';

// Hot paths read module-local constants: under some module runners (vitest's) every read of an
// imported binding goes through a getter, which doubles the cost of a per-node call.
const PASS: Status = SUCCESS;

/** The plugin's name. */
export const NODE_AFFINITY = 'NodeAffinity';

/** The filter reason (`ErrReasonPod`). */
export const ERR_REASON_POD = "node(s) didn't match Pod's node affinity/selector";

/** The pre-filter reason when the required terms name disjoint sets of nodes (`errReasonConflict`). */
const ERR_REASON_CONFLICT = 'pod affinity terms conflict';

/**
 * The node names a pod's required node affinity restricts it to, as NodeAffinity's PreFilter
 * computes them: undefined when some term does not name nodes (every node is eligible), else the
 * union over terms of the intersection of each term's `metadata.name In` values.
 */
export function requiredNodeNames(pod: Pod): Set<string> | undefined {
  const terms = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms;
  if (!terms || terms.length === 0) return undefined;
  let names: Set<string> | undefined;
  for (const t of terms) {
    let termNames: Set<string> | undefined;
    for (const r of t.matchFields ?? []) {
      if (r.key !== 'metadata.name' || r.operator !== 'In') continue;
      const s = new Set(r.values ?? []);
      termNames = termNames ? new Set([...termNames].filter((n) => s.has(n))) : s;
    }
    if (!termNames) return undefined;
    names ??= new Set();
    for (const n of termNames) names.add(n);
  }
  return names;
}

function preferredScore(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number {
  const terms = state.preferredAffinity;
  if (!terms || terms.length === 0 || !nodeInfo.node) return 0;
  return scorePreferredTerms(terms, nodeInfo.labels, nodeInfo.name);
}

function matchesRequired(pod: Pod, node: Node): boolean {
  const required = compileRequiredNodeAffinity(pod);
  return !required || required.matches(nodeLabels(node), node.metadata?.name ?? '');
}

/** `isSchedulableAfterNodeChange`: a new node, or a node that did not match, now matches the pod's node selector and required affinity. */
function isSchedulableAfterNodeChange(pod: Pod, originalNode: Node | undefined, modifiedNode: Node | undefined): QueueingHint {
  if (!modifiedNode) return 'Queue';
  if (!matchesRequired(pod, modifiedNode)) return 'QueueSkip';
  if (!originalNode) return 'Queue';
  return matchesRequired(pod, originalNode) ? 'QueueSkip' : 'Queue';
}

/** The NodeAffinity filter and score plugin. */
export const NodeAffinity: FilterPlugin & ScorePlugin = {
  name: NODE_AFFINITY,
  events: [{ event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeLabel }, hint: isSchedulableAfterNodeChange }],
  preFilter(pod: Pod): PreFilterResult | undefined {
    const required = pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
    if (!required && pod.spec?.nodeSelector === undefined) return { status: SKIP };
    const names = requiredNodeNames(pod);
    if (names === undefined) return undefined;
    if (names.size === 0) return { status: unresolvable(ERR_REASON_CONFLICT) };
    return { nodeNames: names };
  },
  filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    const required = state.requiredAffinity;
    if (!required || !nodeInfo.node || required.matches(nodeInfo.labels, nodeInfo.name)) return PASS;
    return unresolvable(ERR_REASON_POD);
  },
  preScore(_pod: Pod, state: CycleState): 'skip' | void {
    if (!state.preferredAffinity) return 'skip';
  },
  score: preferredScore,
  scoreNodes(pod: Pod, nodes: readonly NodeInfo[], state: CycleState, out: number[]): void {
    for (let i = 0; i < nodes.length; i++) out.push(preferredScore(pod, nodes[i]!, state));
  },
  normalize(scores: number[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, false, scores);
  },
};
