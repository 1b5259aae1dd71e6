/**
 * NodeResourcesBalancedAllocation (kube-scheduler `plugins/noderesources/balanced_allocation.go`):
 * favours nodes whose cpu and memory would be used in equal shares after placing the pod.
 * Score = `(1 - std) * 100` truncated, where std is the standard deviation of the requested /
 * allocatable fractions (each capped at 1) — for two resources `|f1 - f2| / 2`. It counts plain
 * requests (no defaults for containers without one) and is skipped for pods that request no cpu
 * and no memory (best-effort pods), as current kube-scheduler does.
 */
import type { Pod } from '../../../src/api/types.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework.js';
import { type NodeInfo } from '../node-info.js';
import { DEFAULT_RESOURCES, allocatableAndRequested, type ResourceSpec } from './least-allocated.js';

// Hot paths read module-local constants: under some module runners (vitest's) every read of an
// imported binding goes through a getter, which doubles the cost of a per-node call.
const MAX_SCORE = MAX_NODE_SCORE;

/** The plugin's name. */
const NODE_RESOURCES_BALANCED_ALLOCATION = 'NodeResourcesBalancedAllocation';

/** `balancedResourceScorer` on parallel arrays of requested and allocatable amounts. */
export function balancedResourceScore(requested: readonly number[], allocatable: readonly number[]): number {
  const fractions: number[] = [];
  let total = 0;
  for (let i = 0; i < requested.length; i++) {
    if (allocatable[i] === 0) continue;
    const f = Math.min(requested[i]! / allocatable[i]!, 1);
    total += f;
    fractions.push(f);
  }
  let std = 0;
  if (fractions.length === 2) {
    std = Math.abs((fractions[0]! - fractions[1]!) / 2);
  } else if (fractions.length > 2) {
    const mean = total / fractions.length;
    let sum = 0;
    for (const f of fractions) sum = sum + (f - mean) * (f - mean);
    std = Math.sqrt(sum / fractions.length);
  }
  return Math.trunc((1 - std) * MAX_SCORE);
}

/** Creates the plugin over other resources (default cpu and memory). */
export function createBalancedAllocation(resources: readonly ResourceSpec[] = DEFAULT_RESOURCES): ScorePlugin {
  const n = resources.length;
  const req = new Array<number>(n).fill(0);
  const alloc = new Array<number>(n).fill(0);
  return {
    name: NODE_RESOURCES_BALANCED_ALLOCATION,
    preScore(_pod: Pod, state: CycleState): 'skip' | void {
      let any = false;
      for (const r of resources) {
        const v = r.name === 'cpu' ? state.requests.milliCpu : r.name === 'memory' ? state.requests.memory : state.requests.ephemeralStorage;
        if (v !== 0) any = true;
      }
      if (!any) return 'skip';
    },
    score(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number {
      for (let i = 0; i < n; i++) {
        const [a, r] = allocatableAndRequested(resources[i]!.name, nodeInfo, state, true);
        alloc[i] = a;
        req[i] = a === 0 ? 0 : r;
      }
      return balancedResourceScore(req, alloc);
    },
  };
}

/** Fast default on cpu and memory. */
function balancedCpuMemory(_pod: Pod, nodeInfo: NodeInfo, state: CycleState): number {
  const ac = nodeInfo.allocatable.milliCpu;
  const am = nodeInfo.allocatable.memory;
  if (ac === 0 || am === 0) return MAX_SCORE; // zero or one fraction: std is 0
  const fc = Math.min((nodeInfo.requested.milliCpu + state.requests.milliCpu) / ac, 1);
  const fm = Math.min((nodeInfo.requested.memory + state.requests.memory) / am, 1);
  return Math.trunc((1 - Math.abs((fc - fm) / 2)) * MAX_SCORE);
}

/** The NodeResourcesBalancedAllocation score plugin on cpu and memory. */
export const NodeResourcesBalancedAllocation: ScorePlugin = {
  name: NODE_RESOURCES_BALANCED_ALLOCATION,
  preScore(_pod: Pod, state: CycleState): 'skip' | void {
    if (state.requests.milliCpu === 0 && state.requests.memory === 0) return 'skip';
  },
  score: balancedCpuMemory,
  scoreNodes(pod: Pod, nodes: readonly NodeInfo[], state: CycleState, out: number[]): void {
    for (let i = 0; i < nodes.length; i++) out.push(balancedCpuMemory(pod, nodes[i]!, state));
  },
};
