import { describe, expect, it } from 'vitest';
import { jobActiveWithinParallelism } from '../../../src/verify/invariants/job-active-within-parallelism.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { ClusterOptions } from '../../../src/cluster/create-cluster.js';
import type { Step } from '../../../src/verify/steps.js';

function run(steps: Step[], mutant?: string): string[] {
  const base: ClusterOptions = { nodes: 2, seed: 4 };
  const runner = new ScenarioRunner({ cluster: mutant ? findMutant(mutant)!.cluster(base) : base, invariants: [jobActiveWithinParallelism] });
  try {
    for (const step of steps) runner.step(step);
    return runner.violations.map((v) => v.message);
  } finally {
    runner.dispose();
  }
}

describe('job-active-within-parallelism', () => {
  it('holds for the real Job controller: failing pods replaced, a work queue, parallelism lowered then raised, the Job suspended', { timeout: 60_000 }, () => {
    const violations = run([
      { op: 'create-job', namespace: 'default', name: 'j1', parallelism: 3, completions: 6, runMs: 20_000 },
      { op: 'create-job', namespace: 'default', name: 'j2', parallelism: 2, runMs: 5_000, fails: true, backoffLimit: 2 },
      { op: 'wait', ms: 10_000 },
      { op: 'update-workload', resource: 'jobs', namespace: 'default', name: 'j1', replicas: 1 },
      { op: 'wait', ms: 30_000 },
      { op: 'update-workload', resource: 'jobs', namespace: 'default', name: 'j1', replicas: 2 },
      { op: 'custom', label: 'delete a pod of j1', run: (ctx) => void ctx.cluster.client.delete('pods', ctx.cluster.objects('pods', 'default').find((p) => p.metadata?.name?.startsWith('j1-') && !p.metadata.deletionTimestamp)!.metadata!.name!) },
      { op: 'wait', ms: 10_000 },
      { op: 'custom', label: 'suspend j1', run: (ctx) => void ctx.cluster.client.patch('jobs', 'j1', { spec: { suspend: true } }) },
      { op: 'wait', ms: 10_000 },
      { op: 'custom', label: 'resume j1', run: (ctx) => void ctx.cluster.client.patch('jobs', 'j1', { spec: { suspend: false } }) },
      // which pod the deletion above picks depends on the generated names; the last pods may start up to a run later
      { op: 'wait', ms: 90_000 },
      { op: 'custom', label: 'j1 completed', run: (ctx) => expect(ctx.cluster.objects('jobs', 'default').find((j) => j.metadata?.name === 'j1')?.status).toMatchObject({ succeeded: 6 }) },
    ]);
    expect(violations).toEqual([]);
  });

  it('catches a Job controller that keeps one active pod more than its parallelism', () => {
    expect(() => run([{ op: 'create-job', namespace: 'default', name: 'j1', parallelism: 2, completions: 4, runMs: 20_000 }, { op: 'wait', ms: 5_000 }], 'job-exceeds-parallelism')).toThrow(
      /\[job-active-within-parallelism\] .*Job default\/j1 got pod j1-\w+ \(revision \d+\) while 2 other pods of it were active \(not finished, not terminating\), above its parallelism 2: j1-\w+, j1-\w+, j1-\w+$/,
    );
  });
});
