import { describe, expect, it } from 'vitest';
import { createActor, type AnyActorRef } from 'xstate';
import { Kernel } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';
import { loadBalancerMachine, balancerStatus, type LoadBalancerContext } from '../../machines/load-balancer.js';
import { summarizeMessage, type ApiRequest, type ApiResponse, type WatchCancel, type WatchClosed } from '../../machines/protocol.js';

/** A fake API server: answers probes with `code`, records what it was sent. */
interface FakeBackend {
  address: string;
  code: number;
  /** Answers nothing at all (crashed, but still registered: the probe goes unanswered). */
  silent: boolean;
  requests: ApiRequest[];
  cancels: string[];
}

function setupLb(n = 3) {
  const kernel = new Kernel({ seed: 1, summarize: summarizeMessage });
  const backends: FakeBackend[] = [];
  for (let i = 1; i <= n; i++) {
    const b: FakeBackend = { address: `api-server/cp-${i}`, code: 200, silent: false, requests: [], cancels: [] };
    backends.push(b);
    kernel.register(
      b.address,
      {
        send: (e: ApiRequest | WatchCancel) => {
          if (b.silent) return;
          if (e.type === 'watch.cancel') return void b.cancels.push(e.watchId);
          if (e.id.includes('#probe-')) {
            kernel.send(b.address, e.from, { type: 'api.response', id: e.id, code: b.code, body: { kind: 'Namespace' } });
            return;
          }
          b.requests.push(e);
        },
      },
      { host: `cp-${i}` },
    );
  }
  const got: (ApiResponse | WatchClosed)[] = [];
  kernel.register('client', { send: (e: ApiResponse | WatchClosed) => void got.push(e) }, { host: 'worker' });
  const lb = createActor(loadBalancerMachine, { clock: kernel.clock, input: { port: new Port(kernel, 'api-server'), backends: backends.map((b) => b.address), token: 'probe' } }) as AnyActorRef;
  kernel.register('api-server', lb, { host: 'load-balancer' });
  lb.start();
  let seq = 0;
  const request = (verb: ApiRequest['verb'] = 'get'): string => {
    const id = `client#${++seq}`;
    kernel.send('client', 'api-server', { type: 'api.request', id, from: 'client', token: 't', verb, resource: 'pods', namespace: 'default' });
    return id;
  };
  const ctx = () => lb.getSnapshot().context as LoadBalancerContext;
  return { kernel, backends, got, lb, request, ctx };
}

describe('load balancer', () => {
  it('spreads requests round robin over the healthy API servers, keeping the client as the one to answer', () => {
    const t = setupLb();
    t.kernel.advance(1_500);
    expect(t.lb.getSnapshot().value).toBe('balancing');
    for (let i = 0; i < 6; i++) t.request();
    t.kernel.advance(10);
    expect(t.backends.map((b) => b.requests.length)).toEqual([2, 2, 2]);
    expect(t.backends.every((b) => b.requests.every((r) => r.from === 'client'))).toBe(true);
  });

  it('routes a watch cancel to the API server that holds the watch', () => {
    const t = setupLb();
    t.kernel.advance(1_500);
    t.request();
    const w = t.request('watch');
    t.kernel.advance(10);
    const holder = t.backends.find((b) => b.requests.some((r) => r.id === w))!;
    t.kernel.send('client', 'api-server', { type: 'watch.cancel', watchId: w });
    t.kernel.advance(10);
    expect(holder.cancels).toEqual([w]);
    expect(t.backends.filter((b) => b !== holder).every((b) => b.cancels.length === 0)).toBe(true);
  });

  it('takes an API server out after two failed probes and resets the connections of its watches', () => {
    const t = setupLb();
    t.kernel.advance(1_500);
    const watches = [t.request('watch'), t.request('watch'), t.request('watch')];
    t.kernel.advance(10);
    const dead = t.backends[1]!;
    const lost = watches.filter((w) => dead.requests.some((r) => r.id === w));
    expect(lost.length).toBe(1);
    dead.silent = true;
    t.kernel.advance(3_000);
    expect(balancerStatus(t.ctx()).map((b) => b.healthy)).toEqual([true, false, true]);
    const closed = t.got.filter((e): e is WatchClosed => e.type === 'watch.closed');
    expect(new Set(closed.map((c) => c.watchId))).toEqual(new Set(lost));
    expect(closed[0]!.reason).toContain('reset');
    // told again at the next two probe ticks, in case the first reset was lost
    t.kernel.advance(3_000);
    expect(t.got.filter((e) => e.type === 'watch.closed').length).toBe(3);
    const before = dead.requests.length;
    for (let i = 0; i < 4; i++) t.request();
    t.kernel.advance(10);
    expect(dead.requests.length).toBe(before);
  });

  it('a 503 from the readiness probe takes it out too; back after one good probe, its stale watches are cancelled', () => {
    const t = setupLb();
    t.kernel.advance(1_500);
    for (let i = 0; i < 3; i++) t.request('watch');
    t.kernel.advance(10);
    const sick = t.backends[0]!;
    const held = sick.requests.filter((r) => r.verb === 'watch').map((r) => r.id);
    sick.code = 503;
    t.kernel.advance(2_500);
    expect(balancerStatus(t.ctx())[0]!.healthy).toBe(false);
    sick.code = 200;
    t.kernel.advance(1_100);
    expect(balancerStatus(t.ctx())[0]!.healthy).toBe(true);
    expect(sick.cancels).toEqual(held);
  });

  it('answers 503 itself when no API server is healthy', () => {
    const t = setupLb();
    t.kernel.advance(1_500);
    for (const b of t.backends) b.code = 503;
    t.kernel.advance(3_000);
    expect(t.lb.getSnapshot().value).toBe('noHealthyBackend');
    const id = t.request();
    t.kernel.advance(10);
    const res = t.got.find((e): e is ApiResponse => e.type === 'api.response' && e.id === id);
    expect(res?.code).toBe(503);
    expect(t.backends.every((b) => !b.requests.some((r) => r.id === id))).toBe(true);
  });
});
