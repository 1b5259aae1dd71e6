/**
 * Kernel benchmark.
 *
 * 1. Message throughput: a ball passed back and forth between two XState actors through the
 *    kernel's simulated network (every hop is queued on the agenda, routed with latency and
 *    jitter, traced and delivered one at a time), beside the same number of events passed between
 *    two XState actors in one process with `sendTo` (XState's own synchronous delivery). XState's
 *    delivery recurses into the receiver, so the direct variant is driven in rallies of `rally`
 *    hops from an outer loop (a long rally overflows the stack). Both variants count every event
 *    an actor receives, the outer loop's kick included, and run the same machine.
 * 2. Timers: 10,000 XState actors, each re-entering its state on a periodic `after` of a random
 *    1-60 s, advanced through one virtual hour.
 *
 * Run it with `npx tsx src/bench/kernel.ts`. Figures are wall-clock and vary from run to run;
 * nothing here asserts on timing.
 */
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { assign, createActor, sendTo, setup, type AnyActorRef } from 'xstate';
import { Kernel } from '../kernel/kernel.js';

/** Sizes of the benchmark. */
export interface KernelBenchOptions {
  /** Events passed between the two ping-pong actors, in each variant. Default 200,000. */
  messages?: number;
  /** Hops per rally in the direct (`sendTo`) variant. Default 100. */
  rally?: number;
  /** Actors with a periodic timer. Default 10,000. */
  timerActors?: number;
  /** Virtual time to advance the timer actors through (ms). Default one hour. */
  virtualMs?: number;
  /** Shortest and longest timer period (ms). Default 1,000 and 60,000. */
  periodMs?: [number, number];
  /** Kernel seed. Default 1. */
  seed?: number;
  /** Events run through each ping-pong variant before measuring, to warm the JIT. Default 10% of `messages`. */
  warmup?: number;
}

/** One line of the benchmark's table. */
export interface KernelBenchResult {
  /** What was measured. */
  name: string;
  /** How many things were counted (events received, timers fired). */
  count: number;
  /** What `count` counts. */
  unit: 'events' | 'timers';
  /** Wall-clock time of the measured part (ms). */
  wallMs: number;
  /** `count` per wall-clock second. */
  perSecond: number;
  /** Kernel throughput divided by the direct `sendTo` throughput (only on the kernel line). */
  ratio?: number;
  /** Further figures: sizes, what the kernel recorded. */
  details: Record<string, number | string>;
}

// ---- the ping-pong machine, in two flavours ------------------------------------------------

type Ball = { type: 'ball'; left: number };

interface PlayerContext {
  received: number;
  /** Kernel flavour: how to hit the ball back. */
  hit?: (left: number) => void;
  /** Direct flavour: the other player (set once both exist). */
  peer?: { ref?: AnyActorRef };
}

const playerSetup = setup({
  types: {
    context: {} as PlayerContext,
    events: {} as Ball,
    input: {} as Omit<PlayerContext, 'received'>,
  },
  actions: {
    receive: assign({ received: ({ context }) => context.received + 1 }),
    hitThroughKernel: ({ context, event }) => context.hit!(event.left - 1),
    hitDirect: sendTo(({ context }) => context.peer!.ref!, ({ event }) => ({ type: 'ball' as const, left: event.left - 1 })),
  },
  guards: {
    more: ({ event }) => event.left > 0,
  },
});

/** Receives the ball and, while hops are left, hits it back through the kernel. */
const kernelPlayer = playerSetup.createMachine({
  id: 'kernelPlayer',
  context: ({ input }) => ({ ...input, received: 0 }),
  on: { ball: [{ guard: 'more', actions: ['receive', 'hitThroughKernel'] }, { actions: 'receive' }] },
});

/** The same, hitting it back with XState's `sendTo`. */
const directPlayer = playerSetup.createMachine({
  id: 'directPlayer',
  context: ({ input }) => ({ ...input, received: 0 }),
  on: { ball: [{ guard: 'more', actions: ['receive', 'hitDirect'] }, { actions: 'receive' }] },
});

function pingPongThroughKernel(messages: number, seed: number): { wallMs: number; received: number; kernel: Kernel } {
  const kernel = new Kernel({ seed });
  const a = createActor(kernelPlayer, { clock: kernel.clock, input: { hit: (left) => kernel.send('ping', 'pong', { type: 'ball', left } as Ball) } });
  const b = createActor(kernelPlayer, { clock: kernel.clock, input: { hit: (left) => kernel.send('pong', 'ping', { type: 'ball', left } as Ball) } });
  kernel.register('ping', a.start(), { host: 'node-a' });
  kernel.register('pong', b.start(), { host: 'node-b' });
  const start = performance.now();
  kernel.send('bench', 'ping', { type: 'ball', left: messages - 1 } as Ball);
  kernel.runUntilIdle();
  const wallMs = performance.now() - start;
  const received = a.getSnapshot().context.received + b.getSnapshot().context.received;
  a.stop();
  b.stop();
  return { wallMs, received, kernel };
}

function pingPongDirect(messages: number, rally: number): { wallMs: number; received: number; rallies: number } {
  const peerOfA: { ref?: AnyActorRef } = {};
  const peerOfB: { ref?: AnyActorRef } = {};
  const a = createActor(directPlayer, { input: { peer: peerOfA } }).start();
  const b = createActor(directPlayer, { input: { peer: peerOfB } }).start();
  peerOfA.ref = b;
  peerOfB.ref = a;
  let rallies = 0;
  const start = performance.now();
  for (let served = 0; served < messages; served += rally) {
    // each rally is `hops` events: the kick from this loop, then hops-1 sendTo's back and forth
    const hops = Math.min(rally, messages - served);
    (rallies % 2 === 0 ? a : b).send({ type: 'ball', left: hops - 1 });
    rallies++;
  }
  const wallMs = performance.now() - start;
  const received = a.getSnapshot().context.received + b.getSnapshot().context.received;
  for (const actor of [a, b]) {
    if (actor.getSnapshot().status === 'error') throw new Error(`direct ping-pong actor failed: ${String(actor.getSnapshot().error)}`);
    actor.stop();
  }
  return { wallMs, received, rallies };
}

// ---- the timer machine ---------------------------------------------------------------------

const periodic = setup({
  types: {
    context: {} as { period: number; ticks: number },
    input: {} as { period: number },
  },
  actions: { tick: assign({ ticks: ({ context }) => context.ticks + 1 }) },
  delays: { period: ({ context }) => context.period },
}).createMachine({
  id: 'periodic',
  context: ({ input }) => ({ period: input.period, ticks: 0 }),
  initial: 'waiting',
  states: {
    waiting: { after: { period: { target: 'waiting', reenter: true, actions: 'tick' } } },
  },
});

function timers(actorsCount: number, virtualMs: number, [minPeriod, maxPeriod]: [number, number], seed: number) {
  const kernel = new Kernel({ seed });
  const rng = kernel.fork('bench');
  const setupStart = performance.now();
  const actors = [];
  let expected = 0;
  for (let i = 0; i < actorsCount; i++) {
    const period = minPeriod + rng.int(maxPeriod - minPeriod + 1);
    expected += Math.floor(virtualMs / period);
    actors.push(createActor(periodic, { clock: kernel.clock, input: { period } }).start());
  }
  const setupMs = performance.now() - setupStart;
  const pendingBefore = kernel.pending.timers;
  const start = performance.now();
  kernel.advance(virtualMs);
  const wallMs = performance.now() - start;
  let ticks = 0;
  let wrong = 0;
  for (const actor of actors) {
    const { period, ticks: n } = actor.getSnapshot().context;
    ticks += n;
    if (n !== Math.floor(virtualMs / period)) wrong++;
  }
  const pendingAfter = kernel.pending.timers;
  for (const actor of actors) actor.stop();
  return { wallMs, setupMs, fired: kernel.stats.timersFired, expected, ticks, wrong, pendingBefore, pendingAfter };
}

// ---- the benchmark -------------------------------------------------------------------------

/** Runs the kernel benchmark and returns one result per measured line. */
export async function benchKernel(options: KernelBenchOptions = {}): Promise<KernelBenchResult[]> {
  const messages = options.messages ?? 200_000;
  const rally = options.rally ?? 100;
  const timerActors = options.timerActors ?? 10_000;
  const virtualMs = options.virtualMs ?? 60 * 60 * 1000;
  const periodMs = options.periodMs ?? [1000, 60_000];
  const seed = options.seed ?? 1;
  const warmup = options.warmup ?? Math.ceil(messages / 10);
  if (!Number.isInteger(messages) || messages < 1) throw new RangeError(`messages must be a positive integer; got ${messages}`);
  if (!Number.isInteger(rally) || rally < 1) throw new RangeError(`rally must be a positive integer; got ${rally}`);

  if (warmup > 0) {
    pingPongDirect(warmup, rally);
    pingPongThroughKernel(warmup, seed);
  }
  const direct = pingPongDirect(messages, rally);
  await Promise.resolve();
  const viaKernel = pingPongThroughKernel(messages, seed);
  const directRate = (direct.received / direct.wallMs) * 1000;
  const kernelRate = (viaKernel.received / viaKernel.wallMs) * 1000;
  await Promise.resolve();
  const t = timers(timerActors, virtualMs, periodMs, seed);

  return [
    {
      name: 'direct actor.send / sendTo (same process)',
      count: direct.received,
      unit: 'events',
      wallMs: direct.wallMs,
      perSecond: directRate,
      details: { messages, rally, rallies: direct.rallies },
    },
    {
      name: 'through the kernel network',
      count: viaKernel.received,
      unit: 'events',
      wallMs: viaKernel.wallMs,
      perSecond: kernelRate,
      ratio: kernelRate / directRate,
      details: {
        messages,
        delivered: viaKernel.kernel.stats.delivered,
        dropped: viaKernel.kernel.stats.dropped,
        traceEntries: viaKernel.kernel.trace.total,
        virtualMs: viaKernel.kernel.now(),
      },
    },
    {
      name: `timers: ${timerActors} actors, ${virtualMs / 1000} virtual s`,
      count: t.fired,
      unit: 'timers',
      wallMs: t.wallMs,
      perSecond: (t.fired / t.wallMs) * 1000,
      details: {
        actors: timerActors,
        virtualMs,
        expectedFired: t.expected,
        ticks: t.ticks,
        actorsWithWrongTicks: t.wrong,
        pendingBefore: t.pendingBefore,
        pendingAfter: t.pendingAfter,
        setupMs: Math.round(t.setupMs),
      },
    },
  ];
}

/** The results as a printable table. */
export function formatKernelBench(results: KernelBenchResult[]): string {
  const require = createRequire(import.meta.url);
  const xstateVersion = (require('xstate/package.json') as { version: string }).version;
  const rows = [['benchmark', 'count', 'wall ms', 'per second', 'ratio']];
  for (const r of results) {
    rows.push([
      r.name,
      `${r.count.toLocaleString('en-US')} ${r.unit}`,
      r.wallMs.toFixed(1),
      Math.round(r.perSecond).toLocaleString('en-US'),
      r.ratio === undefined ? '' : `${r.ratio.toFixed(2)} (target >= 0.5)`,
    ]);
  }
  const widths = rows[0]!.map((_, c) => Math.max(...rows.map((row) => row[c]!.length)));
  const line = (row: string[]) => row.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  const out = [`Node ${process.version}, xstate ${xstateVersion}, ${process.platform}/${process.arch}`, '', line(rows[0]!), widths.map((w) => '-'.repeat(w)).join('  ')];
  for (const row of rows.slice(1)) out.push(line(row));
  out.push('');
  for (const r of results) out.push(`${r.name}: ${Object.entries(r.details).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  return out.join('\n');
}

function parseArgs(argv: string[]): KernelBenchOptions {
  const options: KernelBenchOptions = {};
  for (const arg of argv) {
    const m = /^--(messages|rally|timer-actors|virtual-ms|seed)=(\d+)$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}; use --messages=N --rally=N --timer-actors=N --virtual-ms=N --seed=N`);
    const n = Number(m[2]);
    if (m[1] === 'messages') options.messages = n;
    else if (m[1] === 'rally') options.rally = n;
    else if (m[1] === 'timer-actors') options.timerActors = n;
    else if (m[1] === 'virtual-ms') options.virtualMs = n;
    else options.seed = n;
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchKernel(parseArgs(process.argv.slice(2)))
    .then((results) => console.log(formatKernelBench(results)))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
