import { describe, expect, it } from 'vitest';
import { cronJobForbidNoOverlap } from '../../../src/verify/invariants/cronjob-forbid-no-overlap.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { ClusterOptions } from '../../../src/cluster/create-cluster.js';
import type { Step } from '../../../src/verify/steps.js';

function run(steps: Step[], mutant?: string): { violations: string[]; jobs: number } {
  const base: ClusterOptions = { nodes: 1, seed: 12 };
  const runner = new ScenarioRunner({ cluster: mutant ? findMutant(mutant)!.cluster(base) : base, invariants: [cronJobForbidNoOverlap] });
  try {
    for (const step of steps) runner.step(step);
    // every Job the CronJob ever started (the history limits delete the older ones)
    const started = new Set(runner.history.changes.filter((c) => c.change.kv.key.startsWith('/registry/jobs/') && c.change.kind === 'put').map((c) => (c.change.kv.value as { metadata?: { uid?: string } }).metadata?.uid));
    return { violations: runner.violations.map((v) => v.message), jobs: started.size };
  } finally {
    runner.dispose();
  }
}

const forbid = (runMs: number): Step => ({ op: 'create-cronjob', namespace: 'default', name: 'c1', policy: 'Forbid', runMs });

describe('cronjob-forbid-no-overlap', () => {
  it('holds for the real CronJob controller: Forbid skips the minutes while a Job runs (150 s runs, 6 minutes)', { timeout: 60_000 }, () => {
    const r = run([forbid(150_000), { op: 'wait', ms: 120_000 }, { op: 'wait', ms: 120_000 }, { op: 'wait', ms: 120_000 }]);
    expect(r.violations).toEqual([]);
    // a Job starts at most every 3 minutes: 150 s of work, then the next minute
    expect(r.jobs).toBeGreaterThanOrEqual(2);
    expect(r.jobs).toBeLessThanOrEqual(3);
  });

  it('holds for Allow, which overlaps on purpose', { timeout: 60_000 }, () => {
    const r = run([{ op: 'create-cronjob', namespace: 'default', name: 'c1', policy: 'Allow', runMs: 150_000 }, { op: 'wait', ms: 240_000 }]);
    expect(r.violations).toEqual([]);
    expect(r.jobs).toBeGreaterThanOrEqual(4);
  });

  it('catches a CronJob controller that reads Forbid as Allow', () => {
    expect(() => run([forbid(150_000), { op: 'wait', ms: 120_000 }, { op: 'wait', ms: 60_000 }], 'cronjob-ignores-forbid')).toThrow(
      /\[cronjob-forbid-no-overlap\] .*CronJob default\/c1 \(concurrencyPolicy Forbid\) started Job c1-\d+ \(revision \d+\) while its Job c1-\d+ was still running$/,
    );
  });
});
