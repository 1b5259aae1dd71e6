import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { placementPodOperation } from '../../../src/verify/arbitraries/placement-pod-operation.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { Step } from '../../../src/verify/steps.js';

describe('placementPodOperation', () => {
  const steps = fc.sample(placementPodOperation(), { seed: 1, numRuns: 300 });
  const creates = steps.filter((s): s is Extract<Step, { op: 'create-pod' }> => s.op === 'create-pod');

  it('creates pods of a group with each constraint sometimes, and deletes them', () => {
    expect(steps.some((s) => s.op === 'delete-pod')).toBe(true);
    expect(creates.every((s) => s.group === 'g1' || s.group === 'g2')).toBe(true);
    for (const has of [(s: (typeof creates)[number]) => s.antiAffinity, (s: (typeof creates)[number]) => s.spread, (s: (typeof creates)[number]) => s.hostPort, (s: (typeof creates)[number]) => s.priority]) {
      const n = creates.filter(has).length;
      expect(n).toBeGreaterThan(creates.length / 4);
      expect(n).toBeLessThan((creates.length * 3) / 4);
    }
  });

  it('restricts the constraints when asked', () => {
    const only = fc.sample(placementPodOperation({ constraints: ['hostPort'] }), { seed: 2, numRuns: 100 });
    expect(only.some((s) => s.op === 'create-pod' && (s.antiAffinity || s.spread || s.priority))).toBe(false);
  });

  it('makes pods the API server accepts, creating their PriorityClasses first', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      let n = 0;
      for (const s of creates.slice(0, 25)) {
        runner.step({ ...s, namespace: 'default', name: `pod-${n++}` });
        const call = runner.history.calls.at(-1)!;
        expect(call.response!.code, JSON.stringify(call.response!.body)).toBe(201);
      }
      const pods = runner.cluster.objects('pods', 'default') as { spec?: { priority?: number; priorityClassName?: string } }[];
      expect(pods.some((p) => p.spec?.priorityClassName === 'verify-high' && p.spec.priority === 1000)).toBe(true);
    } finally {
      runner.dispose();
    }
  });
});
