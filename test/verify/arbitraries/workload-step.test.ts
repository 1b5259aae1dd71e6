import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { workloadStep } from '../../../src/verify/arbitraries/workload-step.js';

describe('workloadStep', () => {
  it('mixes every kind of workload step and time, but no faults', () => {
    const ops = new Set(fc.sample(workloadStep(), { seed: 1, numRuns: 1000 }).map((s) => s.op));
    for (const op of ['create-pod', 'delete-pod', 'create-deployment', 'scale-deployment', 'evict-pod', 'delete-deployment', 'create-service', 'delete-service', 'create-namespace', 'delete-namespace', 'label', 'concurrent-labels', 'stale-update', 'invalid', 'unauthenticated', 'forbidden', 'wait', 'create-job', 'create-cronjob', 'create-daemonset', 'create-statefulset', 'create-autoscaled', 'update-workload', 'delete-workload']) {
      expect(ops, op).toContain(op);
    }
    expect(ops).not.toContain('fault');
  });

  it('includes pods with placement constraints by default (weight `placement`)', () => {
    const steps = fc.sample(workloadStep(), { seed: 1, numRuns: 1000 });
    const placed = steps.filter((s) => s.op === 'create-pod' && s.group);
    expect(placed.length).toBeGreaterThan(20);
    expect(fc.sample(workloadStep({ placement: 0 }), { seed: 1, numRuns: 500 }).some((s) => s.op === 'create-pod' && s.group)).toBe(false);
  });

  it('follows its weights: a zero weight leaves a kind out', () => {
    const ops = new Set(fc.sample(workloadStep({ pods: 0, placement: 0, time: 0, badRequests: 0 }), { seed: 1, numRuns: 500 }).map((s) => s.op));
    expect(ops).not.toContain('create-pod');
    expect(ops).not.toContain('wait');
    expect(ops).not.toContain('invalid');
    expect(() => workloadStep({ pods: 0, placement: 0, deployments: 0, services: 0, namespaces: 0, writes: 0, badRequests: 0, time: 0, jobs: 0, cronJobs: 0, daemonSets: 0, statefulSets: 0, autoscalers: 0 })).toThrow(RangeError);
    const kinds = new Set(fc.sample(workloadStep({ jobs: 0, cronJobs: 0, daemonSets: 0, statefulSets: 0, autoscalers: 0 }), { seed: 1, numRuns: 500 }).map((s) => s.op));
    for (const op of ['create-job', 'create-cronjob', 'create-daemonset', 'create-statefulset', 'create-autoscaled', 'update-workload', 'delete-workload']) expect(kinds).not.toContain(op);
  });
});
