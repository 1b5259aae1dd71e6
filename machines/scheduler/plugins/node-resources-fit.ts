/**
 * NodeResourcesFit (kube-scheduler `plugins/noderesources/fit.go`).
 *
 * Filter: the node must have room for one more pod (`Too many pods`) and, for each of cpu, memory
 * and ephemeral-storage the pod requests, enough allocatable left after the requests of the pods
 * already there (`Insufficient cpu`, `Insufficient memory`, `Insufficient ephemeral-storage`).
 * Every shortfall is reported, and the status is `Unschedulable`, so preemption may help.
 * Score: the LeastAllocated strategy (see `least-allocated.ts`).
 */
import type { Node, Pod } from '../../../src/api/types.js';
import { ActionType, type QueueingHint } from '../events.js';
import { SUCCESS, unschedulable, type CycleState, type FilterPlugin, type ScorePlugin, type Status } from '../framework.js';
import { NodeInfo, computePodRequests, nodeAllocatable, type Resources } from '../node-info.js';
import { LeastAllocated } from './least-allocated.js';

// Hot paths read module-local constants: under some module runners (vitest's) every read of an
// imported binding goes through a getter, which doubles the cost of a per-node call.
const PASS: Status = SUCCESS;

/** The plugin's name. */
const NODE_RESOURCES_FIT = 'NodeResourcesFit';

/** A resource the pod lacks on a node (`noderesources.InsufficientResource`). */
export interface InsufficientResource {
  /** `pods`, `cpu`, `memory` or `ephemeral-storage`. */
  readonly resourceName: string;
  /** The reason shown in FailedScheduling, e.g. `Insufficient cpu`. */
  readonly reason: string;
  /** What the pod asks for. */
  readonly requested: number;
  /** What the pods on the node already use. */
  readonly used: number;
  /** The node's allocatable amount. */
  readonly capacity: number;
}

/** Every resource the pod lacks on the node, in kube's order (pods, cpu, memory, ephemeral-storage). */
export function fitsRequest(request: Resources, nodeInfo: NodeInfo): InsufficientResource[] {
  const out: InsufficientResource[] = [];
  const { allocatable, requested } = nodeInfo;
  const podCount = nodeInfo.pods.size;
  if (podCount + 1 > allocatable.pods) {
    out.push({ resourceName: 'pods', reason: 'Too many pods', requested: 1, used: podCount, capacity: allocatable.pods });
  }
  if (request.milliCpu === 0 && request.memory === 0 && request.ephemeralStorage === 0) return out;
  if (request.milliCpu > 0 && request.milliCpu > allocatable.milliCpu - requested.milliCpu) {
    out.push({ resourceName: 'cpu', reason: 'Insufficient cpu', requested: request.milliCpu, used: requested.milliCpu, capacity: allocatable.milliCpu });
  }
  if (request.memory > 0 && request.memory > allocatable.memory - requested.memory) {
    out.push({ resourceName: 'memory', reason: 'Insufficient memory', requested: request.memory, used: requested.memory, capacity: allocatable.memory });
  }
  if (request.ephemeralStorage > 0 && request.ephemeralStorage > allocatable.ephemeralStorage - requested.ephemeralStorage) {
    out.push({
      resourceName: 'ephemeral-storage',
      reason: 'Insufficient ephemeral-storage',
      requested: request.ephemeralStorage,
      used: requested.ephemeralStorage,
      capacity: allocatable.ephemeralStorage,
    });
  }
  return out;
}

/**
 * `isSchedulableAfterPodEvent`: a deleted pod that was bound freed its requests (a pod's requests
 * cannot shrink in place: InPlacePodVerticalScaling is off in v1.32, so only Delete is registered).
 */
function isSchedulableAfterPodEvent(_pod: Pod, originalPod: Pod | undefined, modifiedPod: Pod | undefined): QueueingHint {
  if (modifiedPod === undefined) return originalPod?.spec?.nodeName ? 'Queue' : 'QueueSkip';
  return 'QueueSkip';
}

/** `isFit`: the pod fits the node when nothing runs there. */
function isFit(pod: Pod, node: Node): boolean {
  return fitsRequest(computePodRequests(pod), new NodeInfo(node.metadata?.name ?? '', node)).length === 0;
}

/** `haveAnyRequestedResourcesIncreased`: the node accepts more pods, or more of a resource the pod requests. */
function haveAnyRequestedResourcesIncreased(pod: Pod, originalNode: Node, modifiedNode: Node): boolean {
  const req = computePodRequests(pod);
  const before = nodeAllocatable(originalNode);
  const after = nodeAllocatable(modifiedNode);
  if (after.pods > before.pods) return true;
  if (req.milliCpu === 0 && req.memory === 0 && req.ephemeralStorage === 0) return false;
  return (
    (req.milliCpu > 0 && after.milliCpu > before.milliCpu) ||
    (req.memory > 0 && after.memory > before.memory) ||
    (req.ephemeralStorage > 0 && after.ephemeralStorage > before.ephemeralStorage)
  );
}

/**
 * `isSchedulableAfterNodeChange`: a new node the pod fits on (when empty), or a node whose
 * allocatable grew in a resource the pod requests and that it then fits on.
 */
function isSchedulableAfterNodeChange(pod: Pod, originalNode: Node | undefined, modifiedNode: Node | undefined): QueueingHint {
  if (!modifiedNode) return 'Queue';
  if (!isFit(pod, modifiedNode)) return 'QueueSkip';
  if (!originalNode) return 'Queue';
  return haveAnyRequestedResourcesIncreased(pod, originalNode, modifiedNode) ? 'Queue' : 'QueueSkip';
}

/** The NodeResourcesFit filter, with the LeastAllocated score. */
export const NodeResourcesFit: FilterPlugin & ScorePlugin = {
  name: NODE_RESOURCES_FIT,
  events: [
    { event: { resource: 'Pod', actionType: ActionType.Delete }, hint: isSchedulableAfterPodEvent },
    { event: { resource: 'Node', actionType: ActionType.Add | ActionType.UpdateNodeAllocatable }, hint: isSchedulableAfterNodeChange },
  ],
  filter(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status {
    const req = state.requests;
    const { allocatable, requested } = nodeInfo;
    // Fast path: everything fits, no allocation.
    if (
      nodeInfo.pods.size + 1 <= allocatable.pods &&
      req.milliCpu <= allocatable.milliCpu - requested.milliCpu &&
      req.memory <= allocatable.memory - requested.memory &&
      req.ephemeralStorage <= allocatable.ephemeralStorage - requested.ephemeralStorage
    ) {
      return PASS;
    }
    const insufficient = fitsRequest(req, nodeInfo);
    return insufficient.length === 0 ? PASS : unschedulable(...insufficient.map((r) => r.reason));
  },
  score: LeastAllocated.score,
  scoreNodes: LeastAllocated.scoreNodes!,
};
