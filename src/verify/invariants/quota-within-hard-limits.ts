/**
 * quota-within-hard-limits (safety): no pod create admitted while a ResourceQuota of its
 * namespace counts pods takes the namespace's pods above the quota's `spec.hard.pods`.
 *
 * Kubernetes' semantics: a quota's `status.used` may be above `spec.hard` (the limit was lowered,
 * or the quota was created over objects that exist); what the `ResourceQuota` admission plugin
 * guarantees is that no create it admits takes usage above the limit (it charges the quota
 * before the object is written, with a compare-and-swap on the quota). So the invariant is
 * judged at each pod's creation in etcd, over the quotas whose usage is known (`status.used.pods`
 * set: without it the plugin refuses the create, `status unknown for quota`): the pods of the
 * namespace that count (not Succeeded or Failed, not being deleted: fewer than the plugin's own
 * count, so a lowered limit or a quota over existing pods is never blamed) must not exceed the
 * limit once the new pod is there. Only the `pods` resource is judged (the workload's quotas
 * limit only it).
 *
 * It replays etcd's changes in revision order (the history holds them from the cluster's start).
 */
import { findResource } from '../../api/resources.js';
import type { KubeObject, Pod } from '../../api/types.js';
import { parseQuantity } from '../../api/quantity.js';
import type { Cluster } from '../../cluster/create-cluster.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import type { History } from '../history.js';

const NAME = 'quota-within-hard-limits';
const PODS = findResource('pods')!.etcdPrefix;
const QUOTAS = findResource('resourcequotas')!.etcdPrefix;

type Quota = KubeObject & { spec?: { hard?: Record<string, string> }; status?: { used?: Record<string, string> } };

interface State {
  cursor: number;
  /** Per namespace, the pods that count (`namespace/name`). */
  counted: Map<string, Set<string>>;
  /** Per namespace, its quotas (`namespace/name` → the quota). */
  quotas: Map<string, Map<string, Quota>>;
}

const init = (): State => ({ cursor: 0, counted: new Map(), quotas: new Map() });

function namespaceOf(rest: string): string {
  return rest.slice(0, rest.indexOf('/'));
}

function counts(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Succeeded' && phase !== 'Failed' && !pod.metadata?.deletionTimestamp;
}

export const quotaWithinHardLimits: Invariant = {
  name: NAME,
  kind: 'safety',
  description: "no pod create admitted under a ResourceQuota takes the namespace's pods above the quota's hard limit",
  check(_cluster: Cluster, history: History) {
    const state = history.scratch(NAME, init);
    const out: Violation[] = [];
    const { changes } = history;
    for (let i = state.cursor; i < changes.length; i++) {
      const { change, revision, seenAt } = changes[i]!;
      const key = change.kv.key;
      if (key.startsWith(QUOTAS)) {
        const rest = key.slice(QUOTAS.length);
        const ns = namespaceOf(rest);
        const quotas = state.quotas.get(ns) ?? new Map<string, Quota>();
        state.quotas.set(ns, quotas);
        if (change.kind === 'delete') quotas.delete(rest);
        else quotas.set(rest, change.kv.value);
        continue;
      }
      if (!key.startsWith(PODS)) continue;
      const rest = key.slice(PODS.length);
      const ns = namespaceOf(rest);
      const counted = state.counted.get(ns) ?? new Set<string>();
      state.counted.set(ns, counted);
      const pod = change.kv.value as Pod;
      if (change.kind === 'delete' || !counts(pod)) {
        counted.delete(rest);
        continue;
      }
      counted.add(rest);
      if (change.prev) continue; // judged at its creation only
      for (const [quotaName, quota] of state.quotas.get(ns) ?? []) {
        const hard = quota.spec?.hard?.pods;
        if (hard === undefined || quota.status?.used?.pods === undefined) continue;
        const limit = parseQuantity(hard);
        if (counted.size > limit) {
          out.push(violation(NAME, `pod ${rest} was created at revision ${revision} while ResourceQuota ${quotaName} limits pods to ${hard}: ${counted.size} pods of namespace ${ns} count now (status.used.pods ${quota.status.used.pods})`, seenAt));
        }
      }
    }
    state.cursor = changes.length;
    return out;
  },
};
