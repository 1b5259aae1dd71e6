/**
 * One sync of one Deployment (`pkg/controller/deployment/sync.go` and `deployment_controller.go`'s
 * `syncDeployment`): claim the ReplicaSets, find or create the new one with its revision, scale
 * paused Deployments and scaling events proportionally, clean up old revisions, and write the
 * status. The rollouts themselves are in `rolling.ts` and `recreate.ts`; conditions and the
 * progress deadline in `progress.ts`.
 */
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../../../src/api/types.js';
import { type LabelSelectorMatcher } from '../../../src/api/selectors.js';
import { labelSelectorFromObject } from '../../../src/api/label-selector.js';
import type { SyncContext, Watches, watch } from '../controller.js';
import { byCreation, clone, controllerRefOf, deepEqual, newControllerRef, type Obj } from '../util.js';
import { rolloutRolling } from './rolling.js';
import { rolloutRecreate } from './recreate.js';
import { type D, DESIRED_REPLICAS_ANNOTATION, MAX_INT32, POD_TEMPLATE_HASH_LABEL, REVISION_ANNOTATION, type RS, Reasons, calculateDeploymentStatus, equalIgnoreHash, findActiveOrLatest, findNewReplicaSet, getCondition, getProportion, hasProgressDeadline, isRollingUpdate, isSaturated, maxRevision, maxSurge, newCondition, newRSNewReplicas, replicasAnnotationsNeedUpdate, replicasOf, revisionOf, setCondition, setNewReplicaSetAnnotations, setReplicasAnnotations, sumReplicas } from './util.js';
import { podTemplateHash } from '../../../src/api/defaults.js';
import { objectKey } from '../../../src/api/object-key.js';

// ---- what a sync reads -----------------------------------------------------------------------

export type DWatches = {
  deployments: ReturnType<typeof watch<Deployment>>;
  replicasets: ReturnType<typeof watch<ReplicaSet>>;
  pods: ReturnType<typeof watch<Pod>>;
};
export type DCtx = SyncContext<DWatches & Watches, undefined, Record<string, unknown>>;

function selectorOf(obj: { spec?: { selector?: unknown } }): LabelSelectorMatcher | undefined {
  try {
    return labelSelectorFromObject(obj.spec?.selector as never);
  } catch {
    return undefined;
  }
}

export type DReader = { get(w: 'deployments', key: string): Deployment | undefined; get(w: 'replicasets', key: string): ReplicaSet | undefined; byIndex(w: string, i: string, v: string): KubeObject[] };

export function resolveDeployment(ctx: DReader, rs: KubeObject): Deployment | undefined {
  const ref = controllerRefOf(rs);
  if (!ref || ref.kind !== 'Deployment') return undefined;
  const d = ctx.get('deployments', `${rs.metadata?.namespace}/${ref.name}`);
  return d && d.metadata?.uid === ref.uid ? d : undefined;
}

/** `getDeploymentsForReplicaSet`: Deployments whose selector matches an orphan ReplicaSet. */
export function matchingDeployments(ctx: DReader, rs: KubeObject): string[] {
  const out: string[] = [];
  for (const d of ctx.byIndex('deployments', 'byNamespace', rs.metadata?.namespace ?? '')) {
    const sel = selectorOf(d as D);
    if (sel && !sel.isEverything && sel.matches(rs.metadata?.labels)) out.push(objectKey(d));
  }
  return out;
}

/** One sync of one Deployment: the cached objects and the writes, in the order `syncDeployment` does them. */
export class DeploymentSync {
  constructor(
    readonly ctx: DCtx,
    public d: D,
  ) {}

  get now(): string {
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
    if (d.spec?.strategy?.type === 'Recreate') return rolloutRecreate(this, rsList, podMap);
    return rolloutRolling(this, rsList);
  }

  // getReplicaSetsForDeployment: adopt matching orphans, release owned non-matching; claims end the sync
  claimReplicaSets(selector: LabelSelectorMatcher): RS[] | undefined {
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

  podsByReplicaSet(rsList: RS[]): Map<string, Pod[]> {
    const map = new Map<string, Pod[]>();
    for (const rs of rsList) map.set(rs.metadata!.uid!, this.ctx.byIndex('pods', 'byController', rs.metadata!.uid!));
    return map;
  }

  syncStatusOnly(rsList: RS[]): void {
    const r = this.getAllReplicaSetsAndSyncRevision(rsList, false);
    if (!r) return;
    this.syncDeploymentStatus([...r.oldRSs, r.newRS], r.newRS);
  }

  /** Adds or replaces the paused/resumed Progressing condition; true when it wrote (the sync ends). */
  checkPausedConditions(): boolean {
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
  isScalingEvent(rsList: RS[]): boolean {
    const r = this.classify(rsList);
    for (const rs of [...r.oldRSs, r.newRS]) {
      if (!rs || replicasOf(rs) === 0) continue;
      const desired = rs.metadata?.annotations?.[DESIRED_REPLICAS_ANNOTATION];
      if (desired === undefined || !/^-?\d+$/.test(desired)) continue;
      if (Number(desired) !== replicasOf(this.d)) return true;
    }
    return false;
  }

  classify(rsList: RS[]): { newRS: RS | undefined; oldRSs: RS[] } {
    const newRS = findNewReplicaSet(this.d, rsList);
    return { newRS, oldRSs: rsList.filter((rs) => rs !== newRS) };
  }

  /**
   * `getAllReplicaSetsAndSyncRevision`: the new ReplicaSet (created when asked and missing) and the
   * old ones, with revisions synced. Returns undefined when it had to write (the sync ends and
   * the resulting events bring the Deployment back).
   */
  getAllReplicaSetsAndSyncRevision(rsList: RS[], create: boolean): { newRS: RS | undefined; oldRSs: RS[] } | undefined {
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
  writeDeployment(revision: string | undefined, status: Obj | undefined): void {
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


  // ---- scaling (paused deployments, scaling events) ---------------------------------------------

  sync(rsList: RS[]): void {
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
  scale(newRS: RS | undefined, oldRSs: RS[]): Map<RS, RS> {
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
  scaleReplicaSet(rs: RS, newScale: number): RS {
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
  cleanupDeployment(oldRSs: RS[]): void {
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

  syncDeploymentStatus(allRSs: (RS | undefined)[], newRS: RS | undefined): void {
    const d = this.d;
    const status = calculateDeploymentStatus(allRSs, newRS, d, this.now);
    if (deepEqual(status, d.status ?? {})) return;
    this.ctx.client.updateStatus('deployments.apps', { ...d, status } as KubeObject, { ignore: [404] });
  }

  /** `syncRolloutStatus`: counts, Available, and the Progressing condition (with the deadline check). */
}
