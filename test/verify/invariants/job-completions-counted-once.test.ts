import { describe, expect, it } from 'vitest';
import { jobCompletionsCountedOnce, parseIndexes } from '../../../src/verify/invariants/job-completions-counted-once.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { ClusterOptions } from '../../../src/cluster/create-cluster.js';
import type { Step } from '../../../src/verify/steps.js';

function run(steps: Step[], mutant?: string): { violations: string[]; jobs: Record<string, unknown> } {
  const base: ClusterOptions = { nodes: 2, seed: 9 };
  const runner = new ScenarioRunner({ cluster: mutant ? findMutant(mutant)!.cluster(base) : base, invariants: [jobCompletionsCountedOnce] });
  try {
    for (const step of steps) runner.step(step);
    const jobs = Object.fromEntries(runner.cluster.objects<{ metadata?: { name?: string }; status?: { succeeded?: number; completedIndexes?: string } }>('jobs', 'default').map((j) => [j.metadata!.name!, j.status?.completedIndexes ?? j.status?.succeeded]));
    return { violations: runner.violations.map((v) => v.message), jobs };
  } finally {
    runner.dispose();
  }
}

describe('job-completions-counted-once', () => {
  it('parses completedIndexes as the Job controller prints them', () => {
    expect(parseIndexes('0,2-4,7')).toEqual([0, 2, 3, 4, 7]);
    expect(parseIndexes('')).toEqual([]);
    expect(parseIndexes('3-1')).toBeUndefined();
    expect(parseIndexes('a')).toBeUndefined();
  });

  it('holds for the real Job controller: NonIndexed and Indexed Jobs to completion, across a controller-manager restart', { timeout: 60_000 }, () => {
    const r = run([
      { op: 'create-job', namespace: 'default', name: 'j1', parallelism: 2, completions: 4, runMs: 2_000 },
      { op: 'create-job', namespace: 'default', name: 'j2', parallelism: 3, completions: 3, indexed: true, runMs: 3_000 },
      { op: 'wait', ms: 4_000 },
      { op: 'fault', fault: { kind: 'restart-controller-manager' } },
      { op: 'wait', ms: 60_000 },
    ]);
    expect(r.violations).toEqual([]);
    expect(r.jobs).toEqual({ j1: 4, j2: '0-2' });
  });

  it('catches a Job controller that counts a pod when it is uncounted and again once its finalizer is gone', () => {
    expect(() => run([{ op: 'create-job', namespace: 'default', name: 'j1', parallelism: 1, completions: 3, runMs: 1_000 }, { op: 'wait', ms: 30_000 }], 'job-counts-completions-twice')).toThrow(
      /\[job-completions-counted-once\] .*Job default\/j1 counts 2 succeeded pods \(revision \d+\) but only 1 of its pods ever succeeded/,
    );
  });
});
