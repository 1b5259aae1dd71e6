/** The clock interface XState's `createActor(logic, { clock })` takes. */
export interface Clock {
  setTimeout(fn: (...args: any[]) => void, timeout: number): any;
  clearTimeout(id: any): void;
}
import { Agenda, type Scheduled } from './queue.js';
import { InvalidDelayError, KernelStoppedError, LivelockError, UnknownAddressError } from './errors.js';
import { Network, type NetworkOptions } from './network.js';
import { Rng, normalizeSeed } from './rng.js';
import { Trace, type Summarizer, type TraceEntry, type TraceOptions } from './trace.js';

/** Anything the network can deliver to: an XState actor, or any object with `send`. */
export interface Deliverable {
  send(event: any): void;
  /** An actor's snapshot: a message to an actor that failed or stopped is dropped (`not running`), as a dead process refuses connections. */
  getSnapshot?(): { status?: string };
}

/** An event as the network carries it: XState's `{ type, ...payload }`. */
export interface KernelEvent {
  readonly type: string;
}

/** Options of a kernel. */
export interface KernelOptions {
  /** The root seed. Every random choice of the run derives from it. Default 1. */
  seed?: number | string;
  /** Latency, jitter and faults of the simulated network. */
  network?: NetworkOptions;
  /** How much of the message trace to keep. */
  trace?: TraceOptions;
  /** Turns an event into the short summary the trace shows. */
  summarize?: Summarizer;
  /** Wall-clock time (ms since 1970) of virtual time 0, for Kubernetes timestamps. Default 2026-01-01T00:00:00Z. */
  epoch?: number;
  /** How many things may happen at one instant before the kernel calls it a livelock. Default 5,000,000. */
  maxEventsPerInstant?: number;
}

/** Options of `runUntil`. */
export interface RunUntilOptions {
  /** Give up after this much virtual time (ms). Default: one virtual day. */
  timeout?: number;
}

/** An error thrown by an actor while the kernel delivered to it. */
export interface ActorErrorReport {
  time: number;
  address: string;
  error: unknown;
  /**
   * The message being delivered when the error happened (its trace number, sender and type), if
   * it happened during a delivery; a timer's or the host's call otherwise.
   */
  message?: { msg: number; from: string; to: string; type: string };
}

/**
 * One line about an actor error: `api-server failed at t=427.688ms delivering #812 api.request
 * from gateway/admin: RangeError: Maximum call stack size exceeded`.
 */
export function describeActorError(report: ActorErrorReport): string {
  const m = report.message;
  const during = m ? ` delivering #${m.msg} ${m.type} from ${m.from}` : '';
  return `${report.address} failed at t=${report.time}ms${during}: ${errorMessage(report.error)}`;
}

/** The text of an actor error: `RangeError: Maximum call stack size exceeded`. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

interface TimerEntry extends Scheduled {
  kind: 'timer';
  fn: () => void;
  flow: string | undefined;
}

interface MessageEntry extends Scheduled {
  kind: 'message';
  msg: number;
  sent: number;
  from: string;
  to: string;
  fromHost: string;
  toHost: string;
  event: KernelEvent;
  flow: string | undefined;
  duplicate: boolean;
}

type Entry = TimerEntry | MessageEntry;

interface Registration {
  target: Deliverable;
  host: string;
}

/** The default wall-clock time of virtual time 0. */
export const DEFAULT_EPOCH = Date.UTC(2026, 0, 1);

const ONE_DAY = 24 * 60 * 60 * 1000;

/**
 * The deterministic simulation kernel: a virtual clock, seeded randomness and a simulated
 * network, all driven by one agenda ordered by (time, sequence). Nothing happens unless the
 * kernel is run (`step`, `advance`, `runUntilIdle`, `runUntil`), so hours of cluster time pass
 * in milliseconds and every run replays exactly from its seed.
 *
 * @example
 * const kernel = new Kernel({ seed: 7 });
 * const actor = createActor(machine, { clock: kernel.clock });
 * kernel.register('etcd', actor);
 * kernel.send('api-server', 'etcd', { type: 'etcd.get', key: '/registry/pods/default/x' });
 * kernel.runUntilIdle();
 */
export class Kernel {
  /** The root seed (unsigned 32-bit). */
  readonly seed: number;
  /** The root generator; subsystems use `fork(name)`. */
  readonly rng: Rng;
  /** The simulated network (latency, loss, partitions). */
  readonly network: Network;
  /** Every delivered or dropped message. */
  readonly trace: Trace;
  /** The clock to hand to XState: `createActor(machine, { clock: kernel.clock })`. */
  readonly clock: Clock;
  /** Wall-clock time of virtual time 0. */
  readonly epoch: number;
  /** Errors actors threw while the kernel delivered to them. */
  readonly errors: ActorErrorReport[] = [];
  private readonly errorListeners = new Set<(report: ActorErrorReport) => void>();

  private time = 0;
  private seq = 0;
  private msgSeq = 0;
  private readonly agenda = new Agenda<Entry>();
  private readonly registry = new Map<string, Registration>();
  private readonly summarize: Summarizer;
  private readonly maxPerInstant: number;
  private pendingMessages = 0;
  private pendingTimers = 0;
  private instant = -1;
  private atInstant = 0;
  private flow: string | undefined;
  /** The message being delivered right now (errors reported meanwhile name it). */
  private delivering: ActorErrorReport['message'];
  private isStopped = false;
  private readonly forks = new Map<string, Rng>();
  private readonly objectFlows = new Map<string, string>();
  private readonly incarnations = new Map<string, number>();
  /** Counters: messages delivered and dropped, timers fired. */
  readonly stats = { delivered: 0, dropped: 0, timersFired: 0 };

  constructor(options: KernelOptions = {}) {
    this.seed = normalizeSeed(options.seed ?? 1);
    this.rng = new Rng(this.seed);
    this.network = new Network(this.fork('network'), options.network);
    this.summarize = options.summarize ?? defaultSummarize;
    this.trace = new Trace(options.trace, this.summarize);
    this.epoch = options.epoch ?? DEFAULT_EPOCH;
    this.maxPerInstant = options.maxEventsPerInstant ?? 5_000_000;
    this.clock = {
      setTimeout: (fn: (...args: any[]) => void, timeout: number) => this.setTimer(fn, timeout),
      clearTimeout: (id: unknown) => this.clearTimer(id),
    };
  }

  /** Current virtual time in ms. */
  now(): number {
    return this.time;
  }

  /** Virtual time (now, or `offsetMs` from now) as a Kubernetes timestamp (`2026-01-01T00:00:05Z`). */
  timestamp(offsetMs = 0): string {
    const second = Math.floor((this.time + offsetMs) / 1000);
    // many objects are stamped in the same second: they share one string
    if (second !== this.stampSecond) {
      this.stampSecond = second;
      this.stamp = new Date(this.epoch + second * 1000).toISOString().replace('.000Z', 'Z');
    }
    return this.stamp;
  }
  private stampSecond = NaN;
  private stamp = '';

  /** The virtual time (ms) of a Kubernetes timestamp. */
  timeOf(timestamp: string): number {
    return Date.parse(timestamp) - this.epoch;
  }

  /** The generator of a subsystem (`network`, `scheduler`, `workload`, `faults`, `uids`, ...); the same name gives the same generator. */
  fork(name: string): Rng {
    let rng = this.forks.get(name);
    if (!rng) {
      rng = this.rng.fork(name);
      this.forks.set(name, rng);
    }
    return rng;
  }

  /** True once `stop()` was called. */
  get stopped(): boolean {
    return this.isStopped;
  }

  /** How much is waiting: messages in flight and timers armed. */
  get pending(): { messages: number; timers: number } {
    return { messages: this.pendingMessages, timers: this.pendingTimers };
  }

  /** The flow (request) the kernel is delivering for right now, if any. */
  get currentFlow(): string | undefined {
    return this.flow;
  }

  /**
   * Remembers that an object (by uid) was created in the current flow, so that components acting
   * on it later (a scheduler popping it from its queue, a controller syncing it) can carry on the
   * same flow: the flow of a `kubectl create` then covers the scheduling and the start on a node.
   */
  tagObject(uid: string | undefined): void {
    if (uid && this.flow !== undefined && !this.objectFlows.has(uid)) this.objectFlows.set(uid, this.flow);
  }

  /** The flow an object was created in (see `tagObject`). */
  flowOfObject(uid: string | undefined): string | undefined {
    return uid ? this.objectFlows.get(uid) : undefined;
  }

  /**
   * How many times `incarnation(name)` was asked before for this name: 0, 1, 2, ... A component
   * that restarts uses it to keep its request ids from repeating those of its previous life.
   */
  incarnation(name: string): number {
    const n = this.incarnations.get(name) ?? 0;
    this.incarnations.set(name, n + 1);
    return n;
  }

  /** Runs `fn` with `flow` as the current flow: messages and timers it starts belong to that flow. */
  withFlow<T>(flow: string | undefined, fn: () => T): T {
    const previous = this.flow;
    this.flow = flow;
    try {
      return fn();
    } finally {
      this.flow = previous;
    }
  }

  // ---- addresses ------------------------------------------------------------------------

  /**
   * Puts an actor on the network under its canonical name. `host` says which machine it runs on
   * (partitions cut hosts apart); by default the address is its own host.
   */
  register(address: string, target: Deliverable, options: { host?: string; replace?: boolean } = {}): void {
    if (typeof address !== 'string' || address.length === 0) throw new TypeError(`actor address must be a non-empty string; got ${String(address)}`);
    if (!target || typeof target.send !== 'function') throw new TypeError(`actor "${address}" must have a send(event) method`);
    if (this.registry.has(address) && !options.replace) throw new RangeError(`actor address "${address}" is already registered`);
    this.registry.set(address, { target, host: options.host ?? address });
  }

  /** Takes an address off the network; messages still in flight to it are dropped as unreachable. */
  unregister(address: string): void {
    this.registry.delete(address);
  }

  /** True when the address is registered. */
  has(address: string): boolean {
    return this.registry.has(address);
  }

  /** What is registered at an address (an XState actor for the cluster's components). */
  target(address: string): Deliverable | undefined {
    return this.registry.get(address)?.target;
  }

  /** The host an address runs on. */
  hostOf(address: string): string | undefined {
    return this.registry.get(address)?.host;
  }

  /** Every registered address, sorted. */
  addresses(): string[] {
    return [...this.registry.keys()].sort();
  }

  // ---- messages -------------------------------------------------------------------------

  /**
   * Sends `event` from one component to another through the simulated network. It arrives after
   * the link's latency, unless the network drops it. Throws when the kernel is stopped or the
   * destination is unknown (nothing is scheduled then).
   */
  send<E extends KernelEvent>(from: string, to: string, event: E, options: { flow?: string } = {}): void {
    const type = event && typeof event === 'object' ? String(event.type) : typeof event;
    if (this.isStopped) throw new KernelStoppedError(`${from} sent ${type} to ${to} after the kernel stopped (t=${this.time}ms)`);
    if (!event || typeof event !== 'object' || typeof event.type !== 'string') {
      throw new TypeError(`${from} sent a message to ${to} that is not an event object with a string type: ${String(event)}`);
    }
    const dest = this.registry.get(to);
    if (!dest) throw new UnknownAddressError(to, from, type);
    const fromHost = this.registry.get(from)?.host ?? from;
    const msg = this.msgSeq++;
    const flow = options.flow ?? this.flow;
    const routing = this.network.route(this.time, fromHost, dest.host, `${from}\u0000${to}`);
    if (routing.dropped) {
      this.recordDrop(msg, this.time, from, to, event, routing.dropped, flow, false);
      return;
    }
    for (let i = 0; i < routing.deliverAt.length; i++) {
      this.agenda.push({
        kind: 'message',
        time: routing.deliverAt[i]!,
        seq: this.seq++,
        cancelled: false,
        msg,
        sent: this.time,
        from,
        to,
        fromHost,
        toHost: dest.host,
        event,
        flow,
        duplicate: i > 0,
      });
      this.pendingMessages++;
    }
  }

  /**
   * Like `send`, for use inside actors: a destination that is not (or no longer) registered is
   * recorded in the trace as dropped (`unknown address`) instead of throwing into the actor, the
   * way a real network refuses a connection. Returns whether the message went out.
   */
  trySend<E extends KernelEvent>(from: string, to: string, event: E, options: { flow?: string } = {}): boolean {
    if (!this.isStopped && !this.registry.has(to) && event && typeof event.type === 'string') {
      this.recordDrop(this.msgSeq++, this.time, from, to, event, 'unknown address', options.flow ?? this.flow, false);
      return false;
    }
    this.send(from, to, event, options);
    return true;
  }

  /**
   * Delivers an event from outside the simulated network right now (a fault injected by the
   * operator, a command typed by the user): it is recorded in the trace like a message, with
   * `reason: 'injected'`, but no latency, loss or partition applies.
   */
  inject<E extends KernelEvent>(from: string, to: string, event: E): void {
    if (this.isStopped) throw new KernelStoppedError(`${from} injected ${event.type} into ${to} after the kernel stopped (t=${this.time}ms)`);
    const dest = this.registry.get(to);
    if (!dest) throw new UnknownAddressError(to, from, event.type);
    this.stats.delivered++;
    const msg = this.msgSeq++;
    this.trace.record(this.time, this.time, msg, from, to, event.type, this.summarize(event), 'delivered', 'injected', false, this.flow, event);
    this.sendTo(dest.target, { msg, from, to, type: event.type }, event);
  }

  // ---- timers ---------------------------------------------------------------------------

  /**
   * Arms a timer `ms` from now. Timers due at the same instant fire in creation order.
   * @returns an id for `clearTimer`.
   */
  setTimer(fn: () => void, ms: number): unknown {
    if (typeof fn !== 'function') throw new TypeError(`timer callback must be a function; got ${typeof fn}`);
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new InvalidDelayError('timer delay', ms);
    const entry: TimerEntry = { kind: 'timer', time: this.time + ms, seq: this.seq++, cancelled: false, fn, flow: this.flow };
    if (this.isStopped) {
      entry.cancelled = true;
      return entry;
    }
    this.agenda.push(entry);
    this.pendingTimers++;
    return entry;
  }

  /** Cancels a timer; cancelling one that fired or was cancelled does nothing. */
  clearTimer(id: unknown): void {
    const entry = id as TimerEntry | undefined;
    if (!entry || entry.kind !== 'timer' || entry.cancelled) return;
    entry.cancelled = true;
    // after stop() the agenda and the count were already cleared
    if (!this.isStopped) this.pendingTimers--;
  }

  // ---- running --------------------------------------------------------------------------

  /**
   * Does the next thing on the agenda (deliver one message or fire one timer), moving the clock
   * to its time. Returns what happened, or undefined when nothing is scheduled.
   */
  step(): { kind: 'message' | 'timer'; time: number } | undefined {
    const next = this.agenda.peek();
    if (!next) return undefined;
    this.process(next);
    return { kind: next.kind, time: next.time };
  }

  /** Delivers messages and fires timers until the next message has been delivered (for "step one message"). */
  stepMessage(): TraceEntry | undefined {
    for (;;) {
      const next = this.agenda.peek();
      if (!next) return undefined;
      const before = this.trace.total;
      this.process(next);
      if (next.kind === 'message') {
        // the message's own entry is the first one recorded while processing it (the target may
        // record more, e.g. a drop of something it sent)
        const entry = this.trace.total > before ? this.trace.since(before)[0] : undefined;
        return entry?.seq === before ? entry : undefined;
      }
    }
  }

  /** Moves virtual time forward by `ms`, delivering and firing everything due on the way, in order. */
  advance(ms: number): void {
    if (typeof ms !== 'number' || !Number.isFinite(ms) || ms < 0) throw new InvalidDelayError('advance(ms)', ms);
    this.advanceTo(this.time + ms);
  }

  /** Moves virtual time to `time` (not backwards), processing everything due until then. */
  advanceTo(time: number): void {
    if (typeof time !== 'number' || !Number.isFinite(time) || time < this.time) throw new InvalidDelayError('advanceTo(time)', time);
    for (;;) {
      const next = this.agenda.peek();
      if (!next || next.time > time) break;
      this.process(next);
    }
    this.time = time;
  }

  /**
   * Runs until no message is in flight (timers still armed wait for later), firing timers that
   * come due before the last message lands. Returns how many things were processed.
   */
  runUntilIdle(options: { maxEvents?: number } = {}): number {
    const max = options.maxEvents ?? 50_000_000;
    let n = 0;
    for (;;) {
      const next = this.agenda.peek();
      if (!next) break;
      if (this.pendingMessages === 0 && next.time > this.time) break;
      if (n++ >= max) throw new LivelockError(`runUntilIdle processed ${max} events without the network going idle (t=${this.time}ms)`);
      this.process(next);
    }
    return n;
  }

  /**
   * Runs until `predicate()` holds, checking after every delivered message or fired timer.
   * Gives up when the virtual time would pass `timeout` (default one day) and returns false,
   * with the clock at the deadline.
   */
  runUntil(predicate: () => boolean, options: RunUntilOptions = {}): boolean {
    const timeout = options.timeout ?? ONE_DAY;
    if (typeof timeout !== 'number' || Number.isNaN(timeout) || timeout < 0) throw new InvalidDelayError('runUntil timeout', timeout);
    const deadline = this.time + timeout;
    if (predicate()) return true;
    for (;;) {
      const next = this.agenda.peek();
      if (!next || next.time > deadline) {
        if (Number.isFinite(deadline)) this.time = Math.max(this.time, deadline);
        return predicate();
      }
      this.process(next);
      if (predicate()) return true;
    }
  }

  /** Stops the kernel: nothing more is delivered or fired, and sending throws. The trace stays readable. */
  stop(): void {
    this.isStopped = true;
    this.agenda.clear();
    this.pendingMessages = 0;
    this.pendingTimers = 0;
    this.trace.complete();
  }

  // ---- internals ------------------------------------------------------------------------

  private process(entry: Entry): void {
    this.agenda.pop();
    if (entry.time !== this.instant) {
      this.instant = entry.time;
      this.atInstant = 0;
    } else if (++this.atInstant > this.maxPerInstant) {
      const what = entry.kind === 'message' ? `${entry.from} -> ${entry.to} ${entry.event.type}` : 'a timer';
      throw new LivelockError(`more than ${this.maxPerInstant} events at t=${entry.time}ms without time moving; the last was ${what}`);
    }
    if (entry.time > this.time) this.time = entry.time;
    const previous = this.flow;
    this.flow = entry.flow;
    try {
      if (entry.kind === 'timer') {
        this.pendingTimers--;
        entry.cancelled = true;
        this.stats.timersFired++;
        entry.fn();
      } else {
        this.pendingMessages--;
        this.deliver(entry);
      }
    } finally {
      this.flow = previous;
    }
  }

  private deliver(entry: MessageEntry): void {
    const dest = this.registry.get(entry.to);
    if (!dest) {
      this.recordDrop(entry.msg, entry.sent, entry.from, entry.to, entry.event, 'unreachable', entry.flow, entry.duplicate);
      return;
    }
    if (this.network.isCut(entry.fromHost, dest.host)) {
      this.recordDrop(entry.msg, entry.sent, entry.from, entry.to, entry.event, 'partition', entry.flow, entry.duplicate);
      return;
    }
    const status = dest.target.getSnapshot?.().status;
    if (status !== undefined && status !== 'active') {
      this.recordDrop(entry.msg, entry.sent, entry.from, entry.to, entry.event, 'not running', entry.flow, entry.duplicate);
      return;
    }
    this.stats.delivered++;
    if (!this.trace.wanted) this.trace.skip();
    else this.trace.record(this.time, entry.sent, entry.msg, entry.from, entry.to, entry.event.type, undefined, 'delivered', undefined, entry.duplicate, entry.flow, entry.event);
    this.sendTo(dest.target, { msg: entry.msg, from: entry.from, to: entry.to, type: entry.event.type }, entry.event);
  }

  /** Hands an event to its target; an error it throws, or reports meanwhile, names the message. */
  private sendTo(target: Deliverable, message: NonNullable<ActorErrorReport['message']>, event: KernelEvent): void {
    const outer = this.delivering;
    this.delivering = message;
    try {
      target.send(event);
    } catch (error) {
      this.recordError(message.to, error);
    } finally {
      this.delivering = outer;
    }
  }

  private recordDrop(
    msg: number,
    sent: number,
    from: string,
    to: string,
    event: KernelEvent,
    reason: string,
    flow: string | undefined,
    duplicate: boolean,
  ): void {
    this.stats.dropped++;
    this.trace.record(this.time, sent, msg, from, to, event.type, this.summarize(event), 'dropped', reason, duplicate, flow, event);
  }

  /** @internal Records an error an actor reported (the cluster subscribes actors' error channels here). */
  reportError(address: string, error: unknown): void {
    this.recordError(address, error);
  }

  /**
   * Calls `listener` with every actor error from now on (as it is recorded in `errors`): the
   * server logs them, the inspector shows them. Returns the unsubscribe function.
   */
  onError(listener: (report: ActorErrorReport) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  private recordError(address: string, error: unknown): void {
    const report: ActorErrorReport = { time: this.time, address, error, ...(this.delivering ? { message: this.delivering } : {}) };
    this.errors.push(report);
    for (const l of this.errorListeners) l(report);
  }
}

/** The summary the trace shows when no protocol-aware summarizer is given. */
export function defaultSummarize(event: KernelEvent): string {
  const record = event as unknown as Record<string, unknown>;
  if (typeof record.summary === 'string') return record.summary;
  const parts: string[] = [];
  for (const key of Object.keys(record)) {
    if (key === 'type') continue;
    const value = record[key];
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') parts.push(`${key}=${value}`);
    if (parts.length === 4) break;
  }
  return parts.join(' ');
}
