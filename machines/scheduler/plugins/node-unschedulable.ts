/**
 * NodeUnschedulable (kube-scheduler `plugins/nodeunschedulable`): rejects nodes with
 * `spec.unschedulable` (cordoned) unless the pod tolerates the
 * `node.kubernetes.io/unschedulable:NoSchedule` taint.
 */
import type { Node, Pod } from '../../../src/api/types.js';
import { ActionType, isSamePod, type QueueingHint } from '../events.js';
import { SUCCESS, unresolvable, type CycleState, type FilterPlugin, type Status } from '../framework.js';
import { type NodeInfo } from '../node-info.js';
import { tolerationsTolerateTaint } from './taint-toleration.js';

// Hot paths read module-local constants: under some module runners (vitest's) every read of an
// imported binding goes through a getter, which doubles the cost of a per-node call.
const PASS: Status = SUCCESS;

/** The plugin's name. */
const NODE_UNSCHEDULABLE = 'NodeUnschedulable';

/** The filter reason (`ErrReasonUnschedulable`). */
const ERR_REASON_UNSCHEDULABLE = 'node(s) were unschedulable';

/** The taint key a cordoned node stands for (`v1.TaintNodeUnschedulable`). */
const TAINT_NODE_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

const UNSCHEDULABLE_TAINT = Object.freeze({ key: TAINT_NODE_UNSCHEDULABLE, effect: 'NoSchedule' as const });

/** `isSchedulableAfterNodeChange`: a node was uncordoned, or a schedulable node was added. */
function isSchedulableAfterNodeChange(_pod: Pod, originalNode: Node | undefined, modifiedNode: Node | undefined): QueueingHint {
  if (!modifiedNode) return 'Queue';
  const now = modifiedNode.spec?.unschedulable === true;
  if ((originalNode && originalNode.spec?.unschedulable === true && !now) || (!originalNode && !now)) return 'Queue';
  return 'QueueSkip';
}

/** `isSchedulableAfterPodTolerationChange`: the pending pod itself now tolerates the unschedulable taint. */
function isSchedulableAfterPodTolerationChange(pod: Pod, _originalPod: Pod | undefined, modifiedPod: Pod | undefined): QueueingHint {
  if (!modifiedPod || !isSamePod(modifiedPod, pod)) return 'QueueSkip';
  return tolerationsTolerateTaint(modifiedPod.spec?.tolerations ?? [], UNSCHEDULABLE_TAINT) ? 'Queue' : 'QueueSkip';
}

/** The NodeUnschedulable filter plugin. */
export const NodeUnschedulable: FilterPlugin = {
  name: NODE_UNSCHEDULABLE,
  events: [
    // a node made schedulable again is an UpdateNodeTaint event
    { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeTaint }, hint: isSchedulableAfterNodeChange },
    { event: { resource: 'Pod', actionType: ActionType.UpdatePodTolerations }, hint: isSchedulableAfterPodTolerationChange },
  ],
  filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    if (!nodeInfo.unschedulable) return PASS;
    if (tolerationsTolerateTaint(state.tolerations, UNSCHEDULABLE_TAINT)) return PASS;
    return unresolvable(ERR_REASON_UNSCHEDULABLE);
  },
};
