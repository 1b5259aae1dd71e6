import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import { assign, createActor, setup } from 'xstate';
import { Kernel } from '../../src/kernel/kernel.js';

/** start --1s--> first --1s--> second --1s--> third */
const chain = setup({}).createMachine({
  id: 'chain',
  initial: 'start',
  states: {
    start: { after: { 1000: 'first' } },
    first: { after: { 1000: 'second' } },
    second: { after: { 1000: 'third' } },
    third: {},
  },
});

/** Waits `delay` ms (from input) and then logs its name. */
const alarm = setup({
  types: {
    context: {} as { name: string; delay: number; log: string[] },
    input: {} as { name: string; delay: number; log: string[] },
  },
  actions: {
    ring: ({ context }) => {
      context.log.push(context.name);
    },
  },
  delays: {
    wait: ({ context }) => context.delay,
  },
}).createMachine({
  id: 'alarm',
  context: ({ input }) => ({ ...input }),
  initial: 'armed',
  states: {
    armed: {
      after: { wait: { target: 'rang', actions: 'ring' } },
      on: { disarm: 'disarmed' },
    },
    rang: {},
    disarmed: {},
  },
});

/** Re-enters its state every `period` ms, counting ticks. */
const ticker = setup({
  types: {
    context: {} as { ticks: number; period: number; log?: number[][]; index?: number; now?: () => number },
    input: {} as { period: number; log?: number[][]; index?: number; now?: () => number },
  },
  actions: {
    tick: assign({ ticks: ({ context }) => context.ticks + 1 }),
    record: ({ context }) => {
      if (context.log && context.now) context.log.push([context.now(), context.index ?? 0]);
    },
  },
  delays: {
    period: ({ context }) => context.period,
  },
}).createMachine({
  id: 'ticker',
  context: ({ input }) => ({ ticks: 0, ...input }),
  initial: 'waiting',
  states: {
    waiting: {
      after: { period: { target: 'waiting', reenter: true, actions: ['tick', 'record'] } },
    },
  },
});

describe('the kernel clock drives XState `after` delays', () => {
  it('fires nothing while only real time passes', async () => {
    const kernel = new Kernel({ seed: 1 });
    const actor = createActor(
      setup({}).createMachine({ id: 'quick', initial: 'a', states: { a: { after: { 5: 'b' } }, b: {} } }),
      { clock: kernel.clock },
    ).start();
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(actor.getSnapshot().value).toBe('a');
    expect(kernel.pending.timers).toBe(1);
    kernel.advance(4);
    expect(actor.getSnapshot().value).toBe('a');
    kernel.advance(1);
    expect(actor.getSnapshot().value).toBe('b');
    expect(kernel.now()).toBe(5);
    actor.stop();
  });

  it('walks a chain of three 1 s timers to the third state in one advance(3000)', () => {
    const kernel = new Kernel({ seed: 1 });
    const actor = createActor(chain, { clock: kernel.clock }).start();
    expect(actor.getSnapshot().value).toBe('start');
    kernel.advance(3000);
    expect(actor.getSnapshot().value).toBe('third');
    expect(kernel.now()).toBe(3000);
    expect(kernel.stats.timersFired).toBe(3);
    expect(kernel.pending.timers).toBe(0);
    actor.stop();
  });

  it('walks the same chain one state per second', () => {
    const kernel = new Kernel({ seed: 1 });
    const actor = createActor(chain, { clock: kernel.clock }).start();
    const seen: string[] = [];
    for (let i = 0; i < 4; i++) {
      seen.push(String(actor.getSnapshot().value));
      kernel.advance(999);
      expect(actor.getSnapshot().value).toBe(seen.at(-1));
      kernel.advance(1);
    }
    expect(seen).toEqual(['start', 'first', 'second', 'third']);
    expect(kernel.now()).toBe(4000);
    actor.stop();
  });

  it('fires timers due at the same instant in creation order, earlier deadlines first', () => {
    const kernel = new Kernel({ seed: 1 });
    const log: string[] = [];
    const make = (name: string, delay: number) =>
      createActor(alarm, { clock: kernel.clock, input: { name, delay, log } }).start();
    const actors = [make('a500', 500), make('b500', 500), make('c300', 300), make('d500', 500), make('e0', 0)];
    kernel.advance(200);
    // created at t=200, due at t=500 like a, b and d, but created after them
    actors.push(make('f300', 300));
    kernel.setTimer(() => log.push('g-raw'), 300);
    kernel.advance(1000);
    expect(log).toEqual(['e0', 'c300', 'a500', 'b500', 'd500', 'f300', 'g-raw']);
    for (const a of actors) a.stop();
  });

  it('cancels the `after` of a state the actor leaves', () => {
    const kernel = new Kernel({ seed: 1 });
    const log: string[] = [];
    const actor = createActor(alarm, { clock: kernel.clock, input: { name: 'x', delay: 1000, log } }).start();
    kernel.register('x', actor);
    expect(kernel.pending.timers).toBe(1);
    kernel.advance(500);
    kernel.send('test', 'x', { type: 'disarm' });
    kernel.runUntilIdle();
    expect(actor.getSnapshot().value).toBe('disarmed');
    expect(kernel.pending.timers).toBe(0);
    kernel.advance(10_000);
    expect(log).toEqual([]);
    expect(kernel.stats.timersFired).toBe(0);
    actor.stop();
  });

  it('cancels raw timers with clearTimer, and clearing twice or after firing does nothing', () => {
    const kernel = new Kernel({ seed: 1 });
    const fired: number[] = [];
    const t1 = kernel.setTimer(() => fired.push(1), 10);
    const t2 = kernel.setTimer(() => fired.push(2), 20);
    kernel.clearTimer(t1);
    kernel.clearTimer(t1);
    expect(kernel.pending.timers).toBe(1);
    kernel.advance(30);
    kernel.clearTimer(t2);
    expect(fired).toEqual([2]);
    expect(kernel.pending.timers).toBe(0);
  });

  it('keeps the pending-timer count at zero when actors clear their timers after stop()', () => {
    const kernel = new Kernel({ seed: 1 });
    const actor = createActor(chain, { clock: kernel.clock }).start();
    expect(kernel.pending.timers).toBe(1);
    kernel.stop();
    actor.stop(); // XState clears its pending `after` through kernel.clock.clearTimeout
    expect(kernel.pending).toEqual({ messages: 0, timers: 0 });
  });

  it('fires zero-delay timers on advance(0) without moving the clock', () => {
    const kernel = new Kernel({ seed: 1 });
    const actor = createActor(
      setup({}).createMachine({ id: 'zero', initial: 'a', states: { a: { after: { 0: 'b' } }, b: { after: { 0: 'c' } }, c: {} } }),
      { clock: kernel.clock },
    ).start();
    expect(actor.getSnapshot().value).toBe('a');
    kernel.advance(0);
    // the timer armed by the first one is also due at t=0
    expect(actor.getSnapshot().value).toBe('c');
    expect(kernel.now()).toBe(0);
    expect(kernel.stats.timersFired).toBe(2);
    actor.stop();
  });

  it('runUntil stops as soon as the predicate holds, and gives up at the deadline', () => {
    const kernel = new Kernel({ seed: 1 });
    const actor = createActor(ticker, { clock: kernel.clock, input: { period: 1000 } }).start();
    const ticks = () => actor.getSnapshot().context.ticks;
    expect(kernel.runUntil(() => ticks() >= 5)).toBe(true);
    expect(kernel.now()).toBe(5000);
    expect(ticks()).toBe(5);

    expect(kernel.runUntil(() => false, { timeout: 2500 })).toBe(false);
    expect(kernel.now()).toBe(7500);
    expect(ticks()).toBe(7);

    // a predicate already true does nothing
    expect(kernel.runUntil(() => true, { timeout: 1000 })).toBe(true);
    expect(kernel.now()).toBe(7500);

    // the deadline is inclusive: a timer due exactly at it fires
    expect(kernel.runUntil(() => ticks() === 8, { timeout: 500 })).toBe(true);
    expect(kernel.now()).toBe(8000);
    actor.stop();
  });

  it('runUntil with nothing scheduled returns false with the clock at the deadline', () => {
    const kernel = new Kernel({ seed: 1 });
    expect(kernel.runUntil(() => false, { timeout: 1234 })).toBe(false);
    expect(kernel.now()).toBe(1234);
  });

  it('runUntilIdle delivers messages in flight but leaves future timers armed', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 5, jitter: 0 } } });
    const log: string[] = [];
    const actor = createActor(alarm, { clock: kernel.clock, input: { name: 'late', delay: 10_000, log } }).start();
    const got: string[] = [];
    kernel.register('sink', { send: (e) => got.push(e.type) });
    for (let i = 0; i < 3; i++) kernel.send('src', 'sink', { type: `m${i}` });
    const processed = kernel.runUntilIdle();
    expect(processed).toBe(3);
    expect(got).toEqual(['m0', 'm1', 'm2']);
    expect(kernel.now()).toBe(5);
    expect(kernel.pending).toEqual({ messages: 0, timers: 1 });
    expect(actor.getSnapshot().value).toBe('armed');
    // with nothing in flight it does nothing
    expect(kernel.runUntilIdle()).toBe(0);
    expect(kernel.now()).toBe(5);
    kernel.advance(10_000);
    expect(log).toEqual(['late']);
    actor.stop();
  });

  it('runUntilIdle fires timers that come due before the last message lands', () => {
    const kernel = new Kernel({ seed: 1, network: { remote: { latency: 100, jitter: 0 } } });
    const order: string[] = [];
    kernel.register('sink', { send: (e) => order.push(e.type) });
    kernel.setTimer(() => order.push('timer@50'), 50);
    kernel.setTimer(() => order.push('timer@150'), 150);
    kernel.send('src', 'sink', { type: 'msg@100' });
    kernel.runUntilIdle();
    expect(order).toEqual(['timer@50', 'msg@100']);
    expect(kernel.pending.timers).toBe(1);
  });

  it('advances 10,000 XState actors with pending timers in (deadline, creation) order', () => {
    const kernel = new Kernel({ seed: 99 });
    const rng = kernel.fork('test');
    const log: number[][] = [];
    const now = () => kernel.now();
    const periods: number[] = [];
    const actors = [];
    for (let i = 0; i < 10_000; i++) {
      const period = 1000 + rng.int(4001);
      periods.push(period);
      actors.push(createActor(ticker, { clock: kernel.clock, input: { period, log, index: i, now } }).start());
    }
    expect(kernel.pending.timers).toBe(10_000);
    kernel.advance(10_000);
    const expected: number[][] = [];
    for (let i = 0; i < periods.length; i++) {
      for (let t = periods[i]!; t <= 10_000; t += periods[i]!) expected.push([t, i]);
    }
    // Every fire re-arms the actor's timer at once, so a timer's creation rank is the position in
    // the log of the fire that armed it (the first timers were armed at t=0 in actor order).
    // Expected: the log is the set of all fires sorted by (deadline, creation rank).
    const position = new Map<string, number>();
    log.forEach(([t, i], pos) => position.set(`${t},${i}`, pos));
    const rank = ([t, i]: number[]) => {
      const created = t! - periods[i!]!;
      return created === 0 ? i! - 1e9 : position.get(`${created},${i}`)!;
    };
    expected.sort((x, y) => x[0]! - y[0]! || rank(x) - rank(y));
    expect(log.length).toBe(expected.length);
    expect(log).toEqual(expected);
    expect(kernel.stats.timersFired).toBe(expected.length);
    expect(kernel.pending.timers).toBe(10_000);
    for (const a of actors) a.stop();
  }, 60_000);

  test.prop(
    [
      fc.array(
        fc.record({
          delay: fc.integer({ min: 0, max: 2000 }),
          gapBefore: fc.integer({ min: 0, max: 300 }),
          cancelAfter: fc.option(fc.integer({ min: 0, max: 1500 }), { nil: undefined }),
        }),
        { maxLength: 400 },
      ),
    ],
    { numRuns: 60 },
  )('fire order is sorted by (deadline, creation), and cancelled timers never fire', (specs) => {
    const kernel = new Kernel({ seed: 5 });
    const fired: { id: number; at: number }[] = [];
    const created: { id: number; deadline: number; cancelled: boolean }[] = [];
    specs.forEach((spec, id) => {
      kernel.advance(spec.gapBefore);
      const deadline = kernel.now() + spec.delay;
      const timer = kernel.setTimer(() => fired.push({ id, at: kernel.now() }), spec.delay);
      const record = { id, deadline, cancelled: false };
      created.push(record);
      if (spec.cancelAfter !== undefined && spec.cancelAfter < spec.delay) {
        // cancel it from another timer that runs before it is due
        kernel.setTimer(() => {
          kernel.clearTimer(timer);
          record.cancelled = true;
        }, spec.cancelAfter);
      }
    });
    kernel.advance(5000);
    const expected = created.filter((c) => !c.cancelled).sort((a, b) => a.deadline - b.deadline || a.id - b.id);
    expect(fired.map((f) => f.id)).toEqual(expected.map((e) => e.id));
    for (const f of fired) expect(f.at).toBe(created[f.id]!.deadline);
    expect(kernel.pending.timers).toBe(0);
  });
});
