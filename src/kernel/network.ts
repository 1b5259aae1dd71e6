import { InvalidDelayError } from './errors.js';
import type { Rng } from './rng.js';

/** How one link (or the whole network, by default) behaves. */
export interface LinkOptions {
  /** Base one-way latency in ms. */
  latency?: number;
  /** Uniform jitter added to the latency, in ms: [0, jitter). */
  jitter?: number;
  /** Probability that a message is lost. */
  dropRate?: number;
  /** Probability that a message is delivered twice. */
  duplicateRate?: number;
  /** When true, messages on the link may overtake each other; otherwise the link is FIFO. */
  reorder?: boolean;
}

/** Options of the simulated network. */
export interface NetworkOptions {
  /** Links between two addresses on the same host (a kubelet and its pods). Default 0.05 ms, no faults. */
  local?: LinkOptions;
  /** Links between hosts. Default 0.5 ms latency with 0.5 ms jitter, no faults. */
  remote?: LinkOptions;
}

type ResolvedLink = Required<LinkOptions>;

const DEFAULT_LOCAL: ResolvedLink = { latency: 0.05, jitter: 0, dropRate: 0, duplicateRate: 0, reorder: false };
const DEFAULT_REMOTE: ResolvedLink = { latency: 0.5, jitter: 0.5, dropRate: 0, duplicateRate: 0, reorder: false };

function resolve(base: ResolvedLink, over: LinkOptions | undefined, what: string): ResolvedLink {
  const link = { ...base, ...(over ?? {}) };
  for (const key of ['latency', 'jitter'] as const) {
    const v = link[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new InvalidDelayError(`${what}.${key}`, v);
  }
  for (const key of ['dropRate', 'duplicateRate'] as const) {
    const v = link[key];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new RangeError(`${what}.${key} must be a probability in [0, 1]; got ${String(v)}`);
  }
  return link;
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\u0000${b}` : `${b}\u0000${a}`;
}

/** The outcome the network decided for one send. */
export interface Routing {
  /** Delivery times; empty when dropped, two entries when duplicated. */
  deliverAt: number[];
  /** Why the message is dropped, when it is. */
  dropped?: string;
}

/**
 * The simulated network: latency, jitter, loss, duplication and partitions between hosts.
 * Every address lives on a host (a node name, `control-plane`, or the address itself); partitions
 * cut hosts apart, and a message is dropped when its link is cut at sending or at delivery.
 */
export class Network {
  private local: ResolvedLink;
  private remote: ResolvedLink;
  private readonly links = new Map<string, ResolvedLink>();
  private readonly cuts = new Set<string>();
  private readonly isolated = new Set<string>();
  /** Last delivery time per directed link, for FIFO links. */
  private readonly lastDelivery = new Map<string, number>();
  private routed = 0;

  constructor(private readonly rng: Rng, options: NetworkOptions = {}) {
    this.local = resolve(DEFAULT_LOCAL, options.local, 'network.local');
    this.remote = resolve(DEFAULT_REMOTE, options.remote, 'network.remote');
  }

  /** Changes the defaults for links between hosts (e.g. to turn on message loss). */
  configure(options: NetworkOptions): void {
    if (options.local) this.local = resolve(this.local, options.local, 'network.local');
    if (options.remote) this.remote = resolve(this.remote, options.remote, 'network.remote');
  }

  /** The current defaults. */
  get defaults(): { local: ResolvedLink; remote: ResolvedLink } {
    return { local: { ...this.local }, remote: { ...this.remote } };
  }

  /** Sets how the link between two hosts behaves (both directions). */
  setLink(hostA: string, hostB: string, options: LinkOptions): void {
    this.links.set(pairKey(hostA, hostB), resolve(this.remote, options, `link ${hostA}<->${hostB}`));
  }

  /** Cuts the link between two hosts: messages crossing it are dropped until `heal`. */
  cut(hostA: string, hostB: string): void {
    if (hostA === hostB) throw new RangeError(`cannot cut host "${hostA}" from itself`);
    this.cuts.add(pairKey(hostA, hostB));
  }

  /** Cuts every link between the hosts of one side and the hosts of the other. */
  partition(sideA: readonly string[], sideB: readonly string[]): void {
    for (const a of sideA) for (const b of sideB) if (a !== b) this.cut(a, b);
  }

  /** Isolates a host from every other host. */
  isolate(host: string): void {
    this.isolated.add(host);
  }

  /** Heals one host (its isolation and its cut links), or everything when no host is given. */
  heal(host?: string): void {
    if (host === undefined) {
      this.cuts.clear();
      this.isolated.clear();
      return;
    }
    this.isolated.delete(host);
    for (const key of [...this.cuts]) {
      const [a, b] = key.split('\u0000');
      if (a === host || b === host) this.cuts.delete(key);
    }
  }

  /** Heals the link between two hosts. */
  healLink(hostA: string, hostB: string): void {
    this.cuts.delete(pairKey(hostA, hostB));
  }

  /** True when messages between the two hosts cannot pass. */
  isCut(hostA: string, hostB: string): boolean {
    if (hostA === hostB) return false;
    if (this.isolated.has(hostA) || this.isolated.has(hostB)) return true;
    return this.cuts.size > 0 && this.cuts.has(pairKey(hostA, hostB));
  }

  /** The hosts currently isolated, and the cut links, sorted (for status displays). */
  partitions(): { isolated: string[]; cuts: [string, string][] } {
    return {
      isolated: [...this.isolated].sort(),
      cuts: [...this.cuts].sort().map((k) => k.split('\u0000') as [string, string]),
    };
  }

  /** @internal Decides the fate of one message sent now. */
  route(now: number, fromHost: string, toHost: string, linkId: string): Routing {
    if ((++this.routed & 4095) === 0) this.forgetDelivered(now);
    if (this.isCut(fromHost, toHost)) return { deliverAt: [], dropped: 'partition' };
    const link =
      fromHost === toHost ? this.local : this.links.size > 0 ? this.links.get(pairKey(fromHost, toHost)) ?? this.remote : this.remote;
    if (this.rng.chance(link.dropRate)) return { deliverAt: [], dropped: 'loss' };
    // Times have microsecond resolution. The jitter is drawn in whole microseconds below the
    // jitter, so the delay stays in [latency, latency + jitter) (rounding the sum could reach the
    // upper bound).
    const jitterUs = link.jitter > 0 ? Math.floor(this.rng.next() * Math.round(link.jitter * 1000)) : 0;
    let at = (Math.round(now * 1000) + Math.round(link.latency * 1000) + jitterUs) / 1000;
    // FIFO links never let a message overtake an earlier one on the same link, also when the
    // link's latency was lowered while the earlier one was in flight.
    if (!link.reorder) {
      const last = this.lastDelivery.get(linkId);
      if (last !== undefined && at < last) at = last;
      this.lastDelivery.set(linkId, at);
    }
    if (this.rng.chance(link.duplicateRate)) {
      const again = Math.round((at + link.latency + this.rng.next() * (link.jitter + link.latency)) * 1000) / 1000;
      if (!link.reorder) this.lastDelivery.set(linkId, again);
      return { deliverAt: [at, again] };
    }
    return { deliverAt: [at] };
  }

  /** Links the FIFO order tracks (the last delivery time of each, while it is still ahead). */
  get trackedLinks(): number {
    return this.lastDelivery.size;
  }

  /**
   * Forgets the links whose last message is delivered by `now`: a new message on such a link is
   * due at `now` or later, so the FIFO bound could not hold it back. Without this the map would
   * keep a pair for every address that ever spoke (pods come and go).
   */
  private forgetDelivered(now: number): void {
    for (const [link, last] of this.lastDelivery) if (last <= now) this.lastDelivery.delete(link);
  }
}
