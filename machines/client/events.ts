/**
 * The event recorder: components report what happened to an object (Scheduled, Pulled,
 * FailedScheduling, SuccessfulCreate, ...) as core/v1 Events through the API server, which is
 * what `kubectl describe` shows under "Events:".
 */
import type { KubeObject } from '../../src/api/types.js';
import type { ApiClient } from './api-client.js';

/** Which events a recorder sends: all, only warnings, or none (large benchmarks). */
export type EventLevel = 'all' | 'warnings' | 'none';

/** The most events a recorder remembers for aggregation (client-go's maxLruCacheEntries). */
const MAX_REMEMBERED = 4096;

/**
 * Records Events for one component. A repeat of an event (same object, field, type, reason and
 * message) is not a new Event: as client-go's EventCorrelator does, the recorder patches the one it
 * created with `count + 1` and a new `lastTimestamp` (`kubectl describe` shows `x4 over 2m`).
 */
export class EventRecorder {
  private seq = 0;
  /** Events created, by their identity: name, namespace and count so far. */
  private readonly seen = new Map<string, { name: string; namespace: string; count: number }>();

  constructor(
    private readonly client: ApiClient,
    /** `source.component` / `reportingComponent` (`default-scheduler`, `kubelet`). */
    readonly component: string,
    /** `source.host` (the node, for kubelets). */
    readonly host: string | undefined,
    /** Which events to send. */
    public level: EventLevel = 'all',
  ) {}

  /** True when an event of this type would be sent. */
  wants(type: 'Normal' | 'Warning'): boolean {
    return this.level === 'all' || (this.level === 'warnings' && type === 'Warning');
  }

  /**
   * The suffix of a new Event's name: client-go's `fmt.Sprintf("%v.%x", ref.Name, t.UnixNano())`,
   * so events list (in etcd's key order) in the order they happened. Virtual time has ms; the
   * nanoseconds below are this recorder's sequence (events of one component in one ms keep their
   * order) and a draw of its generator (two components in the same ms do not collide).
   */
  private nameSuffix(): string {
    const ms = BigInt(Math.floor(this.client.port.epoch + this.client.port.now()));
    const sub = BigInt(((++this.seq % 1000) * 1000) + ((this.client.port.rng.nextUint32() >>> 0) % 1000));
    return (ms * 1_000_000n + sub).toString(16);
  }

  /** Records an event about `obj` (`fieldPath`: the part of it, such as `spec.containers{nginx}`). */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, action?: string, fieldPath?: string): void {
    if (!this.wants(type)) return;
    const m = obj.metadata ?? {};
    const namespace = m.namespace ?? 'default';
    const now = this.client.port.timestamp();
    const key = `${obj.kind}\u0000${namespace}\u0000${m.name}\u0000${m.uid ?? ''}\u0000${fieldPath ?? ''}\u0000${type}\u0000${reason}\u0000${message}`;
    const before = this.seen.get(key);
    if (before) {
      before.count++;
      this.seen.delete(key);
      this.seen.set(key, before);
      this.client.request({
        verb: 'patch',
        resource: 'events',
        namespace: before.namespace,
        name: before.name,
        query: { patchType: 'merge' },
        body: { count: before.count, lastTimestamp: now },
      });
      return;
    }
    const name = `${m.name}.${this.nameSuffix()}`;
    if (this.seen.size >= MAX_REMEMBERED) this.seen.delete(this.seen.keys().next().value!);
    this.seen.set(key, { name, namespace, count: 1 });
    this.client.request({
      verb: 'create',
      resource: 'events',
      namespace,
      body: {
        apiVersion: 'v1',
        kind: 'Event',
        metadata: { name, namespace },
        involvedObject: {
          apiVersion: obj.apiVersion,
          kind: obj.kind,
          name: m.name,
          namespace: m.namespace,
          uid: m.uid,
          resourceVersion: m.resourceVersion,
          ...(fieldPath ? { fieldPath } : {}),
        },
        reason,
        message,
        type,
        count: 1,
        firstTimestamp: now,
        lastTimestamp: now,
        source: { component: this.component, ...(this.host ? { host: this.host } : {}) },
        reportingComponent: this.component,
        reportingInstance: this.host ?? this.component,
        ...(action ? { action } : {}),
      },
    });
  }
}
