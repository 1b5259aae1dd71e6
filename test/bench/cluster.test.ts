import { describe, expect, it } from 'vitest';
import { benchCluster, formatClusterBench } from '../../src/bench/cluster.js';
import { benchIdle } from '../../src/bench/idle.js';

describe('benchmarks (shape and counts only; no timing is asserted)', () => {
  it('runs every pod of a small cluster through the whole flow and reports the figures', () => {
    const r = benchCluster({ nodes: 5, pods: 40 });
    expect(r.running).toBe(40);
    expect(r.messages).toBeGreaterThan(40 * 20);
    expect(r.transitions).toBeGreaterThan(r.messages / 2);
    for (const key of ['wallMs', 'virtualMs', 'podsPerSec', 'messagesPerSec', 'peakHeapBytes', 'rawXstateRatio'] as const) {
      expect(typeof r[key]).toBe('number');
      expect(Number.isFinite(r[key])).toBe(true);
    }
    expect(formatClusterBench(r)).toContain('pods Running        40 of 40');
  });

  it('advances an idle cluster through virtual time with lease renewals', () => {
    const r = benchIdle(3, 60_000);
    // three kubelets renew every 10 s: at least 18 renewals of several messages each in a minute
    expect(r.messages).toBeGreaterThan(18 * 4);
    expect(r.timersFired).toBeGreaterThan(18);
  });
});
