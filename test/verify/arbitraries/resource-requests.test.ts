import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { resourceRequests } from '../../../src/verify/arbitraries/resource-requests.js';

describe('resourceRequests', () => {
  it('asks for 100m-2 cores and 64Mi-2Gi, covering the whole range', () => {
    const all = fc.sample(resourceRequests(), { seed: 1, numRuns: 300 });
    for (const r of all) {
      expect(r.cpu).toBeGreaterThanOrEqual(100);
      expect(r.cpu).toBeLessThanOrEqual(2000);
      expect(r.memory).toBeGreaterThanOrEqual(64);
      expect(r.memory).toBeLessThanOrEqual(2048);
    }
    expect(Math.min(...all.map((r) => r.cpu))).toBe(100);
    expect(Math.max(...all.map((r) => r.cpu))).toBe(2000);
    expect(Math.max(...all.map((r) => r.memory))).toBe(2048);
  });
});
