import { describe, expect, it } from 'vitest';
import { benchFailover, formatFailover, measureFailover, KUBERNETES_DEFAULTS } from '../../src/bench/failover.js';

describe('failover benchmark', () => {
  it('killing the etcd leader: the first write needs a new election (at least one election timeout)', () => {
    const s = measureFailover(1, 'etcd-leader');
    expect(s.target).toMatch(/^etcd\/control-plane-\d$/);
    expect(s.firstWriteMs).toBeGreaterThanOrEqual(KUBERNETES_DEFAULTS.etcdElectionTimeoutMs - KUBERNETES_DEFAULTS.etcdHeartbeatMs);
    expect(s.firstWriteMs).toBeLessThan(5_000);
    expect(s.scheduledMs).toBeDefined();
  });

  it('killing the leading control-plane node: the next pod waits for the scheduler Lease to expire', () => {
    const s = measureFailover(2, 'leading-node');
    expect(s.target).toMatch(/^node\/control-plane-\d$/);
    expect(s.scheduledMs).toBeGreaterThanOrEqual(KUBERNETES_DEFAULTS.leaseDurationMs - KUBERNETES_DEFAULTS.retryPeriodMs);
    expect(s.scheduledMs).toBeLessThan(KUBERNETES_DEFAULTS.leaseDurationMs + 10_000);
    expect(s.firstWriteMs).toBeLessThan(5_000);
  });

  it('summarizes median and worst over seeds, beside the defaults', () => {
    const r = benchFailover({ seeds: 3 });
    expect(r.samples).toHaveLength(6);
    for (const kill of ['etcd-leader', 'leading-node'] as const) {
      const f = r.summary[kill]!;
      expect(f.firstWrite.missing + f.scheduled.missing).toBe(0);
      expect(f.firstWrite.worst).toBeGreaterThanOrEqual(f.firstWrite.median);
      expect(f.scheduled.worst).toBeGreaterThanOrEqual(f.scheduled.median);
    }
    const text = formatFailover(r);
    expect(text).toContain('| etcd-leader |');
    expect(text).toContain('| leading-node |');
    expect(text).toContain('Lease duration 15 s, renew deadline 10 s, retry period 2 s');
  });
});
