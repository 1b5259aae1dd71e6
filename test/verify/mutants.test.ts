/**
 * Every mutant is caught, by one of the invariants it is meant to break, and the real cluster
 * passes the same properties.
 */
import { describe, expect, it } from 'vitest';
import { faultStep } from '../../src/verify/arbitraries/fault-step.js';
import { clusterShape } from '../../src/verify/arbitraries/cluster-shape.js';
import { workloadStep, type WorkloadWeights } from '../../src/verify/arbitraries/workload-step.js';
import { findMutant, MUTANTS, mutantNames } from '../../src/verify/mutants.js';
import { verify } from '../../src/verify/verify.js';

const SEED = 20260101;

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
        ...(mutant.needsFaults && !mutant.focus ? { faults: faultStep(3) } : {}),
      });
      expect(report.ok).toBe(false);
      expect(report.mutant).toBe(mutant.name);
      const caught = report.failure!.violations.map((v) => v.invariant);
      expect(caught.some((name) => mutant.caughtBy.includes(name)), `caught by ${caught.join(', ')}: ${report.failure!.violations.map((v) => v.message).join('; ')}`).toBe(true);
      expect(report.failure!.replay).toContain(`--mutant ${mutant.name}`);
    });
  }

  it('with faults: true, a mutant\'s focused workload runs together with the default faults (as `verify --faults --mutant`)', { timeout: 120_000 }, () => {
    // the default fault steps alone almost never keep a node partitioned for the 350 s the node
    // lifecycle mutant needs; its focused workload does, and the default faults must not hide it
    const report = verify({ mutant: 'node-lifecycle-never-evicts', seed: 1, runs: 100, faults: true, trace: false });
    expect(report.ok).toBe(false);
    expect(report.failure!.violations.map((v) => v.invariant)).toContain('unreachable-pods-evicted');
    expect(report.failure!.replay).toContain('--faults --mutant node-lifecycle-never-evicts');
    // the counterexample partitions a node and waits out its toleration
    expect(report.failure!.counterexample.some((s) => s.op === 'fault' && s.fault.kind === 'partition-node')).toBe(true);
  });

  it('the real cluster passes the workloads that catch them', { timeout: 300_000 }, () => {
    const workloads: Partial<WorkloadWeights>[] = [{ pods: 8, deployments: 6 }, { badRequests: 8 }, { writes: 12, time: 2 }, { deployments: 10 }, { namespaces: 8 }];
    for (const workload of workloads) {
      const report = verify({ seed: SEED, runs: 25, steps: 20, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: workloadStep(workload) });
      expect(report.ok, report.failure ? report.failure.violations.map((v) => v.message).join('; ') : '').toBe(true);
    }
    // the focused workloads of the ReplicaSet mutant (evictions), of the node lifecycle ones (long partitions, every node cut off) and of the disruption one (a budget and evictions)
    for (const name of ['replicaset-forgets-evicted-pods', 'node-lifecycle-never-evicts', 'node-lifecycle-ignores-full-disruption', 'disruption-overcounts']) {
      const focused = verify({ seed: SEED, runs: 25, steps: 20, timeout: 60_000, trace: false, shape: clusterShape({ maxNodes: 3 }), workload: findMutant(name)!.focus!(3) });
      expect(focused.ok, `${name}: ${focused.failure ? focused.failure.violations.map((v) => v.message).join('; ') : ''}`).toBe(true);
    }
  });
});
