/**
 * Sends the cluster's XState inspection events to Stately's inspector (`@statelyai/inspect`)
 * without its per-event cost: `inspector.inspect.next` schedules a `setTimeout(0)` and serialises
 * the whole snapshot, context included, for every event (100k events: 300k timers). This bridge
 * instead queues events and flushes them every `flushMs` through the inspector's own `actor`,
 * `event` and `snapshot` methods: one snapshot per changed actor per flush (its value, and its
 * context cut to a few levels), event payloads as plain JSON, and a cap per flush beyond which
 * events are counted as dropped rather than piling up.
 *
 * @example
 * // the relay (http://localhost:8080 frames https://stately.ai/inspect) and the bridge:
 * import { createInspectorServer } from '@statelyai/inspect/server';
 * const relay = createInspectorServer({ port: 8080, autoOpen: false });
 * const bridge = createStatelyBridge({ url: 'ws://localhost:8080' });
 * const cluster = createCluster({ inspect: bridge.inspect });
 */
import { createWebSocketInspector } from '@statelyai/inspect';
import type { AnyActorRef, InspectionEvent } from 'xstate';
import { toPlainJSON } from './sanitize.js';

/** Options of the bridge. */
export interface StatelyBridgeOptions {
  /** The WebSocket of Stately's relay (`createInspectorServer`). Default `ws://localhost:8080`. */
  url?: string;
  /** Wall ms between flushes. Default 100. */
  flushMs?: number;
  /** Most events sent per flush; the rest are dropped and counted. Default 2,000. */
  maxEventsPerFlush?: number;
  /** How deep an actor's context is sent. Default 3. */
  contextDepth?: number;
  /**
   * Wall ms between re-announcing every live actor. Stately's relay replays only its last 200
   * events to a browser that opens later, so the actors' registrations would be lost; 0 turns
   * this off. Default 5,000.
   */
  reannounceMs?: number;
}

/** The bridge to Stately's inspector. */
export interface StatelyBridge {
  /** Inspection callback (`createCluster({ inspect })`, or chained from another one). */
  inspect(event: InspectionEvent): void;
  /** Sends what is queued now. */
  flush(): void;
  /** Stops flushing and closes the WebSocket. */
  stop(): void;
  /** Events dropped because a flush was full. */
  readonly dropped: number;
}

type Queued =
  | { kind: 'actor'; ref: AnyActorRef }
  | { kind: 'event'; ref: AnyActorRef; event: unknown; source: AnyActorRef | undefined };

/** Creates the bridge (connecting to the relay in the background, retrying every 5 s). */
export function createStatelyBridge(options: StatelyBridgeOptions = {}): StatelyBridge {
  const inspector = createWebSocketInspector({ url: options.url ?? 'ws://localhost:8080', maxDeferredEvents: 5_000 });
  const max = options.maxEventsPerFlush ?? 2_000;
  const depth = options.contextDepth ?? 3;
  let queue: Queued[] = [];
  const dirty = new Set<AnyActorRef>();
  const live = new Set<AnyActorRef>();
  let dropped = 0;
  const reannounceMs = options.reannounceMs ?? 5_000;
  let lastAnnounce = Date.now();

  const snapshotOf = (ref: AnyActorRef) => {
    const s = ref.getSnapshot() as { status?: string; value?: unknown; context?: unknown } | undefined;
    return {
      status: (s?.status ?? 'active') as 'active',
      value: s?.value,
      context: toPlainJSON(s?.context, { maxDepth: depth, maxItems: 20, maxString: 500 }),
    };
  };

  const flush = (): void => {
    if (reannounceMs > 0 && Date.now() - lastAnnounce >= reannounceMs) {
      lastAnnounce = Date.now();
      const announce: Queued[] = [];
      for (const ref of live) {
        if ((ref.getSnapshot() as { status?: string } | undefined)?.status !== 'active') live.delete(ref);
        else announce.push({ kind: 'actor', ref });
      }
      queue = announce.concat(queue);
    }
    const batch = queue;
    queue = [];
    for (const q of batch) {
      if (q.kind === 'actor') inspector.actor(q.ref as never, snapshotOf(q.ref));
      else {
        const payload = toPlainJSON(q.event, { maxDepth: 4, maxItems: 20, maxString: 500 });
        inspector.event(q.ref as never, payload as never, q.source ? { source: q.source as never } : undefined);
      }
    }
    for (const ref of dirty) inspector.snapshot(ref as never, snapshotOf(ref));
    dirty.clear();
  };

  const timer = setInterval(flush, options.flushMs ?? 100);
  timer.unref?.();

  return {
    inspect(event) {
      switch (event.type) {
        case '@xstate.actor':
          queue.push({ kind: 'actor', ref: event.actorRef as AnyActorRef });
          live.add(event.actorRef as AnyActorRef);
          break;
        case '@xstate.event':
          if (queue.length >= max) {
            dropped++;
            break;
          }
          queue.push({
            kind: 'event',
            ref: event.actorRef as AnyActorRef,
            event: event.event,
            source: event.sourceRef as AnyActorRef | undefined,
          });
          break;
        case '@xstate.snapshot':
          dirty.add(event.actorRef as AnyActorRef);
          break;
      }
    },
    flush,
    stop() {
      clearInterval(timer);
      flush();
      inspector.stop();
    },
    get dropped() {
      return dropped;
    },
  };
}
