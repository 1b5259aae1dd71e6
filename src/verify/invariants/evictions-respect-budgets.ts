/**
 * evictions-respect-budgets (safety): an eviction never breaks a budget. Replaying etcd's
 * changes in revision order, every approved eviction (the pod gets the DisruptionTarget condition
 * with reason EvictionByEvictionAPI) of a healthy pod (Ready, not terminating, not evicted
 * already) is checked against each PodDisruptionBudget selecting it, as etcd held them at that
 * revision: the other healthy pods the budget selects must still number at least its
 * desiredHealthy, computed from its spec and the ground truth (an integer minAvailable as is; a
 * percentage, or maxUnavailable, against the summed scale of the pods' ReplicaSets, Deployments,
 * StatefulSets and ReplicationControllers, rounded up as the disruption controller does).
 *
 * The eviction subresource trusts the budget's status, which the disruption controller computed
 * a moment earlier. A shortfall is therefore excused when a selected pod lost its health (became
 * unready, was deleted or marked for deletion, other than by an eviction) after the budget was
 * last recomputed, or a workload of the namespace changed its scale since: that is the race
 * Kubernetes accepts, not a broken budget. Budgets whose pods
 * have no known controller (the expected count cannot be told) are not judged.
 */
import type { KubeObject, Pod } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import type { History } from '../history.js';
import { objectKey } from '../../api/object-key.js';

type Obj = KubeObject & Record<string, any>;

const PREFIX = {
  pods: findResource('pods')!.etcdPrefix,
  pdbs: findResource('poddisruptionbudgets')!.etcdPrefix,
  replicasets: findResource('replicasets')!.etcdPrefix,
  deployments: findResource('deployments')!.etcdPrefix,
  statefulsets: findResource('statefulsets')!.etcdPrefix,
  replicationcontrollers: findResource('replicationcontrollers')!.etcdPrefix,
};
const WATCHED = Object.values(PREFIX);
const NAME = 'evictions-respect-budgets';

interface State {
  cursor: number;
  /** etcd key → object, for the prefixes above. */
  objects: Map<string, Obj>;
  /** Budget key → revision of its last write that was not an eviction's decrement. */
  computedAt: Map<string, number>;
  /** Health lost other than by eviction: revision, namespace, labels (kept bounded). */
  losses: { revision: number; namespace: string; labels: Record<string, string> }[];
  /** Namespace → revision of the last change of a workload's scale (the expected count moved). */
  rescaledAt: Map<string, number>;
}

function evictionMarked(pod: Obj | undefined): boolean {
  return ((pod?.status?.conditions as Obj[] | undefined) ?? []).some((c) => c.type === 'DisruptionTarget' && c.status === 'True' && c.reason === 'EvictionByEvictionAPI');
}

function healthy(pod: Obj | undefined): boolean {
  if (!pod || pod.metadata?.deletionTimestamp || evictionMarked(pod)) return false;
  return ((pod.status?.conditions as Obj[] | undefined) ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** A policy/v1 selector: nil selects nothing, empty everything. */
function selects(pdb: Obj, namespace: string | undefined, labels: Record<string, string> | undefined): boolean {
  const sel = pdb.spec?.selector as Obj | undefined;
  if (!sel || pdb.metadata?.namespace !== namespace) return false;
  const l = labels ?? {};
  for (const [k, v] of Object.entries((sel.matchLabels as Record<string, string> | undefined) ?? {})) if (l[k] !== v) return false;
  for (const e of (sel.matchExpressions as Obj[] | undefined) ?? []) {
    const has = Object.prototype.hasOwnProperty.call(l, e.key);
    const values = (e.values as string[] | undefined) ?? [];
    if (e.operator === 'In' && !(has && values.includes(l[e.key]!))) return false;
    if (e.operator === 'NotIn' && has && values.includes(l[e.key]!)) return false;
    if (e.operator === 'Exists' && !has) return false;
    if (e.operator === 'DoesNotExist' && has) return false;
  }
  return true;
}

function percentOf(v: unknown, total: number): number {
  if (typeof v === 'number') return v;
  return Math.ceil((Number(String(v).replace(/%$/, '')) * total) / 100);
}

/** The scale of a pod's controller (a Deployment's for its ReplicaSets), or undefined when unknown. */
function scaleOf(objects: Map<string, Obj>, pod: Obj): { uid: string; scale: number } | undefined {
  const ref = (pod.metadata?.ownerReferences as Obj[] | undefined)?.find((r) => r.controller === true);
  if (!ref) return undefined;
  const ns = pod.metadata!.namespace!;
  const replicas = (o: Obj) => (typeof o.spec?.replicas === 'number' ? (o.spec.replicas as number) : 1);
  const byKind: Record<string, string> = { ReplicaSet: PREFIX.replicasets, StatefulSet: PREFIX.statefulsets, ReplicationController: PREFIX.replicationcontrollers };
  const prefix = byKind[ref.kind as string];
  if (!prefix) return undefined;
  const owner = objects.get(`${prefix}${ns}/${ref.name}`);
  if (!owner || owner.metadata?.uid !== ref.uid) return undefined;
  const up = (owner.metadata?.ownerReferences as Obj[] | undefined)?.find((r) => r.controller === true && r.kind === 'Deployment');
  if (ref.kind === 'ReplicaSet' && up) {
    const d = objects.get(`${PREFIX.deployments}${ns}/${up.name}`);
    return d && d.metadata?.uid === up.uid ? { uid: up.uid as string, scale: replicas(d) } : undefined;
  }
  return { uid: owner.metadata!.uid!, scale: replicas(owner) };
}

/** The budget's desiredHealthy from its spec and the ground truth, or undefined when it cannot be told. */
function desiredHealthy(objects: Map<string, Obj>, pdb: Obj, pods: readonly Obj[]): number | undefined {
  const { minAvailable, maxUnavailable } = (pdb.spec ?? {}) as Obj;
  if (typeof minAvailable === 'number') return minAvailable;
  if (minAvailable === undefined && maxUnavailable === undefined) return 0;
  const scales = new Map<string, number>();
  for (const pod of pods) {
    const s = scaleOf(objects, pod);
    if (!s) return undefined;
    scales.set(s.uid, s.scale);
  }
  let expected = 0;
  for (const n of scales.values()) expected += n;
  if (minAvailable !== undefined) return percentOf(minAvailable, expected);
  return Math.max(0, expected - percentOf(maxUnavailable, expected));
}

function check(history: History, now: number): Violation[] {
  const state = history.scratch<State>(NAME, () => ({ cursor: 0, objects: new Map(), computedAt: new Map(), losses: [], rescaledAt: new Map() }));
  const out: Violation[] = [];
  const { changes } = history;
  for (let i = state.cursor; i < changes.length; i++) {
    const { change, revision } = changes[i]!;
    const key = change.kv.key;
    if (!WATCHED.some((p) => key.startsWith(p))) continue;
    const prev = state.objects.get(key);
    const next = change.kind === 'delete' ? undefined : (change.kv.value as Obj);
    if (key.startsWith(PREFIX.pdbs) && next) {
      const before = (prev?.status?.disruptedPods as Record<string, string> | undefined) ?? {};
      const after = (next.status?.disruptedPods as Record<string, string> | undefined) ?? {};
      const decrement = prev !== undefined && Object.keys(after).some((p) => !(p in before)) && next.status?.disruptionsAllowed === (prev.status?.disruptionsAllowed ?? 0) - 1;
      if (!decrement) state.computedAt.set(key, revision);
    }
    if (!key.startsWith(PREFIX.pods) && !key.startsWith(PREFIX.pdbs) && prev?.spec?.replicas !== next?.spec?.replicas) {
      state.rescaledAt.set(String((next ?? prev)?.metadata?.namespace), revision);
    }
    if (key.startsWith(PREFIX.pods) && healthy(prev)) {
      if (next && evictionMarked(next)) out.push(...checkEviction(state, prev!, revision, now));
      else if (!healthy(next) || JSON.stringify(next?.metadata?.labels ?? {}) !== JSON.stringify(prev!.metadata?.labels ?? {})) {
        state.losses.push({ revision, namespace: prev!.metadata!.namespace!, labels: prev!.metadata?.labels ?? {} });
        if (state.losses.length > 5_000) state.losses.splice(0, state.losses.length - 5_000);
      }
    }
    if (next) state.objects.set(key, next);
    else state.objects.delete(key);
  }
  state.cursor = changes.length;
  return out;
}

/** The eviction of `pod` (healthy until `revision`) against each budget selecting it. */
function checkEviction(state: State, pod: Obj, revision: number, now: number): Violation[] {
  const out: Violation[] = [];
  const ns = pod.metadata!.namespace!;
  for (const [pdbKey, pdb] of state.objects) {
    if (!pdbKey.startsWith(PREFIX.pdbs) || !selects(pdb, ns, pod.metadata?.labels)) continue;
    const selected = [...state.objects.entries()].filter(([k, o]) => k.startsWith(PREFIX.pods) && selects(pdb, o.metadata?.namespace, o.metadata?.labels)).map(([, o]) => o);
    const desired = desiredHealthy(state.objects, pdb, selected);
    if (desired === undefined) continue;
    const left = selected.filter((o) => o.metadata?.uid !== pod.metadata?.uid && healthy(o)).length;
    if (left >= desired) continue;
    const since = state.computedAt.get(pdbKey) ?? 0;
    const raced = state.losses.some((l) => l.revision > since && selects(pdb, l.namespace, l.labels)) || (state.rescaledAt.get(ns) ?? 0) > since;
    if (raced) continue;
    out.push(
      violation(
        NAME,
        `the eviction of pod ${objectKey(pod as Pod)} (revision ${revision}) left PodDisruptionBudget ${objectKey(pdb)} with ${left} healthy pods, below its desiredHealthy ${desired} (its status after the eviction: disruptionsAllowed ${pdb.status?.disruptionsAllowed ?? 0}, currentHealthy ${pdb.status?.currentHealthy ?? 0})`,
        now,
      ),
    );
  }
  return out;
}

export const evictionsRespectBudgets: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'an eviction never breaks a budget: approved evictions leave every selecting PodDisruptionBudget at least its desiredHealthy healthy pods',
  check: (cluster, history) => check(history, cluster.now()),
};
