import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { deploymentOperation } from '../../../src/verify/arbitraries/deployment-operation.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { Step } from '../../../src/verify/steps.js';

describe('deploymentOperation', () => {
  const steps = fc.sample(deploymentOperation(), { seed: 1, numRuns: 300 });

  it('creates, scales, evicts from and deletes Deployments, replicas within 0-5', () => {
    expect(new Set(steps.map((s) => s.op))).toEqual(new Set(['create-deployment', 'scale-deployment', 'evict-pod', 'delete-deployment']));
    for (const s of steps) {
      if (s.op === 'create-deployment') expect(s.replicas).toBeLessThanOrEqual(4);
      if (s.op === 'scale-deployment') expect(s.replicas).toBeLessThanOrEqual(5);
      if (s.op === 'create-deployment' || s.op === 'scale-deployment') expect(s.replicas).toBeGreaterThanOrEqual(0);
    }
  });

  it('makes Deployments the API server accepts, and their scale and evictions go through', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 1 }, invariants: [] });
    try {
      const create = steps.find((s): s is Extract<Step, { op: 'create-deployment' }> => s.op === 'create-deployment' && s.replicas > 0 && s.cpu <= 500)!;
      runner.step({ ...create, namespace: 'default', name: 'd1' });
      expect(runner.history.calls.at(-1)!.response!.code).toBe(201);
      runner.step({ op: 'wait', ms: 5_000 });
      runner.step({ op: 'scale-deployment', namespace: 'default', name: 'd1', replicas: 2 });
      expect(runner.history.calls.at(-1)!.response!.code).toBe(200);
      runner.step({ op: 'wait', ms: 5_000 });
      runner.step({ op: 'evict-pod', namespace: 'default', deployment: 'd1' });
      const [list, eviction] = runner.history.calls.slice(-2);
      expect(list!.spec.verb).toBe('list');
      expect(eviction!.spec.subresource).toBe('eviction');
      expect(eviction!.response!.code).toBeLessThan(300);
    } finally {
      runner.dispose();
    }
  });
});
