/**
 * NodeResourcesFit's score with the RequestedToCapacityRatio strategy (kube-scheduler
 * `plugins/noderesources/requested_to_capacity_ratio.go`): each resource's utilization
 * (`requested * 100 / allocatable`, 100 when over-requested) is mapped through a broken linear
 * function given as shape points (utilization 0..100 → score 0..10, scaled ×10), and the positive
 * scores are averaged with the resources' weights, rounded.
 */
import type { Pod } from '../../../src/api/types.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework.js';
import { type NodeInfo } from '../node-info.js';
import { weightedResourceScore, type ResourceSpec } from './least-allocated.js';

/** A point of the scoring function (`UtilizationShapePoint`): utilization 0..100, score 0..10. */
export interface UtilizationShapePoint {
  readonly utilization: number;
  readonly score: number;
}

/** `config.MaxCustomPriorityScore`: the highest score a shape point may give. */
export const MAX_CUSTOM_PRIORITY_SCORE = 10;

const MAX_UTILIZATION = 100;

/** `helper.BuildBrokenLinearFunction`: the piecewise linear function through the points (integer arithmetic). */
export function brokenLinearFunction(shape: readonly UtilizationShapePoint[]): (p: number) => number {
  return (p) => {
    for (let i = 0; i < shape.length; i++) {
      if (p <= shape[i]!.utilization) {
        if (i === 0) return shape[0]!.score;
        const a = shape[i - 1]!;
        const b = shape[i]!;
        return a.score + Math.trunc(((b.score - a.score) * (p - a.utilization)) / (b.utilization - a.utilization));
      }
    }
    return shape[shape.length - 1]!.score;
  };
}

/** Creates a NodeResourcesFit RequestedToCapacityRatio score plugin. */
export function createRequestedToCapacityRatio(resources: readonly ResourceSpec[], shape: readonly UtilizationShapePoint[]): ScorePlugin {
  const scale = MAX_NODE_SCORE / MAX_CUSTOM_PRIORITY_SCORE;
  const raw = brokenLinearFunction(shape.map((p) => ({ utilization: p.utilization, score: p.score * scale })));
  const resourceScore = (requested: number, capacity: number): number =>
    capacity === 0 || requested > capacity ? raw(MAX_UTILIZATION) : raw(Math.trunc((requested * MAX_UTILIZATION) / capacity));
  return {
    name: 'NodeResourcesFit',
    score(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number {
      const { score, weights } = weightedResourceScore(resources, nodeInfo, state, resourceScore, true);
      return weights === 0 ? 0 : Math.round(score / weights);
    },
  };
}
