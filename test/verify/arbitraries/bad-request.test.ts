import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { badRequest } from '../../../src/verify/arbitraries/bad-request.js';
import { refusedRequestsChangeNothing } from '../../../src/verify/invariants/refused-requests-change-nothing.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';

describe('badRequest', () => {
  const steps = fc.sample(badRequest(), { seed: 1, numRuns: 300 });

  it('covers invalid objects, unknown tokens, and users without the rights', () => {
    expect(new Set(steps.map((s) => s.op))).toEqual(new Set(['invalid', 'unauthenticated', 'forbidden']));
    const variants = new Set(steps.filter((s) => s.op === 'invalid').map((s) => (s as { variant: string }).variant));
    expect(variants.size).toBe(7);
  });

  it('is refused by the real API server with the code it deserves, changing nothing', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [refusedRequestsChangeNothing] });
    try {
      runner.step({ op: 'create-deployment', namespace: 'default', name: 'd1', replicas: 1, cpu: 100, memory: 64 });
      const revision = () => runner.cluster.store.revision;
      for (const s of steps.slice(0, 80)) {
        runner.step(s); // throws on a violation
        const call = runner.history.calls.at(-1)!;
        const code = call.response!.code;
        if (s.op === 'unauthenticated') expect(code).toBe(401);
        else if (s.op === 'forbidden') expect(code).toBe(403);
        else expect([400, 404, 422]).toContain(code);
      }
      expect(revision()).toBeGreaterThan(0);
    } finally {
      runner.dispose();
    }
  });
});
