import type { AnyActorLogic, AnyActorRef, InputFrom } from 'xstate';
import type { Kernel, KernelEvent } from './kernel.js';
import type { Rng } from './rng.js';
import { startComponent, stopComponent } from './components.js';

const CHILD_ERROR = 'xstate.error.actor.';

/**
 * A component's handle on the kernel: what an actor has. Its own canonical address, sending
 * through the simulated network, the virtual time, its subsystem's generator, the actors it starts
 * and stops, and the errors it reports. The kernel itself stays private: a machine cannot reach
 * the network's fault API (partitions, heals) or another component's registration; faults are
 * injected by the simulator (src/cluster/faults.ts), never by a machine.
 *
 * Machines receive one in their input and keep it in context; it serialises as just its address,
 * so snapshots stay small and clean.
 */
export class Port {
  readonly #kernel: Kernel;

  constructor(
    kernel: Kernel,
    /** The component's canonical address (`kubelet/node-1`). */
    readonly address: string,
    /** The generator this component draws from. */
    readonly rng: Rng = kernel.fork(address),
  ) {
    this.#kernel = kernel;
  }

  /** Sends an event to another component through the network (a vanished destination is a dropped message). */
  send<E extends KernelEvent>(to: string, event: E): void {
    this.#kernel.trySend(this.address, to, event);
  }

  /** Virtual time in ms. */
  now(): number {
    return this.#kernel.now();
  }

  /** Virtual time (now, or `offsetMs` from now) as a Kubernetes timestamp. */
  timestamp(offsetMs = 0): string {
    return this.#kernel.timestamp(offsetMs);
  }

  /** The virtual time (ms) of a Kubernetes timestamp. */
  timeOf(timestamp: string): number {
    return this.#kernel.timeOf(timestamp);
  }

  /** The wall-clock time (ms since 1970) of virtual time 0. */
  get epoch(): number {
    return this.#kernel.epoch;
  }

  /** The simulation's seed (for keys derived from it, as a cluster's service-account signing key). */
  get seed(): number {
    return this.#kernel.seed;
  }

  /** The kernel's generator for a named subsystem (`metrics`). */
  fork(name: string): Rng {
    return this.#kernel.fork(name);
  }

  /** How many times this address asked before (0, 1, 2, ...): a restarted component's requests get new ids. */
  incarnation(): number {
    return this.#kernel.incarnation(this.address);
  }

  /** Runs `fn` in the flow the object with this uid was created in (when known). */
  inFlowOf<T>(uid: string | undefined, fn: () => T): T {
    const flow = this.#kernel.flowOfObject(uid);
    return flow === undefined ? fn() : this.#kernel.withFlow(flow, fn);
  }

  /** Tags the object with this uid with the current flow (the request that created it). */
  tagObject(uid: string | undefined): void {
    this.#kernel.tagObject(uid);
  }

  /** Reports an error of this component (or of `address`, one of its children) to the kernel. */
  reportError(error: unknown, address: string = this.address): void {
    this.#kernel.reportError(address, error);
  }

  /**
   * For a parent whose children's errors come to it (components started with `errors: 'parent'`,
   * spawned children): reports the error event XState sent it (`xstate.error.actor.<id>`) under
   * the child's address (`addressOf(id)`; the id itself by default).
   */
  reportChildError(event: { type: string; error?: unknown }, addressOf: (id: string) => string = (id) => id): void {
    this.#kernel.reportError(addressOf(event.type.slice(CHILD_ERROR.length)), event.error);
  }

  /** The host an address runs on (undefined if it is not on the network). */
  hostOf(address: string = this.address): string | undefined {
    return this.#kernel.hostOf(address);
  }

  /** The port of a component this one starts, at `address`, drawing from `rng` (the kernel's fork for that address by default). */
  child(address: string, rng?: Rng): Port {
    return new Port(this.#kernel, address, rng ?? this.#kernel.fork(address));
  }

  /**
   * Starts an actor under `parent` (this component's actor, or one it started), registered at
   * `options.address` on `options.host`; see src/kernel/components.ts.
   */
  spawn<L extends AnyActorLogic>(parent: AnyActorRef, logic: L, options: { address: string; host: string; input: InputFrom<L>; errors?: 'observer' | 'parent' }): AnyActorRef {
    return startComponent(this.#kernel, parent, logic, options);
  }

  /** Stops an actor this component started, and everything it started, and takes their addresses off the network. */
  stop(address: string, actor: AnyActorRef | undefined): void {
    stopComponent(this.#kernel, address, actor);
  }

  /** Puts an actor this component spawned itself (a controller) on the network at `address`, on this component's host (`host` if it has none). */
  attach(address: string, actor: AnyActorRef, host: string): void {
    this.#kernel.register(address, actor, { host: this.#kernel.hostOf(this.address) ?? host, replace: true });
  }

  /** Takes an address this component put on the network off it (if it is still there). */
  detach(address: string): void {
    if (this.#kernel.has(address)) this.#kernel.unregister(address);
  }

  /**
   * Takes off the network every address on `host` whose actor has stopped (the children a stopped
   * component registered itself, as a controller manager's controllers).
   */
  detachStopped(host: string): void {
    for (const address of this.#kernel.addresses()) {
      if (this.#kernel.hostOf(address) !== host) continue;
      const target = this.#kernel.target(address);
      const status = (target as { getSnapshot?: () => { status?: string } } | undefined)?.getSnapshot?.().status;
      if (status === 'stopped') this.#kernel.unregister(address);
    }
  }

  toJSON(): { address: string } {
    return { address: this.address };
  }
}
