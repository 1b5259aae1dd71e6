/**
 * What the eviction subresource and the disruption controller share about PodDisruptionBudgets
 * (policy/v1), after `k8s.io/component-helpers/apps/poddisruptionbudget`: which pods a budget
 * selects, and its DisruptionAllowed condition.
 */
import type { KubeObject } from './types.js';
import { labelSelectorAsSelector } from './label-selector.js';
import { SelectorError } from './selectors.js';

type Obj = KubeObject & Record<string, any>;

/** How long an eviction's entry in status.disruptedPods counts before the pod is expected gone (`DeletionTimeout`, 2 minutes). */
export const DISRUPTED_POD_TIMEOUT_MS = 2 * 60_000;

/**
 * Whether a budget selects a pod: same namespace, and its selector matches the pod's labels. In
 * policy/v1 a nil selector selects nothing and an empty one every pod of the namespace; a
 * selector that does not convert selects no pod (the lister's `GetPodPodDisruptionBudgets`).
 */
export function budgetSelectsPod(pdb: KubeObject, pod: KubeObject): boolean {
  if (pdb.metadata?.namespace !== pod.metadata?.namespace) return false;
  const selector = labelSelectorAsSelector((pdb as Obj).spec?.selector);
  return !(selector instanceof SelectorError) && selector.matches(pod.metadata?.labels);
}

/**
 * `UpdateDisruptionAllowedCondition`: the status's conditions with DisruptionAllowed True
 * (SufficientPods) while disruptions are allowed, else False (InsufficientPods), observing the
 * status's observedGeneration; lastTransitionTime moves only when the condition's status does
 * (`meta.SetStatusCondition`).
 */
export function disruptionAllowedConditions(status: Obj, now: string): Obj[] {
  const allowed = ((status.disruptionsAllowed as number | undefined) ?? 0) > 0;
  return withCondition(status, { type: 'DisruptionAllowed', status: allowed ? 'True' : 'False', reason: allowed ? 'SufficientPods' : 'InsufficientPods', message: '' }, now);
}

/** `meta.SetStatusCondition` of one condition into the status's conditions (observedGeneration from the status). */
export function withCondition(status: Obj, condition: { type: string; status: string; reason: string; message: string }, now: string): Obj[] {
  const conditions = [...((status.conditions as Obj[] | undefined) ?? [])];
  const i = conditions.findIndex((c) => c.type === condition.type);
  const old = i >= 0 ? conditions[i] : undefined;
  const next: Obj = {
    ...condition,
    lastTransitionTime: old && old.status === condition.status && old.lastTransitionTime ? old.lastTransitionTime : now,
    observedGeneration: status.observedGeneration ?? 0,
  };
  if (i >= 0) conditions[i] = next;
  else conditions.push(next);
  return conditions;
}

/** `ConditionsAreUpToDate`: the DisruptionAllowed condition agrees with disruptionsAllowed and the observed generation. */
export function conditionsAreUpToDate(status: Obj): boolean {
  const c = ((status.conditions as Obj[] | undefined) ?? []).find((x) => x.type === 'DisruptionAllowed');
  if (!c || c.observedGeneration !== (status.observedGeneration ?? 0)) return false;
  if (((status.disruptionsAllowed as number | undefined) ?? 0) > 0) return c.status === 'True' && c.reason === 'SufficientPods';
  return c.status === 'False' && c.reason === 'InsufficientPods';
}
