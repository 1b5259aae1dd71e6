/**
 * The Job controller (`pkg/controller/job/job_controller.go`, kube-controller-manager's
 * `job-controller`): runs a Job's pods to completion.
 *
 * - `manageJob`: wants `min(parallelism, completions − succeeded)` active pods (without
 *   completions: `parallelism` until one pod succeeded); creates them in slow-start batches (at
 *   most 500 per sync) with the `batch.kubernetes.io/job-tracking` finalizer and a controller
 *   reference, deletes the extra ones (least advanced first), and all of them while suspended.
 *   Indexed Jobs create the lowest pending indexes (`<job>-<index>-` names, the
 *   `batch.kubernetes.io/job-completion-index` annotation and label, `JOB_COMPLETION_INDEX`,
 *   hostname `<job>-<index>`) and delete repeated or invalid indexes.
 * - Pod failure back-off: after consecutive failures no pod is created for 10 s, doubling per
 *   failure up to 6 min (`backoff_utils.go`); a success resets it.
 * - Finishing: `backoffLimit` exceeded (failed pods, or with OnFailure the restarts), the
 *   `activeDeadlineSeconds` passed, or a FailJob rule of the `podFailurePolicy` matched, set the
 *   interim `FailureTarget` condition, delete the active pods, then `Failed` (reasons
 *   BackoffLimitExceeded / DeadlineExceeded / PodFailurePolicy) once none is left; enough
 *   completions set `SuccessCriteriaMet` then `Complete` (reason CompletionsReached) with
 *   `completionTime`.
 * - Counting with finalizers (`trackJobStatusAndRemoveFinalizers`): a finished pod's uid goes to
 *   `status.uncountedTerminatedPods` (Indexed successes to `completedIndexes`), the status is
 *   written, then the pod's finalizer is removed, and only then is it counted in
 *   `succeeded`/`failed`; finalizer removals the informer has not shown yet are expected, so a
 *   pod is never counted twice, even across a restart of the controller.
 * - Pods whose Job is gone or finished lose their finalizer (`handleOrphanPod`).
 * - Suspended/Resumed conditions and events; `spec.managedBy` other than
 *   `kubernetes.io/job-controller` leaves the Job to that controller.
 */
import type { KubeObject, Pod } from '../../src/api/types.js';
import { type LabelSelectorMatcher } from '../../src/api/selectors.js';
import { labelSelectorFromObject } from '../../src/api/label-selector.js';
import { defineController, splitKey, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { Expectations } from './replicaset.js';
import { adoptPatch, clone, controllerRefOf, deepEqual, newControllerRef, type Obj } from './util.js';
import {
  activeOf,
  activePodsForRemoval,
  addCompletionIndexEnv,
  backoffRemaining,
  calculateSucceededIndexes,
  completionIndexOf,
  countReady,
  countTerminating,
  ensureCondition,
  failJobMessage,
  findCondition,
  firstPendingIndexes,
  formatIndexes,
  hasIndex,
  hasTrackingFinalizer,
  isIndexedJob,
  isJobFinished,
  isPodFailed,
  jobSuspended,
  JOB_COMPLETION_INDEX,
  JOB_TRACKING_FINALIZER,
  matchPodFailurePolicy,
  MAX_POD_CREATE_DELETE_PER_SYNC,
  MAX_UNCOUNTED_PODS,
  newCondition,
  nextBackoffRecord,
  onlyReplaceFailedPods,
  pastBackoffLimitOnFailure,
  totalIndexes,
  type BackoffRecord,
  type Interval,
  type JobCondition,
  type JobObj,
} from './job-utils.js';
import { objectKey } from '../../src/api/object-key.js';

/** The controller's name (address `controller-manager/job`). */
const JOB_CONTROLLER = 'job';
/** The only `spec.managedBy` this controller acts on. */
const JOB_MANAGED_BY = 'kubernetes.io/job-controller';

/** The Job controller's memory. */
export interface JobControllerState {
  /** Pod creations and deletions not yet seen, per Job key. */
  expectations: Expectations;
  /** Pods (uid) whose finalizer removal is not yet seen, per Job key (`finalizerExpectations`). */
  finalizers: Map<string, Set<string>>;
  /** Pod failure back-off records per Job key (`podBackoffStore`). */
  backoff: Map<string, BackoffRecord>;
}

type JobWatches = {
  jobs: ReturnType<typeof watch<JobObj, JobControllerState>>;
  pods: ReturnType<typeof watch<Pod, JobControllerState>>;
};
type Ctx = SyncContext<JobWatches & Watches, JobControllerState, Record<string, unknown>>;
type Reader = { get(w: 'jobs', key: string): JobObj | undefined; byIndex(w: 'jobs', index: string, value: string): JobObj[]; state: JobControllerState };

const ORPHAN_PREFIX = 'orphan-pod:';

function selectorOf(job: JobObj): LabelSelectorMatcher | undefined {
  try {
    return labelSelectorFromObject(job.spec?.selector as never);
  } catch {
    return undefined;
  }
}

function resolveJob(ctx: Reader, pod: Pod): JobObj | undefined {
  const ref = controllerRefOf(pod);
  if (!ref || ref.kind !== 'Job') return undefined;
  const job = ctx.get('jobs', `${pod.metadata?.namespace}/${ref.name}`);
  return job && job.metadata?.uid === ref.uid ? job : undefined;
}

/** The pod a Job creates (`GetPodFromTemplate` plus the tracking finalizer; Indexed: index, hostname, env). */
function podForJob(job: JobObj, index: number | undefined): Pod {
  let template = clone((job.spec?.template as Obj | undefined) ?? {});
  if (index !== undefined) template = addCompletionIndexEnv(template);
  const tmeta = (template.metadata ?? {}) as Obj;
  const name = job.metadata!.name!;
  const meta: Obj = {
    generateName: index === undefined ? `${name}-` : `${name}-${index}-`,
    namespace: job.metadata!.namespace,
    labels: { ...(tmeta.labels ?? {}) },
    ownerReferences: [newControllerRef(job, 'batch/v1', 'Job')],
    finalizers: [...((tmeta.finalizers as string[] | undefined) ?? []).filter((f) => f !== JOB_TRACKING_FINALIZER), JOB_TRACKING_FINALIZER],
  };
  if (tmeta.annotations) meta.annotations = { ...tmeta.annotations };
  const spec = clone(template.spec ?? {}) as Obj;
  if (index !== undefined) {
    meta.annotations = { ...(meta.annotations ?? {}), [JOB_COMPLETION_INDEX]: String(index) };
    meta.labels[JOB_COMPLETION_INDEX] = String(index);
    spec.hostname = `${name}-${index}`;
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec } as Pod;
}

/** What one sync knows about a Job (`syncJobCtx`). */
interface JobSync {
  job: JobObj;
  key: string;
  pods: Pod[];
  active: Pod[];
  ready: number;
  terminating: number;
  uncounted: { succeeded: Set<string>; failed: Set<string> };
  expectedRm: Set<string>;
  succeeded: number;
  failed: number;
  newBackoff: BackoffRecord;
  finished?: JobCondition;
  prevSucceededIndexes: Interval[];
  succeededIndexes: Interval[];
  status: Obj;
}

function syncOrphanPod(key: string, ctx: Ctx): void {
  const podKey = key.slice(ORPHAN_PREFIX.length);
  const pod = ctx.get('pods', podKey);
  if (!pod || !hasTrackingFinalizer(pod)) return;
  const job = resolveJob(ctx as unknown as Reader, pod);
  if (job && !isJobFinished(job) && !job.metadata?.deletionTimestamp) return;
  removeFinalizer(ctx, pod);
}

function removeFinalizer(ctx: Ctx, pod: Pod, onDone?: (ok: boolean) => void): void {
  ctx.client.patch('pods', pod.metadata!.namespace, pod.metadata!.name!, { metadata: { [`$deleteFromPrimitiveList/finalizers`]: [JOB_TRACKING_FINALIZER] } }, {
    patchType: 'strategic',
    ignore: [404],
    onResponse: (res) => onDone?.(res.code < 300 || res.code === 404),
  });
}

function syncJob(key: string, ctx: Ctx): void {
  if (key.startsWith(ORPHAN_PREFIX)) return syncOrphanPod(key, ctx);
  const st = ctx.state;
  const shared = ctx.get('jobs', key);
  if (!shared) {
    st.expectations.delete(key);
    st.finalizers.delete(key);
    st.backoff.delete(key);
    return;
  }
  const managedBy = shared.spec?.managedBy as string | undefined;
  if (managedBy !== undefined && managedBy !== JOB_MANAGED_BY) return;
  if (isJobFinished(shared)) {
    st.backoff.delete(key);
    // pods left with the finalizer (e.g. after a restart) are released
    for (const p of ctx.byIndex('pods', 'byController', shared.metadata!.uid!)) if (hasTrackingFinalizer(p)) removeFinalizer(ctx, p);
    return;
  }
  const job = clone(shared);
  const { namespace } = splitKey(key);
  const selector = selectorOf(job);
  if (!selector) return;
  const uid = job.metadata!.uid!;
  const status = (job.status ?? {}) as Obj;
  job.status = status;
  const uncountedStatus = (status.uncountedTerminatedPods ?? {}) as { succeeded?: string[]; failed?: string[] };
  const satisfied = st.expectations.satisfied(key, ctx.now());

  // getPodsForJob: owned pods that match, adopting matching orphans (not while being deleted)
  const owned = ctx.byIndex('pods', 'byController', uid);
  const pods = owned.filter((p) => selector.matches(p.metadata?.labels));
  if (!job.metadata?.deletionTimestamp && !selector.isEverything) {
    const orphans = ctx.byIndex('pods', 'orphans', namespace ?? '').filter((p) => selector.matches(p.metadata?.labels) && !p.metadata?.deletionTimestamp);
    if (orphans.length > 0) {
      // AdoptPod's strategic merge patch (the job-controller's role allows pods patch, not update)
      for (const p of orphans) {
        ctx.client.patch('pods', p.metadata!.namespace, p.metadata!.name!, adoptPatch(newControllerRef(job, 'batch/v1', 'Job'), p.metadata?.uid), { patchType: 'strategic', ignore: [404, 409] });
      }
      return;
    }
  }
  const active = activeOf(pods);
  const s: JobSync = {
    job,
    key,
    pods,
    active,
    ready: countReady(active),
    terminating: countTerminating(pods),
    uncounted: { succeeded: new Set(uncountedStatus.succeeded ?? []), failed: new Set(uncountedStatus.failed ?? []) },
    expectedRm: st.finalizers.get(key) ?? new Set(),
    succeeded: 0,
    failed: 0,
    newBackoff: { failuresAfterLastSuccess: 0 },
    prevSucceededIndexes: [],
    succeededIndexes: [],
    status,
  };
  const indexed = isIndexedJob(job);
  const completions = job.spec?.completions as number | undefined;
  const valid = (p: Pod, uncounted: Set<string>) => {
    const puid = p.metadata!.uid!;
    if (!hasTrackingFinalizer(p) || uncounted.has(puid) || s.expectedRm.has(puid)) return false;
    if (indexed) {
      const ix = completionIndexOf(p);
      if (ix < 0 || ix >= (completions ?? 0)) return false;
    }
    return true;
  };
  const newSucceeded = pods.filter((p) => valid(p, s.uncounted.succeeded) && p.status?.phase === 'Succeeded');
  const newFailed = pods.filter((p) => valid(p, s.uncounted.failed) && isPodFailed(p, job));
  const policy = job.spec?.podFailurePolicy as Obj | undefined;
  const countedFailed = policy ? newFailed.filter((p) => matchPodFailurePolicy(policy, p).countFailed).length : newFailed.length;
  s.succeeded = ((status.succeeded as number | undefined) ?? 0) + newSucceeded.length + s.uncounted.succeeded.size;
  s.failed = ((status.failed as number | undefined) ?? 0) + countedFailed + s.uncounted.failed.size;
  const suspended = jobSuspended(job);
  if (!status.startTime && !suspended) status.startTime = ctx.timestamp();
  s.newBackoff = nextBackoffRecord(st.backoff.get(key), newSucceeded, newFailed, (ts) => ctx.timeOf(ts));

  const now = ctx.timestamp();
  const backoffLimit = (job.spec?.backoffLimit as number | undefined) ?? 6;
  s.finished = findCondition(job, 'SuccessCriteriaMet')?.status === 'True' ? findCondition(job, 'SuccessCriteriaMet') : undefined;
  if (!s.finished) {
    const target = findCondition(job, 'FailureTarget');
    const message = target?.status === 'True' ? undefined : failJobMessage(job, pods);
    if (target?.status === 'True') s.finished = target;
    else if (message) s.finished = newCondition('FailureTarget', 'True', 'PodFailurePolicy', message, now);
  }
  if (!s.finished) {
    const ads = job.spec?.activeDeadlineSeconds as number | undefined;
    const started = ctx.timeOf(status.startTime as string | undefined);
    if (s.failed > backoffLimit || pastBackoffLimitOnFailure(job, pods)) {
      s.finished = newCondition('FailureTarget', 'True', 'BackoffLimitExceeded', 'Job has reached the specified backoff limit', now);
    } else if (ads !== undefined && Number.isFinite(started) && !suspended && ctx.now() - started >= ads * 1000) {
      s.finished = newCondition('FailureTarget', 'True', 'DeadlineExceeded', 'Job was active longer than specified deadline', now);
    } else if (ads !== undefined && Number.isFinite(started) && !suspended) {
      ctx.requeueAfter(ads * 1000 - (ctx.now() - started));
    }
  }
  if (indexed) {
    const { prev, all } = calculateSucceededIndexes(job, pods);
    s.prevSucceededIndexes = prev;
    s.succeededIndexes = all;
    s.succeeded = totalIndexes(all);
  }

  let activeCount = active.length;
  let suspendChanged = false;
  if (s.finished) {
    // remove the active pods of a finishing Job
    let deleted = 0;
    let deletedReady = 0;
    for (const pod of active) {
      ctx.client.delete('pods', pod.metadata!.namespace, pod.metadata!.name!, {
        ignore: [404],
        onResponse: (res) => {
          if (res.code < 300 || res.code === 404) {
            deleted++;
            if (countReady([pod]) === 1) deletedReady++;
            if (res.code < 300) ctx.recordEvent(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata!.name}`);
          }
        },
      });
    }
    ctx.afterRequests(() => {
      if (deleted !== active.length || !satisfied) s.finished = undefined;
      activeCount -= deleted;
      s.terminating += deleted;
      s.ready -= deletedReady;
      finishSync(ctx, s, activeCount, false);
    });
    return;
  }
  const manage = satisfied && !job.metadata?.deletionTimestamp;
  const afterManage = (active2: number) => {
    activeCount = active2;
    const complete = completions === undefined ? s.succeeded > 0 && activeCount === 0 : s.succeeded >= completions && activeCount === 0;
    if (complete) {
      s.finished = newCondition('SuccessCriteriaMet', 'True', 'CompletionsReached', 'Reached expected number of succeeded pods', ctx.timestamp());
    } else if (manage) {
      const conds = (status.conditions as JobCondition[] | undefined) ?? [];
      const [next, changed] = suspended
        ? ensureCondition(conds, 'Suspended', 'True', 'JobSuspended', 'Job suspended', ctx.timestamp())
        : ensureCondition(conds, 'Suspended', 'False', 'JobResumed', 'Job resumed', ctx.timestamp());
      if (changed) {
        status.conditions = next;
        suspendChanged = true;
        ctx.recordEvent(job, 'Normal', suspended ? 'Suspended' : 'Resumed', suspended ? 'Job suspended' : 'Job resumed');
        // a resumed Job's activeDeadlineSeconds counts from now
        if (!suspended) status.startTime = ctx.timestamp();
      }
    }
    finishSync(ctx, s, activeCount, suspendChanged);
  };
  if (manage) manageJob(ctx, s, afterManage);
  else afterManage(activeCount);
}

/** `manageJob`: creates or deletes pods toward the wanted number of active ones; calls `done` with the active count. */
function manageJob(ctx: Ctx, s: JobSync, done: (active: number) => void): void {
  const { job, key } = s;
  const exp = ctx.state.expectations;
  let active = s.active.length;
  const parallelism = (job.spec?.parallelism as number | undefined) ?? 1;
  const completions = job.spec?.completions as number | undefined;
  const deletePods = (pods: Pod[]) => {
    exp.expectDeletions(key, pods.map(objectKey), ctx.now());
    for (const pod of pods) {
      const withFinalizer = hasTrackingFinalizer(pod);
      const del = () =>
        ctx.client.delete('pods', pod.metadata!.namespace, pod.metadata!.name!, {
          ignore: true,
          onResponse: (res) => {
            if (res.code < 300) {
              active--;
              s.terminating++;
              if (countReady([pod]) === 1) s.ready--;
              ctx.recordEvent(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata!.name}`);
              return;
            }
            exp.deletionObserved(key, objectKey(pod));
            if (res.code !== 404) ctx.fail(`deleting pod ${objectKey(pod)}: ${(res.body as { message?: string }).message ?? res.code}`);
          },
        });
      // deleteJobPods removes the tracking finalizer first: a removed pod is not counted
      if (withFinalizer) removeFinalizer(ctx, pod, (ok) => (ok ? del() : exp.deletionObserved(key, objectKey(pod))));
      else del();
    }
    ctx.afterRequests(() => done(active));
  };
  if (jobSuspended(job)) {
    deletePods(activePodsForRemoval(job, s.active, s.active.length));
    return;
  }
  let want: number;
  if (completions === undefined) want = s.succeeded > 0 ? active : parallelism;
  else want = Math.max(0, Math.min(completions - s.succeeded, parallelism));
  const rm = activePodsForRemoval(job, s.active, Math.max(0, active - want)).slice(0, MAX_POD_CREATE_DELETE_PER_SYNC);
  if (rm.length > 0) {
    deletePods(rm);
    return;
  }
  const terminating = onlyReplaceFailedPods(job) ? s.terminating : 0;
  let diff = want - terminating - active;
  if (diff <= 0) return done(active);
  const remaining = backoffRemaining(s.newBackoff, ctx.now());
  if (remaining > 0) {
    ctx.requeueAfter(remaining);
    return done(0);
  }
  diff = Math.min(diff, MAX_POD_CREATE_DELETE_PER_SYNC);
  let indexes: number[] | undefined;
  if (isIndexedJob(job)) {
    indexes = firstPendingIndexes(s.active, s.succeededIndexes, diff, completions ?? 0);
    diff = indexes.length;
  }
  if (diff === 0) return done(active);
  exp.expectCreations(key, diff, ctx.now());
  active += diff;
  let created = 0;
  const total = diff;
  const batch = (size: number): void => {
    const n = Math.min(size, total - created);
    let failed = false;
    for (let i = 0; i < n; i++) {
      const index = indexes ? indexes[created + i] : undefined;
      ctx.client.create('pods', job.metadata!.namespace, podForJob(job, index), {
        ignore: true,
        onResponse: (res) => {
          if (res.code < 300) {
            ctx.recordEvent(job, 'Normal', 'SuccessfulCreate', `Created pod: ${(res.body as KubeObject).metadata?.name}`);
            return;
          }
          exp.creationObserved(key);
          active--;
          const message = (res.body as { message?: string }).message ?? `code ${res.code}`;
          if (res.code === 403 && message.includes('because it is being terminated')) return;
          failed = true;
          ctx.recordEvent(job, 'Warning', 'FailedCreate', `Error creating: ${message}`);
          ctx.fail(`creating a pod for ${key}: ${message}`);
        },
      });
    }
    created += n;
    ctx.afterRequests(() => {
      if (failed && created < total) {
        // the pods never attempted will not be observed
        for (let i = created; i < total; i++) exp.creationObserved(key);
        active -= total - created;
        done(active);
      } else if (created < total) batch(2 * n);
      else done(active);
    });
  };
  batch(1);
}

/** Appends a status write to the sync; `then` gets the stored Job (its new resourceVersion). */
function writeStatus(ctx: Ctx, job: JobObj, then: (stored: JobObj) => void): void {
  ctx.client.updateStatus('jobs', job as KubeObject, {
    ignore: [404],
    onResponse: (res) => {
      if (res.code < 300) then(res.body as JobObj);
    },
  });
}

/**
 * `trackJobStatusAndRemoveFinalizers`: the status with the newly finished pods as uncounted (and
 * the interim condition) is written first, then their finalizers are removed, then they are
 * counted and, when nothing is left to count or terminating, the final condition is set.
 */
function finishSync(ctx: Ctx, s: JobSync, active: number, suspendChanged: boolean): void {
  const { job, status } = s;
  const st = ctx.state;
  const indexed = isIndexedJob(job);
  const completions = (job.spec?.completions as number | undefined) ?? 0;
  const old = clone((ctx.get('jobs', s.key)?.status ?? {}) as Obj);
  status.active = active;
  status.ready = s.ready;
  status.terminating = s.terminating;
  const uncounted = { succeeded: [...(s.uncounted.succeeded)], failed: [...s.uncounted.failed] };
  const withFinalizer = new Set<string>();
  for (const p of s.pods) if (hasTrackingFinalizer(p) && !s.expectedRm.has(p.metadata!.uid!)) withFinalizer.add(p.metadata!.uid!);
  cleanUncounted(status, uncounted, withFinalizer);
  const toRemove: Pod[] = [];
  const newIndexes: number[] = [];
  const policy = job.spec?.podFailurePolicy as Obj | undefined;
  const sorted = indexed ? [...s.pods].sort((a, b) => completionIndexOf(a) - completionIndexOf(b)) : s.pods;
  let reachedMax = false;
  for (const pod of sorted) {
    const puid = pod.metadata!.uid!;
    if (!hasTrackingFinalizer(pod) || s.expectedRm.has(puid)) continue;
    const failed = isPodFailed(pod, job);
    const canRemove = !!job.metadata?.deletionTimestamp || !!s.finished || pod.status?.phase === 'Succeeded' || failed;
    if (!canRemove) continue;
    toRemove.push(pod);
    if (pod.status?.phase === 'Succeeded' && !s.uncounted.failed.has(puid)) {
      if (indexed) {
        const ix = completionIndexOf(pod);
        if (ix >= 0 && ix < completions && !hasIndex(s.prevSucceededIndexes, ix)) newIndexes.push(ix);
      } else if (!s.uncounted.succeeded.has(puid)) uncounted.succeeded.push(puid);
    } else if (failed || (s.finished && s.finished.type !== 'SuccessCriteriaMet')) {
      const ix = completionIndexOf(pod);
      if (!s.uncounted.failed.has(puid) && (!indexed || (ix >= 0 && ix < completions))) {
        if (!policy || matchPodFailurePolicy(policy, pod).countFailed) uncounted.failed.push(puid);
      }
    }
    if (newIndexes.length + uncounted.succeeded.length + uncounted.failed.length >= MAX_UNCOUNTED_PODS) {
      reachedMax = true;
      break;
    }
  }
  if (indexed) {
    status.completedIndexes = formatIndexes(s.succeededIndexes);
    status.succeeded = totalIndexes(s.succeededIndexes);
    if (status.completedIndexes === '') delete status.completedIndexes;
  }
  let finalCondition: JobCondition | undefined;
  const conds = ((status.conditions as JobCondition[] | undefined) ?? []).map((c) => ({ ...c }));
  if (s.finished?.type === 'FailureTarget') {
    if (!conds.some((c) => c.type === 'FailureTarget')) conds.push(s.finished);
    finalCondition = newCondition('Failed', 'True', s.finished.reason ?? '', s.finished.message ?? '', ctx.timestamp());
  } else if (s.finished?.type === 'SuccessCriteriaMet') {
    if (!conds.some((c) => c.type === 'SuccessCriteriaMet')) conds.push(s.finished);
    finalCondition = newCondition('Complete', 'True', s.finished.reason ?? '', s.finished.message ?? '', ctx.timestamp());
  }
  if (conds.length > 0) status.conditions = conds;
  status.uncountedTerminatedPods = uncountedOf(uncounted);
  const flushFirst = !deepEqual(normalized(status), normalized(old)) || suspendChanged;

  const afterFlush = (current: JobObj) => {
    if (flushFirst) st.backoff.set(s.key, s.newBackoff);
    const expected = st.finalizers.get(s.key) ?? new Set<string>();
    st.finalizers.set(s.key, expected);
    for (const p of toRemove) {
      expected.add(p.metadata!.uid!);
      removeFinalizer(ctx, p, (ok) => {
        if (ok) withFinalizer.delete(p.metadata!.uid!);
        else expected.delete(p.metadata!.uid!);
      });
    }
    ctx.afterRequests(() => {
      const next = clone(current);
      const nst = (next.status ?? {}) as Obj;
      next.status = nst;
      const un = { succeeded: [...(((nst.uncountedTerminatedPods as Obj | undefined)?.succeeded as string[] | undefined) ?? [])], failed: [...(((nst.uncountedTerminatedPods as Obj | undefined)?.failed as string[] | undefined) ?? [])] };
      cleanUncounted(nst, un, withFinalizer);
      nst.uncountedTerminatedPods = uncountedOf(un);
      let finishedNow = false;
      if (finalCondition && !reachedMax && un.succeeded.length + un.failed.length === 0 && ((nst.terminating as number | undefined) ?? 0) === 0) {
        const [list] = ensureCondition((nst.conditions as JobCondition[] | undefined) ?? [], finalCondition.type, 'True', finalCondition.reason ?? '', finalCondition.message ?? '', finalCondition.lastTransitionTime!);
        nst.conditions = list;
        if (finalCondition.type === 'Complete') nst.completionTime = finalCondition.lastTransitionTime;
        finishedNow = true;
      }
      if (deepEqual(nst, current.status ?? {})) return;
      writeStatus(ctx, next, () => {
        if (!finishedNow) return;
        if (finalCondition!.type === 'Complete') {
          if (completions && ((nst.succeeded as number | undefined) ?? 0) > completions) ctx.recordEvent(job, 'Warning', 'TooManySucceededPods', 'Too many succeeded pods running after completion count reached');
          ctx.recordEvent(job, 'Normal', 'Completed', 'Job completed');
        } else ctx.recordEvent(job, 'Warning', finalCondition!.reason ?? '', finalCondition!.message ?? '');
      });
    });
  };
  if (flushFirst) writeStatus(ctx, job, afterFlush);
  else afterFlush(ctx.get('jobs', s.key) ?? job);
}

function uncountedOf(u: { succeeded: string[]; failed: string[] }): Obj {
  const out: Obj = {};
  if (u.succeeded.length > 0) out.succeeded = u.succeeded;
  if (u.failed.length > 0) out.failed = u.failed;
  return out;
}

function normalized(status: Obj): Obj {
  const out = { ...status };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out;
}

/** `cleanUncountedPodsWithoutFinalizers`: uncounted pods whose finalizer is gone are counted. */
function cleanUncounted(status: Obj, u: { succeeded: string[]; failed: string[] }, withFinalizer: Set<string>): void {
  const keepS = u.succeeded.filter((x) => withFinalizer.has(x));
  const keepF = u.failed.filter((x) => withFinalizer.has(x));
  if (keepS.length !== u.succeeded.length) status.succeeded = ((status.succeeded as number | undefined) ?? 0) + u.succeeded.length - keepS.length;
  if (keepF.length !== u.failed.length) status.failed = ((status.failed as number | undefined) ?? 0) + u.failed.length - keepF.length;
  u.succeeded = keepS;
  u.failed = keepF;
}

function onPodGone(ctx: Reader, pod: Pod): string[] {
  const keys: string[] = [];
  const job = resolveJob(ctx, pod);
  if (job) {
    const key = objectKey(job);
    ctx.state.expectations.deletionObserved(key, objectKey(pod));
    ctx.state.finalizers.get(key)?.delete(pod.metadata!.uid!);
    keys.push(key);
  }
  return keys;
}

/** The Job controller's machine. */
export const jobController: ControllerMachine = defineController({
  name: JOB_CONTROLLER,
  component: 'job-controller',
  state: (): JobControllerState => ({ expectations: new Expectations(), finalizers: new Map(), backoff: new Map() }),
  watches: {
    jobs: watch<JobObj, JobControllerState>({
      resource: 'jobs',
      group: 'batch',
      indexes: { byNamespace: (j) => j.metadata?.namespace },
      enqueue: ({ type, object }, ctx) => {
        const key = objectKey(object);
        if (type === 'deleted') {
          ctx.state.expectations.delete(key);
          // its pods still holding the finalizer are released
          const keys = [key];
          for (const p of (ctx as unknown as { byIndex(w: 'pods', i: string, v: string): Pod[] }).byIndex('pods', 'byController', object.metadata!.uid!)) {
            if (hasTrackingFinalizer(p)) keys.push(`${ORPHAN_PREFIX}${objectKey(p)}`);
          }
          return keys;
        }
        return key;
      },
    }),
    pods: watch<Pod, JobControllerState>({
      resource: 'pods',
      indexes: {
        byController: (pod) => (controllerRefOf(pod)?.kind === 'Job' ? controllerRefOf(pod)!.uid : undefined),
        orphans: (pod) => (controllerRefOf(pod) ? undefined : pod.metadata?.namespace),
      },
      enqueue: ({ type, object: pod, old }, ctx) => {
        const reader = ctx as unknown as Reader;
        if (type === 'deleted') return onPodGone(reader, pod);
        const keys: string[] = [];
        const job = resolveJob(reader, pod);
        if (hasTrackingFinalizer(pod) && (!job || isJobFinished(job)) && controllerRefOf(pod)?.kind === 'Job') keys.push(`${ORPHAN_PREFIX}${objectKey(pod)}`);
        if (type === 'added') {
          if (job) {
            const key = objectKey(job);
            if (pod.metadata?.deletionTimestamp) ctx.state.expectations.deletionObserved(key, objectKey(pod));
            else ctx.state.expectations.creationObserved(key);
            keys.push(key);
          } else if (!controllerRefOf(pod)) {
            for (const j of reader.byIndex('jobs', 'byNamespace', pod.metadata?.namespace ?? '')) {
              const sel = selectorOf(j);
              if (sel && !sel.isEverything && sel.matches(pod.metadata?.labels)) keys.push(objectKey(j));
            }
          }
          return keys;
        }
        if (!old || old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return keys;
        if (job) {
          const key = objectKey(job);
          if (pod.metadata?.deletionTimestamp && !old.metadata?.deletionTimestamp) ctx.state.expectations.deletionObserved(key, objectKey(pod));
          if (!hasTrackingFinalizer(pod)) ctx.state.finalizers.get(key)?.delete(pod.metadata!.uid!);
          keys.push(key);
        }
        const oldJob = resolveJob(reader, old);
        if (oldJob && oldJob !== job) keys.push(objectKey(oldJob));
        return keys;
      },
    }),
  },
  sync: (key, ctx) => syncJob(key, ctx as unknown as Ctx),
});
