/**
 * Starting and stopping per-object actors (pod workers, a node's components) without piling them
 * into one parent's children list (XState copies that list on every spawn): each joins its
 * parent's actor system with `createActor(logic, { parent })`, gets its canonical address on the
 * kernel's network, and reports its errors to the kernel instead of throwing them later.
 */
import { createActor, type AnyActorLogic, type AnyActorRef, type InputFrom } from 'xstate';
import type { Kernel } from '../../src/kernel/kernel.js';

/** Starts an actor under `parent`, registered at `address` on `host`. */
export function startComponent<L extends AnyActorLogic>(
  kernel: Kernel,
  parent: AnyActorRef,
  logic: L,
  options: { address: string; host: string; input: InputFrom<L> },
): AnyActorRef {
  if (!parent) throw new TypeError(`startComponent(${options.address}): a parent actor is required, or the component would run outside the simulation's clock`);
  const actor = createActor(logic, { parent, input: options.input, id: options.address } as never) as AnyActorRef;
  actor.subscribe({ error: (error: unknown) => kernel.reportError(options.address, error) });
  kernel.register(options.address, actor, { host: options.host, replace: true });
  actor.start();
  return actor;
}

/**
 * Stops an actor and takes its address off the network. XState refuses `stop()` on an actor that
 * has a parent; `_stop()` is what its own `stopChild` runs (it stops the actor's children and
 * cancels its timers too).
 */
export function stopComponent(kernel: Kernel, address: string, actor: AnyActorRef | undefined): void {
  if (kernel.has(address)) kernel.unregister(address);
  if (!actor) return;
  const internal = actor as AnyActorRef & { _parent?: unknown; _stop(): void };
  if (internal._parent) internal._stop();
  else actor.stop();
}
