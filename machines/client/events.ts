/**
 * The event recorder: components report what happened to an object (Scheduled, Pulled,
 * FailedScheduling, SuccessfulCreate, ...) as core/v1 Events through the API server, which is
 * what `kubectl describe` shows under "Events:".
 */
import type { KubeObject } from '../../src/api/types.js';
import type { ApiClient } from './api-client.js';

/** Which events a recorder sends: all, only warnings, or none (large benchmarks). */
export type EventLevel = 'all' | 'warnings' | 'none';

/** Records Events for one component. */
export class EventRecorder {
  private seq = 0;

  constructor(
    private readonly client: ApiClient,
    /** `source.component` / `reportingComponent` (`default-scheduler`, `kubelet`). */
    readonly component: string,
    /** `source.host` (the node, for kubelets). */
    readonly host: string | undefined,
    /** Which events to send. */
    public level: EventLevel = 'all',
  ) {}

  /** Records an event about `obj`. */
  record(obj: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, action?: string): void {
    if (this.level === 'none' || (this.level === 'warnings' && type === 'Normal')) return;
    const m = obj.metadata ?? {};
    const namespace = m.namespace ?? 'default';
    const now = this.client.port.timestamp();
    const name = `${m.name}.${(this.client.port.rng.nextUint32() >>> 0).toString(16).padStart(8, '0')}${(++this.seq).toString(16)}`;
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
