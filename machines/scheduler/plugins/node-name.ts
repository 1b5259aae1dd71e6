/**
 * NodeName (kube-scheduler `plugins/nodename`): a pod whose `spec.nodeName` is set fits only the
 * node of that name.
 */
import type { Node, Pod } from '../../../src/api/types.js';
import { ActionType, type QueueingHint } from '../events.js';
import { SUCCESS, unresolvable, type CycleState, type FilterPlugin, type Status } from '../framework.js';
import { type NodeInfo } from '../node-info.js';

// Hot paths read module-local constants: under some module runners (vitest's) every read of an
// imported binding goes through a getter, which doubles the cost of a per-node call.
const PASS: Status = SUCCESS;

/** The plugin's name. */
export const NODE_NAME = 'NodeName';

/** The filter reason (`ErrReason`). */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** `isSchedulableAfterNodeAdd`: the added node is the one the pod names. */
function isSchedulableAfterNodeAdd(pod: Pod, _originalNode: Node | undefined, modifiedNode: Node | undefined): QueueingHint {
  if (!modifiedNode) return 'Queue';
  const want = pod.spec?.nodeName;
  return !want || want === modifiedNode.metadata?.name ? 'Queue' : 'QueueSkip';
}

/** The NodeName filter plugin. */
export const NodeName: FilterPlugin = {
  name: NODE_NAME,
  events: [{ event: { resource: 'Node', actionType: ActionType.Add }, hint: isSchedulableAfterNodeAdd }],
  filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    if (state.nodeName === undefined || state.nodeName === nodeInfo.name) return PASS;
    return unresolvable(ERR_REASON_NODE_NAME);
  },
};
