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
  send<E extends KernelEvent>(to: string, event: E): void {
    this.kernel.trySend(this.address, to, event);
  }

  /** Virtual time in ms. */
  now(): number {
    return this.kernel.now();
  }

  /** Virtual time (now, or `offsetMs` from now) as a Kubernetes timestamp. */
  timestamp(offsetMs = 0): string {
    return this.kernel.timestamp(offsetMs);
  }

  /** The virtual time (ms) of a Kubernetes timestamp. */
  timeOf(timestamp: string): number {
    return this.kernel.timeOf(timestamp);
  }

  /** Runs `fn` in the flow the object with this uid was created in (when known). */
  inFlowOf<T>(uid: string | undefined, fn: () => T): T {
    const flow = this.kernel.flowOfObject(uid);
    return flow === undefined ? fn() : this.kernel.withFlow(flow, fn);
  }

  toJSON(): { address: string } {
    return { address: this.address };
  }
}
