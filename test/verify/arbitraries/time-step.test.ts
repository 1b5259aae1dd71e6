import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { timeStep } from '../../../src/verify/arbitraries/time-step.js';

describe('timeStep', () => {
  it('waits from 1 ms to 30 s by default, up to 2 minutes when asked', () => {
    const ms = new Set(fc.sample(timeStep(), { seed: 1, numRuns: 300 }).map((s) => s.ms));
    expect(Math.min(...ms)).toBe(1);
    expect(Math.max(...ms)).toBe(30_000);
    expect(Math.max(...fc.sample(timeStep({ maxMs: 120_000 }), { seed: 1, numRuns: 300 }).map((s) => s.ms))).toBe(120_000);
    expect(new Set(fc.sample(timeStep({ maxMs: 100 }), { seed: 1, numRuns: 100 }).map((s) => s.ms))).toEqual(new Set([1, 10, 100]));
  });
});
