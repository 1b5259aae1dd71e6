/**
 * The Deployment controller (`pkg/controller/deployment`): a Deployment owns ReplicaSets named
 * `<deployment>-<pod-template-hash>`, one per pod template it has had; the newest ("new") one has
 * the Deployment's template, the others are "old".
 *
 * Each sync, as `syncDeployment`:
 * 1. claims ReplicaSets (adopts matching orphans, releases owned ones that no longer match);
 * 2. a Deployment being deleted only gets its status updated;
 * 3. paused Deployments and scaling events (`deployment.kubernetes.io/desired-replicas` of an active
 *    ReplicaSet differs from `spec.replicas`) are scaled proportionally (`sync`);
 * 4. otherwise the strategy rolls out: `RollingUpdate` scales the new ReplicaSet up within
 *    `replicas + maxSurge` pods (surge rounds up) and old ones down keeping
 *    `replicas - maxUnavailable` available (unavailable rounds down; both 0 resolve to 1
 *    unavailable), cleaning up unhealthy old replicas first; `Recreate` scales every old
 *    ReplicaSet to 0, waits until their pods are gone, then creates / scales up the new one;
 * 5. old ReplicaSets beyond `revisionHistoryLimit` that are scaled to 0 are deleted once the
 *    rollout is complete;
 * 6. status: replicas, updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas,
 *    observedGeneration, collisionCount, and the conditions `Available` (MinimumReplicasAvailable /
 *    MinimumReplicasUnavailable) and `Progressing` (NewReplicaSetCreated, FoundNewReplicaSet,
 *    ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded, ReplicaSetCreateError,
 *    DeploymentPaused, DeploymentResumed).
 *
 * Revisions: the new ReplicaSet gets `deployment.kubernetes.io/revision` = max(old) + 1 (a
 * ReplicaSet rolled back to keeps its former revisions in `revision-history`), and the Deployment
 * carries the revision of its new ReplicaSet.
 *
 * Every write of a cached object is a compare-and-swap on its resourceVersion, so a sync that ran
 * on a stale cache gets 409 and is retried instead of acting twice. One deliberate difference:
 * when it computes how far old ReplicaSets may be scaled down, the controller counts each
 * ReplicaSet's available pods as at most its `spec.replicas`, so a status that has not caught up
 * with a scale-down cannot make it scale down past `maxUnavailable`.
 */
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../../src/api/types.js';
import { labelSelectorFromObject, type LabelSelectorMatcher } from '../../src/api/selectors.js';
import { podTemplateHash } from '../../src/api/defaults.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { byCreation, clone, controllerRefOf, deepEqual, newControllerRef, type Obj } from './util.js';

/** The controller's name (address `controller-manager/deployment`). */
const DEPLOYMENT_CONTROLLER = 'deployment';

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
const Reasons = {
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
const MAX_INT32 = 2147483647;

type D = Deployment & Obj;
type RS = ReplicaSet & Obj;

interface DeploymentCondition {
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

function replicasOf(obj: { spec?: { replicas?: number } } | undefined): number {
  return obj?.spec?.replicas ?? 1;
}

function isRollingUpdate(d: D): boolean {
  return (d.spec?.strategy?.type ?? 'RollingUpdate') === 'RollingUpdate';
}

/** `MaxSurge`: the surge a rolling Deployment may take (0 for Recreate). */
function maxSurge(d: Deployment): number {
  if (!isRollingUpdate(d as D)) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  return resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicasOf(d)).surge;
}

/** `MaxUnavailable`: the pods a rolling Deployment may have unavailable (0 for Recreate or 0 replicas). */
function maxUnavailable(d: Deployment): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d as D) || replicas === 0) return 0;
  const ru = d.spec?.strategy?.rollingUpdate;
  const u = resolveFenceposts(ru?.maxSurge, ru?.maxUnavailable, replicas).unavailable;
  return Math.min(u, replicas);
}

/** The revision number of a ReplicaSet (0 when it has none). */
function revisionOf(obj: KubeObject): number {
  const v = obj.metadata?.annotations?.[REVISION_ANNOTATION];
  if (v === undefined) return 0;
  const n = Number(v);
  return Number.isInteger(n) ? n : NaN;
}

function maxRevision(rss: readonly RS[]): number {
  let max = 0;
  for (const rs of rss) {
    const v = revisionOf(rs);
    if (Number.isFinite(v) && v > max) max = v;
  }
  return max;
}

/** `EqualIgnoreHash`: two pod templates are equal but for the pod-template-hash label. */
function equalIgnoreHash(a: unknown, b: unknown): boolean {
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
function findNewReplicaSet(d: D, rss: readonly RS[]): RS | undefined {
  return [...rss].sort(byCreation).find((rs) => equalIgnoreHash(rs.spec?.template, d.spec?.template));
}

function sumReplicas(rss: readonly (RS | undefined)[]): number {
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
function newRSNewReplicas(d: Deployment, allRSs: readonly ReplicaSet[], newRS: ReplicaSet): number {
  const replicas = replicasOf(d);
  if (!isRollingUpdate(d as D)) return replicas;
  const current = sumReplicas(allRSs as RS[]);
  const maxTotal = replicas + valueFromIntOrPercent(d.spec?.strategy?.rollingUpdate?.maxSurge ?? 0, replicas, true);
  if (current >= maxTotal) return replicasOf(newRS);
  const up = Math.min(maxTotal - current, replicas - replicasOf(newRS));
  return replicasOf(newRS) + up;
}

function getCondition(status: Obj | undefined, type: string): DeploymentCondition | undefined {
  return (status?.conditions as DeploymentCondition[] | undefined)?.find((c) => c.type === type);
}

function newCondition(type: string, status: string, reason: string, message: string, now: string): DeploymentCondition {
  return { type, status, lastUpdateTime: now, lastTransitionTime: now, reason, message };
}

/** `SetDeploymentCondition`: same status and reason → unchanged; same status → keeps lastTransitionTime. */
function setCondition(status: Obj, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  const c = { ...condition };
  if (current && current.status === c.status) c.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...((status.conditions as DeploymentCondition[] | undefined) ?? []).filter((x) => x.type !== c.type), c];
}

function removeCondition(status: Obj, type: string): void {
  const list = (status.conditions as DeploymentCondition[] | undefined)?.filter((c) => c.type !== type);
  if (list && list.length > 0) status.conditions = list;
  else delete status.conditions;
}

function hasProgressDeadline(d: D): boolean {
  const p = d.spec?.progressDeadlineSeconds;
  return p !== undefined && p !== null && p !== MAX_INT32;
}

function omitZero(status: Obj, field: string, value: number): void {
  if (value) status[field] = value;
  else delete status[field];
}

/** `calculateStatus`: the counts and the Available condition of a Deployment from its ReplicaSets. */
function calculateDeploymentStatus(allRSs: readonly (ReplicaSet | undefined)[], newRS: ReplicaSet | undefined, d: Deployment, now: string): Obj {
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
function deploymentComplete(d: Deployment, status: Obj): boolean {
  const replicas = replicasOf(d);
  return (
    (status.updatedReplicas ?? 0) === replicas &&
    (status.replicas ?? 0) === replicas &&
    (status.availableReplicas ?? 0) === replicas &&
    (status.observedGeneration ?? 0) >= (d.metadata?.generation ?? 0)
  );
}

function deploymentProgressing(d: D, next: Obj): boolean {
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

// ---- the controller ---------------------------------------------------------------------------

type DWatches = {
  deployments: ReturnType<typeof watch<Deployment>>;
  replicasets: ReturnType<typeof watch<ReplicaSet>>;
  pods: ReturnType<typeof watch<Pod>>;
};
type DCtx = SyncContext<DWatches & Watches, undefined, Record<string, unknown>>;

const keyOf = (o: KubeObject): string => `${o.metadata?.namespace}/${o.metadata?.name}`;

function selectorOf(obj: { spec?: { selector?: unknown } }): LabelSelectorMatcher | undefined {
  try {
    return labelSelectorFromObject(obj.spec?.selector as never);
  } catch {
    return undefined;
  }
}

type DReader = { get(w: 'deployments', key: string): Deployment | undefined; get(w: 'replicasets', key: string): ReplicaSet | undefined; byIndex(w: string, i: string, v: string): KubeObject[] };

function resolveDeployment(ctx: DReader, rs: KubeObject): Deployment | undefined {
  const ref = controllerRefOf(rs);
  if (!ref || ref.kind !== 'Deployment') return undefined;
  const d = ctx.get('deployments', `${rs.metadata?.namespace}/${ref.name}`);
  return d && d.metadata?.uid === ref.uid ? d : undefined;
}

/** `getDeploymentsForReplicaSet`: Deployments whose selector matches an orphan ReplicaSet. */
function matchingDeployments(ctx: DReader, rs: KubeObject): string[] {
  const out: string[] = [];
  for (const d of ctx.byIndex('deployments', 'byNamespace', rs.metadata?.namespace ?? '')) {
    const sel = selectorOf(d as D);
    if (sel && !sel.isEverything && sel.matches(rs.metadata?.labels)) out.push(keyOf(d));
  }
  return out;
}

/** One sync of one Deployment: the cached objects and the writes, in the order `syncDeployment` does them. */
class DeploymentSync {
  constructor(
    private readonly ctx: DCtx,
    private d: D,
  ) {}

  private get now(): string {
    return this.ctx.timestamp();
  }

  run(): void {
    const { ctx } = this;
    let d = this.d;
    const selector = selectorOf(d);
    if (!selector) return;
    if (selector.isEverything) {
      ctx.recordEvent(d, 'Warning', 'SelectingAll', 'This deployment is selecting all pods. A non-empty selector is required.');
      if ((d.status?.observedGeneration ?? 0) < (d.metadata?.generation ?? 0)) {
        ctx.client.updateStatus('deployments.apps', { ...d, status: { ...(d.status ?? {}), observedGeneration: d.metadata?.generation } } as KubeObject, { ignore: [404] });
      }
      return;
    }
    const rsList = this.claimReplicaSets(selector);
    if (!rsList) return;
    const podMap = this.podsByReplicaSet(rsList);
    if (d.metadata?.deletionTimestamp) return this.syncStatusOnly(rsList);
    if (this.checkPausedConditions()) return;
    d = this.d;
    if (d.spec?.paused) return this.sync(rsList);
    if (this.isScalingEvent(rsList)) return this.sync(rsList);
    if (d.spec?.strategy?.type === 'Recreate') return this.rolloutRecreate(rsList, podMap);
    return this.rolloutRolling(rsList);
  }

  // getReplicaSetsForDeployment: adopt matching orphans, release owned non-matching; claims end the sync
  private claimReplicaSets(selector: LabelSelectorMatcher): RS[] | undefined {
    const { ctx, d } = this;
    const uid = d.metadata!.uid!;
    const owned = ctx.byIndex('replicasets', 'byController', uid) as RS[];
    const claimed: RS[] = [];
    const writes: RS[] = [];
    for (const rs of owned) {
      if (selector.matches(rs.metadata?.labels)) claimed.push(rs);
      else if (!d.metadata?.deletionTimestamp) {
        const copy = clone(rs);
        copy.metadata!.ownerReferences = copy.metadata!.ownerReferences!.filter((r) => r.uid !== uid);
        writes.push(copy);
      }
    }
    if (!d.metadata?.deletionTimestamp) {
      for (const rs of ctx.byIndex('replicasets', 'orphans', d.metadata!.namespace!) as RS[]) {
        if (rs.metadata?.deletionTimestamp || !selector.matches(rs.metadata?.labels)) continue;
        const copy = clone(rs);
        copy.metadata!.ownerReferences = [...(copy.metadata!.ownerReferences ?? []), newControllerRef(d, 'apps/v1', 'Deployment')];
        writes.push(copy);
      }
    }
    if (writes.length > 0) {
      for (const rs of writes) ctx.client.update('replicasets.apps', rs, { ignore: [404, 409] });
      return undefined;
    }
    return claimed;
  }

  private podsByReplicaSet(rsList: RS[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) map.set(rs.metadata!.uid!, this.ctx.byIndex('pods', 'byController', rs.metadata!.uid!));
    return map;
  }

  private syncStatusOnly(rsList: RS[]): void {
    const r = this.getAllReplicaSetsAndSyncRevision(rsList, false);
    if (!r) return;
    this.syncDeploymentStatus([...r.oldRSs, r.newRS], r.newRS);
  }

  /** Adds or replaces the paused/resumed Progressing condition; true when it wrote (the sync ends). */
  private checkPausedConditions(): boolean {
    const d = this.d;
    if (!hasProgressDeadline(d)) return false;
    const status = clone((d.status ?? {}) as Obj);
    const cond = getCondition(status, 'Progressing');
    if (cond?.reason === Reasons.TimedOut) return false;
    const pausedCond = cond?.reason === Reasons.Paused;
    if (d.spec?.paused && !pausedCond) {
      setCondition(status, newCondition('Progressing', 'Unknown', Reasons.Paused, 'Deployment is paused', this.now));
    } else if (!d.spec?.paused && pausedCond) {
      setCondition(status, newCondition('Progressing', 'Unknown', Reasons.Resumed, 'Deployment is resumed', this.now));
    } else return false;
    this.ctx.client.updateStatus('deployments.apps', { ...d, status } as KubeObject, { ignore: [404] });
    return true;
  }

  /** `isScalingEvent`: an active ReplicaSet's desired-replicas annotation differs from spec.replicas. */
  private isScalingEvent(rsList: RS[]): boolean {
    const r = this.classify(rsList);
    for (const rs of [...r.oldRSs, r.newRS]) {
      if (!rs || replicasOf(rs) === 0) continue;
      const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      if (desired === undefined || !/^-?\d+$/.test(desired)) continue;
      if (Number(desired) !== replicasOf(this.d)) return true;
    }
    return false;
  }

  private classify(rsList: RS[]): { newRS: RS | undefined; oldRSs: RS[] } {
    const newRS = findNewReplicaSet(this.d, rsList);
    return { newRS, oldRSs: rsList.filter((rs) => rs !== newRS) };
  }

  /**
   * `getAllReplicaSetsAndSyncRevision`: the new ReplicaSet (created when asked and missing) and the
   * old ones, with revisions synced. Returns undefined when it had to write (the sync ends and
   * the resulting events bring the Deployment back).
   */
  private getAllReplicaSetsAndSyncRevision(rsList: RS[], create: boolean): { newRS: RS | undefined; oldRSs: RS[] } | undefined {
    const { ctx } = this;
    const d = this.d;
    const { newRS: existing, oldRSs } = this.classify(rsList);
    const newRevision = String(maxRevision(oldRSs) + 1);
    if (existing) {
      const rsCopy = clone(existing);
      const annotationsUpdated = setNewReplicaSetAnnotations(d, rsCopy, newRevision, true);
      const minReadyNeedsUpdate = (rsCopy.spec?.minReadySeconds ?? 0) !== (d.spec?.minReadySeconds ?? 0);
      if (annotationsUpdated || minReadyNeedsUpdate) {
        rsCopy.spec = { ...rsCopy.spec!, minReadySeconds: d.spec?.minReadySeconds ?? 0 };
        ctx.client.update('replicasets.apps', rsCopy, { ignore: [404] });
        return undefined;
      }
      const metaUpdate = (d.metadata?.annotations?.[REVISION_ANNOTATION] ?? '') !== (rsCopy.metadata?.annotations?.[REVISION_ANNOTATION] ?? '');
      const status = clone((d.status ?? {}) as Obj);
      let statusUpdate = false;
      if (hasProgressDeadline(d) && !getCondition(status, 'Progressing')) {
        setCondition(status, newCondition('Progressing', 'True', Reasons.FoundNewRS, `Found new replica set "${rsCopy.metadata!.name}"`, this.now));
        statusUpdate = true;
      }
      if (metaUpdate || statusUpdate) {
        this.writeDeployment(metaUpdate ? rsCopy.metadata?.annotations?.[REVISION_ANNOTATION] : undefined, statusUpdate ? status : undefined);
        return undefined;
      }
      return { newRS: existing, oldRSs };
    }
    if (!create) return { newRS: undefined, oldRSs };
    // a new ReplicaSet
    const collisionCount = d.status?.collisionCount;
    const template = clone(d.spec!.template) as Obj;
    const hash = podTemplateHash(d.spec!.template, collisionCount === undefined ? undefined : collisionCount);
    template.metadata = { ...(template.metadata ?? {}), labels: { ...(template.metadata?.labels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash } };
    const selector = clone(d.spec!.selector) as Obj;
    selector.matchLabels = { ...(selector.matchLabels ?? {}), [POD_TEMPLATE_HASH_LABEL]: hash };
    const newRS: RS = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: {
        name: `${d.metadata!.name}-${hash}`,
        namespace: d.metadata!.namespace,
        ownerReferences: [newControllerRef(d, 'apps/v1', 'Deployment')],
        labels: { ...template.metadata.labels },
      },
      spec: { replicas: 0, minReadySeconds: d.spec?.minReadySeconds ?? 0, selector, template },
    } as RS;
    newRS.spec!.replicas = newRSNewReplicas(d, [...oldRSs, newRS], newRS);
    setNewReplicaSetAnnotations(d, newRS, newRevision, false);
    const replicas = newRS.spec!.replicas;
    ctx.client.create('replicasets.apps', d.metadata!.namespace, newRS, {
      ignore: true,
      onResponse: (res) => {
        if (res.code >= 200 && res.code < 300) {
          const created = res.body as RS;
          if (replicas > 0) ctx.recordEvent(d, 'Normal', 'ScalingReplicaSet', `Scaled up replica set ${created.metadata!.name} to ${replicas}`);
          const status = clone((d.status ?? {}) as Obj);
          if (hasProgressDeadline(d)) {
            setCondition(status, newCondition('Progressing', 'True', Reasons.NewReplicaSet, `Created new replica set "${created.metadata!.name}"`, this.now));
          }
          this.writeDeployment(newRevision, deepEqual(status, d.status ?? {}) ? undefined : status);
          return;
        }
        const message = (res.body as { message?: string }).message ?? `code ${res.code}`;
        if (res.code === 409) {
          const existingRS = ctx.get('replicasets', `${d.metadata!.namespace}/${newRS.metadata!.name}`) as RS | undefined;
          if (existingRS && controllerRefOf(existingRS)?.uid === d.metadata!.uid && equalIgnoreHash(d.spec?.template, existingRS.spec?.template)) {
            return { requeueAfter: 0 }; // our own, not yet in the cache
          }
          if (!existingRS) return { error: `replica set ${newRS.metadata!.name} exists but is not in the cache yet` };
          // a hash collision: bump collisionCount and try again
          const status = { ...(d.status ?? {}), collisionCount: (collisionCount ?? 0) + 1 };
          ctx.client.updateStatus('deployments.apps', { ...d, status } as KubeObject, { ignore: [404, 409] });
          return { error: `hash collision for replica set ${newRS.metadata!.name}` };
        }
        if (res.code === 403 && message.includes('because it is being terminated')) return { error: message };
        const msg = `Failed to create new replica set "${newRS.metadata!.name}": ${message}`;
        if (hasProgressDeadline(d)) {
          const status = clone((d.status ?? {}) as Obj);
          setCondition(status, newCondition('Progressing', 'False', Reasons.FailedRSCreate, msg, this.now));
          ctx.client.updateStatus('deployments.apps', { ...d, status } as KubeObject, { ignore: true });
        }
        ctx.recordEvent(d, 'Warning', Reasons.FailedRSCreate, msg);
        return { error: msg };
      },
    });
    return undefined;
  }

  /** Writes the revision annotation (main resource) and then the status (status subresource). */
  private writeDeployment(revision: string | undefined, status: Obj | undefined): void {
    const { ctx } = this;
    const d = this.d;
    const writeStatus = (base: D) => {
      if (status) ctx.client.updateStatus('deployments.apps', { ...base, status } as KubeObject, { ignore: [404] });
    };
    if (revision !== undefined) {
      const copy = clone(d);
      copy.metadata!.annotations = { ...(copy.metadata!.annotations ?? {}), [REVISION_ANNOTATION]: revision };
      ctx.client.update('deployments.apps', copy, {
        ignore: [404],
        onResponse: (res) => {
          if (res.code >= 200 && res.code < 300) writeStatus(res.body as D);
        },
      });
    } else writeStatus(d);
  }

  // ---- rolling update -------------------------------------------------------------------------

  private rolloutRolling(rsList: RS[]): void {
    const r = this.getAllReplicaSetsAndSyncRevision(rsList, true);
    if (!r) return;
    const newRS = r.newRS!;
    let oldRSs = r.oldRSs;
    const d = this.d;
    // scale up, if we can
    const target = this.reconcileNewReplicaSet([...oldRSs, newRS], newRS);
    if (target !== undefined) {
      const scaled = this.scaleReplicaSet(newRS, target);
      this.ctx.afterRequests(() => {
        if (!this.ctx.failed) this.syncRolloutStatus([...oldRSs, scaled], scaled);
      });
      return;
    }
    // scale down, if we can
    const scaledOld = this.reconcileOldReplicaSets([...oldRSs, newRS], oldRSs.filter((rs) => replicasOf(rs) > 0), newRS);
    if (scaledOld) {
      oldRSs = oldRSs.map((rs) => scaledOld.get(rs) ?? rs);
      this.ctx.afterRequests(() => {
        if (!this.ctx.failed) this.syncRolloutStatus([...oldRSs, newRS], newRS);
      });
      return;
    }
    if (deploymentComplete(d, (d.status ?? {}) as Obj)) this.cleanupDeployment(oldRSs);
    this.syncRolloutStatus([...oldRSs, newRS], newRS);
  }

  /** The new ReplicaSet's next size, or undefined when it needs no scaling. */
  private reconcileNewReplicaSet(allRSs: RS[], newRS: RS): number | undefined {
    const d = this.d;
    const want = replicasOf(d);
    const have = replicasOf(newRS);
    if (have === want) return undefined;
    if (have > want) return want;
    const next = newRSNewReplicas(d, allRSs, newRS);
    return next === have ? undefined : next;
  }

  /**
   * `reconcileOldReplicaSets`: scales old ReplicaSets down as far as availability allows (unhealthy
   * replicas first, then oldest first); the scaled copies, or undefined when nothing changed.
   */
  private reconcileOldReplicaSets(allRSs: RS[], activeOld: RS[], newRS: RS): Map<RS, RS> | undefined {
    const d = this.d;
    const oldPods = sumReplicas(activeOld);
    if (oldPods === 0) return undefined;
    const allPods = sumReplicas(allRSs);
    const minAvailable = replicasOf(d) - maxUnavailable(d);
    const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
    const maxScaledDown = allPods - minAvailable - newUnavailable;
    if (maxScaledDown <= 0) return undefined;
    const sortedOld = [...activeOld].sort(byCreation);
    const sizes = sortedOld.map((rs) => replicasOf(rs));
    // cleanupUnhealthyReplicas: scaling down replicas that are not available costs no availability
    let cleaned = 0;
    sortedOld.forEach((rs, i) => {
      if (cleaned >= maxScaledDown || sizes[i] === 0) return;
      const avail = Math.min(rs.status?.availableReplicas ?? 0, sizes[i]!);
      if (sizes[i] === avail) return;
      const down = Math.min(maxScaledDown - cleaned, sizes[i]! - avail);
      sizes[i] = sizes[i]! - down;
      cleaned += down;
    });
    // scaleDownOldReplicaSetsForRollingUpdate: keep minAvailable available
    let available = Math.min(newRS.status?.availableReplicas ?? 0, replicasOf(newRS));
    sortedOld.forEach((rs, i) => (available += Math.min(rs.status?.availableReplicas ?? 0, sizes[i]!)));
    let scaledDown = 0;
    if (available > minAvailable) {
      const total = available - minAvailable;
      sortedOld.forEach((_, i) => {
        if (scaledDown >= total || sizes[i] === 0) return;
        const down = Math.min(sizes[i]!, total - scaledDown);
        sizes[i] = sizes[i]! - down;
        scaledDown += down;
      });
    }
    if (cleaned + scaledDown === 0) return undefined;
    const scaled = new Map<RS, RS>();
    sortedOld.forEach((rs, i) => {
      if (sizes[i] !== replicasOf(rs)) scaled.set(rs, this.scaleReplicaSet(rs, sizes[i]!));
    });
    return scaled;
  }

  // ---- recreate --------------------------------------------------------------------------------

  private rolloutRecreate(rsList: RS[], podMap: Map<string, Pod[]>): void {
    const r = this.getAllReplicaSetsAndSyncRevision(rsList, false);
    if (!r) return;
    const { newRS } = r;
    let { oldRSs } = r;
    const activeOld = oldRSs.filter((rs) => replicasOf(rs) > 0);
    if (activeOld.length > 0) {
      const scaled = new Map<RS, RS>();
      for (const rs of activeOld) scaled.set(rs, this.scaleReplicaSet(rs, 0));
      oldRSs = oldRSs.map((rs) => scaled.get(rs) ?? rs);
      this.ctx.afterRequests(() => {
        if (!this.ctx.failed) this.syncRolloutStatus([...oldRSs, newRS], newRS);
      });
      return;
    }
    if (oldPodsRunning(newRS, oldRSs, podMap)) return this.syncRolloutStatus([...oldRSs, newRS], newRS);
    if (!newRS) {
      this.getAllReplicaSetsAndSyncRevision(rsList, true); // creates it (with all the replicas)
      return;
    }
    if (replicasOf(newRS) !== replicasOf(this.d)) {
      const scaled = this.scaleReplicaSet(newRS, replicasOf(this.d));
      this.ctx.afterRequests(() => {
        if (!this.ctx.failed) this.syncRolloutStatus([...oldRSs, scaled], scaled);
      });
      return;
    }
    if (deploymentComplete(this.d, (this.d.status ?? {}) as Obj)) this.cleanupDeployment(oldRSs);
    this.syncRolloutStatus([...oldRSs, newRS], newRS);
  }

  // ---- scaling (paused deployments, scaling events) ---------------------------------------------

  private sync(rsList: RS[]): void {
    const r = this.getAllReplicaSetsAndSyncRevision(rsList, false);
    if (!r) return;
    let { newRS, oldRSs } = r;
    const scaled = this.scale(newRS, oldRSs);
    if (scaled.size > 0) {
      if (newRS && scaled.has(newRS)) newRS = scaled.get(newRS);
      oldRSs = oldRSs.map((rs) => scaled.get(rs) ?? rs);
      this.ctx.afterRequests(() => {
        if (!this.ctx.failed) this.syncDeploymentStatus([...oldRSs, newRS], newRS);
      });
      return;
    }
    if (this.d.spec?.paused) this.cleanupDeployment(oldRSs);
    this.syncDeploymentStatus([...oldRSs, newRS], newRS);
  }

  /** `scale`: scales the only active ReplicaSet, or all of them proportionally. */
  private scale(newRS: RS | undefined, oldRSs: RS[]): Map<RS, RS> {
    const d = this.d;
    const out = new Map<RS, RS>();
    const replicas = replicasOf(d);
    const activeOrLatest = findActiveOrLatest(newRS, oldRSs);
    if (activeOrLatest) {
      if (replicasOf(activeOrLatest) !== replicas) out.set(activeOrLatest, this.scaleReplicaSet(activeOrLatest, replicas));
      return out;
    }
    if (newRS && isSaturated(d, newRS)) {
      for (const old of oldRSs) if (replicasOf(old) > 0) out.set(old, this.scaleReplicaSet(old, 0));
      return out;
    }
    if (!isRollingUpdate(d)) return out;
    const all = [...oldRSs, ...(newRS ? [newRS] : [])].filter((rs) => replicasOf(rs) > 0);
    const allReplicas = sumReplicas(all);
    const allowed = replicas > 0 ? replicas + maxSurge(d) : 0;
    const toAdd = allowed - allReplicas;
    const newerFirst = (a: RS, b: RS) => replicasOf(b) - replicasOf(a) || -byCreation(a, b);
    const olderFirst = (a: RS, b: RS) => replicasOf(b) - replicasOf(a) || byCreation(a, b);
    if (toAdd > 0) all.sort(newerFirst);
    else if (toAdd < 0) all.sort(olderFirst);
    let added = 0;
    const sizes = new Map<RS, number>();
    for (const rs of all) {
      if (toAdd !== 0) {
        const p = getProportion(rs, d, toAdd, added);
        sizes.set(rs, replicasOf(rs) + p);
        added += p;
      } else sizes.set(rs, replicasOf(rs));
    }
    all.forEach((rs, i) => {
      let size = sizes.get(rs)!;
      if (i === 0 && toAdd !== 0) size = Math.max(0, size + (toAdd - added));
      const needsAnnotations = replicasAnnotationsNeedUpdate(rs, replicas, replicas + maxSurge(d));
      if (size !== replicasOf(rs) || needsAnnotations) out.set(rs, this.scaleReplicaSet(rs, size));
    });
    return out;
  }

  /** Scales one ReplicaSet (and refreshes its desired/max annotations); returns the local copy. */
  private scaleReplicaSet(rs: RS, newScale: number): RS {
    const d = this.d;
    const replicas = replicasOf(d);
    const max = replicas + maxSurge(d);
    const sizeChanged = replicasOf(rs) !== newScale;
    if (!sizeChanged && !replicasAnnotationsNeedUpdate(rs, replicas, max)) return rs;
    const copy = clone(rs);
    const from = replicasOf(rs);
    copy.spec = { ...copy.spec!, replicas: newScale };
    setReplicasAnnotations(copy, replicas, max);
    this.ctx.client.update('replicasets.apps', copy, {
      onResponse: (res) => {
        if (res.code >= 200 && res.code < 300 && sizeChanged) {
          this.ctx.recordEvent(d, 'Normal', 'ScalingReplicaSet', `Scaled ${from < newScale ? 'up' : 'down'} replica set ${rs.metadata!.name} to ${newScale} from ${from}`);
        }
      },
    });
    return copy;
  }

  /** `cleanupDeployment`: deletes the oldest scaled-down ReplicaSets beyond revisionHistoryLimit. */
  private cleanupDeployment(oldRSs: RS[]): void {
    const d = this.d;
    const limit = d.spec?.revisionHistoryLimit;
    if (limit === undefined || limit === null || limit === MAX_INT32) return;
    const cleanable = oldRSs.filter((rs) => !rs.metadata?.deletionTimestamp);
    const diff = cleanable.length - limit;
    if (diff <= 0) return;
    cleanable.sort((a, b) => {
      const ra = revisionOf(a);
      const rb = revisionOf(b);
      if (ra !== rb) return (Number.isFinite(ra) ? ra : 0) - (Number.isFinite(rb) ? rb : 0);
      return byCreation(a, b);
    });
    for (let i = 0; i < diff; i++) {
      const rs = cleanable[i]!;
      if ((rs.status?.replicas ?? 0) !== 0 || replicasOf(rs) !== 0 || (rs.metadata?.generation ?? 0) > (rs.status?.observedGeneration ?? 0)) continue;
      this.ctx.client.delete('replicasets.apps', rs.metadata!.namespace, rs.metadata!.name!, { ignore: [404] });
    }
  }

  // ---- status -------------------------------------------------------------------------------------

  private syncDeploymentStatus(allRSs: (RS | undefined)[], newRS: RS | undefined): void {
    const d = this.d;
    const status = calculateDeploymentStatus(allRSs, newRS, d, this.now);
    if (deepEqual(status, d.status ?? {})) return;
    this.ctx.client.updateStatus('deployments.apps', { ...d, status } as KubeObject, { ignore: [404] });
  }

  /** `syncRolloutStatus`: counts, Available, and the Progressing condition (with the deadline check). */
  private syncRolloutStatus(allRSs: (RS | undefined)[], newRS: RS | undefined): void {
    const { ctx } = this;
    const d = this.d;
    const now = this.now;
    const status = calculateDeploymentStatus(allRSs, newRS, d, now);
    if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
    const current = getCondition(d.status as Obj | undefined, 'Progressing');
    const isComplete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === Reasons.NewRSAvailable;
    if (hasProgressDeadline(d) && !isComplete) {
      if (deploymentComplete(d, status)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata!.name}" has successfully progressed.` : `Deployment "${d.metadata!.name}" has successfully progressed.`;
        setCondition(status, newCondition('Progressing', 'True', Reasons.NewRSAvailable, msg, now));
      } else if (deploymentProgressing(d, status)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata!.name}" is progressing.` : `Deployment "${d.metadata!.name}" is progressing.`;
        const c = newCondition('Progressing', 'True', Reasons.ReplicaSetUpdated, msg, now);
        if (current) {
          if (current.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
          removeCondition(status, 'Progressing');
        }
        setCondition(status, c);
      } else if (this.timedOut(status)) {
        const msg = newRS ? `ReplicaSet "${newRS.metadata!.name}" has timed out progressing.` : `Deployment "${d.metadata!.name}" has timed out progressing.`;
        setCondition(status, newCondition('Progressing', 'False', Reasons.TimedOut, msg, now));
      }
    }
    // ReplicaFailure conditions of the replica sets (the new one's first)
    const failures: DeploymentCondition[] = [];
    for (const rs of newRS ? [newRS] : []) for (const c of ((rs.status?.conditions ?? []) as DeploymentCondition[])) if (c.type === 'ReplicaFailure') failures.push(c);
    if (failures.length === 0) {
      for (const rs of allRSs) for (const c of ((rs?.status?.conditions ?? []) as DeploymentCondition[])) if (c.type === 'ReplicaFailure') failures.push(c);
    }
    if (failures.length > 0) {
      const f = failures[0]!;
      setCondition(status, { type: 'ReplicaFailure', status: f.status, lastTransitionTime: f.lastTransitionTime, lastUpdateTime: f.lastTransitionTime, reason: f.reason, message: f.message });
    } else removeCondition(status, 'ReplicaFailure');
    if (deepEqual(status, d.status ?? {})) {
      this.requeueStuckDeployment(status);
      return;
    }
    ctx.client.updateStatus('deployments.apps', { ...d, status } as KubeObject, { ignore: [404] });
  }

  private timedOut(status: Obj): boolean {
    const d = this.d;
    if (!hasProgressDeadline(d)) return false;
    const cond = getCondition(status, 'Progressing');
    if (!cond) return false;
    if (cond.reason === Reasons.NewRSAvailable) return false;
    if (cond.reason === Reasons.TimedOut) return true;
    const from = this.ctx.timeOf(cond.lastUpdateTime);
    return Number.isFinite(from) && from + d.spec!.progressDeadlineSeconds! * 1000 < this.ctx.now();
  }

  /** `requeueStuckDeployment`: looks again when the progress deadline would pass. */
  private requeueStuckDeployment(status: Obj): void {
    const d = this.d;
    const cond = getCondition(d.status as Obj | undefined, 'Progressing');
    if (!hasProgressDeadline(d) || !cond) return;
    if (deploymentComplete(d, status) || cond.reason === Reasons.TimedOut) return;
    const from = this.ctx.timeOf(cond.lastUpdateTime);
    if (!Number.isFinite(from)) return;
    const after = from + d.spec!.progressDeadlineSeconds! * 1000 - this.ctx.now();
    this.ctx.requeueAfter(after < 1000 ? 1000 : after + 1000);
  }
}

/** `SetNewReplicaSetAnnotations`: copies the Deployment's annotations, raises the revision; true when changed. */
function setNewReplicaSetAnnotations(d: D, rs: RS, newRevision: string, exists: boolean): boolean {
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

function setReplicasAnnotations(rs: RS, desired: number, max: number): boolean {
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

function replicasAnnotationsNeedUpdate(rs: RS, desired: number, max: number): boolean {
  const ann = rs.metadata?.annotations;
  if (!ann) return true;
  return ann[DESIRED_REPLICAS_ANNOTATION] !== String(desired) || ann[MAX_REPLICAS_ANNOTATION] !== String(max);
}

/** `FindActiveOrLatest`: the only active ReplicaSet, or the newest when none is active; undefined when several are. */
function findActiveOrLatest(newRS: RS | undefined, oldRSs: RS[]): RS | undefined {
  if (!newRS && oldRSs.length === 0) return undefined;
  const sortedOld = [...oldRSs].sort((a, b) => -byCreation(a, b));
  const active = [...sortedOld, ...(newRS ? [newRS] : [])].filter((rs) => replicasOf(rs) > 0);
  if (active.length === 0) return newRS ?? sortedOld[0];
  if (active.length === 1) return active[0];
  return undefined;
}

/** `IsSaturated`: the new ReplicaSet has (and believes it should have) every replica, all available. */
function isSaturated(d: D, rs: RS): boolean {
  const desired = Number(rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION]);
  const replicas = replicasOf(d);
  return Number.isInteger(desired) && replicasOf(rs) === replicas && desired === replicas && (rs.status?.availableReplicas ?? 0) === replicas;
}

/** `GetProportion`: a ReplicaSet's share of replicas to add (or remove) in a proportional scale. */
function getProportion(rs: RS, d: D, toAdd: number, added: number): number {
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
function oldPodsRunning(newRS: RS | undefined, oldRSs: RS[], podMap: Map<string, Pod[]>): boolean {
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

/** The Deployment controller's machine. */
export const deploymentController: ControllerMachine = defineController({
  name: DEPLOYMENT_CONTROLLER,
  component: 'deployment-controller',
  watches: {
    deployments: watch<Deployment>({
      resource: 'deployments',
      group: 'apps',
      indexes: { byNamespace: (d) => d.metadata?.namespace },
    }),
    replicasets: watch<ReplicaSet>({
      resource: 'replicasets',
      group: 'apps',
      indexes: {
        byController: (rs) => (controllerRefOf(rs)?.kind === 'Deployment' ? controllerRefOf(rs)!.uid : undefined),
        orphans: (rs) => (controllerRefOf(rs) ? undefined : rs.metadata?.namespace),
      },
      enqueue: ({ type, object: rs, old }, ctx) => {
        const reader = ctx as unknown as DReader;
        const owner = (obj: KubeObject) => {
          const d = resolveDeployment(reader, obj);
          return d ? [keyOf(d)] : [];
        };
        if (type === 'deleted') return owner(rs);
        if (type === 'added') {
          if (rs.metadata?.deletionTimestamp) return owner(rs);
          if (controllerRefOf(rs)) return owner(rs);
          return matchingDeployments(reader, rs);
        }
        if (!old || old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return undefined;
        const keys: string[] = [];
        const curRef = controllerRefOf(rs);
        const oldRef = controllerRefOf(old);
        const refChanged = !deepEqual(curRef, oldRef);
        if (refChanged && oldRef) keys.push(...owner(old));
        if (curRef) {
          keys.push(...owner(rs));
          return keys;
        }
        const labelChanged = !deepEqual(old.metadata?.labels, rs.metadata?.labels);
        if (labelChanged || refChanged) keys.push(...matchingDeployments(reader, rs));
        return keys;
      },
    }),
    pods: watch<Pod>({
      resource: 'pods',
      indexes: { byController: (pod) => (controllerRefOf(pod)?.kind === 'ReplicaSet' ? controllerRefOf(pod)!.uid : undefined) },
      enqueue: ({ type, object: pod }, ctx) => {
        // only Recreate waits for pods: a deleted pod may let it proceed
        if (type !== 'deleted') return undefined;
        const reader = ctx as unknown as DReader;
        const ref = controllerRefOf(pod);
        if (!ref || ref.kind !== 'ReplicaSet') return undefined;
        const rs = reader.get('replicasets', `${pod.metadata?.namespace}/${ref.name}`);
        if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
        const d = resolveDeployment(reader, rs);
        if (!d || d.spec?.strategy?.type !== 'Recreate') return undefined;
        return keyOf(d);
      },
    }),
  },
  sync: (key, ctx) => {
    const d = ctx.get('deployments', key) as D | undefined;
    if (!d) return;
    new DeploymentSync(ctx, clone(d)).run();
  },
});
