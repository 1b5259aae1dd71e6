/**
 * Seeded pseudo-random generators. One root seed; each subsystem (network, scheduler, workload,
 * faults, uids) forks its own generator by name, so adding draws in one subsystem never shifts
 * another's sequence. The algorithm is sfc32 seeded through splitmix32: fast, small state,
 * and the same sequence on every platform.
 */

function splitmix32(state: number): () => number {
  let s = state >>> 0;
  return () => {
    s = (s + 0x9e3779b9) | 0;
    let z = s;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return (z ^ (z >>> 16)) >>> 0;
  };
}

/** FNV-1a hash of a string to an unsigned 32-bit integer. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Turns a user's seed (any integer or string) into the unsigned 32-bit seed the kernel uses. */
export function normalizeSeed(seed: number | string): number {
  if (typeof seed === 'string') {
    const trimmed = seed.trim();
    if (/^-?\d+$/.test(trimmed)) return Number(BigInt.asUintN(32, BigInt(trimmed)));
    return hashString(trimmed);
  }
  if (!Number.isFinite(seed) || !Number.isInteger(seed)) {
    throw new RangeError(`seed must be an integer or a string; got ${String(seed)}`);
  }
  return Number(BigInt.asUintN(32, BigInt(seed)));
}

/**
 * A seeded generator. Every random choice of the engine draws from one of these.
 *
 * @example
 * const root = new Rng(42);
 * const net = root.fork('network');
 * net.next(); // same value on every run with seed 42
 */
export class Rng {
  /** The unsigned 32-bit seed this generator started from. */
  readonly seed: number;
  /** The path of fork names from the root, e.g. `root/network`. */
  readonly name: string;
  private a: number;
  private b: number;
  private c: number;
  private d: number;
  private draws = 0;

  constructor(seed: number | string, name = 'root') {
    this.seed = normalizeSeed(seed);
    this.name = name;
    const mix = splitmix32(this.seed);
    this.a = mix();
    this.b = mix();
    this.c = mix();
    this.d = mix();
    for (let i = 0; i < 12; i++) this.nextUint32();
    this.draws = 0;
  }

  /** The number of values drawn so far (for logs and replay checks). */
  get drawn(): number {
    return this.draws;
  }

  /** An unsigned 32-bit integer. */
  nextUint32(): number {
    this.draws++;
    let { a, b, c, d } = this;
    const t = (((a + b) | 0) + d) | 0;
    d = (d + 1) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    c = (c + t) | 0;
    this.a = a;
    this.b = b;
    this.c = c;
    this.d = d;
    return t >>> 0;
  }

  /** A float in [0, 1). */
  next(): number {
    return this.nextUint32() / 4294967296;
  }

  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number {
    if (!Number.isInteger(maxExclusive) || maxExclusive <= 0) {
      throw new RangeError(`Rng.int needs a positive integer bound; got ${maxExclusive}`);
    }
    return Math.floor(this.next() * maxExclusive);
  }

  /** A float in [min, max). */
  range(min: number, max: number): number {
    return min + this.next() * (max - min);
  }

  /** True with probability `p` (no draw is made when p is 0 or 1, so unused faults cost nothing). */
  chance(p: number): boolean {
    if (p <= 0) return false;
    if (p >= 1) return true;
    return this.next() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new RangeError('Rng.pick needs a non-empty array');
    return items[this.int(items.length)]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }

  /** `length` lowercase hexadecimal digits. */
  hex(length: number): string {
    let out = '';
    while (out.length < length) out += this.nextUint32().toString(16).padStart(8, '0');
    return out.slice(0, length);
  }

  /** A version-4-shaped UUID (for metadata.uid). */
  uuid(): string {
    const h = this.hex(32);
    const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
  }

  /**
   * A child generator for a subsystem. It depends only on this generator's seed and the name,
   * not on how many values were drawn, so forks are stable however the parent is used.
   */
  fork(name: string): Rng {
    return new Rng((hashString(name) ^ Math.imul(this.seed, 0x9e3779b1)) >>> 0, `${this.name}/${name}`);
  }
}
