/**
 * NodeName (kube-scheduler `plugins/nodename`): a pod whose `spec.nodeName` is set fits only the
 * node of that name.
 */
import type { Pod } from '../../../src/api/types.js';
import { SUCCESS, unresolvable, type CycleState, type FilterPlugin, type NodeInfo, type Status } from '../framework.js';

// Hot paths read module-local constants: under some module runners (vitest's) every read of an
// imported binding goes through a getter, which doubles the cost of a per-node call.
const PASS: Status = SUCCESS;

/** The plugin's name. */
export const NODE_NAME = 'NodeName';

/** The filter reason (`ErrReason`). */
export const ERR_REASON_NODE_NAME = "node(s) didn't match the requested node name";

/** The NodeName filter plugin. */
export const NodeName: FilterPlugin = {
  name: NODE_NAME,
  filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    if (state.nodeName === undefined || state.nodeName === nodeInfo.name) return PASS;
    return unresolvable(ERR_REASON_NODE_NAME);
  },
};
