/**
 * The workload controllers' mutants (src/verify/mutants-workloads.ts) are in `MUTANTS` (each is
 * caught in mutants.test.ts), and the real cluster passes the focused workloads that catch them.
 */
import { describe, expect, it } from 'vitest';
import { clusterShape } from '../../src/verify/arbitraries/cluster-shape.js';
import { MUTANTS } from '../../src/verify/mutants.js';
import { WORKLOAD_MUTANTS } from '../../src/verify/mutants-workloads.js';
import { verify } from '../../src/verify/verify.js';

describe('workload mutants', () => {
  it('are all registered, each with a focused workload', () => {
    expect(WORKLOAD_MUTANTS.map((m) => m.name)).toEqual([
      'job-exceeds-parallelism',
      'job-counts-completions-twice',
      'cronjob-ignores-forbid',
      'hpa-ignores-bounds',
      'daemonset-surges-unasked',
      'statefulset-generates-names',
      'pv-binder-omits-claim-uid',
      'endpointslice-marks-all-ready',
    ]);
    for (const m of WORKLOAD_MUTANTS) {
      expect(MUTANTS).toContain(m);
      expect(m.focus).toBeDefined();
    }
  });

  for (const mutant of WORKLOAD_MUTANTS) {
    it(`the real cluster passes the focused workload of ${mutant.name}`, { timeout: 120_000 }, () => {
      const report = verify({ seed: 20260101, runs: 15, steps: 15, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: mutant.focus!(3) });
      expect(report.ok, report.failure ? report.failure.violations.map((v) => v.message).join('; ') : '').toBe(true);
    });
  }
});
