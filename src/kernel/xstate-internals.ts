/**
 * The one place kube-actors reaches below XState's public API, with why.
 *
 * A node's components (its runtime, kubelet, kube-proxy) and a kubelet's pod workers join their
 * parent's actor system with `createActor(logic, { parent })` but stay out of its `children`
 * (XState copies that record on every spawn, which would cost O(n²) with a pod worker per pod).
 * Stopping such an actor is what XState's own `stopChild`
 * does: `actorScope.stopChild(child)` calls `child._stop()`; the public `stop()` refuses an actor
 * that has a parent. So this module calls `_stop()`, and nothing else does. Starting one while its
 * parent is still being created must wait for the parent's start, as `spawn` does, which only
 * `_snapshot` tells (`startParentedActor`).
 *
 * A root actor's system keeps its delayed events in a plain object keyed by `x:<session>.<id>`
 * (`system._snapshot._scheduledEvents`), a name per actor: `keepScheduledEventsAsDictionary`
 * makes it an object without a prototype, which V8 keeps as a dictionary (see there why).
 *
 * test/kernel/xstate-internals.test.ts pins the XState version this was checked
 * against and fails on an upgrade, so that the next version is checked again.
 */
import type { AnyActorRef } from 'xstate';

/** The XState version whose internals this module was checked against. */
export const CHECKED_XSTATE_VERSION = '5.33.3';

/**
 * Stops an actor started with a parent but kept out of the parent's children, as XState's
 * `stopChild` would: its spawned children stop and its delayed events are cancelled.
 */
export function stopParentedActor(actor: AnyActorRef): void {
  const internal = actor as AnyActorRef & { _stop?: () => void };
  if (typeof internal._stop !== 'function') {
    throw new Error(`XState no longer has Actor._stop (checked against ${CHECKED_XSTATE_VERSION}): see src/kernel/xstate-internals.ts`);
  }
  internal._stop();
}

/**
 * Starts an actor created with `createActor(logic, { parent })`, as XState's own `spawn` does: at
 * once if the parent runs, or when the parent starts if the parent is still initializing (its
 * initial state's entry is what starts the component: a node's `startComponents`). Starting it
 * earlier is wrong: a root actor's `start()` reschedules every delayed event its system already
 * holds (XState's `system.start()`, meant for restored snapshots), so a component started during
 * its root's initialization would have each of its first timers armed twice, the second copy out
 * of reach of `cancel` and firing after the component was stopped.
 *
 * Whether the parent is initializing is read from `_snapshot`, which XState assigns at the end of
 * the actor's construction (the public `getSnapshot()` throws until then).
 */
export function startParentedActor(actor: AnyActorRef, parent: AnyActorRef): void {
  if (!('_snapshot' in parent)) {
    throw new Error(`XState no longer has Actor._snapshot (checked against ${CHECKED_XSTATE_VERSION}): see src/kernel/xstate-internals.ts`);
  }
  if ((parent as AnyActorRef & { _snapshot?: unknown })._snapshot !== undefined) {
    actor.start();
    return;
  }
  // the first update after the parent's start: its system has started, its own deferred actions ran
  const subscription = parent.subscribe({
    next: () => {
      subscription.unsubscribe();
      actor.start();
    },
  });
}

/**
 * Makes a started root actor's record of delayed events a prototype-less object, with the same
 * entries in the same order (XState iterates it in insertion order, which a dictionary keeps).
 * Each system's record starts as `{}` and gets keys no other system has (`x:12.xstate.after...`):
 * every such first key adds a hidden-class transition to the one map all `{}` start from, and a
 * cluster of 5,000 nodes would fill that map's transitions (about 1,500), after which every object
 * that starts as `{}` and gets a property name not seen before has a hidden class of its own.
 * XState's `system.start()` assigns a fresh `{}`, so this runs after the root's start.
 */
export function keepScheduledEventsAsDictionary(root: AnyActorRef): void {
  const snapshot = (root.system as { _snapshot?: { _scheduledEvents?: Record<string, unknown> } })._snapshot;
  if (!snapshot || typeof snapshot._scheduledEvents !== 'object') {
    throw new Error(`XState no longer has system._snapshot._scheduledEvents (checked against ${CHECKED_XSTATE_VERSION}): see src/kernel/xstate-internals.ts`);
  }
  const events = Object.create(null) as Record<string, unknown>;
  for (const id of Object.keys(snapshot._scheduledEvents)) events[id] = snapshot._scheduledEvents[id];
  snapshot._scheduledEvents = events;
}
