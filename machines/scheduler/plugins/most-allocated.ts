/**
 * NodeResourcesFit's score with the MostAllocated strategy (kube-scheduler
 * `plugins/noderesources/most_allocated.go`): for each resource, `requested * 100 / allocatable`
 * (capped at 100 when over-requested), averaged with the resources' weights; resources the node
 * has none of are left out. Bin packing: the fullest node wins. `requested` counts 100m cpu /
 * 200Mi memory for each container without a request, as LeastAllocated does.
 */
import type { Pod } from '../../../src/api/types.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework.js';
import { type NodeInfo } from '../node-info.js';
import { weightedResourceScore, type ResourceSpec } from './least-allocated.js';

const MAX_SCORE = MAX_NODE_SCORE;

/** `mostRequestedScore`: the used share of a resource, 0..100 (integer division). */
export function mostRequestedScore(requested: number, capacity: number): number {
  if (capacity === 0) return 0;
  const r = requested > capacity ? capacity : requested;
  return Math.trunc((r * MAX_SCORE) / capacity);
}

/** Creates a NodeResourcesFit MostAllocated score plugin over the given resources and weights. */
export function createMostAllocated(resources: readonly ResourceSpec[]): ScorePlugin {
  return {
    name: 'NodeResourcesFit',
    score(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number {
      const { score, weights } = weightedResourceScore(resources, nodeInfo, state, mostRequestedScore);
      return weights === 0 ? 0 : Math.trunc(score / weights);
    },
  };
}
