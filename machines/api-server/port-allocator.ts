/**
 * Service node ports (kube-apiserver's `pkg/registry/core/service/portallocator`): a bitmap over
 * `--service-node-port-range` (default 30000-32767) with the random scan of 1.29+
 * (`randomScanStrategyWithOffset`): the range is split into a static band, the first
 * `min(max(16, size/16), 128)` ports (30000-30127 by default), kept for ports users ask for, and a
 * dynamic band the allocator draws from first; only when the dynamic band is full does it draw from
 * the static one. The draws come from the kernel's generator, so a run replays from its seed.
 *
 * A request works on an {@link NodePortOperation} (`PortAllocationOperation`): what it allocates is
 * given back if the request fails (`Revert`), what it releases is released only when the request
 * succeeds (`ReleaseDeferred`, `Commit`); a dry run reserves nothing.
 */
import type { Rng } from '../../src/kernel/rng.js';

/** `portallocator.ErrAllocated`. */
export const ERR_ALLOCATED = 'provided port is already allocated';

/** The static band's size (`calculateRangeOffset`): min(max(16, size/16), 128), none for 16 ports or fewer. */
export function rangeOffset(size: number): number {
  if (size <= 16) return 0;
  return Math.min(128, Math.max(16, Math.floor(size / 16)));
}

/** Allocates node ports from a port range. */
export class NodePortAllocator {
  /** The first port of the range. */
  readonly base: number;
  /** The number of ports in the range. */
  readonly size: number;
  /** The static band's size. */
  readonly offset: number;
  private readonly used = new Set<number>();

  /**
   * @param range `--service-node-port-range`, `FROM-TO` (inclusive) or `FROM+COUNT` as net.PortRange parses it.
   * @param rng the generator the random scan draws from.
   */
  constructor(
    readonly range: string,
    private readonly rng: Rng,
  ) {
    const m = /^(\d+)(?:([-+])(\d+))?$/.exec(range.trim());
    if (!m) throw new RangeError(`unable to parse port range: ${range}`);
    const from = Number(m[1]);
    const to = m[2] === '+' ? from + Number(m[3]) - 1 : m[2] === '-' ? Number(m[3]) : from;
    if (from < 1 || to > 65535 || to < from) throw new RangeError(`invalid port range: ${range}`);
    this.base = from;
    this.size = to - from + 1;
    this.offset = rangeOffset(this.size);
  }

  /** The range as kube-apiserver prints it in messages (`30000-32767`). */
  get validPorts(): string {
    return `${this.base}-${this.base + this.size - 1}`;
  }

  /** Whether a port is in the range. */
  contains(port: number): boolean {
    return Number.isInteger(port) && port >= this.base && port < this.base + this.size;
  }

  /** Whether a port is taken. */
  has(port: number): boolean {
    return this.used.has(port);
  }

  /** The ports taken, in order (for tests and the inspector). */
  allocated(): number[] {
    return [...this.used].sort((a, b) => a - b);
  }

  /** Takes a given port. @returns the error message (`ErrNotInRange`, `ErrAllocated`) or undefined. */
  allocate(port: number, options: { dryRun?: boolean; alsoTaken?: ReadonlySet<number> } = {}): string | undefined {
    if (!this.contains(port)) return `provided port is not in the valid range. The range of valid ports is ${this.validPorts}`;
    if (this.used.has(port) || options.alsoTaken?.has(port)) return ERR_ALLOCATED;
    if (!options.dryRun) this.used.add(port);
    return undefined;
  }

  /** A free port by the random scan with offset, or undefined when the range is full. */
  allocateNext(options: { dryRun?: boolean; alsoTaken?: ReadonlySet<number> } = {}): number | undefined {
    const taken = (at: number): boolean => this.used.has(this.base + at) || (options.alsoTaken?.has(this.base + at) ?? false);
    const pick = (at: number): number => {
      const port = this.base + at;
      if (!options.dryRun) this.used.add(port);
      return port;
    };
    const upper = this.size - this.offset;
    if (upper > 0) {
      const start = this.rng.int(upper);
      for (let i = 0; i < upper; i++) {
        const at = this.offset + ((start + i) % upper);
        if (!taken(at)) return pick(at);
      }
    }
    if (this.offset > 0) {
      const start = this.rng.int(this.offset);
      for (let i = 0; i < this.offset; i++) {
        const at = (start + i) % this.offset;
        if (!taken(at)) return pick(at);
      }
    }
    return undefined;
  }

  /** Marks a port of a stored Service taken (the API server loads or watches it); ports outside the range are ignored, as the repair loop reports them. */
  claim(port: number): void {
    if (this.contains(port)) this.used.add(port);
  }

  /** Frees a port. */
  release(port: number): void {
    this.used.delete(port);
  }
}

/** One request's work on the allocator (`PortAllocationOperation`). */
export class NodePortOperation {
  private readonly allocatedHere = new Set<number>();
  private readonly releaseLater = new Set<number>();
  private done = false;

  constructor(
    readonly allocator: NodePortAllocator,
    readonly dryRun: boolean,
  ) {}

  /** Takes a given port (see {@link NodePortAllocator.allocate}). */
  allocate(port: number): string | undefined {
    const error = this.allocator.allocate(port, { dryRun: this.dryRun, alsoTaken: this.allocatedHere });
    if (error === undefined) this.allocatedHere.add(port);
    return error;
  }

  /** Takes a free port, or undefined when the range is full. */
  allocateNext(): number | undefined {
    const port = this.allocator.allocateNext({ dryRun: this.dryRun, alsoTaken: this.allocatedHere });
    if (port !== undefined) this.allocatedHere.add(port);
    return port;
  }

  /** Releases a port when the request succeeds. */
  releaseDeferred(port: number): void {
    this.releaseLater.add(port);
  }

  /** The request succeeded: the deferred releases happen. */
  commit(): void {
    if (this.done) return;
    this.done = true;
    if (this.dryRun) return;
    for (const port of this.releaseLater) if (!this.allocatedHere.has(port)) this.allocator.release(port);
  }

  /** The request failed: what it allocated is given back. */
  revert(): void {
    if (this.done) return;
    this.done = true;
    if (this.dryRun) return;
    for (const port of this.allocatedHere) this.allocator.release(port);
  }
}
