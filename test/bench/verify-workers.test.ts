import { describe, expect, it } from 'vitest';
import { benchVerifyWorkers, formatVerifyWorkersBench } from '../../src/bench/verify-workers.js';

describe('benchVerifyWorkers (tiny sizes, no timing assertions)', () => {
  it('runs the same campaign on 1 and 2 worker threads and prints scenarios/s in total and per worker, and the speed-up', { timeout: 120_000 }, async () => {
    const r = await benchVerifyWorkers({ runs: 4, steps: 3, workers: [1, 2], seed: 5 });
    expect(r.rows.map((row) => [row.workers, row.scenarios, row.ok])).toEqual([
      [1, 4, true],
      [2, 4, true],
    ]);
    for (const row of r.rows) {
      expect(row.perSecond).toBeGreaterThan(0);
      expect(row.perWorker).toBeCloseTo(row.perSecond / row.workers, 10);
    }
    expect(r.rows[0]!.speedup).toBe(1);
    expect(r.rows[1]!.speedup).toBeCloseTo(r.rows[1]!.perSecond / r.rows[0]!.perSecond, 10);
    const lines = formatVerifyWorkersBench(r).split('\n');
    expect(lines[0]).toMatch(/^verification on worker threads: 4 scenarios of up to 3 steps with faults, seed 5 \(\d+ cores\)$/);
    expect(lines[1]!.trim().split(/\s{2,}/)).toEqual(['workers', 'scenarios', 'wall s', 'first s', 'scenarios/s', 'per worker', 'speed-up']);
    expect(lines[2]).toMatch(/^ +1 +4 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +1\.00x$/);
    expect(lines[3]).toMatch(/^ +2 +4 +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+ +[\d.]+x$/);
  });

  it('refuses a worker count that is not a positive integer', async () => {
    await expect(benchVerifyWorkers({ workers: [0] })).rejects.toThrow('worker counts must be positive integers; got 0');
  });
});
