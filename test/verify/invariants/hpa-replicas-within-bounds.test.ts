import { describe, expect, it } from 'vitest';
import { hpaReplicasWithinBounds } from '../../../src/verify/invariants/hpa-replicas-within-bounds.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { ClusterOptions } from '../../../src/cluster/create-cluster.js';
import type { Step } from '../../../src/verify/steps.js';

function run(steps: Step[], mutant?: string): { violations: string[]; desired: number[] } {
  const base: ClusterOptions = { nodes: 2, seed: 13 };
  const runner = new ScenarioRunner({ cluster: mutant ? findMutant(mutant)!.cluster(base) : base, invariants: [hpaReplicasWithinBounds] });
  try {
    for (const step of steps) runner.step(step);
    const desired = runner.cluster.objects<{ metadata?: { name?: string }; status?: { desiredReplicas?: number } }>('horizontalpodautoscalers', 'default')
      .sort((a, b) => a.metadata!.name!.localeCompare(b.metadata!.name!))
      .map((h) => h.status?.desiredReplicas ?? -1);
    return { violations: runner.violations.map((v) => v.message), desired };
  } finally {
    runner.dispose();
  }
}

describe('hpa-replicas-within-bounds', () => {
  it('holds for the real autoscaler: a load above the maximum, one below the minimum, a target scaled to 0', { timeout: 60_000 }, () => {
    const r = run([
      { op: 'create-autoscaled', namespace: 'default', name: 'd1', min: 1, max: 3, utilization: 50, load: 300 },
      { op: 'create-autoscaled', namespace: 'default', name: 'd2', min: 2, max: 3, utilization: 50, load: 10 },
      { op: 'wait', ms: 60_000 },
      { op: 'scale-deployment', namespace: 'default', name: 'd2', replicas: 0 },
      { op: 'wait', ms: 30_000 },
    ]);
    expect(r.violations).toEqual([]);
    // d1 wants 6 (300m at 50 % of 100m): held at 3; d2 scaled to 0 by its user: scaling disabled
    expect(r.desired).toEqual([3, 0]);
  });

  it('catches an autoscaler that ignores its bounds', () => {
    expect(() => run([{ op: 'create-autoscaled', namespace: 'default', name: 'd1', min: 1, max: 2, utilization: 50, load: 300 }, { op: 'wait', ms: 60_000 }], 'hpa-ignores-bounds')).toThrow(
      /\[hpa-replicas-within-bounds\] .*HorizontalPodAutoscaler default\/d1 wants [345] replicas \(revision \d+\), outside its bounds \[1, 2\]$/,
    );
  });
});
