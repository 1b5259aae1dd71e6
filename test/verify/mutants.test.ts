/**
 * Every mutant is caught, by one of the invariants it is meant to break, and the real cluster
 * passes the same properties. Faults that trigger the real cluster's known bugs are left out
 * (helpers.ts), so that a mutant is caught for its own fault.
 */
import { describe, expect, it } from 'vitest';
import { faultStep } from '../../src/verify/arbitraries/fault-step.js';
import { clusterShape } from '../../src/verify/arbitraries/cluster-shape.js';
import { workloadStep, type WorkloadWeights } from '../../src/verify/arbitraries/workload-step.js';
import { findMutant, MUTANTS, mutantNames } from '../../src/verify/mutants.js';
import { verify } from '../../src/verify/verify.js';
import { KNOWN_BUG_FAULTS, withoutKnownBugs } from './helpers.js';
import { unreachablePodsEvicted } from '../../src/verify/invariants/unreachable-pods-evicted.js';
import type { Invariant } from '../../src/verify/invariant.js';

const SEED = 20260101;

/**
 * The node lifecycle mutant needs a node partitioned for minutes; on today's real cluster that
 * first trips the known bug of pods left not Ready (known-bugs.test.ts), and shrinking prefers
 * that shorter failure. Until it is fixed, that mutant is checked against its own invariant only.
 */
const ONLY: Record<string, Invariant[]> = { 'node-lifecycle-never-evicts': [unreachablePodsEvicted] };

describe('mutants', () => {
  it('have unique kebab-case names, a description and the invariants meant to catch them', () => {
    expect(new Set(mutantNames()).size).toBe(MUTANTS.length);
    expect(MUTANTS.length).toBeGreaterThanOrEqual(13);
    for (const m of MUTANTS) {
      expect(m.name).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
      expect(m.description.length).toBeGreaterThan(20);
      expect(m.caughtBy.length).toBeGreaterThan(0);
      expect(findMutant(m.name)).toBe(m);
    }
    expect(findMutant('no-such-mutant')).toBeUndefined();
  });

  for (const mutant of MUTANTS) {
    it(`${mutant.name} is caught by ${mutant.caughtBy.join(' or ')}`, { timeout: 120_000 }, () => {
      const report = verify({
        mutant: mutant.name,
        seed: SEED,
        runs: 100,
        steps: 20,
        timeout: 60_000,
        trace: false,
        shape: clusterShape({ maxNodes: 3 }),
        ...(mutant.needsFaults && !mutant.focus ? { faults: faultStep(3, { exclude: KNOWN_BUG_FAULTS }) } : {}),
        ...(ONLY[mutant.name] ? { invariants: ONLY[mutant.name] } : {}),
      });
      expect(report.ok).toBe(false);
      expect(report.mutant).toBe(mutant.name);
      const caught = report.failure!.violations.map((v) => v.invariant);
      expect(caught.some((name) => mutant.caughtBy.includes(name)), `caught by ${caught.join(', ')}: ${report.failure!.violations.map((v) => v.message).join('; ')}`).toBe(true);
      expect(report.failure!.replay).toContain(`--mutant ${mutant.name}`);
    });
  }

  it('the real cluster passes the workloads that catch them', { timeout: 120_000 }, () => {
    const workloads: Partial<WorkloadWeights>[] = [{ pods: 8, deployments: 6 }, { badRequests: 8 }, { writes: 12, time: 2 }, { deployments: 10 }, { namespaces: 8 }];
    for (const workload of workloads) {
      const report = verify({ seed: SEED, runs: 25, steps: 20, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: workloadStep(workload), configure: withoutKnownBugs });
      expect(report.ok, report.failure ? report.failure.violations.map((v) => v.message).join('; ') : '').toBe(true);
    }
    // the focused workload of the ReplicaSet mutant (evictions); the node lifecycle one trips a known bug of the real cluster
    const focused = verify({ seed: SEED, runs: 25, steps: 20, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: findMutant('replicaset-forgets-evicted-pods')!.focus!(3) });
    expect(focused.ok, focused.failure ? focused.failure.violations.map((v) => v.message).join('; ') : '').toBe(true);
  });
});
