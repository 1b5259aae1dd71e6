/**
 * Service cluster IPs, allocated in order from the service CIDR (the first address goes to the
 * `kubernetes` service, as in a real cluster). Deterministic: the lowest free address first.
 */

function ipToInt(ip: string): number {
  const parts = ip.split('.').map(Number);
  if (parts.length !== 4 || parts.some((p) => !Number.isInteger(p) || p < 0 || p > 255)) throw new RangeError(`not an IPv4 address: ${ip}`);
  return ((parts[0]! << 24) | (parts[1]! << 16) | (parts[2]! << 8) | parts[3]!) >>> 0;
}

function intToIp(n: number): string {
  return [(n >>> 24) & 255, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

/** Allocates service cluster IPs from a CIDR. */
export class ServiceIpAllocator {
  private readonly base: number;
  private readonly size: number;
  private readonly used = new Set<number>();
  private next = 1;

  constructor(readonly cidr: string) {
    const [ip, bits] = cidr.split('/');
    const prefix = Number(bits);
    if (!(prefix >= 8 && prefix <= 30)) throw new RangeError(`service CIDR prefix must be between /8 and /30: ${cidr}`);
    this.size = 2 ** (32 - prefix);
    this.base = (ipToInt(ip!) & ~(this.size - 1)) >>> 0;
  }

  /** The next free address, or undefined when the range is full. */
  allocate(): string | undefined {
    for (let tries = 0; tries < this.size - 2; tries++) {
      const offset = this.next;
      this.next = this.next + 1 >= this.size - 1 ? 1 : this.next + 1;
      if (!this.used.has(offset)) {
        this.used.add(offset);
        return intToIp(this.base + offset);
      }
    }
    return undefined;
  }

  /** Marks a given address used (a service that asked for one, or one already stored). */
  claim(ip: string): string | undefined {
    let n: number;
    try {
      n = ipToInt(ip);
    } catch {
      return undefined;
    }
    const offset = n - this.base;
    if (offset <= 0 || offset >= this.size - 1) return undefined;
    this.used.add(offset);
    return ip;
  }

  /** Frees an address. */
  release(ip: string): void {
    try {
      this.used.delete(ipToInt(ip) - this.base);
    } catch {
      /* not an address of ours */
    }
  }
}
