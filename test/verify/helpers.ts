/** Shared pieces of the verification tests: a small runner and a pod of the workload. */
import type { ClusterOptions } from '../../src/cluster/create-cluster.js';
import { runScenario, type RunResult } from '../../src/verify/runner.js';
import type { Invariant } from '../../src/verify/invariant.js';
import type { Step } from '../../src/verify/steps.js';

/** A step-by-step scenario on a small cluster, for focused tests. */
export function run(steps: Step[], invariants: readonly Invariant[], cluster: ClusterOptions = { nodes: 1, seed: 1 }, livenessTimeout = 120_000): RunResult {
  const { runner: _runner, ...result } = runScenario(steps, { cluster, invariants, livenessTimeout });
  return result;
}

/** A pod of the workload. */
export const pod = (name: string, extra: Partial<Extract<Step, { op: 'create-pod' }>> = {}): Step => ({ op: 'create-pod', namespace: 'default', name, cpu: 100, memory: 64, ...extra });
