/**
 * The scheduler plugins' mutants (src/verify/mutants-scheduler.ts): the real scheduler passes
 * their focused workloads (placement pods with anti-affinity, spread constraints, host ports and
 * priorities) under the invariants that catch them; test/verify/mutants.test.ts shows each mutant caught.
 */
import { describe, expect, it } from 'vitest';
import { clusterShape } from '../../src/verify/arbitraries/cluster-shape.js';
import { SCHEDULER_MUTANTS } from '../../src/verify/mutants-scheduler.js';
import { findMutant } from '../../src/verify/mutants.js';
import { verify } from '../../src/verify/verify.js';

const SEED = 20260101;

describe('scheduler mutants', () => {
  it('are in the mutant list, each caught by one of the scheduling invariants', () => {
    for (const m of SCHEDULER_MUTANTS) {
      expect(findMutant(m.name)).toBe(m);
      expect(m.caughtBy.length).toBe(1);
      expect(['pod-anti-affinity-respected', 'topology-spread-respected', 'host-ports-unique', 'preempted-pods-lower-priority']).toContain(m.caughtBy[0]);
    }
  });

  for (const mutant of SCHEDULER_MUTANTS) {
    it(`the real scheduler passes the focused workload of ${mutant.name}`, { timeout: 120_000 }, () => {
      const report = verify({ seed: SEED, runs: 30, steps: 20, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: mutant.focus!(3) });
      expect(report.ok, report.failure ? report.failure.violations.map((v) => v.message).join('; ') : '').toBe(true);
    });
  }
});
