/**
 * NodePorts (kube-scheduler `plugins/nodeports`): a node is rejected when a host port the pod's
 * containers ask for is already in use there (`node(s) didn't have free ports for the requested
 * pod ports`, Unschedulable). Ports conflict on the same protocol and port when either side binds
 * `0.0.0.0` (the default) or both bind the same `hostIP` (`HostPortInfo.CheckConflict`).
 * Skipped for pods that ask for no host port.
 */
import type { Pod } from '../../../src/api/types.js';
import { ActionType, type QueueingHint } from '../events.js';
import { SKIP, SUCCESS, unschedulable, type CycleState, type FilterPlugin, type PreFilterResult, type Status } from '../framework.js';
import { podHostPorts, type HostPort, type NodeInfo } from '../node-info.js';

const PASS: Status = SUCCESS;

/** The plugin's name. */
const NODE_PORTS = 'NodePorts';

/** `ErrReason`. */
export const ERR_REASON_NODE_PORTS = "node(s) didn't have free ports for the requested pod ports";

const BIND_ALL = '0.0.0.0';

/** `HostPortInfo.CheckConflict` of one wanted port against the ports in use on a node. */
export function hostPortConflicts(used: ReadonlyMap<string, readonly HostPort[]> | undefined, want: HostPort): boolean {
  if (!used || want.port <= 0) return false;
  for (const ports of used.values()) {
    for (const p of ports) {
      if (p.port !== want.port || p.protocol !== want.protocol) continue;
      if (want.ip === BIND_ALL || p.ip === BIND_ALL || p.ip === want.ip) return true;
    }
  }
  return false;
}

/**
 * `isSchedulableAfterPodDeleted`: the deleted pod was bound (or nominated) and held a host port
 * the pending pod asks for.
 */
function isSchedulableAfterPodDeleted(pod: Pod, deletedPod: Pod | undefined): QueueingHint {
  if (!deletedPod) return 'Queue';
  // an unscheduled pod held no port
  if (!deletedPod.spec?.nodeName && !deletedPod.status?.nominatedNodeName) return 'QueueSkip';
  const freed = podHostPorts(deletedPod);
  if (!freed) return 'QueueSkip';
  const inUse = new Map([['deleted', freed]]);
  for (const want of podHostPorts(pod) ?? []) if (hostPortConflicts(inUse, want)) return 'Queue';
  return 'QueueSkip';
}

/** The NodePorts filter plugin. */
export const NodePorts: FilterPlugin = {
  name: NODE_PORTS,
  events: [
    // containers' ports are immutable: only a deleted pod frees one
    { event: { resource: 'Pod', actionType: ActionType.Delete }, hint: isSchedulableAfterPodDeleted },
    // a new node has every port free (no hint: always Queue)
    { event: { resource: 'Node', actionType: ActionType.Add } },
  ],
  preFilter(pod: Pod, state: CycleState): PreFilterResult | undefined {
    const ports = podHostPorts(pod);
    if (!ports) return { status: SKIP };
    state.data.set(NODE_PORTS, ports);
    return undefined;
  },
  filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    const wanted = state.data.get(NODE_PORTS) as readonly HostPort[] | undefined;
    if (!wanted || !nodeInfo.usedPorts) return PASS;
    for (const w of wanted) if (hostPortConflicts(nodeInfo.usedPorts, w)) return unschedulable(ERR_REASON_NODE_PORTS);
    return PASS;
  },
};
