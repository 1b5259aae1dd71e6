import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { faultPlan } from '../../../src/verify/arbitraries/fault-plan.js';

describe('faultPlan', () => {
  it('alternates a wait and a fault, up to maxFaults faults', () => {
    fc.assert(
      fc.property(faultPlan(3, { maxFaults: 4 }), (plan) => {
        expect(plan.length % 2).toBe(0);
        expect(plan.length / 2).toBeLessThanOrEqual(4);
        plan.forEach((s, i) => expect(s.op).toBe(i % 2 === 0 ? 'wait' : 'fault'));
      }),
      { seed: 1, numRuns: 100 },
    );
  });
});
