import { describe, it, expect } from 'vitest';
import { benchKernel, formatKernelBench } from '../../src/bench/kernel.js';

describe('benchKernel (tiny sizes, no timing assertions)', () => {
  it('returns the three lines with the right counts', async () => {
    const results = await benchKernel({ messages: 1000, rally: 30, timerActors: 50, virtualMs: 120_000, periodMs: [1000, 60_000], warmup: 100, seed: 3 });
    expect(results.map((r) => r.unit)).toEqual(['events', 'events', 'timers']);
    const [direct, kernel, timers] = results as [(typeof results)[0], (typeof results)[0], (typeof results)[0]];

    expect(direct.count).toBe(1000);
    expect(direct.details.rallies).toBe(Math.ceil(1000 / 30));
    expect(direct.ratio).toBeUndefined();

    expect(kernel.count).toBe(1000);
    expect(kernel.details.delivered).toBe(1000);
    expect(kernel.details.dropped).toBe(0);
    expect(kernel.details.traceEntries).toBe(1000);
    expect(kernel.details.virtualMs).toBeGreaterThan(0);
    expect(kernel.ratio).toBeCloseTo(kernel.perSecond / direct.perSecond, 10);

    expect(timers.count).toBe(timers.details.expectedFired);
    expect(timers.details.ticks).toBe(timers.count);
    expect(timers.details.actorsWithWrongTicks).toBe(0);
    expect(timers.details.pendingBefore).toBe(50);
    expect(timers.details.pendingAfter).toBe(50);
    // 50 actors with periods of 1-60 s over two minutes fire at least twice each
    expect(timers.count).toBeGreaterThanOrEqual(100);

    for (const r of results) {
      expect(typeof r.name).toBe('string');
      expect(Number.isFinite(r.wallMs) && r.wallMs >= 0).toBe(true);
      expect(r.perSecond).toBeGreaterThan(0);
    }

    const table = formatKernelBench(results);
    expect(table).toContain(`Node ${process.version}`);
    expect(table).toContain('1,000 events');
    expect(table).toMatch(/target >= 0\.5/);
  });

  it('counts right when the rally does not divide the messages, and with rally 1', async () => {
    for (const rally of [1, 7]) {
      const [direct, kernel] = await benchKernel({ messages: 50, rally, timerActors: 1, virtualMs: 1000, warmup: 0 });
      expect(direct!.count).toBe(50);
      expect(direct!.details.rallies).toBe(Math.ceil(50 / rally));
      expect(kernel!.count).toBe(50);
    }
  });

  it('refuses sizes that are not positive integers', async () => {
    await expect(benchKernel({ messages: 0 })).rejects.toThrow(RangeError);
    await expect(benchKernel({ messages: 10, rally: 0 })).rejects.toThrow(/rally/);
  });
});
