/**
 * Housekeeping on a grid, armed for when something is due: the wake-up is always a tick of the
 * component's one-second grid (the instants a loop ticking every second would run its checks at),
 * never one already past, and the first one at or after the due time; an idle cluster's components
 * then sleep through the ticks that would find nothing to do.
 */
import { describe, expect, it } from 'vitest';
import { armGrid, beginGrid, deadlineDelay, gridDueEarlier, gridWakeAt, UNARMED_GRID } from '../../../machines/client/housekeeping-grid.js';
import { benchIdleTimers } from '../../../src/bench/idle-timers.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';

describe('gridWakeAt', () => {
  it('wakes at the first tick at or after the due time', () => {
    expect(gridWakeAt(100.5, 100.5, 5_100.5, 1_000)).toBe(5_100.5);
    expect(gridWakeAt(100.5, 100.5, 5_100.6, 1_000)).toBe(6_100.5);
    expect(gridWakeAt(100.5, 2_000, 4_000, 1_000)).toBe(4_100.5);
  });

  it('never wakes at a tick already past, and at least one tick after the last run', () => {
    // due long ago (a watch already silent): the next tick after now
    expect(gridWakeAt(0, 3_500, -Infinity, 1_000)).toBe(4_000);
    expect(gridWakeAt(0, 0, 0, 1_000)).toBe(1_000);
    // now exactly on a tick that has not run: the one after
    expect(gridWakeAt(0, 2_000, 1_500, 1_000)).toBe(3_000);
  });

  it('sleeps sixty periods when nothing is due', () => {
    expect(gridWakeAt(250, 250, Infinity, 1_000)).toBe(60_250);
    expect(gridWakeAt(250, 10_300, Infinity, 1_000)).toBe(70_250);
  });
});

describe('HousekeepingGrid', () => {
  it('begins: the ticks count from now, the armed tick kept', () => {
    const armed = { last: 0, armedAt: 3_000 };
    expect(beginGrid(armed, 2_500)).toEqual({ last: 2_500, armedAt: 3_000 });
    expect(beginGrid(UNARMED_GRID, 100.5)).toEqual({ last: 100.5, armedAt: Infinity });
  });

  it('arms for the tick of its grid at which something is next due', () => {
    const grid = beginGrid(UNARMED_GRID, 100.5);
    expect(armGrid(grid, 100.5, 5_100.6, 1_000)).toEqual({ last: 100.5, armedAt: 6_100.5 });
    expect(armGrid(grid, 100.5, Infinity, 1_000)).toEqual({ last: 100.5, armedAt: 60_100.5 });
  });

  it('is a value: begin and arm return a new grid and leave the old one as it was', () => {
    const grid = { last: 0, armedAt: Infinity };
    const begun = beginGrid(grid, 1_000);
    const armed = armGrid(begun, 1_000, 4_000, 1_000);
    expect(grid).toEqual({ last: 0, armedAt: Infinity });
    expect(begun).toEqual({ last: 1_000, armedAt: Infinity });
    expect(armed).toEqual({ last: 1_000, armedAt: 4_000 });
    expect(UNARMED_GRID).toEqual({ last: 0, armedAt: Infinity });
  });

  it('is due earlier only when something falls due before the armed tick', () => {
    const armed = armGrid(beginGrid(UNARMED_GRID, 0), 0, 10_000, 1_000);
    expect(armed.armedAt).toBe(10_000);
    // a request sent at 2.2 s times out at 7.2 s: the tick at 8 s comes first
    expect(gridDueEarlier(armed, 2_200, 7_200, 1_000)).toBe(true);
    // due in the same tick, or later: the armed timer serves
    expect(gridDueEarlier(armed, 2_200, 9_500, 1_000)).toBe(false);
    expect(gridDueEarlier(armed, 2_200, 20_000, 1_000)).toBe(false);
    // a grid never armed is always due earlier
    expect(gridDueEarlier(beginGrid(UNARMED_GRID, 0), 0, Infinity, 1_000)).toBe(true);
  });
});

describe('deadlineDelay', () => {
  it('waits whole milliseconds rounded up, at least one, and the idle period when nothing is due', () => {
    expect(deadlineDelay(1_000.25, 1_500.5, 10_000)).toBe(501);
    expect(deadlineDelay(1_000.25, 1_000.25, 10_000)).toBe(1);
    expect(deadlineDelay(1_000, 900, 10_000)).toBe(1);
    expect(deadlineDelay(1_000, Infinity, 10_000)).toBe(10_000);
  });
});

describe('an idle cluster', () => {
  it('wakes its API server, scheduler, controller manager and controllers only when a check is due', { timeout: 60_000 }, () => {
    const r = benchIdleTimers({ nodes: 3, settleMs: 30_000, windowMs: 60_000 });
    const fired = (actor: string) => r.timers.filter((t) => t.actor === actor).reduce((n, t) => n + t.fired, 0);
    // the etcd watch is checked 15 s after etcd last spoke (by then it spoke again: progress every
    // 5 s), and bookmarks go out once a minute: a wake-up every 8-10 s, not sixty a minute
    expect(fired('api-server')).toBeGreaterThan(0);
    expect(fired('api-server')).toBeLessThanOrEqual(8);
    // the scheduler's queue is empty: its leftover check every 30 s, nothing else
    expect(fired('scheduler')).toBeLessThanOrEqual(2);
    // its informers' watches fall silent only after 150 s of nothing; the shared watches hear bookmarks
    expect(fired('controller-manager')).toBeLessThanOrEqual(1);
    // the namespace controller resyncs every 5 minutes, the claim binder every 15 s
    expect(fired('namespace')).toBeLessThanOrEqual(1);
    expect(fired('persistentvolume-binder')).toBeLessThanOrEqual(4);
    // what still has to happen does: every node's Lease renewal
    for (const node of ['node-1', 'node-2', 'node-3']) expect(r.timers.find((t) => t.actor === `kubelet/${node}` && t.delay === 'leaseRenew')?.fired).toBe(6);
  });

  it('still sends every watcher its bookmark each minute', { timeout: 60_000 }, () => {
    const c = createCluster({ nodes: 1, seed: 5 });
    c.advance(5_000);
    const from = c.kernel.trace.toArray().length;
    c.advance(5 * 60_000);
    const bookmarks = c.kernel.trace.toArray().slice(from).filter((e) => e.type === 'watch.bookmark' && e.to === 'kubelet/node-1' && e.summary.includes('Pod'));
    expect(bookmarks).toHaveLength(5);
    // on the API server's one-second grid, one a minute
    const times = bookmarks.map((e) => e.sent);
    for (let i = 1; i < times.length; i++) expect(times[i]! - times[i - 1]!).toBeCloseTo(60_000, 3);
    c.stop();
  });
});
