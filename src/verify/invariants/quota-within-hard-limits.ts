/**
 * quota-within-hard-limits (safety): no create admitted under a ResourceQuota takes the usage of
 * its namespace above one of the quota's hard limits, for every resource the quota tracks: `pods`,
 * `cpu`/`requests.cpu`, `memory`/`requests.memory`, `limits.*`, `ephemeral-storage`, hugepages
 * and extended resources of pods; `services`, `services.nodeports`, `services.loadbalancers`;
 * `persistentvolumeclaims`, `requests.storage` and their per-StorageClass forms; `configmaps`,
 * `secrets`, `replicationcontrollers`, `resourcequotas` and every `count/<resource>[.<group>]`
 * (the evaluators of src/api/quota.ts, which the admission step and the quota controller share).
 *
 * Kubernetes' semantics: a quota's `status.used` may be above `spec.hard` (the limit was lowered,
 * or the quota was created over objects that exist); what the `ResourceQuota` admission plugin
 * guarantees is that no create it admits takes usage above the limit (it charges the quota before
 * the object is written, with a compare-and-swap on the quota, and refuses a create while the
 * quota's usage of a resource is unknown). So the invariant is judged at each object's creation in
 * etcd, for the resources the new object uses (a positive amount) and that a quota matching it
 * (its scopes) limits with a known `status.used`: the usage of the namespace's objects that match
 * the quota, summed by the same evaluators, must not exceed the limit once the new object is
 * there. Updates are judged the same way, for what they add. It never blames what kube allows:
 *
 * - objects being deleted, and terminal pods' compute resources, are not counted (fewer than the
 *   plugin's own count), so a lowered limit or a quota over existing objects is never blamed;
 * - the limit is the highest `spec.hard` or `status.hard` the quota had since the namespace's
 *   previous create (the plugin checks `status.hard` as its cache held it when it charged, which a
 *   limit lowered in between does not change);
 * - updates are judged only where the plugin charges them (`Handles`: Services and
 *   PersistentVolumeClaims), for the resources whose usage the update raised (a ClusterIP Service
 *   made NodePort: `services.nodeports`; a claim's expansion: `requests.storage`).
 *
 * It replays etcd's changes in revision order (the history holds them from the cluster's start).
 */
import { RESOURCES, type ResourceInfo } from '../../api/resources.js';
import type { KubeObject } from '../../api/types.js';
import { chargedResources, evaluatorFor, handlesUpdate, usageOf, type QuotaClock, type Usage } from '../../api/quota.js';
import { compareQuantities, formatQuantity, parseResourceList, type Quantity } from '../../api/quantity-math.js';
import type { Cluster } from '../../cluster/create-cluster.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange, type History } from '../history.js';

const NAME = 'quota-within-hard-limits';

type Quota = KubeObject & { spec?: { hard?: Record<string, string> }; status?: { hard?: Record<string, string>; used?: Record<string, string> } };

interface QuotaEntry {
  quota: Quota;
  /** Per resource, the highest hard limit it had since the namespace's previous create. */
  limit: Usage;
}

interface State {
  cursor: number;
  /** Per namespace, per resource (its etcd prefix), the objects that exist and are not being deleted. */
  objects: Map<string, Map<string, Map<string, KubeObject>>>;
  /** Per namespace, its quotas by name. */
  quotas: Map<string, Map<string, QuotaEntry>>;
}

const init = (): State => ({ cursor: 0, objects: new Map(), quotas: new Map() });

/** The namespaced, stored resources quota evaluates, longest etcd prefix first. */
const MEASURED: readonly ResourceInfo[] = RESOURCES.filter((r) => r.namespaced && !r.virtual).sort((a, b) => b.etcdPrefix.length - a.etcdPrefix.length);

function resourceOf(key: string): ResourceInfo | undefined {
  const info = MEASURED.find((r) => key.startsWith(r.etcdPrefix));
  return info && evaluatorFor(info.group, info.plural) ? info : undefined;
}

/** The quota's hard limits: the higher of `spec.hard` and `status.hard` for each resource. */
function hardOf(quota: Quota): Usage {
  const out: Usage = parseResourceList(quota.spec?.hard);
  for (const [k, v] of parseResourceList(quota.status?.hard)) {
    const cur = out.get(k);
    if (!cur || compareQuantities(v, cur) > 0) out.set(k, v);
  }
  return out;
}

function raise(limit: Usage, hard: Usage): void {
  for (const [k, v] of hard) {
    const cur = limit.get(k);
    if (!cur || compareQuantities(v, cur) > 0) limit.set(k, v);
  }
}

function add(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.format };
}

export const quotaWithinHardLimits: Invariant = {
  name: NAME,
  kind: 'safety',
  description: "no create (or update of a Service or claim) admitted under a ResourceQuota takes the namespace's usage of a resource the quota limits above its hard limit",
  check(cluster: Cluster, history: History) {
    const state = history.scratch(NAME, init);
    const out: Violation[] = [];
    forEachChange(history, state, ({ change, revision, seenAt }) => {
      const key = change.kv.key;
      const info = resourceOf(key);
      if (!info) return;
      const rest = key.slice(info.etcdPrefix.length);
      const ns = rest.slice(0, rest.indexOf('/'));
      const byResource = state.objects.get(ns) ?? new Map<string, Map<string, KubeObject>>();
      state.objects.set(ns, byResource);
      const objects = byResource.get(info.etcdPrefix) ?? new Map<string, KubeObject>();
      byResource.set(info.etcdPrefix, objects);
      const obj = change.kv.value;
      const isQuota = info.plural === 'resourcequotas' && info.group === '';
      const deleting = change.kind === 'delete' || !!obj.metadata?.deletionTimestamp;
      if (deleting) objects.delete(rest);
      else objects.set(rest, obj);
      if (change.kind === 'put' && (!change.prev || handlesUpdate(info.group, info.plural))) {
        const clock: QuotaClock = { nowMs: seenAt, timeOf: (ts) => cluster.kernel.timeOf(ts) };
        out.push(...judge(state, ns, info, rest, obj, change.prev?.value, objects, clock, revision, seenAt));
      }
      if (isQuota) {
        const quotas = state.quotas.get(ns) ?? new Map<string, QuotaEntry>();
        state.quotas.set(ns, quotas);
        const name = rest.slice(ns.length + 1);
        if (change.kind === 'delete') quotas.delete(name);
        else {
          const entry = quotas.get(name) ?? { quota: obj, limit: new Map() };
          entry.quota = obj;
          raise(entry.limit, hardOf(entry.quota));
          quotas.set(name, entry);
        }
      }
    });
    return out;
  },
};

/**
 * Judges the creation of `obj` (or its update from `prev`) against the namespace's quotas, then
 * resets their limits to the current ones.
 */
function judge(state: State, ns: string, info: ResourceInfo, rest: string, obj: KubeObject, prev: KubeObject | undefined, objects: Map<string, KubeObject>, clock: QuotaClock, revision: number, seenAt: number): Violation[] {
  const quotas = state.quotas.get(ns);
  if (!quotas || quotas.size === 0) return [];
  const out: Violation[] = [];
  const usage = usageOf(info.group, info.plural, obj, clock);
  const before = prev ? usageOf(info.group, info.plural, prev, clock) : new Map<string, Quantity>();
  const grew = (r: string) => (usage.get(r)?.nanos ?? 0n) > (before.get(r)?.nanos ?? 0n);
  for (const [name, entry] of quotas) {
    const used = entry.quota.status?.used ?? {};
    const resources = chargedResources(entry.quota, entry.limit.keys(), info.group, info.plural, obj).filter((r) => grew(r) && used[r] !== undefined).sort();
    for (const r of resources) {
      let total: Quantity = { nanos: 0n, format: 'DecimalSI' };
      for (const other of objects.values()) {
        if (!chargedResources(entry.quota, [r], info.group, info.plural, other).includes(r)) continue;
        const q = usageOf(info.group, info.plural, other, clock).get(r);
        if (q) total = add(total, q);
      }
      const limit = entry.limit.get(r)!;
      if (compareQuantities(total, limit) <= 0) continue;
      const kind = info.group ? `${info.plural}.${info.group}` : info.plural;
      out.push(
        violation(
          NAME,
          `${kind} ${rest} was ${prev ? 'updated' : 'created'} at revision ${revision} while ResourceQuota ${ns}/${name} limits ${r} to ${formatQuantity(limit)}: the namespace's objects use ${formatQuantity(total)} of it now (status.used.${r} ${used[r]})`,
          seenAt,
        ),
      );
    }
  }
  for (const entry of quotas.values()) entry.limit = hardOf(entry.quota);
  return out;
}
