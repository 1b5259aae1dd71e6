/**
 * The disruption controller (`pkg/controller/disruption/disruption.go`, kube-controller-manager's
 * `disruption-controller`): keeps each PodDisruptionBudget's status, which the eviction
 * subresource reads to allow or refuse an eviction.
 *
 * Its handlers only queue keys: a budget's own changes queue it; a pod's changes queue the
 * budgets that select it (before and after a label change). `sync(key)` re-reads the budget and
 * its pods from the caches (`trySync`):
 * - the pods are those of the namespace its selector matches (policy/v1: an empty selector
 *   matches every pod; none are found → `NoPods` event);
 * - `getExpectedPodCount`: with maxUnavailable, or a percentage minAvailable, the expected count
 *   is the sum of the scales of the pods' controllers (a ReplicaSet, a Deployment through its
 *   ReplicaSet, a ReplicationController, a StatefulSet), and the percentage is rounded up;
 *   desiredHealthy = expected − maxUnavailable (≥ 0) or the scaled minAvailable. With an integer
 *   minAvailable the expected count is the number of pods. Pods without a controller are
 *   unmanaged (`UnmanagedPods` event); a pod whose controller is not found fails the sync
 *   (`found no controllers for pod "…"`, `CalculateExpectedPodCountFailed`);
 * - `buildDisruptedPodMap`: status.disruptedPods entries (written by evictions) of pods that are
 *   not terminating yet and not older than 2 minutes (`DeletionTimeout`) are kept, older ones
 *   dropped with a `NotDeleted` event on the pod; the key is queued again when the next one expires;
 * - `countHealthyPods`: Ready pods, not terminating, not in disruptedPods;
 * - `updatePdbStatus`: disruptionsAllowed = currentHealthy − desiredHealthy (0 when negative or no
 *   pods are expected), observedGeneration, and the DisruptionAllowed condition (SufficientPods /
 *   InsufficientPods); written only when something changed.
 * A sync that fails otherwise sets `failSafe`: disruptionsAllowed 0 and DisruptionAllowed False
 * with reason SyncFailed and the error as message.
 *
 * Stale DisruptionTarget conditions (`stalePodDisruptionQueue`, keys `stale:<namespace>/<name>`):
 * a pod added or updated with a `DisruptionTarget` condition that is True, not set by the kubelet
 * (`TerminationByKubelet`), on a pod that is neither terminating nor in a terminal phase is queued;
 * `syncStalePodDisruption` waits until the condition is 2 minutes old (`stalePodDisruptionTimeout`)
 * and, if the pod still was not deleted, replaces it as `UpdatePodCondition` does with
 * `{type: DisruptionTarget, status: False}` (a new lastTransitionTime; reason and message gone).
 *
 * Not done: the generic scale subresource finder (custom resources); a pod whose controller is
 * neither of the four kinds fails the sync as when the real finder finds no scale.
 */
import type { KubeObject, Pod } from '../../src/api/types.js';
import { budgetSelectsPod, conditionsAreUpToDate, disruptionAllowedConditions, DISRUPTED_POD_TIMEOUT_MS, withCondition } from '../../src/api/disruption-budget.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { controllerRefOf, deepEqual, isPodReady, type Obj } from './util.js';
import { objectKey } from '../../src/api/object-key.js';

/** The controller's name (address `controller-manager/disruption`). */
const DISRUPTION_CONTROLLER = 'disruption';

/** `stalePodDisruptionTimeout`: how long a DisruptionTarget condition may stand on a pod that is not deleted. */
const STALE_POD_DISRUPTION_TIMEOUT_MS = 120_000;

/** The prefix of the stale-condition queue's keys. */
const STALE = 'stale:';

type PdbObj = KubeObject & { spec?: Obj; status?: Obj };


type DisruptionWatches = {
  pdbs: ReturnType<typeof watch<PdbObj>>;
  pods: ReturnType<typeof watch<Pod>>;
  replicasets: ReturnType<typeof watch<Obj>>;
  deployments: ReturnType<typeof watch<Obj>>;
  statefulsets: ReturnType<typeof watch<Obj>>;
  replicationcontrollers: ReturnType<typeof watch<Obj>>;
};
type Ctx = SyncContext<DisruptionWatches & Watches, unknown, Record<string, unknown>>;

/** `GetScaledValueFromIntOrPercent`: an integer as is, a percentage of `total` rounded up or down. */
export function scaledValue(v: unknown, total: number, roundUp: boolean): number {
  if (typeof v === 'number') return v;
  const percent = Number(String(v).replace(/%$/, ''));
  const exact = (percent * total) / 100;
  return roundUp ? Math.ceil(exact) : Math.floor(exact);
}

/** The scale (and uid) of a pod's controller, by the finders of the real controller; undefined when none knows it. */
function controllerScale(ctx: Ctx, namespace: string, ref: { kind: string; name: string; uid: string }): { uid: string; scale: number } | undefined {
  const replicas = (o: Obj) => (typeof o.spec?.replicas === 'number' ? (o.spec.replicas as number) : 1);
  if (ref.kind === 'ReplicaSet') {
    const rs = ctx.get('replicasets', `${namespace}/${ref.name}`);
    if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
    const owner = controllerRefOf(rs);
    if (owner?.kind === 'Deployment') {
      // getPodDeployment: the Deployment's scale
      const d = ctx.get('deployments', `${namespace}/${owner.name}`);
      if (!d || d.metadata?.uid !== owner.uid) return undefined;
      return { uid: d.metadata.uid, scale: replicas(d) };
    }
    return { uid: rs.metadata.uid, scale: replicas(rs) };
  }
  const watchOf: Record<string, 'replicationcontrollers' | 'statefulsets'> = { ReplicationController: 'replicationcontrollers', StatefulSet: 'statefulsets' };
  const w = watchOf[ref.kind];
  if (!w) return undefined;
  const c = ctx.get(w, `${namespace}/${ref.name}`);
  if (!c || c.metadata?.uid !== ref.uid) return undefined;
  return { uid: c.metadata.uid, scale: replicas(c) };
}

/** `getExpectedScale`: the sum of the scales of the pods' controllers, and the pods without one. */
function expectedScale(ctx: Ctx, pods: readonly Pod[]): { expected: number; unmanaged: string[] } | { error: string } {
  const scales = new Map<string, number>();
  const unmanaged: string[] = [];
  for (const pod of pods) {
    const ref = controllerRefOf(pod);
    if (!ref) {
      unmanaged.push(pod.metadata!.name!);
      continue;
    }
    if (scales.has(ref.uid)) continue;
    const found = controllerScale(ctx, pod.metadata!.namespace!, ref);
    if (!found) return { error: `found no controllers for pod "${pod.metadata!.name}"` };
    scales.set(found.uid, found.scale);
  }
  let expected = 0;
  for (const n of scales.values()) expected += n;
  return { expected, unmanaged };
}

/** `getExpectedPodCount`: expectedCount and desiredHealthy of the budget. */
function expectedPodCount(ctx: Ctx, pdb: PdbObj, pods: readonly Pod[]): { expected: number; desired: number; unmanaged: string[] } | { error: string } {
  const spec = pdb.spec ?? {};
  if (spec.maxUnavailable !== undefined && spec.maxUnavailable !== null) {
    const r = expectedScale(ctx, pods);
    if ('error' in r) return r;
    const maxUnavailable = scaledValue(spec.maxUnavailable, r.expected, true);
    return { expected: r.expected, desired: Math.max(0, r.expected - maxUnavailable), unmanaged: r.unmanaged };
  }
  if (spec.minAvailable !== undefined && spec.minAvailable !== null) {
    if (typeof spec.minAvailable === 'number') return { expected: pods.length, desired: spec.minAvailable, unmanaged: [] };
    const r = expectedScale(ctx, pods);
    if ('error' in r) return r;
    return { expected: r.expected, desired: scaledValue(spec.minAvailable, r.expected, true), unmanaged: r.unmanaged };
  }
  return { expected: 0, desired: 0, unmanaged: [] };
}

/** The selector as `labels.Selector.String()` prints it (for the UnmanagedPods event). */
function selectorText(sel: unknown): string {
  if (typeof sel !== 'object' || sel === null) return '<none>';
  const s = sel as Obj;
  const parts = Object.keys((s.matchLabels as Record<string, string> | undefined) ?? {})
    .sort()
    .map((k) => `${k}=${(s.matchLabels as Record<string, string>)[k]}`);
  for (const e of (s.matchExpressions as Obj[] | undefined) ?? []) {
    const values = [...((e.values as string[] | undefined) ?? [])].sort().join(',');
    if (e.operator === 'In') parts.push(`${e.key} in (${values})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${values})`);
    else if (e.operator === 'Exists') parts.push(String(e.key));
    else if (e.operator === 'DoesNotExist') parts.push(`!${e.key}`);
  }
  return parts.join(',');
}

/**
 * `nonTerminatingPodHasStaleDisruptionCondition`'s first half: a True DisruptionTarget condition
 * not set by the kubelet, on a pod neither terminating nor finished.
 */
function disruptionConditionOf(pod: Pod): { lastTransitionTime?: string } | undefined {
  if (pod.metadata?.deletionTimestamp) return undefined;
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') return undefined;
  const cond = pod.status?.conditions?.find((c) => c.type === 'DisruptionTarget');
  if (!cond || cond.status !== 'True' || cond.reason === 'TerminationByKubelet') return undefined;
  return cond;
}

/** `syncStalePodDisruption`: once the condition is older than the timeout, set it to False. */
function syncStalePodDisruption(podKey: string, ctx: Ctx): void {
  const pod = ctx.get('pods', podKey);
  if (!pod) return;
  const cond = disruptionConditionOf(pod);
  if (!cond) return;
  const waitFor = STALE_POD_DISRUPTION_TIMEOUT_MS - (ctx.now() - ctx.timeOf(cond.lastTransitionTime));
  if (waitFor > 0) {
    ctx.requeueAfter(waitFor);
    return;
  }
  const conditions = (pod.status?.conditions ?? []).map((c) => (c.type === 'DisruptionTarget' ? { type: 'DisruptionTarget', status: 'False', lastTransitionTime: ctx.timestamp() } : c));
  ctx.client.updateStatus('pods', { ...pod, status: { ...pod.status, conditions } } as KubeObject, { ignore: [404, 409] });
}

function sync(key: string, ctx: Ctx): void {
  if (key.startsWith(STALE)) {
    syncStalePodDisruption(key.slice(STALE.length), ctx);
    return;
  }
  const pdbKey = key;
  const pdb = ctx.get('pdbs', pdbKey);
  if (!pdb) return;
  const error = trySync(pdb, ctx);
  if (error !== undefined) failSafe(pdb, error, ctx);
}

/** `trySync`; returns the error that makes the sync fail safe, if any. */
function trySync(pdb: PdbObj, ctx: Ctx): string | undefined {
  const pods = ctx.list('pods', (p) => budgetSelectsPod(pdb, p));
  if (pods.length === 0) ctx.recordEvent(pdb, 'Normal', 'NoPods', 'No matching pods found');
  const counted = expectedPodCount(ctx, pdb, pods);
  if ('error' in counted) {
    ctx.recordEvent(pdb, 'Warning', 'CalculateExpectedPodCountFailed', `Failed to calculate the number of expected pods: ${counted.error}`);
    return counted.error;
  }
  if (counted.unmanaged.length > 0) {
    ctx.recordEvent(
      pdb,
      'Warning',
      'UnmanagedPods',
      `Pods selected by this PodDisruptionBudget (selector: ${selectorText(pdb.spec?.selector)}) were found to be unmanaged. As a result, the status of the PDB cannot be calculated correctly, which may result in undefined behavior. To account for these pods please set ".spec.minAvailable" field of the PDB to an integer value.`,
    );
  }
  const now = ctx.now();
  // buildDisruptedPodMap
  const recorded = (pdb.status?.disruptedPods as Record<string, string> | undefined) ?? {};
  const disrupted: Record<string, string> = {};
  let recheck: number | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const at = recorded[pod.metadata!.name!];
    if (at === undefined) continue;
    const expectedDeletion = ctx.timeOf(at) + DISRUPTED_POD_TIMEOUT_MS;
    if (expectedDeletion < now) {
      ctx.recordEvent(pod, 'Warning', 'NotDeleted', `Pod was expected by PDB ${pdb.metadata!.namespace}/${pdb.metadata!.name} to be deleted but it wasn't`);
    } else {
      if (recheck === undefined || expectedDeletion < recheck) recheck = expectedDeletion;
      disrupted[pod.metadata!.name!] = at;
    }
  }
  // countHealthyPods
  let currentHealthy = 0;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    const at = disrupted[pod.metadata!.name!];
    if (at !== undefined && ctx.timeOf(at) + DISRUPTED_POD_TIMEOUT_MS > now) continue;
    if (isPodReady(pod)) currentHealthy++;
  }
  updatePdbStatus(pdb, currentHealthy, counted.desired, counted.expected, disrupted, ctx);
  if (recheck !== undefined) ctx.requeueAfter(recheck - now);
  return undefined;
}

/** `updatePdbStatus`: the new status, written when it differs from the cached one. */
function updatePdbStatus(pdb: PdbObj, currentHealthy: number, desiredHealthy: number, expectedPods: number, disruptedPods: Record<string, string>, ctx: Ctx): void {
  let disruptionsAllowed = currentHealthy - desiredHealthy;
  if (expectedPods <= 0 || disruptionsAllowed <= 0) disruptionsAllowed = 0;
  const st = pdb.status ?? {};
  const generation = pdb.metadata?.generation ?? 0;
  const same =
    st.currentHealthy === currentHealthy &&
    st.desiredHealthy === desiredHealthy &&
    st.expectedPods === expectedPods &&
    st.disruptionsAllowed === disruptionsAllowed &&
    deepEqual(st.disruptedPods ?? {}, disruptedPods) &&
    st.observedGeneration === generation &&
    conditionsAreUpToDate(st);
  if (same) return;
  const status: Obj = { observedGeneration: generation, disruptionsAllowed, currentHealthy, desiredHealthy, expectedPods, conditions: st.conditions };
  if (Object.keys(disruptedPods).length > 0) status.disruptedPods = disruptedPods;
  status.conditions = disruptionAllowedConditions(status, ctx.timestamp());
  ctx.client.updateStatus({ resource: 'poddisruptionbudgets', group: 'policy' }, { ...pdb, status } as KubeObject, { ignore: [404] });
}

/** `failSafe`: no disruption allowed while the budget cannot be computed (DisruptionAllowed False, SyncFailed). */
function failSafe(pdb: PdbObj, error: string, ctx: Ctx): void {
  const status: Obj = { ...(pdb.status ?? {}), disruptionsAllowed: 0 };
  status.conditions = withCondition(status, { type: 'DisruptionAllowed', status: 'False', reason: 'SyncFailed', message: error }, ctx.timestamp());
  ctx.client.updateStatus({ resource: 'poddisruptionbudgets', group: 'policy' }, { ...pdb, status } as KubeObject, { ignore: [404] });
}

/** The budgets of the pod's namespace that select it (`getPdbsForPod`). */
function budgetsOf(pod: Pod, list: (filter: (pdb: PdbObj) => boolean) => PdbObj[]): string[] {
  return list((pdb) => budgetSelectsPod(pdb, pod)).map(objectKey);
}

/** The disruption controller's machine. */
export const disruptionController: ControllerMachine = defineController({
  name: DISRUPTION_CONTROLLER,
  component: 'controllermanager',
  watches: {
    pdbs: watch<PdbObj>({ resource: 'poddisruptionbudgets', group: 'policy' }),
    pods: watch<Pod>({
      resource: 'pods',
      enqueue: ({ object, old }, ctx) => {
        const list = (f: (pdb: PdbObj) => boolean) => (ctx.list as (w: 'pdbs', f: (pdb: PdbObj) => boolean) => PdbObj[])('pdbs', f);
        const keys = new Set(budgetsOf(object, list));
        if (old && !deepEqual(old.metadata?.labels, object.metadata?.labels)) for (const k of budgetsOf(old, list)) keys.add(k);
        const out = [...keys].sort();
        // addPod / updatePod: a pod with a DisruptionTarget condition goes to the stale-condition queue
        if (disruptionConditionOf(object)) out.push(`${STALE}${objectKey(object)}`);
        return out;
      },
    }),
    // the controllers whose scale sets the expected pod count: read from the caches, no handlers
    replicasets: watch<Obj>({ resource: 'replicasets', group: 'apps', enqueue: () => undefined }),
    deployments: watch<Obj>({ resource: 'deployments', group: 'apps', enqueue: () => undefined }),
    statefulsets: watch<Obj>({ resource: 'statefulsets', group: 'apps', enqueue: () => undefined }),
    replicationcontrollers: watch<Obj>({ resource: 'replicationcontrollers', enqueue: () => undefined }),
  },
  sync: (k, ctx) => sync(k, ctx as unknown as Ctx),
});
