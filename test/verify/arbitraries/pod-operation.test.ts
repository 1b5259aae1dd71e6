import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { podOperation } from '../../../src/verify/arbitraries/pod-operation.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { Step } from '../../../src/verify/steps.js';

describe('podOperation', () => {
  const steps = fc.sample(podOperation(), { seed: 1, numRuns: 300 });

  it('creates and deletes pods, creates twice as often, with every option showing up', () => {
    const creates = steps.filter((s): s is Extract<Step, { op: 'create-pod' }> => s.op === 'create-pod');
    const deletes = steps.filter((s) => s.op === 'delete-pod');
    expect(creates.length + deletes.length).toBe(steps.length);
    expect(creates.length).toBeGreaterThan(deletes.length);
    expect(creates.some((s) => s.tolerate)).toBe(true);
    expect(creates.some((s) => s.zone)).toBe(true);
    expect(creates.some((s) => s.grace !== undefined)).toBe(true);
    expect(creates.some((s) => s.completes)).toBe(true);
    // the options are the exception, not the rule
    expect(creates.filter((s) => s.completes).length).toBeLessThan(creates.length / 4);
  });

  it('makes pods the API server accepts', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      let n = 0;
      for (const s of steps) {
        if (s.op !== 'create-pod') continue;
        runner.step({ ...s, namespace: 'default', name: `pod-${n++}` });
        expect(runner.history.calls.at(-1)!.response!.code, JSON.stringify(runner.history.calls.at(-1)!.response!.body)).toBe(201);
        if (n === 40) break;
      }
    } finally {
      runner.dispose();
    }
  });
});
