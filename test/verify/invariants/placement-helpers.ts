/** A small cluster for the scheduling invariants' tests: runs steps under one invariant and reports what was bound. */
import type { Invariant } from '../../../src/verify/invariant.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { Step } from '../../../src/verify/steps.js';
import type { SchedulerProfile } from '../../../src/index.js';
import type { Pod } from '../../../src/api/types.js';

/** Two nodes in zone a, one in zone b. */
export const THREE_NODES = [
  { name: 'node-1', labels: { zone: 'a' } },
  { name: 'node-2', labels: { zone: 'a' } },
  { name: 'node-3', labels: { zone: 'b' } },
];

/** Runs the steps (then 10 s) on `nodes` with `profile`; returns the violations and where each pod of `default` is bound. */
export function runPlacement(invariant: Invariant, steps: readonly Step[], options: { profile?: SchedulerProfile; nodes?: typeof THREE_NODES } = {}) {
  const runner = new ScenarioRunner({
    cluster: { nodes: options.nodes ?? THREE_NODES, seed: 5, ...(options.profile ? { schedulerProfile: options.profile } : {}) },
    invariants: [invariant],
  });
  try {
    for (const step of steps) runner.step(step);
    runner.step({ op: 'wait', ms: 10_000 });
    const placed = Object.fromEntries(runner.cluster.objects<Pod>('pods', 'default').map((p) => [p.metadata!.name!, p.spec?.nodeName ?? '']));
    return { violations: [...runner.violations], placed };
  } finally {
    runner.dispose();
  }
}

/** A `create-pod` step of a placement pod of group g1. */
export function placed(name: string, extra: Partial<Extract<Step, { op: 'create-pod' }>> = {}): Step {
  return { op: 'create-pod', namespace: 'default', name, cpu: 100, memory: 64, grace: 1, group: 'g1', ...extra };
}
