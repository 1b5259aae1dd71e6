/**
 * client-go's rate-limited delaying work queue (`util/workqueue`: `Type`, `delayingType`,
 * `rateLimitingType` with the default controller rate limiter's exponential part), on virtual time.
 * Every controller drains one; its informer handlers only add keys to it.
 */
import { Agenda, type Scheduled } from '../../src/kernel/queue.js';

/** First retry delay of a failing key (client-go `DefaultControllerRateLimiter`: 5 ms). */
const DEFAULT_BASE_DELAY_MS = 5;
/** Longest retry delay of a failing key (client-go: 1000 s). */
const DEFAULT_MAX_DELAY_MS = 1_000_000;
/**
 * Consumed slots at the head of the ring before it is compacted. The ring is an unbounded FIFO
 * that forgets nothing (every queued key is processed); the kernel's trace (src/kernel/trace.ts) is
 * a different ring, bounded, that overwrites its oldest entries, so the two do not share code.
 */
const COMPACT_AFTER = 1024;

/** A key waiting for its time (an entry of the delaying queue's heap). */
interface Waiting extends Scheduled {
  readonly key: string;
}

/**
 * client-go's rate-limited delaying work queue, on virtual time:
 *
 * - `add`: a key is queued once however often it is added (dirty set); a key being processed is
 *   only marked dirty and queued again by `done`;
 * - `addAfter`: the key waits until a time (the earliest of several waits wins), then is added;
 * - `addRateLimited`: waits `base × 2^failures` (capped), counting a failure; `forget` resets it.
 *
 * Order is FIFO for queued keys and (time, insertion) for waiting ones: no unordered iteration.
 * The waiting keys are on the kernel's own heap ({@link Agenda}); a wait superseded by an earlier
 * one is cancelled there.
 */
export class WorkQueue {
  private ring: (string | undefined)[] = [];
  private head = 0;
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly waiting = new Map<string, Waiting>();
  private readonly agenda = new Agenda<Waiting>();
  private seq = 0;
  private readonly failures = new Map<string, number>();

  constructor(
    /** First back-off of a failing key, ms. */
    readonly baseDelayMs = DEFAULT_BASE_DELAY_MS,
    /** Back-off ceiling, ms. */
    readonly maxDelayMs = DEFAULT_MAX_DELAY_MS,
  ) {}

  /** Keys queued and not being processed. */
  get length(): number {
    return this.ring.length - this.head;
  }

  /** Keys waiting for a later time. */
  get waitingCount(): number {
    return this.waiting.size;
  }

  /** Queues a key (once: adding a queued key does nothing; a key being processed is queued again when done). */
  add(key: string): void {
    if (this.dirty.has(key)) return;
    this.dirty.add(key);
    if (this.processing.has(key)) return;
    this.ring.push(key);
  }

  /** Takes the next key for processing; undefined when none is queued. */
  get(): string | undefined {
    if (this.head >= this.ring.length) return undefined;
    const key = this.ring[this.head]!;
    this.ring[this.head++] = undefined;
    if (this.head > COMPACT_AFTER && this.head * 2 > this.ring.length) {
      this.ring = this.ring.slice(this.head);
      this.head = 0;
    }
    this.processing.add(key);
    this.dirty.delete(key);
    return key;
  }

  /** Ends the processing of a key; queues it again when it was added meanwhile. */
  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.ring.push(key);
  }

  /** Adds a key `delayMs` after `now` (at once for 0 or less); an earlier wait for the key is kept. */
  addAfter(key: string, delayMs: number, now: number): void {
    if (!(delayMs > 0)) {
      this.add(key);
      return;
    }
    const time = now + delayMs;
    const current = this.waiting.get(key);
    if (current !== undefined) {
      if (current.time <= time) return;
      current.cancelled = true;
    }
    const entry: Waiting = { time, seq: this.seq++, cancelled: false, key };
    this.waiting.set(key, entry);
    this.agenda.push(entry);
  }

  /** Adds a key after its back-off (counting a failure); returns the delay chosen. */
  addRateLimited(key: string, now: number): number {
    const delay = this.when(key);
    this.addAfter(key, delay, now);
    return delay;
  }

  /** The next back-off of a key, counting a failure: base × 2^failures, capped. */
  when(key: string): number {
    const exp = this.failures.get(key) ?? 0;
    this.failures.set(key, exp + 1);
    return Math.min(this.baseDelayMs * 2 ** exp, this.maxDelayMs);
  }

  /** Forgets a key's failures (after a successful sync). */
  forget(key: string): void {
    this.failures.delete(key);
  }

  /** How many times a key has failed in a row. */
  numRequeues(key: string): number {
    return this.failures.get(key) ?? 0;
  }

  /** True when the key is queued, being processed or waiting. */
  has(key: string): boolean {
    return this.dirty.has(key) || this.processing.has(key) || this.waiting.has(key);
  }

  /** The time the next waiting key is due, or undefined. */
  nextReadyAt(): number | undefined {
    return this.agenda.peek()?.time;
  }

  /** Adds every waiting key that is due at `now`; returns how many. */
  promote(now: number): number {
    let n = 0;
    for (;;) {
      const top = this.agenda.peek();
      if (!top || top.time > now) return n;
      this.agenda.pop();
      this.waiting.delete(top.key);
      this.add(top.key);
      n++;
    }
  }

  /** Queued keys in order (for tests and the inspector). */
  queued(): string[] {
    return this.ring.slice(this.head) as string[];
  }

  toJSON(): { queued: number; processing: number; waiting: number; failing: number } {
    return { queued: this.length, processing: this.processing.size, waiting: this.waiting.size, failing: this.failures.size };
  }
}
