import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { autoscalerOperation, cronJobOperation, daemonSetOperation, jobOperation, statefulSetOperation } from '../../../src/verify/arbitraries/workload-kind-operation.js';
import { NAME_POOLS } from '../../../src/verify/arbitraries/object-ref.js';
import type { Step } from '../../../src/verify/steps.js';

const sample = (arb: fc.Arbitrary<Step>) => fc.sample(arb, { seed: 3, numRuns: 400 });

describe('workload kind operations', () => {
  it('jobOperation: Jobs with 1-3 parallel pods, completions 1-4 or none, Indexed only with completions; parallelism changes; deletions', () => {
    const steps = sample(jobOperation());
    const creates = steps.filter((s): s is Extract<Step, { op: 'create-job' }> => s.op === 'create-job');
    expect(creates.length).toBeGreaterThan(100);
    for (const s of creates) {
      expect(s.parallelism).toBeGreaterThanOrEqual(1);
      expect(s.parallelism).toBeLessThanOrEqual(3);
      if (s.completions !== undefined) expect(s.completions).toBeGreaterThanOrEqual(1);
      if (s.indexed) expect(s.completions).toBeDefined();
      expect(NAME_POOLS.jobs).toContain(s.name);
    }
    expect(creates.some((s) => s.indexed)).toBe(true);
    expect(creates.some((s) => s.completions === undefined)).toBe(true);
    expect(creates.some((s) => s.fails)).toBe(true);
    expect(steps.some((s) => s.op === 'update-workload' && s.resource === 'jobs' && s.replicas !== undefined)).toBe(true);
    expect(steps.some((s) => s.op === 'delete-workload' && s.resource === 'jobs')).toBe(true);
  });

  it('cronJobOperation: every concurrency policy, runs shorter and longer than the minute between starts', () => {
    const creates = sample(cronJobOperation()).filter((s): s is Extract<Step, { op: 'create-cronjob' }> => s.op === 'create-cronjob');
    expect(new Set(creates.map((s) => s.policy))).toEqual(new Set(['Allow', 'Forbid', 'Replace']));
    expect(creates.some((s) => s.runMs < 60_000)).toBe(true);
    expect(creates.some((s) => s.runMs > 60_000)).toBe(true);
  });

  it('daemonSetOperation and statefulSetOperation: creates with their options, rollouts, scales, deletions', () => {
    const ds = sample(daemonSetOperation());
    expect(ds.some((s) => s.op === 'create-daemonset' && s.tolerate && s.maxSurge)).toBe(true);
    expect(ds.some((s) => s.op === 'update-workload' && s.resource === 'daemonsets' && s.replicas === undefined)).toBe(true);
    const sts = sample(statefulSetOperation());
    expect(sts.some((s) => s.op === 'create-statefulset' && s.claims && s.parallel)).toBe(true);
    expect(sts.some((s) => s.op === 'create-statefulset' && !s.claims && !s.parallel)).toBe(true);
    expect(sts.some((s) => s.op === 'update-workload' && s.resource === 'statefulsets' && s.replicas !== undefined)).toBe(true);
    expect(sts.some((s) => s.op === 'delete-workload' && s.resource === 'statefulsets')).toBe(true);
  });

  it('autoscalerOperation: min 1-2, max at least 2 and at least min, loads below and above the target', () => {
    const steps = sample(autoscalerOperation()) as Extract<Step, { op: 'create-autoscaled' }>[];
    for (const s of steps) {
      expect(s.op).toBe('create-autoscaled');
      expect(s.min).toBeGreaterThanOrEqual(1);
      expect(s.max).toBeGreaterThanOrEqual(Math.max(2, s.min));
      expect(NAME_POOLS.deployments).toContain(s.name);
    }
    expect(new Set(steps.map((s) => s.load))).toEqual(new Set([10, 100, 300]));
  });
});
