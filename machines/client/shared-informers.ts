/**
 * Shared informers (client-go's SharedInformerFactory): one watch per resource and selector for a
 * whole component, however many of its controllers want it. kube-controller-manager runs all its
 * controllers on shared informers, so the API server sends each pod change to the controller
 * manager once, not once per controller; the controller manager hands it to each subscriber in
 * process.
 */
import type { KubeObject } from '../../src/api/types.js';
import type { WatchClosed, WatchEvent } from '../protocol.js';
import type { ApiClient } from './api-client.js';
import { Informer, type InformerHandlers, type InformerSpec } from './informer.js';

interface Shared {
  informer: Informer;
  subscribers: InformerHandlers<KubeObject>[];
  started: boolean;
}

function keyOf(spec: InformerSpec): string {
  return JSON.stringify([spec.resource, spec.group ?? '', spec.namespace ?? '', spec.labelSelector ?? '', spec.fieldSelector ?? '']);
}

const NO_WAKES: ReadonlySet<string> = new Set();

/** The shared informers of one component. */
export class SharedInformerFactory {
  private readonly shared = new Map<string, Shared>();
  /** Subscribers (by address) that asked to be woken since the component last looked. */
  private readonly wakes = new Set<string>();

  constructor(readonly client: ApiClient) {}

  /**
   * The shared informer of a watch; `handlers` see every add, update and delete of it from now
   * on (and, through the informer's store, everything before).
   */
  subscribe<T extends KubeObject>(spec: InformerSpec, handlers: InformerHandlers<T>): Informer<T> {
    const key = keyOf(spec);
    let entry = this.shared.get(key);
    if (!entry) {
      const subscribers: InformerHandlers<KubeObject>[] = [];
      const informer = new Informer(this.client, spec, {
        onAdd: (obj, key) => {
          for (const s of subscribers) s.onAdd?.(obj, key);
        },
        onUpdate: (old, obj, key) => {
          for (const s of subscribers) s.onUpdate?.(old, obj, key);
        },
        onDelete: (obj, last, key) => {
          for (const s of subscribers) s.onDelete?.(obj, last, key);
        },
        onSynced: () => {
          for (const s of subscribers) s.onSynced?.();
        },
      });
      entry = { informer, subscribers, started: false };
      this.shared.set(key, entry);
    }
    entry.subscribers.push(handlers);
    return entry.informer as Informer<T>;
  }

  /** Starts every informer not started yet (a list-and-watch each). */
  start(): void {
    for (const entry of this.shared.values()) {
      if (entry.started) continue;
      entry.started = true;
      entry.informer.start(true);
    }
  }

  /**
   * A subscriber (a controller, by its address) has work after an event it was handed (a key
   * queued, its informers synced): the component that feeds the informers wakes it once the
   * event has been handed to everyone ({@link takeWakes}).
   */
  requestWake(address: string): void {
    this.wakes.add(address);
  }

  /** The subscribers that asked to be woken since the last call, and forgets them. */
  takeWakes(): ReadonlySet<string> {
    if (this.wakes.size === 0) return NO_WAKES;
    const wakes = new Set(this.wakes);
    this.wakes.clear();
    return wakes;
  }

  /** Hands a watch event to the informer it belongs to; false when none. */
  handle(event: WatchEvent | WatchClosed): boolean {
    for (const entry of this.shared.values()) if (entry.informer.handle(event)) return true;
    return false;
  }

  /** Housekeeping of every informer (retries, silent watches). */
  tick(): void {
    for (const entry of this.shared.values()) entry.informer.tick();
  }

  /** The earliest moment `tick` may have something to do for one of the informers (Infinity: none). */
  dueAt(): number {
    let due = Infinity;
    for (const entry of this.shared.values()) due = Math.min(due, entry.informer.dueAt());
    return due;
  }

  /** Stops every watch and forgets every informer and subscriber (a restart builds them anew). */
  reset(): void {
    this.wakes.clear();
    for (const entry of this.shared.values()) entry.informer.stop();
    this.shared.clear();
  }

  /** Number of distinct watches. */
  get size(): number {
    return this.shared.size;
  }

  toJSON(): { informers: number } {
    return { informers: this.shared.size };
  }
}
