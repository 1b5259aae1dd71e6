import type { Kernel, KernelEvent } from './kernel.js';
import type { Rng } from './rng.js';

/**
 * A component's handle on the kernel: its own canonical address, sending through the simulated
 * network, the virtual time and its subsystem's generator. Machines receive one in their input
 * and keep it in context; it serialises as just its address, so snapshots stay small and clean.
 */
export class Port {
  constructor(
    /** The kernel this component runs on. */
    readonly kernel: Kernel,
    /** The component's canonical address (`kubelet/node-1`). */
    readonly address: string,
    /** The generator this component draws from. */
    readonly rng: Rng = kernel.fork(address),
  ) {}

  /** Sends an event to another component through the network (a vanished destination is a dropped message). */
  send(to: string, event: KernelEvent): void {
    this.kernel.trySend(this.address, to, event);
  }

  /** Virtual time in ms. */
  now(): number {
    return this.kernel.now();
  }

  /** Virtual time as a Kubernetes timestamp. */
  timestamp(): string {
    return this.kernel.timestamp();
  }

  toJSON(): { address: string } {
    return { address: this.address };
  }
}
