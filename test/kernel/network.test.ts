import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { Kernel, type KernelEvent } from '../../src/kernel/kernel.js';
import type { TraceEntry } from '../../src/kernel/trace.js';

/** A target that records what it received and when. */
type Ev = { type: string; [key: string]: unknown };
function sink(kernel: Kernel) {
  const got: { time: number; event: Ev }[] = [];
  return { got, send: (event: KernelEvent) => got.push({ time: kernel.now(), event: event as Ev }) };
}
/** An event with a payload. */
const ev = (type: string, payload: Record<string, unknown>): KernelEvent => ({ type, ...payload });

/** Times in the kernel have microsecond resolution: compare them as integers of µs. */
const us = (ms: number) => Math.round(ms * 1000);

const delivered = (kernel: Kernel) => kernel.trace.toArray().filter((e) => e.status === 'delivered');
const dropped = (kernel: Kernel) => kernel.trace.toArray().filter((e) => e.status === 'dropped');

describe('latency and jitter', () => {
  test.prop(
    [
      fc.integer(),
      fc.integer({ min: 0, max: 50_000 }), // latency in µs
      fc.integer({ min: 0, max: 20_000 }), // jitter in µs
      fc.array(fc.integer({ min: 0, max: 5_000 }), { minLength: 1, maxLength: 300 }), // gaps between sends in µs
      fc.boolean(),
    ],
    { numRuns: 80 },
  )('delivery time - send time is within [latency, latency + jitter)', (seed, latencyUs, jitterUs, gaps, reorder) => {
    const latency = latencyUs / 1000;
    const jitter = jitterUs / 1000;
    const kernel = new Kernel({ seed, network: { remote: { latency, jitter, reorder } } });
    const b = sink(kernel);
    kernel.register('a', { send() {} });
    kernel.register('b', b);
    for (const gap of gaps) {
      kernel.advance(gap / 1000);
      kernel.send('a', 'b', { type: 'm' });
    }
    kernel.runUntilIdle();
    const entries = delivered(kernel);
    expect(entries.length).toBe(gaps.length);
    for (const e of entries) {
      const delay = us(e.time) - us(e.sent);
      expect(delay).toBeGreaterThanOrEqual(latencyUs);
      if (jitterUs === 0) expect(delay).toBe(latencyUs);
      else expect(delay).toBeLessThan(latencyUs + jitterUs);
    }
    // the target saw each message at the time the trace says
    expect(b.got.map((g) => us(g.time))).toEqual(entries.map((e) => us(e.time)));
  });

  it('spreads deliveries over the jitter window', () => {
    const kernel = new Kernel({ seed: 4, network: { remote: { latency: 10, jitter: 10, reorder: true } } });
    kernel.register('a', { send() {} });
    kernel.register('b', { send() {} });
    for (let i = 0; i < 2000; i++) kernel.send('a', 'b', { type: 'm' });
    kernel.runUntilIdle();
    const delays = delivered(kernel).map((e) => e.time - e.sent);
    const buckets = new Array(10).fill(0);
    for (const d of delays) buckets[Math.floor(d - 10)]++;
    for (const n of buckets) expect(n).toBeGreaterThan(120);
  });

  it('uses the local link within a host and setLink overrides one pair of hosts', () => {
    const kernel = new Kernel({
      seed: 1,
      network: { local: { latency: 0.25 }, remote: { latency: 3, jitter: 0 } },
    });
    for (const [addr, host] of [['a1', 'h1'], ['a2', 'h1'], ['b', 'h2'], ['c', 'h3']] as const) kernel.register(addr, { send() {} }, { host });
    kernel.network.setLink('h1', 'h3', { latency: 20, jitter: 0 });
    kernel.send('a1', 'a2', { type: 'local' });
    kernel.send('a1', 'b', { type: 'remote' });
    kernel.send('c', 'a2', { type: 'slow' }); // setLink applies both ways
    kernel.runUntilIdle();
    const delays = Object.fromEntries(delivered(kernel).map((e) => [e.type, e.time - e.sent]));
    expect(delays).toEqual({ local: 0.25, remote: 3, slow: 20 });
  });
});

describe('FIFO links', () => {
  test.prop(
    [
      fc.integer(),
      fc.integer({ min: 0, max: 5 }), // latency
      fc.integer({ min: 1, max: 50 }), // jitter, large against the gaps
      fc.double({ min: 0, max: 0.3, noNaN: true }), // duplicateRate
      fc.double({ min: 0, max: 0.3, noNaN: true }), // dropRate
      fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 3 })), {
        minLength: 1,
        maxLength: 200,
      }),
    ],
    { numRuns: 80 },
  )('without reorder, every link delivers in send order even with jitter', (seed, latency, jitter, duplicateRate, dropRate, sends) => {
    const kernel = new Kernel({ seed, network: { remote: { latency, jitter, duplicateRate, dropRate, reorder: false } } });
    const names = ['n0', 'n1', 'n2', 'n3'];
    for (const n of names) kernel.register(n, { send() {} });
    for (const [from, to, gap] of sends) {
      kernel.advance(gap / 4);
      kernel.send(names[from]!, names[to]!, { type: 'm' });
    }
    kernel.runUntilIdle();
    const lastMsg = new Map<string, number>();
    for (const e of delivered(kernel)) {
      const link = `${e.from}->${e.to}`;
      const last = lastMsg.get(link);
      if (last !== undefined) expect(e.msg).toBeGreaterThanOrEqual(last);
      lastMsg.set(link, e.msg);
    }
  });

  it('with reorder, jitter lets later messages overtake earlier ones', () => {
    const kernel = new Kernel({ seed: 2, network: { remote: { latency: 1, jitter: 50, reorder: true } } });
    kernel.register('a', { send() {} });
    kernel.register('b', { send() {} });
    for (let i = 0; i < 100; i++) kernel.send('a', 'b', { type: 'm' });
    kernel.runUntilIdle();
    const order = delivered(kernel).map((e) => e.msg);
    expect(order).not.toEqual([...order].sort((x, y) => x - y));
  });

  it('stays FIFO when the link gets faster while messages are in flight', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 100, jitter: 0 } } });
    const b = sink(kernel);
    kernel.register('a', { send() {} });
    kernel.register('b', b);
    kernel.send('a', 'b', { type: 'slow' });
    kernel.network.configure({ remote: { latency: 1 } });
    kernel.advance(1);
    kernel.send('a', 'b', { type: 'fast' });
    kernel.runUntilIdle();
    expect(b.got.map((g) => g.event.type)).toEqual(['slow', 'fast']);
    // the second waited for the first, and arrived no earlier than its own latency
    expect(b.got.map((g) => g.time)).toEqual([100, 100]);
  });
});

describe('FIFO bookkeeping over long runs', () => {
  it('forgets the links whose messages are all delivered, so short-lived addresses leave nothing behind', () => {
    const kernel = new Kernel({ seed: 3, network: { local: { latency: 1, jitter: 2 } } });
    kernel.register('hub', { send() {} });
    for (let i = 0; i < 20_000; i++) {
      const pod = `pod/${i}`;
      kernel.register(pod, { send() {} });
      kernel.send(pod, 'hub', { type: 'm' });
      kernel.send('hub', pod, { type: 'm' });
      kernel.advance(1);
      kernel.unregister(pod);
    }
    kernel.runUntilIdle();
    // 40,000 links were used; only those with a message in flight at the last sweep are kept
    expect(kernel.network.trackedLinks).toBeLessThan(4_200);
  });

  it('keeps every link in send order across the sweeps', () => {
    const kernel = new Kernel({ seed: 9, network: { remote: { latency: 2, jitter: 40, reorder: false } } });
    const names = ['a', 'b', 'c'];
    for (const n of names) kernel.register(n, { send() {} });
    for (let i = 0; i < 30_000; i++) {
      kernel.send(names[i % 3]!, names[(i * 7 + 1) % 3]!, { type: 'm' });
      if (i % 5 === 0) kernel.advance(0.3);
    }
    kernel.runUntilIdle();
    const last = new Map<string, number>();
    let checked = 0;
    for (const e of delivered(kernel)) {
      const link = `${e.from}->${e.to}`;
      expect(e.msg).toBeGreaterThan(last.get(link) ?? -1);
      last.set(link, e.msg);
      checked++;
    }
    expect(checked).toBeGreaterThan(9_000);
  });
});

describe('loss and duplication', () => {
  it('dropRate 1 drops everything, and the trace says loss', () => {
    const kernel = new Kernel({ seed: 3, network: { remote: { dropRate: 1 } } });
    const b = sink(kernel);
    kernel.register('a', { send() {} });
    kernel.register('b', b);
    for (let i = 0; i < 50; i++) kernel.send('a', 'b', ev('m', { i }));
    expect(kernel.pending.messages).toBe(0);
    kernel.runUntilIdle();
    expect(b.got).toEqual([]);
    const entries = kernel.trace.toArray();
    expect(entries.length).toBe(50);
    for (const e of entries) {
      expect(e.status).toBe('dropped');
      expect(e.reason).toBe('loss');
      expect(e.time).toBe(e.sent);
    }
    expect(kernel.stats).toMatchObject({ delivered: 0, dropped: 50 });
  });

  it('a dropRate between 0 and 1 loses about that share', () => {
    const kernel = new Kernel({ seed: 3, network: { remote: { dropRate: 0.25 } } });
    kernel.register('a', { send() {} });
    kernel.register('b', { send() {} });
    for (let i = 0; i < 4000; i++) kernel.send('a', 'b', { type: 'm' });
    kernel.runUntilIdle();
    const lost = dropped(kernel).length;
    expect(lost).toBeGreaterThan(850);
    expect(lost).toBeLessThan(1150);
  });

  it('duplicateRate 1 delivers every message twice, the second marked duplicate', () => {
    const kernel = new Kernel({ seed: 3, network: { remote: { latency: 2, jitter: 1, duplicateRate: 1 } } });
    const b = sink(kernel);
    kernel.register('a', { send() {} });
    kernel.register('b', b);
    for (let i = 0; i < 20; i++) {
      kernel.send('a', 'b', ev('m', { i }));
      kernel.advance(1);
    }
    kernel.runUntilIdle();
    expect(b.got.length).toBe(40);
    const entries = kernel.trace.toArray();
    expect(entries.length).toBe(40);
    const byMsg = new Map<number, TraceEntry[]>();
    for (const e of entries) byMsg.set(e.msg, [...(byMsg.get(e.msg) ?? []), e]);
    expect(byMsg.size).toBe(20);
    for (const [, pair] of byMsg) {
      expect(pair.length).toBe(2);
      expect(pair[0]!.duplicate).toBeUndefined();
      expect(pair[1]!.duplicate).toBe(true);
      expect(pair[1]!.time).toBeGreaterThan(pair[0]!.time);
      expect(pair[0]!.status).toBe('delivered');
      expect(pair[1]!.status).toBe('delivered');
      expect(pair[1]!.sent).toBe(pair[0]!.sent);
    }
    // both copies carry the same event object
    for (let i = 0; i < 20; i++) expect(b.got.filter((g) => g.event.i === i).length).toBe(2);
  });

  it('rejects rates outside [0, 1]', () => {
    expect(() => new Kernel({ network: { remote: { dropRate: 1.5 } } })).toThrow(RangeError);
    expect(() => new Kernel({ network: { local: { duplicateRate: -0.1 } } })).toThrow(RangeError);
    const kernel = new Kernel();
    expect(() => kernel.network.configure({ remote: { dropRate: NaN } })).toThrow(/dropRate/);
    expect(kernel.network.defaults.remote.dropRate).toBe(0);
  });
});

describe('partitions', () => {
  function cluster(latency = 10) {
    const kernel = new Kernel({ seed: 8, network: { remote: { latency, jitter: 0 }, local: { latency: 1 } } });
    const sinks: Record<string, ReturnType<typeof sink>> = {};
    for (const [addr, host] of [['a', 'h1'], ['a2', 'h1'], ['b', 'h2'], ['c', 'h3']] as const) {
      sinks[addr] = sink(kernel);
      kernel.register(addr, sinks[addr], { host });
    }
    return { kernel, sinks };
  }

  it('drops at send exactly the messages that cross the cut', () => {
    const { kernel } = cluster();
    kernel.network.partition(['h1'], ['h2']);
    const addrs = ['a', 'a2', 'b', 'c'];
    for (const from of addrs) for (const to of addrs) if (from !== to) kernel.send(from, to, { type: `${from}>${to}` });
    kernel.runUntilIdle();
    const drops = dropped(kernel);
    expect(drops.map((e) => e.type).sort()).toEqual(['a2>b', 'a>b', 'b>a', 'b>a2']);
    for (const e of drops) {
      expect(e.reason).toBe('partition');
      expect(e.time).toBe(e.sent);
    }
    expect(delivered(kernel).length).toBe(12 - 4);
    expect(kernel.network.partitions()).toEqual({ isolated: [], cuts: [['h1', 'h2']] });
  });

  it('drops messages in flight when the cut happens before they land, and healing restores delivery', () => {
    const { kernel, sinks } = cluster(10);
    kernel.send('a', 'b', { type: 'in-flight' }); // due at 10
    kernel.send('a', 'c', { type: 'other-link' }); // due at 10, not cut
    kernel.advance(5);
    kernel.network.cut('h1', 'h2');
    kernel.advance(10);
    expect(sinks.b!.got).toEqual([]);
    expect(sinks.c!.got.map((g) => g.event.type)).toEqual(['other-link']);
    const drop = dropped(kernel)[0]!;
    expect(drop).toMatchObject({ type: 'in-flight', reason: 'partition', sent: 0, time: 10 });

    kernel.network.healLink('h2', 'h1');
    kernel.send('b', 'a', { type: 'after-heal' });
    kernel.runUntilIdle();
    expect(sinks.a!.got.map((g) => g.event.type)).toEqual(['after-heal']);
  });

  it('delivers a message whose link was cut and healed while it was in flight', () => {
    const { kernel, sinks } = cluster(10);
    kernel.send('a', 'b', { type: 'lucky' });
    kernel.advance(3);
    kernel.network.cut('h1', 'h2');
    kernel.advance(3);
    kernel.network.heal();
    kernel.runUntilIdle();
    expect(sinks.b!.got.map((g) => g.event.type)).toEqual(['lucky']);
  });

  test.prop(
    [
      fc.integer(),
      fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 2, maxLength: 8 }), // host of each address
      fc.subarray([0, 1, 2, 3]),
      fc.subarray([0, 1, 2, 3]),
      fc.boolean(),
    ],
    { numRuns: 80 },
  )('a partition drops exactly the crossing messages, at send or in flight', (seed, hosts, sideA, sideB, inFlight) => {
    const kernel = new Kernel({ seed, network: { remote: { latency: 5, jitter: 3 }, local: { latency: 1 } } });
    const addrs = hosts.map((_, i) => `x${i}`);
    addrs.forEach((a, i) => kernel.register(a, { send() {} }, { host: `h${hosts[i]}` }));
    const crosses = (from: number, to: number) => {
      const hf = hosts[from]!;
      const ht = hosts[to]!;
      return hf !== ht && ((sideA.includes(hf) && sideB.includes(ht)) || (sideB.includes(hf) && sideA.includes(ht)));
    };
    const cut = () => kernel.network.partition(sideA.map((h) => `h${h}`), sideB.map((h) => `h${h}`));
    if (!inFlight) cut();
    for (let f = 0; f < addrs.length; f++) for (let t = 0; t < addrs.length; t++) kernel.send(addrs[f]!, addrs[t]!, { type: `${f}>${t}` });
    if (inFlight) cut();
    kernel.runUntilIdle();
    const entries = kernel.trace.toArray();
    expect(entries.length).toBe(addrs.length * addrs.length);
    for (const e of entries) {
      const [f, t] = e.type.split('>').map(Number) as [number, number];
      expect(e.status).toBe(crosses(f, t) ? 'dropped' : 'delivered');
      if (e.status === 'dropped') {
        expect(e.reason).toBe('partition');
        expect(e.time === e.sent).toBe(!inFlight);
      }
    }
    kernel.network.heal();
    for (let f = 0; f < addrs.length; f++) for (let t = 0; t < addrs.length; t++) kernel.send(addrs[f]!, addrs[t]!, { type: 'healed' });
    kernel.runUntilIdle();
    expect(kernel.trace.toArray().filter((e) => e.type === 'healed' && e.status !== 'delivered')).toEqual([]);
  });

  it('isolate(host) cuts it from every other host but not within itself', () => {
    const { kernel, sinks } = cluster(10);
    kernel.network.isolate('h1');
    expect(kernel.network.isCut('h1', 'h2')).toBe(true);
    expect(kernel.network.isCut('h3', 'h1')).toBe(true);
    expect(kernel.network.isCut('h1', 'h1')).toBe(false);
    expect(kernel.network.isCut('h2', 'h3')).toBe(false);
    kernel.send('a', 'a2', { type: 'same-host' });
    kernel.send('a', 'b', { type: 'out' });
    kernel.send('c', 'a', { type: 'in' });
    kernel.send('b', 'c', { type: 'elsewhere' });
    kernel.runUntilIdle();
    expect(sinks.a2!.got.map((g) => g.event.type)).toEqual(['same-host']);
    expect(sinks.a!.got).toEqual([]);
    expect(sinks.b!.got).toEqual([]);
    expect(sinks.c!.got.map((g) => g.event.type)).toEqual(['elsewhere']);
    expect(dropped(kernel).map((e) => [e.type, e.reason])).toEqual([
      ['out', 'partition'],
      ['in', 'partition'],
    ]);
    expect(kernel.network.partitions().isolated).toEqual(['h1']);

    kernel.network.heal('h1');
    kernel.send('a', 'b', { type: 'out-again' });
    kernel.runUntilIdle();
    expect(sinks.b!.got.map((g) => g.event.type)).toEqual(['out-again']);
  });

  it('heal(host) heals only that host; cut refuses a host and itself', () => {
    const { kernel } = cluster();
    kernel.network.cut('h1', 'h2');
    kernel.network.cut('h2', 'h3');
    kernel.network.cut('h1', 'h3');
    kernel.network.heal('h3');
    expect(kernel.network.partitions().cuts).toEqual([['h1', 'h2']]);
    expect(() => kernel.network.cut('h1', 'h1')).toThrow(RangeError);
  });
});

describe('unreachable addresses', () => {
  it('drops messages to an address unregistered while they were in flight', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 10, jitter: 0 } } });
    const b = sink(kernel);
    kernel.register('a', { send() {} });
    kernel.register('b', b);
    kernel.send('a', 'b', { type: 'doomed' });
    kernel.advance(5);
    kernel.unregister('b');
    expect(kernel.has('b')).toBe(false);
    kernel.runUntilIdle();
    expect(b.got).toEqual([]);
    expect(kernel.trace.toArray()).toMatchObject([{ type: 'doomed', status: 'dropped', reason: 'unreachable', sent: 0, time: 10 }]);
    // and the kernel goes on: a new registration under the same name receives new messages
    const b2 = sink(kernel);
    kernel.register('b', b2);
    kernel.send('a', 'b', { type: 'fresh' });
    kernel.runUntilIdle();
    expect(b2.got.map((g) => g.event.type)).toEqual(['fresh']);
  });

  it('delivers to the replacement when an address is re-registered while a message is in flight', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 10, jitter: 0 } } });
    const old = sink(kernel);
    const replacement = sink(kernel);
    kernel.register('b', old);
    kernel.send('a', 'b', { type: 'm' });
    kernel.register('b', replacement, { replace: true });
    kernel.runUntilIdle();
    expect(old.got).toEqual([]);
    expect(replacement.got.length).toBe(1);
  });
});
