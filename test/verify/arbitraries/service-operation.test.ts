import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { serviceOperation } from '../../../src/verify/arbitraries/service-operation.js';
import { NAME_POOLS } from '../../../src/verify/arbitraries/object-ref.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';

describe('serviceOperation', () => {
  it('creates Services selecting generated pods or Deployments, and deletes them', () => {
    const steps = fc.sample(serviceOperation(), { seed: 1, numRuns: 200 });
    expect(new Set(steps.map((s) => s.op))).toEqual(new Set(['create-service', 'delete-service']));
    for (const s of steps) if (s.op === 'create-service') expect([...NAME_POOLS.pods, ...NAME_POOLS.deployments]).toContain(s.app);
  });

  it('makes Services the API server accepts', { timeout: 30_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      runner.step({ op: 'create-service', namespace: 'default', name: 's1', app: 'p1' });
      expect(runner.history.calls.at(-1)!.response!.code).toBe(201);
      runner.step({ op: 'delete-service', namespace: 'default', name: 's1' });
      expect(runner.history.calls.at(-1)!.response!.code).toBe(200);
    } finally {
      runner.dispose();
    }
  });
});
