import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DEDICATED_TAINT, nodeShape, ZONES } from '../../../src/verify/arbitraries/node-shape.js';
import { milliCpu, quantityValue } from '../../../src/api/quantity.js';

describe('nodeShape', () => {
  it('gives capacities in range, a zone label, and at most the dedicated taint', () => {
    fc.assert(
      fc.property(nodeShape(), (n) => {
        expect(milliCpu(n.capacity.cpu)).toBeGreaterThanOrEqual(1000);
        expect(milliCpu(n.capacity.cpu)).toBeLessThanOrEqual(4000);
        expect(quantityValue(n.capacity.memory)).toBeGreaterThanOrEqual(2 ** 30);
        expect(quantityValue(n.capacity.memory)).toBeLessThanOrEqual(8 * 2 ** 30);
        expect(Number(n.capacity.pods)).toBeGreaterThanOrEqual(3);
        expect(ZONES).toContain(n.labels.zone);
        expect(n.taints.every((t) => t.key === DEDICATED_TAINT.key && t.effect === 'NoSchedule')).toBe(true);
      }),
      { seed: 1, numRuns: 200 },
    );
  });

  it('taints some nodes and not others, and never with taintWeight 0', () => {
    const some = fc.sample(nodeShape(), { seed: 2, numRuns: 200 });
    expect(some.some((n) => n.taints.length > 0)).toBe(true);
    expect(some.some((n) => n.taints.length === 0)).toBe(true);
    expect(fc.sample(nodeShape({ taintWeight: 0 }), { seed: 2, numRuns: 100 }).every((n) => n.taints.length === 0)).toBe(true);
  });
});
