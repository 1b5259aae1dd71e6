/**
 * The one place kube-actors reaches below XState's public API, with why.
 *
 * A node's components (its runtime, kubelet, kube-proxy) and a kubelet's pod workers join their
 * parent's actor system with `createActor(logic, { parent })` but stay out of its `children`
 * (XState copies that record on every spawn, which would cost O(n²) with a pod worker per pod).
 * Stopping such an actor is what XState's own `stopChild`
 * does: `actorScope.stopChild(child)` calls `child._stop()`; the public `stop()` refuses an actor
 * that has a parent. So this module calls `_stop()`, and nothing else does.
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
