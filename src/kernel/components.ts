/**
 * Starting and stopping per-object actors (pod workers, a node's components) without piling them
 * into one parent's children list (XState copies that list on every spawn): each joins its
 * parent's actor system with `createActor(logic, { parent })`, gets its canonical address on the
 * kernel's network, and reports its errors to the kernel instead of throwing them later (through
 * an observer of its own, or, with `errors: 'parent'`, through its parent, which XState sends
 * `xstate.error.actor.<address>` and which must then report it: this saves an observer per actor
 * where there is one actor per pod).
 *
 * Because such actors are not in their parent's children list, XState does not stop them with
 * their parent; this module remembers who started whom, and `stopComponent` stops a component
 * together with everything it started (a node's crash takes its kubelet, and the kubelet's pod
 * workers, with it).
 */
import { createActor, type AnyActorLogic, type AnyActorRef, type InputFrom } from 'xstate';
import type { Kernel } from './kernel.js';
import { startParentedActor, stopParentedActor } from './xstate-internals.js';

/** The components each actor started, by address. */
const started = new WeakMap<AnyActorRef, Map<string, AnyActorRef>>();
/** Who started each component. */
const startedBy = new WeakMap<AnyActorRef, AnyActorRef>();

/**
 * Starts an actor under `parent`, registered at `address` on `host`. Its errors go to
 * `kernel.reportError` by an observer, or, with `errors: 'parent'`, are left to the parent (which
 * gets them as `xstate.error.actor.<address>`, see {@link reportChildError}).
 */
export function startComponent<L extends AnyActorLogic>(
  kernel: Kernel,
  parent: AnyActorRef,
  logic: L,
  options: { address: string; host: string; input: InputFrom<L>; errors?: 'observer' | 'parent' },
): AnyActorRef {
  if (!parent) throw new TypeError(`startComponent(${options.address}): a parent actor is required, or the component would run outside the simulation's clock`);
  const actor = createActor(logic, { parent, input: options.input, id: options.address }) as AnyActorRef;
  const address = options.address;
  if (options.errors !== 'parent') actor.subscribe({ error: (error: unknown) => kernel.reportError(address, error) });
  kernel.register(options.address, actor, { host: options.host, replace: true });
  let children = started.get(parent);
  if (!children) started.set(parent, (children = new Map()));
  children.set(options.address, actor);
  startedBy.set(actor, parent);
  startParentedActor(actor, parent);
  return actor;
}

/**
 * Stops an actor, and first everything it started, and takes their addresses off the network.
 * XState refuses `stop()` on an actor that has a parent; those this module started are stopped as
 * XState's own `stopChild` stops a child (`stopParentedActor`, src/kernel/xstate-internals.ts).
 */
export function stopComponent(kernel: Kernel, address: string, actor: AnyActorRef | undefined): void {
  const wasStartedHere = actor !== undefined && startedBy.has(actor);
  if (actor) {
    const children = started.get(actor);
    if (children) for (const [childAddress, child] of [...children].reverse()) stopComponent(kernel, childAddress, child);
    started.delete(actor);
    const parent = startedBy.get(actor);
    if (parent) started.get(parent)?.delete(address);
  }
  if (kernel.has(address) && (!actor || kernel.target(address) === actor)) kernel.unregister(address);
  if (!actor) return;
  if (wasStartedHere) stopParentedActor(actor);
  else actor.stop();
}
