/**
 * The resource quota controller (`pkg/controller/resourcequota`, kube-controller-manager's
 * `resourcequota-controller`): keeps each ResourceQuota's `status.hard` (the spec's hard limits)
 * and `status.used` (what the namespace's objects use of them) up to date.
 *
 * Its handlers only queue quota keys:
 * - a quota is queued when added, and when its `spec.hard` changes (`addQuota`, `updateQuota`);
 * - the quota monitor's replenishment: when an object a quota may count is deleted, or a pod
 *   becomes terminal (`QuotaV1Pod` turns false), or a Service changes type (`GetQuotaServiceType`:
 *   NodePort, LoadBalancer or neither), or a claim is updated at all (kube's
 *   `RequiresQuotaReplenish` compares two fresh pointers), every quota of its namespace is queued,
 *   so what the admission step charged an update (the difference, never below zero) is corrected
 *   by the recalculation: a LoadBalancer Service made ClusterIP gives its load balancer back. Creates are not watched: the
 *   ResourceQuota admission step charged them already.
 *
 * `syncResourceQuota(key)` re-reads the quota and recalculates (`quota.CalculateUsage`): for each
 * evaluator that measures one of its hard resources, the usage of the namespace's objects that
 * match its scopes (src/api/quota.ts), zero for what nothing uses, masked to the hard
 * resources; the status is written (`UpdateStatus`, a compare-and-swap) only when the hard limits
 * or the usage changed. The monitor watches every namespaced resource the API server serves
 * (events excepted), so `count/<resource>.<group>` quotas are counted for all of them.
 *
 * Not done: the full recalculation of every quota every five minutes (`--resource-quota-sync-period`);
 * here usage is recalculated on the events above only.
 */
import type { KubeObject } from '../../src/api/types.js';
import { isMetricsResource, RESOURCES } from '../../src/api/resources.js';
import { calculateUsage, evaluatorFor, listObject, podCountsForQuota, type QuotaClock, type Usage } from '../../src/api/quota.js';
import { compareQuantities, parseResourceList } from '../../src/api/quantity-math.js';
import { defineController, watch, type ControllerMachine, type HandlerContext, type SyncContext, type WatchChange, type Watches, type WatchSpec } from './controller.js';
import type { Obj } from './util.js';
import { objectKey } from '../../src/api/object-key.js';

/** The controller's name (address `controller-manager/resourcequota`). */
const RESOURCEQUOTA_CONTROLLER = 'resourcequota';

/** The resources the quota monitor watches: every namespaced, listable kind but events. */
const MONITORED = RESOURCES.filter((r) => r.namespaced && !r.virtual && !isMetricsResource(r) && evaluatorFor(r.group, r.plural) !== undefined && r.verbs.includes('watch')).map((r) => ({ group: r.group, resource: r.plural }));

const watchName = (group: string, resource: string) => (group ? `${resource}.${group}` : resource);
const BY_NAMESPACE = 'byNamespace';
const byNamespace = { [BY_NAMESPACE]: (o: KubeObject) => o.metadata?.namespace };

type Ctx = SyncContext<Watches, unknown, Record<string, unknown>>;
type Handler = HandlerContext<Watches, unknown, Record<string, unknown>>;

/** Every quota of a namespace, as keys. */
function quotasOf(namespace: string | undefined, ctx: Handler): string[] {
  if (!namespace) return [];
  return ctx.byIndex('resourcequotas', BY_NAMESPACE, namespace).map((q) => objectKey(q));
}

function sameList(a: Usage, b: Usage): boolean {
  if (a.size !== b.size) return false;
  for (const [k, v] of a) {
    const w = b.get(k);
    if (!w || compareQuantities(v, w) !== 0) return false;
  }
  return true;
}

/** `addQuota`/`updateQuota`: a new quota, or one whose hard limits changed. */
function enqueueQuota({ type, object, old }: WatchChange<KubeObject>): string | undefined {
  const key = objectKey(object);
  if (type === 'added') return key;
  if (type === 'modified' && old && !sameList(parseResourceList((old as Obj).spec?.hard), parseResourceList((object as Obj).spec?.hard))) return key;
  return undefined;
}

/** `GetQuotaServiceType`. */
function quotaServiceType(svc: KubeObject): string {
  const type = (svc as Obj).spec?.type;
  return type === 'NodePort' || type === 'LoadBalancer' ? type : '';
}

/** The quota monitor's update filter and delete replenishment, for one resource. */
function replenish(group: string, resource: string) {
  return (change: WatchChange<KubeObject>, ctx: Handler): string[] | undefined => {
    const { type, object, old } = change;
    const ns = object.metadata?.namespace;
    if (type === 'deleted') return quotasOf(ns, ctx);
    if (type !== 'modified' || !old || group !== '') return undefined;
    let notify = false;
    if (resource === 'pods') {
      const now = ctx.now();
      const never = () => Number.NaN;
      notify = podCountsForQuota(old, now, never) && !podCountsForQuota(object, now, never);
    } else if (resource === 'services') notify = quotaServiceType(old) !== quotaServiceType(object);
    // `RequiresQuotaReplenish` compares the two `Status.AllocatedResources.Storage()` pointers,
    // which are never the same: every update of a claim queues its namespace's quotas
    else if (resource === 'persistentvolumeclaims') notify = true;
    return notify ? quotasOf(ns, ctx) : undefined;
  };
}

const WATCHES: Watches = Object.fromEntries(
  MONITORED.map(({ group, resource }): [string, WatchSpec] => [
    watchName(group, resource),
    resource === 'resourcequotas' && group === ''
      ? watch<KubeObject>({ resource, indexes: byNamespace, enqueue: (change, ctx) => enqueueQuota(change) ?? replenish(group, resource)(change, ctx) })
      : watch<KubeObject>({ resource, ...(group ? { group } : {}), indexes: byNamespace, enqueue: replenish(group, resource) }),
  ]),
);

/** `syncResourceQuota`. */
function syncResourceQuota(key: string, ctx: Ctx): void {
  const quota = ctx.get('resourcequotas', key) as Obj | undefined;
  if (!quota) return;
  const namespace = quota.metadata?.namespace as string;
  const hard = parseResourceList(quota.spec?.hard);
  const oldHard = quota.status?.hard;
  const oldUsed = quota.status?.used;
  const used: Usage = parseResourceList(oldUsed);
  const clock: QuotaClock = { nowMs: ctx.now(), timeOf: (ts) => ctx.timeOf(ts) };
  const fresh = calculateUsage(quota, hard, MONITORED, (group, resource) => ctx.byIndex(watchName(group, resource), BY_NAMESPACE, namespace), clock);
  for (const [k, v] of fresh) used.set(k, v);
  for (const k of [...used.keys()]) if (!hard.has(k)) used.delete(k);
  const dirty = oldHard === undefined || oldUsed === undefined || !sameList(hard, parseResourceList(oldHard)) || !sameList(used, parseResourceList(oldUsed));
  if (!dirty) return;
  ctx.client.updateStatus('resourcequotas', { ...quota, status: { hard: listObject(hard), used: listObject(used) } } as KubeObject);
}

/** The resource quota controller's machine. */
export const resourceQuotaController: ControllerMachine = defineController({
  name: RESOURCEQUOTA_CONTROLLER,
  component: 'resourcequota-controller',
  watches: WATCHES,
  sync: (key, ctx) => syncResourceQuota(key, ctx as unknown as Ctx),
});
