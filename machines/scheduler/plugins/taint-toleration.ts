/**
 * TaintToleration (kube-scheduler `plugins/tainttoleration`).
 *
 * Filter: a node is rejected when one of its `NoSchedule` or `NoExecute` taints is not tolerated
 * by the pod; the reason names the first such taint, `node(s) had untolerated taint {key: value}`.
 * Score: the number of `PreferNoSchedule` taints the pod does not tolerate, normalized in reverse
 * so the node with the fewest gets 100.
 */
import type { Node, Pod, Taint, Toleration } from '../../../src/api/types.js';
import { ActionType, isSamePod, type QueueingHint } from '../events.js';
import { MAX_NODE_SCORE, SUCCESS, defaultNormalizeScore, unresolvable, type CycleState, type FilterPlugin, type ScorePlugin, type Status } from '../framework.js';
import { type NodeInfo } from '../node-info.js';

// Hot paths read module-local constants: under some module runners (vitest's) every read of an
// imported binding goes through a getter, which doubles the cost of a per-node call.
const PASS: Status = SUCCESS;

/** The plugin's name. */
export const TAINT_TOLERATION = 'TaintToleration';

/**
 * Whether one toleration tolerates one taint (`v1.Toleration.ToleratesTaint`): an empty effect
 * matches every effect, an empty key (with `Exists`) every key; operator `Exists` matches any
 * value, `Equal` (or empty) the same value. Other operators (the alpha `Gt` / `Lt`, off by
 * default) tolerate nothing.
 */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? '') {
    case '':
    case 'Equal':
      return (toleration.value ?? '') === (taint.value ?? '');
    case 'Exists':
      return true;
    default:
      return false;
  }
}

/** Whether any of the tolerations tolerates the taint. */
export function tolerationsTolerateTaint(tolerations: readonly Toleration[], taint: Taint): boolean {
  for (let i = 0; i < tolerations.length; i++) if (toleratesTaint(tolerations[i]!, taint)) return true;
  return false;
}

/** The first `NoSchedule` / `NoExecute` taint, in the node's order, that the tolerations do not tolerate. */
export function findUntoleratedTaint(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint | undefined {
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i]!;
    if (taint.effect !== 'NoSchedule' && taint.effect !== 'NoExecute') continue;
    if (!tolerationsTolerateTaint(tolerations, taint)) return taint;
  }
  return undefined;
}

/** How many `PreferNoSchedule` taints the tolerations do not tolerate. */
function countIntolerablePreferNoSchedule(taints: readonly Taint[], tolerations: readonly Toleration[]): number {
  let n = 0;
  for (let i = 0; i < taints.length; i++) {
    const taint = taints[i]!;
    if (taint.effect === 'PreferNoSchedule' && !tolerationsTolerateTaint(tolerations, taint)) n++;
  }
  return n;
}

function intolerableCount(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number {
  const taints = nodeInfo.taints;
  if (taints.length === 0) return 0;
  return countIntolerablePreferNoSchedule(taints, state.tolerationsPreferNoSchedule);
}

/** `isSchedulableAfterNodeChange`: a node whose taints the pod did not tolerate (or a new node) now has only tolerated ones. */
function isSchedulableAfterNodeChange(pod: Pod, originalNode: Node | undefined, modifiedNode: Node | undefined): QueueingHint {
  if (!modifiedNode) return 'Queue';
  const tolerations = pod.spec?.tolerations ?? [];
  const wasUntolerated = originalNode ? findUntoleratedTaint(originalNode.spec?.taints ?? [], tolerations) !== undefined : true;
  const isUntolerated = findUntoleratedTaint(modifiedNode.spec?.taints ?? [], tolerations) !== undefined;
  return wasUntolerated && !isUntolerated ? 'Queue' : 'QueueSkip';
}

/** `isSchedulableAfterPodTolerationChange`: the pending pod itself got a new toleration. */
function isSchedulableAfterPodTolerationChange(pod: Pod, _originalPod: Pod | undefined, modifiedPod: Pod | undefined): QueueingHint {
  return modifiedPod && isSamePod(modifiedPod, pod) ? 'Queue' : 'QueueSkip';
}

/** The TaintToleration filter and score plugin. */
export const TaintToleration: FilterPlugin & ScorePlugin = {
  name: TAINT_TOLERATION,
  events: [
    { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint }, hint: isSchedulableAfterNodeChange },
    { event: { resource: 'Pod', actionType: ActionType.UpdatePodTolerations }, hint: isSchedulableAfterPodTolerationChange },
  ],
  filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    const taints = nodeInfo.taints;
    if (taints.length === 0) return PASS;
    const taint = findUntoleratedTaint(taints, state.tolerations);
    if (!taint) return PASS;
    return unresolvable(`node(s) had untolerated taint {${taint.key}: ${taint.value ?? ''}}`);
  },
  score: intolerableCount,
  scoreNodes(_pod: Pod, nodes: readonly NodeInfo[], state: CycleState, out: number[]): void {
    for (let i = 0; i < nodes.length; i++) out.push(intolerableCount(_pod, nodes[i]!, state));
  },
  normalize(scores: number[]): void {
    defaultNormalizeScore(MAX_NODE_SCORE, true, scores);
  },
};
