import { describe, expect, it } from 'vitest';
import { createActor, setup, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { Port } from '../../src/kernel/port.js';
import { leaderElectorMachine, stopElector, electorStatus } from '../../machines/leader-elector.js';
import { leaseIgnoresHolderElector } from '../../src/ha/mutants.js';
import { startControlPlane, type ControlPlane } from '../helpers/control-plane.js';

/** A component that does nothing but exist while its elector leads. */
const dummy = setup({ types: { input: {} as { port: Port } } }).createMachine({ id: 'dummy', initial: 'running', states: { running: {} } });

interface Lease {
  spec: { holderIdentity: string; leaseDurationSeconds: number; acquireTime: string; renewTime: string; leaseTransitions: number };
}

function electors(cp: ControlPlane, hosts: readonly string[], logic: AnyActorLogic = leaderElectorMachine): Map<string, AnyActorRef> {
  const out = new Map<string, AnyActorRef>();
  for (const host of hosts) {
    const address = `leader-elector/kube-scheduler/${host}`;
    const actor = createActor(logic, {
      clock: cp.kernel.clock,
      input: {
        port: new Port(cp.kernel, address),
        token: cp.users.scheduler.token,
        lease: 'kube-scheduler',
        hostname: host,
        component: { logic: dummy, address: `dummy/${host}`, input: {} },
      },
    } as never) as AnyActorRef;
    actor.subscribe({ error: (e: unknown) => cp.kernel.reportError(address, e) });
    cp.kernel.register(address, actor, { host });
    actor.start();
    out.set(host, actor);
  }
  return out;
}

const running = (cp: ControlPlane, host: string) => cp.kernel.has(`dummy/${host}`);
const lease = (cp: ControlPlane) => cp.client.get<Lease & { kind: string; metadata: { name: string } }>('leases', 'kube-scheduler', { namespace: 'kube-system' });
const timeOf = (cp: ControlPlane, micro: string) => Date.parse(micro) - cp.kernel.epoch;

describe('leader elector', () => {
  it('has client-go’s timings as named delays: retry period 2 s (jittered 1.2 while standing by), renew deadline 10 s, lease 15 s', () => {
    expect(Object.keys(leaderElectorMachine.implementations.delays).sort()).toEqual(['renewDeadline', 'retryJittered', 'retryPeriod']);
    const cp = startControlPlane({ seed: 1 });
    const [a] = [...electors(cp, ['a']).values()];
    expect((a!.getSnapshot().context as { timings: unknown }).timings).toEqual({ leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000 });
  });

  it('one candidate acquires the Lease through the API server and runs its component; the other waits', () => {
    const cp = startControlPlane({ seed: 2 });
    const els = electors(cp, ['a', 'b']);
    cp.kernel.advance(10_000);
    const l = lease(cp);
    const leader = l.spec.holderIdentity.split('_')[0]!;
    const other = leader === 'a' ? 'b' : 'a';
    expect(running(cp, leader)).toBe(true);
    expect(running(cp, other)).toBe(false);
    expect(l.spec).toMatchObject({ leaseDurationSeconds: 15, leaseTransitions: 0 });
    expect(electorStatus(els.get(leader))).toMatchObject({ leading: true, identity: l.spec.holderIdentity });
    expect(electorStatus(els.get(other))).toMatchObject({ leading: false, holder: l.spec.holderIdentity });
    // renewed every retry period
    const renewed = timeOf(cp, l.spec.renewTime);
    cp.kernel.advance(4_100);
    expect(timeOf(cp, lease(cp).spec.renewTime)).toBeGreaterThan(renewed + 3_000);
    expect(lease(cp).spec.acquireTime).toBe(l.spec.acquireTime);
    expect(cp.kernel.errors).toEqual([]);
  });

  it('a new leader takes over only once the old one’s lease expired (15 s after it last changed)', () => {
    const cp = startControlPlane({ seed: 3 });
    const els = electors(cp, ['a', 'b']);
    cp.kernel.advance(10_000);
    const before = lease(cp);
    const old = before.spec.holderIdentity.split('_')[0]!;
    const next = old === 'a' ? 'b' : 'a';
    stopElector(new Port(cp.kernel, 'test'), `leader-elector/kube-scheduler/${old}`, els.get(old));
    expect(running(cp, old)).toBe(false);
    const lastRenew = timeOf(cp, lease(cp).spec.renewTime);
    expect(cp.kernel.runUntil(() => running(cp, next), { timeout: 30_000 })).toBe(true);
    const tookOver = cp.kernel.now();
    expect(tookOver - lastRenew).toBeGreaterThanOrEqual(15_000);
    // it observed the last renewal at its next poll, and acquires at its first poll 15 s after that
    // (standby polls every retry period jittered by 1.2: at most 4.4 s apart)
    expect(tookOver - lastRenew).toBeLessThan(15_000 + 2 * 4_400 + 500);
    const after = lease(cp);
    expect(after.spec.holderIdentity.startsWith(`${next}_`)).toBe(true);
    expect(after.spec.leaseTransitions).toBe(1);
  });

  it('a leader cut off from the API server stops its component within the renew deadline, before anyone may acquire', () => {
    const cp = startControlPlane({ seed: 4 });
    electors(cp, ['a', 'b']);
    cp.kernel.advance(10_000);
    const old = lease(cp).spec.holderIdentity.split('_')[0]!;
    const next = old === 'a' ? 'b' : 'a';
    const lastRenew = timeOf(cp, lease(cp).spec.renewTime);
    cp.kernel.network.isolate(old);
    let both = false;
    let stoppedAt = -1;
    cp.kernel.runUntil(() => {
      if (running(cp, old) && running(cp, next)) both = true;
      if (stoppedAt < 0 && !running(cp, old)) stoppedAt = cp.kernel.now();
      return running(cp, next);
    }, { timeout: 40_000 });
    expect(both).toBe(false);
    // a retry period after the last renewal it starts renewing, and gives up 10 s later
    expect(stoppedAt - lastRenew).toBeLessThanOrEqual(2_000 + 10_000 + 100);
    expect(cp.kernel.now() - lastRenew).toBeGreaterThanOrEqual(15_000);
    expect(running(cp, next)).toBe(true);
    // healed, the old one comes back as a candidate with a new identity and stays a follower
    cp.kernel.network.heal(old);
    cp.kernel.advance(20_000);
    expect(running(cp, old)).toBe(false);
    expect(lease(cp).spec.holderIdentity.startsWith(`${next}_`)).toBe(true);
  });

  it('acquiring is a compare-and-swap: three candidates starting together never run two components at once', () => {
    const cp = startControlPlane({ seed: 5 });
    const hosts = ['a', 'b', 'c'];
    const els = electors(cp, hosts);
    let overlap = false;
    let failover = false;
    cp.kernel.runUntil(() => {
      if (hosts.filter((h) => running(cp, h)).length > 1) overlap = true;
      return false;
    }, { timeout: 20_000 });
    const leader = hosts.find((h) => running(cp, h))!;
    stopElector(new Port(cp.kernel, 'test'), `leader-elector/kube-scheduler/${leader}`, els.get(leader));
    cp.kernel.runUntil(() => {
      const n = hosts.filter((h) => running(cp, h)).length;
      if (n > 1) overlap = true;
      if (n === 1) failover = true;
      return false;
    }, { timeout: 40_000 });
    expect(overlap).toBe(false);
    expect(failover).toBe(true);
  });

  it('the mutant that ignores a valid lease runs two components at once', () => {
    const cp = startControlPlane({ seed: 5 });
    const hosts = ['a', 'b', 'c'];
    electors(cp, hosts, leaseIgnoresHolderElector);
    let overlap = false;
    cp.kernel.runUntil(() => {
      if (hosts.filter((h) => running(cp, h)).length > 1) overlap = true;
      return overlap;
    }, { timeout: 60_000 });
    expect(overlap).toBe(true);
  });
});
