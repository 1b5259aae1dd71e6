import { describe, expect, it } from 'vitest';
import { benchIdleTimers, formatIdleTimersBench } from '../../src/bench/idle-timers.js';

describe('benchIdleTimers (counts in virtual time)', () => {
  it("counts an idle cluster's timers by actor and delay, and accounts for every timer the kernel fired", { timeout: 60_000 }, () => {
    const r = benchIdleTimers({ nodes: 2, settleMs: 10_000, windowMs: 20_000 });
    expect(r.timers.reduce((n, t) => n + t.fired, 0) + r.other).toBe(r.timersFired);
    expect(r.other).toBeGreaterThanOrEqual(0);
    // each kubelet renews its Lease every 10 s: twice in 20 s
    for (const node of ['node-1', 'node-2']) expect(r.timers.find((t) => t.actor === `kubelet/${node}` && t.delay === 'leaseRenew')?.fired).toBe(2);
    expect(r.timers.every((t) => t.fired > 0 && t.state.length > 0)).toBe(true);
    const lines = formatIdleTimersBench(r).split('\n');
    expect(lines[0]).toMatch(/^idle timers: 2-node cluster \(default profile\), 20 virtual s after the boot settled: \d+ timers fired, \d+ messages$/);
    expect(lines[1]).toBe('  fired  every s  actor / delay (state)');
    expect(lines).toContain('      2     10.0  kubelet/node-1 / leaseRenew (kubelet.running.heartbeat.beating)');
    expect(lines.at(-1)).toMatch(/^ +\d+ +(\d+\.\d|-) {2}other kernel timers/);
  });
});
