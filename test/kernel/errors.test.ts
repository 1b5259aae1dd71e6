import { describe, it, expect } from 'vitest';
import { assign, createActor, setup } from 'xstate';
import { Kernel, type KernelEvent } from '../../src/kernel/kernel.js';
import { InvalidDelayError, KernelError, KernelStoppedError, LivelockError, UnknownAddressError } from '../../src/kernel/errors.js';

/** Runs `fn`, expects it to throw, and returns the error. */
function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected a throw');
}

/** A kernel with a recording target at `b`; checks that it still delivers and advances. */
function working() {
  const kernel = new Kernel({ seed: 1, network: { remote: { latency: 1, jitter: 0 } } });
  const got: string[] = [];
  kernel.register('b', { send: (e: KernelEvent) => got.push(e.type) });
  const stillWorks = () => {
    const t0 = kernel.now();
    const fired: number[] = [];
    kernel.setTimer(() => fired.push(kernel.now()), 5);
    kernel.send('a', 'b', { type: 'probe' });
    kernel.advance(10);
    expect(got.at(-1)).toBe('probe');
    expect(fired).toEqual([t0 + 5]);
    expect(kernel.now()).toBe(t0 + 10);
  };
  return { kernel, got, stillWorks };
}

const badDelays: [unknown, string][] = [
  [-1, '-1'],
  [-0.5, '-0.5'],
  [NaN, 'NaN'],
  [Infinity, 'Infinity'],
  ['100', '"100"'],
  [undefined, 'undefined'],
  [null, 'null'],
  [{ ms: 5 }, '{"ms":5}'],
];

describe('InvalidDelayError', () => {
  it.each(badDelays)('advance(%s) throws naming the value, and changes nothing', (value, shown) => {
    const { kernel, stillWorks } = working();
    kernel.advance(3);
    const err = thrown(() => kernel.advance(value as number));
    expect(err).toBeInstanceOf(InvalidDelayError);
    expect(err).toBeInstanceOf(KernelError);
    expect((err as InvalidDelayError).value).toBe(value);
    expect((err as Error).message).toContain(shown);
    expect((err as Error).message).toContain('advance');
    expect(kernel.now()).toBe(3);
    stillWorks();
  });

  it.each(badDelays)('setTimer(fn, %s) throws naming the value and arms nothing', (value, shown) => {
    const { kernel, stillWorks } = working();
    let fired = false;
    const err = thrown(() => kernel.setTimer(() => (fired = true), value as number));
    expect(err).toBeInstanceOf(InvalidDelayError);
    expect((err as Error).message).toContain(shown);
    expect(kernel.pending.timers).toBe(0);
    kernel.advance(1_000_000);
    expect(fired).toBe(false);
    stillWorks();
  });

  it('advanceTo refuses to go back in time; runUntil refuses a bad timeout', () => {
    const { kernel, stillWorks } = working();
    kernel.advance(100);
    const err = thrown(() => kernel.advanceTo(50));
    expect(err).toBeInstanceOf(InvalidDelayError);
    expect((err as Error).message).toContain('50');
    expect(() => kernel.runUntil(() => false, { timeout: -1 })).toThrow(InvalidDelayError);
    expect(() => kernel.runUntil(() => false, { timeout: NaN })).toThrow(/NaN/);
    expect(kernel.now()).toBe(100);
    stillWorks();
  });

  it('network settings refuse bad latencies and jitters', () => {
    expect(() => new Kernel({ network: { remote: { latency: -3 } } })).toThrow(InvalidDelayError);
    expect(() => new Kernel({ network: { local: { jitter: NaN } } })).toThrow(/network\.local\.jitter.*NaN/);
    const { kernel, stillWorks } = working();
    expect(() => kernel.network.configure({ remote: { latency: -1 } })).toThrow(/-1/);
    expect(() => kernel.network.setLink('x', 'y', { jitter: Infinity })).toThrow(InvalidDelayError);
    expect(kernel.network.defaults.remote.latency).toBe(1);
    stillWorks();
  });

  describe('an XState `after` with a bad delay from `delays`', () => {
    const machine = setup({
      types: {
        context: {} as { delay: number },
        input: {} as { delay: number },
        events: {} as { type: 'go' },
      },
      delays: { configured: ({ context }) => context.delay },
    }).createMachine({
      id: 'delayed',
      context: ({ input }) => ({ delay: input.delay }),
      initial: 'ready',
      states: {
        ready: { on: { go: 'waiting' } },
        waiting: { after: { configured: 'done' } },
        done: {},
      },
    });
    it.each([
      [-5, '-5'],
      [NaN, 'NaN'],
      [-Infinity, '-Infinity'],
    ])('fails the actor with an InvalidDelayError naming %s, and the kernel goes on', (delay, shown) => {
      const { kernel, got, stillWorks } = working();
      const bad = createActor(machine, { clock: kernel.clock, input: { delay } });
      const good = createActor(machine, { clock: kernel.clock, input: { delay: 20 } });
      const errors: unknown[] = [];
      bad.subscribe({ error: (e) => errors.push(e) });
      kernel.register('bad', bad.start());
      kernel.register('good', good.start());
      kernel.send('a', 'bad', { type: 'go' });
      kernel.send('a', 'good', { type: 'go' });
      kernel.advance(1);
      expect(bad.getSnapshot().status).toBe('error');
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(InvalidDelayError);
      expect((errors[0] as Error).message).toContain(shown);
      expect(kernel.pending.timers).toBe(1); // only the good actor's
      kernel.advance(20);
      expect(good.getSnapshot().value).toBe('done');
      expect(got).toEqual([]);
      stillWorks();
      good.stop();
    });

    it('a non-numeric delay never reaches the kernel: XState takes the `after` transition at once', () => {
      // XState 5 (resolveRaise) raises a delayed event immediately when its delay is not a
      // number, without calling the clock, so the kernel cannot see or refuse it. Pinned here
      // so that a change of that behaviour is noticed.
      const { kernel, stillWorks } = working();
      for (const delay of ['100', undefined, null]) {
        const actor = createActor(machine, { clock: kernel.clock, input: { delay: delay as unknown as number } }).start();
        actor.send({ type: 'go' });
        expect(actor.getSnapshot().value).toBe('done');
        expect(actor.getSnapshot().status).toBe('active');
        expect(kernel.pending.timers).toBe(0);
        actor.stop();
      }
      stillWorks();
    });

    it('fails an actor whose initial state has the bad delay, at start', () => {
      const { kernel, stillWorks } = working();
      const startsWaiting = setup({
        types: { context: {} as { delay: number }, input: {} as { delay: number } },
        delays: { configured: ({ context }) => context.delay },
      }).createMachine({
        id: 'startsWaiting',
        context: ({ input }) => ({ delay: input.delay }),
        initial: 'waiting',
        states: { waiting: { after: { configured: 'done' } }, done: {} },
      });
      const actor = createActor(startsWaiting, { clock: kernel.clock, input: { delay: -1 } });
      const errors: unknown[] = [];
      actor.subscribe({ error: (e) => errors.push(e) });
      actor.start();
      expect(actor.getSnapshot().status).toBe('error');
      expect(errors[0]).toBeInstanceOf(InvalidDelayError);
      expect((errors[0] as InvalidDelayError).value).toBe(-1);
      expect(kernel.pending.timers).toBe(0);
      stillWorks();
    });
  });
});

describe('UnknownAddressError', () => {
  it('names the address and the sender, and schedules nothing', () => {
    const { kernel, stillWorks } = working();
    const err = thrown(() => kernel.send('scheduler', 'kubelet/node-9', { type: 'pod.bind' }));
    expect(err).toBeInstanceOf(UnknownAddressError);
    const e = err as UnknownAddressError;
    expect(e.address).toBe('kubelet/node-9');
    expect(e.from).toBe('scheduler');
    expect(e.eventType).toBe('pod.bind');
    expect(e.message).toContain('"kubelet/node-9"');
    expect(e.message).toContain('scheduler');
    expect(e.message).toContain('pod.bind');
    expect(kernel.pending).toEqual({ messages: 0, timers: 0 });
    expect(kernel.trace.total).toBe(0);
    // no message id was used up: the next message is message 0
    kernel.send('a', 'b', { type: 'next' });
    kernel.runUntilIdle();
    expect(kernel.trace.toArray()[0]!.msg).toBe(0);
    stillWorks();
  });

  it('trySend records the drop instead of throwing', () => {
    const { kernel, stillWorks } = working();
    expect(kernel.trySend('scheduler', 'nowhere', { type: 'x' })).toBe(false);
    expect(kernel.trySend('a', 'b', { type: 'y' })).toBe(true);
    kernel.runUntilIdle();
    expect(kernel.trace.toArray().map((e) => [e.to, e.status, e.reason])).toEqual([
      ['nowhere', 'dropped', 'unknown address'],
      ['b', 'delivered', undefined],
    ]);
    stillWorks();
  });

  it('an XState actor sending to an unknown address through send() fails, the kernel does not', () => {
    const { kernel, stillWorks } = working();
    const sender = setup({
      types: { events: {} as { type: 'go' } },
      actions: { out: () => kernel.send('sender', 'ghost', { type: 'boo' }) },
    }).createMachine({ id: 'sender', on: { go: { actions: 'out' } } });
    const actor = createActor(sender, { clock: kernel.clock });
    const errors: unknown[] = [];
    actor.subscribe({ error: (e) => errors.push(e) });
    kernel.register('sender', actor.start());
    kernel.send('a', 'sender', { type: 'go' });
    kernel.runUntilIdle();
    expect(errors[0]).toBeInstanceOf(UnknownAddressError);
    expect((errors[0] as UnknownAddressError).from).toBe('sender');
    stillWorks();
  });
});

describe('KernelStoppedError', () => {
  it('names the sender, the receiver and the type', () => {
    const { kernel, got } = working();
    kernel.send('a', 'b', { type: 'in-flight' });
    kernel.stop();
    expect(kernel.stopped).toBe(true);
    const err = thrown(() => kernel.send('controller-manager/deployment', 'api-server', { type: 'api.request' }));
    expect(err).toBeInstanceOf(KernelStoppedError);
    const message = (err as Error).message;
    expect(message).toContain('controller-manager/deployment');
    expect(message).toContain('api-server');
    expect(message).toContain('api.request');
    expect(() => kernel.trySend('a', 'b', { type: 'late' })).toThrow(KernelStoppedError);
    // even to an unknown address, the stop is what is reported
    expect(() => kernel.send('a', 'ghost', { type: 'late' })).toThrow(KernelStoppedError);
    // nothing more happens; time can still be moved and the trace read
    kernel.advance(100);
    expect(got).toEqual([]);
    expect(kernel.pending).toEqual({ messages: 0, timers: 0 });
    expect(kernel.trace.toArray()).toEqual([]);
  });

  it('timers armed after stop never fire', () => {
    const kernel = new Kernel({ seed: 1 });
    kernel.stop();
    let fired = false;
    const t = kernel.setTimer(() => (fired = true), 1);
    kernel.advance(10);
    kernel.clearTimer(t);
    expect(fired).toBe(false);
    expect(kernel.pending.timers).toBe(0);
  });

  it('an XState actor that keeps running after stop fails on its next send, not the caller', () => {
    const kernel = new Kernel({ seed: 1 });
    kernel.register('b', { send() {} });
    const chatty = setup({
      types: { events: {} as { type: 'poke' } },
      actions: { talk: () => kernel.send('chatty', 'b', { type: 'hello' }) },
    }).createMachine({ id: 'chatty', on: { poke: { actions: 'talk' } } });
    const actor = createActor(chatty, { clock: kernel.clock });
    const errors: unknown[] = [];
    actor.subscribe({ error: (e) => errors.push(e) });
    actor.start();
    kernel.stop();
    actor.send({ type: 'poke' });
    expect(errors[0]).toBeInstanceOf(KernelStoppedError);
    expect((errors[0] as Error).message).toMatch(/chatty sent hello to b/);
  });
});

describe('other misuse', () => {
  it('refuses events that are not objects with a string type', () => {
    const { kernel, stillWorks } = working();
    expect(() => kernel.send('a', 'b', null as unknown as KernelEvent)).toThrow(TypeError);
    expect(() => kernel.send('a', 'b', { type: 7 } as unknown as KernelEvent)).toThrow(/a sent a message to b/);
    expect(() => kernel.setTimer('soon' as unknown as () => void, 5)).toThrow(TypeError);
    expect(kernel.pending).toEqual({ messages: 0, timers: 0 });
    stillWorks();
  });

  it('refuses bad and duplicate registrations', () => {
    const { kernel, stillWorks } = working();
    expect(() => kernel.register('b', { send() {} })).toThrow(/already registered/);
    expect(() => kernel.register('', { send() {} })).toThrow(TypeError);
    expect(() => kernel.register('c', {} as unknown as { send(e: unknown): void })).toThrow(/"c"/);
    expect(kernel.addresses()).toEqual(['b']);
    stillWorks();
  });

  it('records an error thrown by a target and goes on delivering', () => {
    const { kernel, got, stillWorks } = working();
    kernel.register('grumpy', {
      send: () => {
        throw new Error('nope');
      },
    });
    kernel.send('a', 'grumpy', { type: 'x' });
    kernel.send('a', 'b', { type: 'y' });
    kernel.advance(5);
    expect(kernel.errors).toHaveLength(1);
    expect(kernel.errors[0]).toMatchObject({ address: 'grumpy', time: 1 });
    expect((kernel.errors[0]!.error as Error).message).toBe('nope');
    expect(got).toEqual(['y']);
    stillWorks();
  });

  it('a timer callback that throws surfaces from advance; the kernel can go on', () => {
    const { kernel, stillWorks } = working();
    const fired: string[] = [];
    kernel.setTimer(() => {
      throw new Error('boom');
    }, 10);
    kernel.setTimer(() => fired.push('after'), 20);
    expect(() => kernel.advance(30)).toThrow('boom');
    expect(kernel.now()).toBe(10);
    expect(kernel.pending.timers).toBe(1);
    kernel.advance(20);
    expect(fired).toEqual(['after']);
    stillWorks();
  });

  it('throws LivelockError when time stops moving, and the kernel can go on', () => {
    const kernel = new Kernel({ seed: 1, maxEventsPerInstant: 100 });
    const spinner = setup({
      types: { context: {} as { n: number } },
      actions: { count: assign({ n: ({ context }) => context.n + 1 }) },
    }).createMachine({
      id: 'spinner',
      context: { n: 0 },
      initial: 'spin',
      states: { spin: { after: { 0: { target: 'spin', reenter: true, actions: 'count' } } } },
    });
    const actor = createActor(spinner, { clock: kernel.clock }).start();
    const err = thrown(() => kernel.advance(1));
    expect(err).toBeInstanceOf(LivelockError);
    expect((err as Error).message).toMatch(/more than 100 events at t=0ms/);
    actor.stop();
    expect(kernel.pending.timers).toBe(0);
    let fired = false;
    kernel.setTimer(() => (fired = true), 5);
    kernel.advance(5);
    expect(fired).toBe(true);
  });

  it('runUntilIdle throws LivelockError when the network never goes idle', () => {
    const kernel = new Kernel({ seed: 1 });
    kernel.register('echo', { send: () => kernel.send('echo', 'echo', { type: 'again' }) });
    kernel.send('a', 'echo', { type: 'again' });
    expect(() => kernel.runUntilIdle({ maxEvents: 1000 })).toThrow(LivelockError);
    expect(kernel.pending.messages).toBe(1);
  });
});
