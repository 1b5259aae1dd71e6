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

  /**
   * The next free address, or undefined when the range is full. With `dryRun` the address is only
   * looked up: nothing is reserved (kube-apiserver's dry-run allocator).
   */
  allocate(options: { dryRun?: boolean } = {}): string | undefined {
    let next = this.next;
    for (let tries = 0; tries < this.size - 2; tries++) {
      const offset = next;
      next = next + 1 >= this.size - 1 ? 1 : next + 1;
      if (!this.used.has(offset)) {
        if (!options.dryRun) {
          this.next = next;
          this.used.add(offset);
        }
        return intToIp(this.base + offset);
      }
    }
    return undefined;
  }

  /** Marks a given address used (a service that asked for one, or one already stored); with `dryRun` only checks it is in range. */
  claim(ip: string, options: { dryRun?: boolean } = {}): string | undefined {
    let n: number;
    try {
      n = ipToInt(ip);
    } catch {
      return undefined;
    }
    const offset = n - this.base;
    if (offset <= 0 || offset >= this.size - 1) return undefined;
    if (!options.dryRun) this.used.add(offset);
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
