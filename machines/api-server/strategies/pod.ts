/**
 * The pod strategy (`pkg/registry/core/pod/strategy.go`): a new pod is Pending with its QoS class,
 * its affinity terms' `matchLabelKeys` applied; a bound pod's delete waits its grace period; a
 * terminating pod is removed by the kubelet's final delete, never by an update.
 */
import type { Obj, Strategy } from '../strategy.js';
import { isObject as isJsonObject } from '../../../src/api/json-values.js';

/** The pod strategy. */
export const podStrategy: Strategy = {
  generation: true,
  prepareForCreate(obj) {
    obj.status = { phase: 'Pending', qosClass: qosClass(obj) };
    applyMatchLabelKeys(obj);
    applySchedulingGatedCondition(obj);
  },
  // an unbound or finished pod goes at once; otherwise the request's grace period, else the pod's
  gracePeriod(obj, requested) {
    if (!obj.spec?.nodeName) return 0;
    const phase = obj.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') return 0;
    if (requested !== undefined && requested >= 0) return requested;
    return (obj.spec?.terminationGracePeriodSeconds as number | undefined) ?? 30;
  },
  readyToDelete: () => false,
};

/**
 * `applySchedulingGatedCondition`: a pod created with scheduling gates is PodScheduled=False,
 * reason SchedulingGated, until its gates are removed (the scheduler does not queue it before).
 */
function applySchedulingGatedCondition(pod: Obj): void {
  const gates = (pod.spec as Obj | undefined)?.schedulingGates;
  if (!Array.isArray(gates) || gates.length === 0) return;
  const status = pod.status as Obj;
  status.conditions = [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated', message: 'Scheduling is blocked due to non-empty scheduling gates' }];
}

const isObject: (v: unknown) => v is Obj = isJsonObject;

/**
 * kube-apiserver's pod PrepareForCreate (`applyMatchLabelKeysAndMismatchLabelKeys`, the
 * MatchLabelKeysInPodAffinity feature, on by default since v1.31): each pod (anti-)affinity term's
 * `matchLabelKeys` become `key In (value)` and `mismatchLabelKeys` `key NotIn (value)`
 * requirements of its label selector, with the pod's own label values; keys the pod does not
 * carry are left out, and a term without a label selector (which selects nothing) is left alone.
 */
function applyMatchLabelKeys(pod: Obj): void {
  const spec = pod.spec as Obj | undefined;
  const affinity = spec?.affinity as Obj | undefined;
  if (!affinity) return;
  const labels = ((pod.metadata as Obj | undefined)?.labels ?? {}) as Record<string, string>;
  const apply = (term: Obj | undefined): void => {
    if (!term) return;
    const match = (term.matchLabelKeys ?? []) as string[];
    const mismatch = (term.mismatchLabelKeys ?? []) as string[];
    const selector = term.labelSelector as Obj | undefined;
    if ((match.length === 0 && mismatch.length === 0) || !isObject(selector)) return;
    const exprs = [...((selector.matchExpressions ?? []) as Obj[])];
    for (const key of match) if (Object.hasOwn(labels, key)) exprs.push({ key, operator: 'In', values: [labels[key]] });
    for (const key of mismatch) if (Object.hasOwn(labels, key)) exprs.push({ key, operator: 'NotIn', values: [labels[key]] });
    term.labelSelector = { ...selector, matchExpressions: exprs };
  };
  for (const kind of ['podAffinity', 'podAntiAffinity']) {
    const a = affinity[kind] as Obj | undefined;
    if (!a) continue;
    for (const t of (a.requiredDuringSchedulingIgnoredDuringExecution ?? []) as Obj[]) apply(t);
    for (const w of (a.preferredDuringSchedulingIgnoredDuringExecution ?? []) as Obj[]) apply(w.podAffinityTerm as Obj | undefined);
  }
}

/** The QoS class Kubernetes gives a pod from its containers' requests and limits. */
function qosClass(pod: Obj): 'Guaranteed' | 'Burstable' | 'BestEffort' {
  const containers = [...((pod.spec?.containers as Obj[] | undefined) ?? []), ...((pod.spec?.initContainers as Obj[] | undefined) ?? [])];
  let any = false;
  let guaranteed = true;
  for (const c of containers) {
    const req = (c.resources?.requests ?? {}) as Record<string, unknown>;
    const lim = (c.resources?.limits ?? {}) as Record<string, unknown>;
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ['cpu', 'memory']) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r]))) guaranteed = false;
    }
  }
  if (!any) return 'BestEffort';
  return guaranteed ? 'Guaranteed' : 'Burstable';
}
