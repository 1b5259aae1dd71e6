/**
 * The Deployment controller's helpers (`pkg/controller/deployment/util/deployment_util.go`): the
 * annotations a ReplicaSet carries, revisions, surge and unavailability, proportional shares,
 * conditions, the status a Deployment's ReplicaSets add up to, and `kubectl rollout status`.
 */
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../../../src/api/types.js';
import { byCreation, clone, deepEqual, type Obj } from '../util.js';

/** Label added to a ReplicaSet's selector and template: the hash of the Deployment's pod template. */
export const POD_TEMPLATE_HASH_LABEL = 'pod-template-hash';
/** The rollout sequence number of a ReplicaSet (and of its Deployment). */
export const REVISION_ANNOTATION = 'deployment.kubernetes.io/revision';
/** Earlier revisions a ReplicaSet served (after rollbacks). */
export const REVISION_HISTORY_ANNOTATION = 'deployment.kubernetes.io/revision-history';
/** `spec.replicas` of the Deployment when it last scaled the ReplicaSet. */
export const DESIRED_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/desired-replicas';
/** `spec.replicas + maxSurge` when it last scaled the ReplicaSet. */
const MAX_REPLICAS_ANNOTATION = 'deployment.kubernetes.io/max-replicas';

const SKIP_ANNOTATIONS = new Set([
  'kubectl.kubernetes.io/last-applied-configuration',
  REVISION_ANNOTATION,
  REVISION_HISTORY_ANNOTATION,
  DESIRED_REPLICAS_ANNOTATION,
  MAX_REPLICAS_ANNOTATION,
  'deprecated.deployment.rollback.to',
]);

/** Condition reasons of a Deployment, as `deploymentutil` names them. */
export const Reasons = {
  ReplicaSetUpdated: 'ReplicaSetUpdated',
  FailedRSCreate: 'ReplicaSetCreateError',
  NewReplicaSet: 'NewReplicaSetCreated',
  FoundNewRS: 'FoundNewReplicaSet',
  NewRSAvailable: 'NewReplicaSetAvailable',
  TimedOut: 'ProgressDeadlineExceeded',
  Paused: 'DeploymentPaused',
  Resumed: 'DeploymentResumed',
  MinimumReplicasAvailable: 'MinimumReplicasAvailable',
  MinimumReplicasUnavailable: 'MinimumReplicasUnavailable',
} as const;

const MAX_REV_HISTORY_CHARS = 2000;
export const MAX_INT32 = 2147483647;

export type D = Deployment & Obj;
export type RS = ReplicaSet & Obj;

export interface DeploymentCondition {
  type: string;
  status: string;
  lastUpdateTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

// ---- pure helpers (deploymentutil) -------------------------------------------------------------

/**
 * `intstr.GetScaledValueFromIntOrPercent`: an int as is, `"25%"` of `total` rounded up or down.
 * @throws Error for a malformed value.
 */
export function valueFromIntOrPercent(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const m = /^(\d+)%$/.exec(value);
  if (!m) {
    if (/^\d+$/.test(value)) return Number(value);
    throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  }
  const v = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(v) : Math.floor(v);
}

/** `ResolveFenceposts`: maxSurge (rounded up) and maxUnavailable (rounded down); both 0 gives 1 unavailable. */
export function resolveFenceposts(maxSurge: number | string | undefined, maxUnavailable: number | string | undefined, desired: number): { surge: number; unavailable: number } {
  const surge = valueFromIntOrPercent(maxSurge ?? 0, desired, true);
  let unavailable = valueFromIntOrPercent(maxUnavailable ?? 0, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export function replicasOf(obj: { spec?: { replicas?: number } } | undefined): number {
  return obj?.spec?.replicas ?? 1;
}

export function isRollingUpdate(d: D): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** `MaxSurge`: the surge a rolling Deployment may take (0 for Recreate). */
export function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d as D)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d)).surge;
}

/** `MaxUnavailable`: the pods a rolling Deployment may have unavailable (0 for Recreate or 0 replicas). */
export function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d as D) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const u = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas).unavailable;
  return Math.min(u, replicas);
}

/** The revision number of a ReplicaSet (0 when it has none). */
export function revisionOf(obj: KubeObject): number {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : NaN;
}

export function maxRevision(rss: readonly RS[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (Number.isFinite(v) && v > max) max = v;
  }
  return max;
}

/** `EqualIgnoreHash`: two pod templates are equal but for the pod-template-hash label. */
export function equalIgnoreHash(a: unknown, b: unknown): boolean {
  const strip = (t: unknown): Obj => {
    const c = clone((t ?? {}) as Obj);
    const labels = c.metadata?.labels;
    if (labels) {
      delete labels[POD_TEMPLATE_HASH_LABEL];
      if (Object.keys(labels).length === 0) delete c.metadata!.labels;
    }
    if (c.metadata && Object.keys(c.metadata).length === 0) delete c.metadata;
    return c;
  };
  return deepEqual(strip(a), strip(b));
}

/** `FindNewReplicaSet`: the oldest ReplicaSet with the Deployment's template. */
export function findNewReplicaSet(d: D, rss: readonly RS[]): RS | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

export function sumReplicas(rss: readonly (RS | undefined)[]): number {
  let n = 0;
  for (const rs of rss) if (rs) n += replicasOf(rs);
  return n;
}

function sumStatus(rss: readonly (RS | undefined)[], field: 'replicas' | 'readyReplicas' | 'availableReplicas'): number {
  let n = 0;
  for (const rs of rss) if (rs) n += (rs.status?.[field]) ?? 0;
  return n;
}

/** `NewRSNewReplicas`: how many replicas the new ReplicaSet should have now. */
export function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d as D)) return replicas;
  const current = sumReplicas(allRSs as RS[]);
  const maxTotal = replicas + valueFromIntOrPercent(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, replicas, true);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, replicas - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

export function getCondition(status: Obj | undefined, type: string): DeploymentCondition | undefined {
  return (status?.conditions as DeploymentCondition[] | undefined)?.find((c) => c.type === type);
}

export function newCondition(type: string, status: string, reason: string, message: string, now: string): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** `SetDeploymentCondition`: same status and reason → unchanged; same status → keeps lastTransitionTime. */
export function setCondition(status: Obj, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const c = { ...condition };
  if (current && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...((status.conditions as DeploymentCondition[] | undefined) ?? []).filter((x) => x.type !== c.type), c];
}

export function removeCondition(status: Obj, type: string): void {
  const list = (status.conditions as DeploymentCondition[] | undefined)?.filter((c) => c.type !== type);
  if (list && list.length > 0) status.conditions = list;
  else delete status.conditions;
}

export function hasProgressDeadline(d: D): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== MAX_INT32;
}

function omitZero(status: Obj, field: string, value: number): void {
  if (value) status[field] = value;
  else delete status[field];
}

/** `calculateStatus`: the counts and the Available condition of a Deployment from its ReplicaSets. */
export function calculateDeploymentStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: string): Obj {
  const rss = allRSs as (RS | undefined)[];
  const available = sumStatus(rss, 'availableReplicas');
  const total = sumReplicas(rss);
  const unavailable = Math.max(0, total - available);
  const old = (d.status ?? {}) as Obj;
  const status: Obj = {};
  if (d.metadata?.generation !== undefined) status.observedGeneration = d.metadata.generation;
  omitZero(status, 'replicas', sumStatus(rss, 'replicas'));
  omitZero(status, 'updatedReplicas', sumStatus([newRS as RS | undefined], 'replicas'));
  omitZero(status, 'readyReplicas', sumStatus(rss, 'readyReplicas'));
  omitZero(status, 'availableReplicas', available);
  omitZero(status, 'unavailableReplicas', unavailable);
  if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
  if (Array.isArray(old.conditions) && old.conditions.length > 0) status.conditions = (old.conditions as DeploymentCondition[]).map((c) => ({ ...c }));
  if (available >= replicasOf(d) - maxUnavailable(d)) {
    setCondition(status, newCondition('Available', 'True', Reasons.MinimumReplicasAvailable, 'Deployment has minimum availability.', now));
  } else {
    setCondition(status, newCondition('Available', 'False', Reasons.MinimumReplicasUnavailable, 'Deployment does not have minimum availability.', now));
  }
  return status;
}

/** `DeploymentComplete`: every desired replica is updated and available, and no old pod runs. */
export function deploymentComplete(d: Deployment, status: Obj): boolean {
  const replicas = replicasOf(d);
  return (
    (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

export function deploymentProgressing(d: D, next: Obj): boolean {
  const old = (d.status ?? {}) as Obj;
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (next.replicas ?? 0) - (next.updatedReplicas ?? 0);
  return (
    (next.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (next.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (next.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** The result of {@link rolloutStatus}: kubectl's message, whether the rollout is done, and an error. */
export interface RolloutStatus {
  message: string;
  done: boolean;
  error?: string;
}

/**
 * What `kubectl rollout status deployment/<name>` prints for a Deployment (its
 * `DeploymentStatusViewer`), without the trailing newline.
 *
 * @example
 * rolloutStatus(d) // { message: 'Waiting for deployment "web" rollout to finish: 1 of 3 updated replicas are available...', done: false }
 */
export function rolloutStatus(d: Deployment): RolloutStatus {
  const name = d.metadata?.name ?? '';
  const s = (d.status ?? {}) as Obj;
  if ((d.metadata?.generation ?? 0) <= (s.observedGeneration ?? 0)) {
    const cond = getCondition(s, 'Progressing');
    if (cond?.reason === Reasons.TimedOut) {
      const error = `deployment "${name}" exceeded its progress deadline`;
      return { message: error, done: false, error };
    }
    const updated = s.updatedReplicas ?? 0;
    const replicas = d.spec?.replicas;
    if (replicas !== undefined && replicas !== null && updated < replicas) {
      return { message: `Waiting for deployment "${name}" rollout to finish: ${updated} out of ${replicas} new replicas have been updated...`, done: false };
    }
    if ((s.replicas ?? 0) > updated) {
      return { message: `Waiting for deployment "${name}" rollout to finish: ${(s.replicas ?? 0) - updated} old replicas are pending termination...`, done: false };
    }
    if ((s.availableReplicas ?? 0) < updated) {
      return { message: `Waiting for deployment "${name}" rollout to finish: ${s.availableReplicas ?? 0} of ${updated} updated replicas are available...`, done: false };
    }
    return { message: `deployment "${name}" successfully rolled out`, done: true };
  }
  return { message: 'Waiting for deployment spec update to be observed...', done: false };
}


/** `SetNewReplicaSetAnnotations`: copies the Deployment's annotations, raises the revision; true when changed. */
export function setNewReplicaSetAnnotations(d: D, rs: RS, newRevision: string, exists: boolean): boolean {
  let changed = false;
  const ann: Record<string, string> = { ...(rs.metadata!.annotations ?? {}) };
  for (const [k, v] of Object.entries(d.metadata?.annotations ?? {})) {
    if (SKIP_ANNOTATIONS.has(k) || ann[k] === v) continue;
    ann[k] = v;
    changed = true;
  }
  const oldRevision = ann[REVISION_ANNOTATION];
  const had = oldRevision !== undefined;
  const oldInt = had ? Number(oldRevision) : 0;
  if (had && !Number.isInteger(oldInt)) {
    rs.metadata!.annotations = ann;
    return changed;
  }
  const newInt = Number(newRevision);
  if (oldInt < newInt) {
    ann[REVISION_ANNOTATION] = newRevision;
    changed = true;
  }
  if (had && oldInt < newInt) {
    const history = ann[REVISION_HISTORY_ANNOTATION] ?? '';
    if (history === '') ann[REVISION_HISTORY_ANNOTATION] = oldRevision!;
    else {
      const revs = history.split(',');
      let total = history.length + oldRevision.length + 1;
      let start = 0;
      while (total > MAX_REV_HISTORY_CHARS && start < revs.length) {
        total -= revs[start]!.length + 1;
        start++;
      }
      if (total <= MAX_REV_HISTORY_CHARS) ann[REVISION_HISTORY_ANNOTATION] = [...revs.slice(start), oldRevision].join(',');
    }
  }
  rs.metadata!.annotations = ann;
  if (!exists && setReplicasAnnotations(rs, replicasOf(d), replicasOf(d) + maxSurge(d))) changed = true;
  return changed;
}

export function setReplicasAnnotations(rs: RS, desired: number, max: number): boolean {
  const ann: Record<string, string> = { ...(rs.metadata!.annotations ?? {}) };
  let changed = false;
  if (ann[DESIRED_REPLICAS_ANNOTATION] !== String(desired)) {
    ann[DESIRED_REPLICAS_ANNOTATION] = String(desired);
    changed = true;
  }
  if (ann[MAX_REPLICAS_ANNOTATION] !== String(max)) {
    ann[MAX_REPLICAS_ANNOTATION] = String(max);
    changed = true;
  }
  rs.metadata!.annotations = ann;
  return changed;
}

export function replicasAnnotationsNeedUpdate(rs: RS, desired: number, max: number): boolean {
  const ann = rs.metadata?.annotations;
  if (!ann) return true;
  return ann[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || ann[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** `FindActiveOrLatest`: the only active ReplicaSet, or the newest when none is active; undefined when several are. */
export function findActiveOrLatest(newRS: RS | undefined, oldRSs: RS[]): RS | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const sortedOld = [...oldRSs].sort((a, b) => -byCreation(a, b));
  const active = [...sortedOld, ...(newRS ? [newRS] : [])].filter((rs) => replicasOf(rs) > 0);
  if (active.length === 0) return newRS ?? sortedOld[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** `IsSaturated`: the new ReplicaSet has (and believes it should have) every replica, all available. */
export function isSaturated(d: D, rs: RS): boolean {
  const desired = Number(rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION]);
  const replicas = replicasOf(d);
  return Number.isInteger(desired) && replicasOf(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/** `GetProportion`: a ReplicaSet's share of replicas to add (or remove) in a proportional scale. */
export function getProportion(rs: RS, d: D, toAdd: number, added: number): number {
  if (replicasOf(rs) === 0 || toAdd === 0 || toAdd === added) return 0;
  const fraction = replicaSetFraction(rs, d);
  const allowed = toAdd - added;
  return toAdd > 0 ? Math.min(fraction, allowed) : Math.max(fraction, allowed);
}

function replicaSetFraction(rs: RS, d: D): number {
  if (replicasOf(d) === 0) return -replicasOf(rs);
  const deploymentReplicas = replicasOf(d) + maxSurge(d);
  const annotated = Number(rs.metadata?.annotations?.[MAX_REPLICAS_ANNOTATION]);
  const base = Number.isInteger(annotated) && annotated > 0 ? annotated : d.status?.replicas ?? 0;
  if (!base) return 0;
  const size = (replicasOf(rs) * deploymentReplicas) / base;
  return Math.round(size) - replicasOf(rs);
}

/** `oldPodsRunning`: an old ReplicaSet still reports pods, or one of their pods is not finished. */
export function oldPodsRunning(newRS: RS | undefined, oldRSs: RS[], podMap: Map<string, Pod[]>): boolean {
  if (sumStatus(oldRSs, 'replicas') > 0) return true;
  for (const [uid, pods] of podMap) {
    if (newRS && newRS.metadata?.uid === uid) continue;
    for (const pod of pods) {
      const phase = pod.status?.phase;
      if (phase === 'Failed' || phase === 'Succeeded') continue;
      return true;
    }
  }
  return false;
}
