/**
 * NodeResourcesFit's score with the LeastAllocated strategy (kube-scheduler
 * `plugins/noderesources/least_allocated.go`), the default: for each resource,
 * `(allocatable - requested) * 100 / allocatable` (0 when over-requested), averaged with the
 * resources' weights (cpu 1, memory 1). `requested` is what the pods on the node request plus what
 * this pod requests, counting 100m cpu / 200Mi memory for each container without a request.
 */
import type { Pod } from '../../../src/api/types.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework.js';
import { type NodeInfo } from '../node-info.js';

// Hot paths read module-local constants: under some module runners (vitest's) every read of an
// imported binding goes through a getter, which doubles the cost of a per-node call.
const MAX_SCORE = MAX_NODE_SCORE;

/** A resource scored by an allocation strategy, and its weight. */
export interface ResourceSpec {
  /** `cpu`, `memory` or `ephemeral-storage`. */
  readonly name: 'cpu' | 'memory' | 'ephemeral-storage';
  /** Its weight in the average. */
  readonly weight: number;
}

/** NodeResourcesFit's default scoring resources. */
export const DEFAULT_RESOURCES: readonly ResourceSpec[] = Object.freeze([
  { name: 'cpu', weight: 1 },
  { name: 'memory', weight: 1 },
]);

/** `leastRequestedScore`: the free share of a resource, 0..100 (integer division). */
export function leastRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0 || requested > capacity) return 0;
  return Math.trunc(((capacity - requested) * MAX_SCORE) / capacity);
}

/** Allocatable and requested-after-placing-the-pod of one resource, as the scoring counts it. */
export function allocatableAndRequested(
  name: ResourceSpec['name'],
  nodeInfo: NodeInfo,
  state: CycleState,
  useRequested: boolean,
): [allocatable: number, requested: number] {
  switch (name) {
    case 'cpu':
      return useRequested
        ? [nodeInfo.allocatable.milliCpu, nodeInfo.requested.milliCpu + state.requests.milliCpu]
        : [nodeInfo.allocatable.milliCpu, nodeInfo.nonZeroRequested.milliCpu + state.nonZeroRequests.milliCpu];
    case 'memory':
      return useRequested
        ? [nodeInfo.allocatable.memory, nodeInfo.requested.memory + state.requests.memory]
        : [nodeInfo.allocatable.memory, nodeInfo.nonZeroRequested.memory + state.nonZeroRequests.memory];
    case 'ephemeral-storage':
      return [nodeInfo.allocatable.ephemeralStorage, nodeInfo.requested.ephemeralStorage + state.requests.ephemeralStorage];
  }
}

/**
 * A LeastAllocated score function over the given resources (`leastResourceScorer`): resources the
 * node has none of are left out of the average.
 */
/**
 * kube's `resourceAllocationScorer`: each resource's score from its requested amount (the pod
 * included) against the node's allocatable, summed with the resources' weights; resources the node
 * has none of are left out, and with `onlyPositive` (RequestedToCapacityRatio) so are zero scores.
 */
export function weightedResourceScore(
  resources: readonly ResourceSpec[],
  nodeInfo: NodeInfo,
  state: CycleState,
  resourceScore: (requested: number, allocatable: number) => number,
  onlyPositive = false,
): { score: number; weights: number } {
  let score = 0;
  let weights = 0;
  for (let i = 0; i < resources.length; i++) {
    const { name, weight } = resources[i]!;
    const [alloc, req] = allocatableAndRequested(name, nodeInfo, state, false);
    if (alloc === 0) continue;
    const s = resourceScore(req, alloc);
    if (onlyPositive && s <= 0) continue;
    score += s * weight;
    weights += weight;
  }
  return { score, weights };
}

function leastAllocatedScorer(resources: readonly ResourceSpec[] = DEFAULT_RESOURCES) {
  return (_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number => {
    const { score, weights } = weightedResourceScore(resources, nodeInfo, state, leastRequestedScore);
    return weights === 0 ? 0 : Math.trunc(score / weights);
  };
}

/** The fast default: cpu and memory, weight 1 each. */
function defaultLeastAllocated(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number {
  const ac = nodeInfo.allocatable.milliCpu;
  const am = nodeInfo.allocatable.memory;
  let score = 0;
  let weights = 0;
  if (ac !== 0) {
    score += leastRequestedScore(nodeInfo.nonZeroRequested.milliCpu + state.nonZeroRequests.milliCpu, ac);
    weights++;
  }
  if (am !== 0) {
    score += leastRequestedScore(nodeInfo.nonZeroRequested.memory + state.nonZeroRequests.memory, am);
    weights++;
  }
  return weights === 0 ? 0 : Math.trunc(score / weights);
}

/** Creates a NodeResourcesFit LeastAllocated score plugin over other resources or weights. */
export function createLeastAllocated(resources: readonly ResourceSpec[]): ScorePlugin {
  return { name: 'NodeResourcesFit', score: leastAllocatedScorer(resources) };
}

/** NodeResourcesFit's default score: LeastAllocated on cpu and memory, weight 1 each. */
export const LeastAllocated: ScorePlugin = {
  name: 'NodeResourcesFit',
  score: defaultLeastAllocated,
  scoreNodes(pod: Pod, nodes: readonly NodeInfo[], state: CycleState, out: number[]): void {
    for (let i = 0; i < nodes.length; i++) out.push(defaultLeastAllocated(pod, nodes[i]!, state));
  },
};
