/**
 * Drives a kernel from the wall clock, for the inspector and `kube-actors serve`: virtual time
 * follows real time (optionally faster or slower), and can be paused, stepped one message at a
 * time, or jumped ahead. This is the one place outside the engine that reads the real clock; the
 * simulation itself still sees only the kernel's virtual time.
 */
import type { Kernel } from '../kernel/kernel.js';
import type { TraceEntry } from '../kernel/trace.js';

/** Options of the real-time driver. */
export interface RealtimeOptions {
  /** Virtual ms per wall ms (1 = real time). Default 1. */
  speed?: number;
  /** Wall ms between advances. Default 20. */
  tickMs?: number;
  /** Start paused. */
  paused?: boolean;
  /**
   * Told when advancing the kernel on the wall clock throws (a livelock, a bug outside any
   * actor): the driver stops and says why here. Default: a line on stderr.
   */
  onError?: (error: unknown) => void;
}

/** Drives a kernel in real time. */
export class RealtimeDriver {
  private timer: ReturnType<typeof setInterval> | undefined;
  private last = 0;
  private speedValue: number;
  private pausedValue: boolean;
  private readonly tickMs: number;
  private readonly listeners = new Set<() => void>();
  /** The error the kernel threw while advancing, if it did (the driver stopped on it). */
  lastError: unknown;
  /** Virtual time at which the kernel threw `lastError`. */
  failedAt: number | undefined;
  private readonly onErrorOption: ((error: unknown) => void) | undefined;
  private readonly errorListeners = new Set<(error: unknown) => void>();

  constructor(
    readonly kernel: Kernel,
    options: RealtimeOptions = {},
  ) {
    this.speedValue = validSpeed(options.speed ?? 1);
    this.tickMs = options.tickMs ?? 20;
    this.pausedValue = options.paused ?? false;
    this.onErrorOption = options.onError;
  }

  /** Why the simulation cannot go on (`LivelockError: ... (at t=1234ms)`), or undefined while it can. */
  get failure(): string | undefined {
    if (this.failedAt === undefined) return undefined;
    const e = this.lastError;
    return `${e instanceof Error ? `${e.name}: ${e.message}` : String(e)} (at t=${this.failedAt}ms)`;
  }

  /** Called when advancing the kernel on the wall clock throws (after the driver stopped). */
  onError(listener: (error: unknown) => void): () => void {
    this.errorListeners.add(listener);
    return () => this.errorListeners.delete(listener);
  }

  /** Starts following the wall clock. */
  start(): void {
    if (this.timer) return;
    this.last = performance.now();
    this.timer = setInterval(() => this.tick(), this.tickMs);
    this.timer.unref?.();
  }

  /** Stops the driver (the kernel stays as it is). */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
  }

  get running(): boolean {
    return this.timer !== undefined;
  }

  get paused(): boolean {
    return this.pausedValue;
  }

  get speed(): number {
    return this.speedValue;
  }

  /** Pauses virtual time. */
  pause(): void {
    this.pausedValue = true;
    this.notify();
  }

  /** Resumes virtual time from where it stopped. */
  resume(): void {
    this.last = performance.now();
    this.pausedValue = false;
    this.notify();
  }

  /** Sets the speed (virtual ms per wall ms, 0.01 to 10,000). */
  setSpeed(speed: number): void {
    this.speedValue = validSpeed(speed);
    this.notify();
  }

  /** Delivers exactly the next message (firing timers due before it); for a paused simulation. Returns its trace entry (none when nothing was due). */
  step(): TraceEntry | undefined {
    const entry = this.kernel.stepMessage();
    this.notify();
    return entry;
  }

  /** Jumps virtual time ahead by `ms`, delivering everything due. */
  jump(ms: number): void {
    this.kernel.advance(ms);
    this.notify();
  }

  /** Called after every change of virtual time. */
  onChange(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private tick(): void {
    const now = performance.now();
    const elapsed = now - this.last;
    this.last = now;
    if (this.pausedValue || this.kernel.stopped || this.failedAt !== undefined) return;
    try {
      this.kernel.advance(Math.min(elapsed, 1_000) * this.speedValue);
    } catch (error) {
      this.fail(error);
    }
    this.notify();
  }

  /** The kernel threw: stop following the wall clock, keep the error, and say so (never silently). */
  private fail(error: unknown): void {
    this.lastError = error;
    this.failedAt = this.kernel.now();
    this.pausedValue = true;
    this.stop();
    if (this.onErrorOption) this.onErrorOption(error);
    else process.stderr.write(`kube-actors: the simulation stopped: ${this.failure}\n${error instanceof Error && error.stack ? `${error.stack}\n` : ''}`);
    for (const l of this.errorListeners) l(error);
  }

  private notify(): void {
    for (const l of this.listeners) l();
  }
}

function validSpeed(speed: number): number {
  if (typeof speed !== 'number' || !Number.isFinite(speed) || speed < 0.01 || speed > 10_000) {
    throw new RangeError(`speed must be a number between 0.01 and 10000 (virtual ms per wall ms); got ${String(speed)}`);
  }
  return speed;
}
