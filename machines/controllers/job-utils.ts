/**
 * The pure parts of the Job controller (`pkg/controller/job`): completion indexes
 * (`indexed_job_utils.go`), the pod failure back-off (`backoff_utils.go`), the pod failure
 * policy (`pod_failure_policy.go`), and the small predicates of `job_controller.go` and
 * `pkg/controller/job/util`. No I/O: the controller (job.ts) calls them with what its caches hold.
 */
import type { Container, KubeObject, Pod } from '../../src/api/types.js';
import { clone, isPodActive, isPodReady, podCondition, type Obj } from './util.js';

/** The finalizer the Job controller puts on its pods until it has counted them (`batch.JobTrackingFinalizer`). */
export const JOB_TRACKING_FINALIZER = 'batch.kubernetes.io/job-tracking';
/** The annotation (and label) carrying a pod's completion index. */
export const JOB_COMPLETION_INDEX = 'batch.kubernetes.io/job-completion-index';
/** The environment variable an Indexed Job's containers get their index in. */
const JOB_COMPLETION_INDEX_ENV = 'JOB_COMPLETION_INDEX';
/** First back-off after a pod failure (`DefaultJobPodFailureBackOff`: 10 s). */
const DEFAULT_JOB_POD_FAILURE_BACKOFF_MS = 10_000;
/** Longest back-off after pod failures (`MaxJobPodFailureBackOff`: 6 min). */
const MAX_JOB_POD_FAILURE_BACKOFF_MS = 360_000;
/** Most pods created or deleted in one sync (`MaxPodCreateDeletePerSync`). */
export const MAX_POD_CREATE_DELETE_PER_SYNC = 500;
/** Most pods counted per status write (`MaxUncountedPods`). */
export const MAX_UNCOUNTED_PODS = 500;

/** A Job as the controller reads it. */
export type JobObj = KubeObject & {
  spec?: Obj;
  status?: Obj;
};

/** A Job condition (`batch.JobCondition`). */
export interface JobCondition {
  type: string;
  status: string;
  lastProbeTime?: string;
  lastTransitionTime?: string;
  reason?: string;
  message?: string;
}

/** `util.IsJobFinished`: a Complete or Failed condition with status True. */
export function isJobFinished(job: JobObj): boolean {
  return ((job.status?.conditions as JobCondition[] | undefined) ?? []).some((c) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
}

/** `util.FinishedCondition`: the type of the finishing condition (Complete or Failed), if any. */
export function finishedConditionType(job: JobObj): 'Complete' | 'Failed' | undefined {
  const c = ((job.status?.conditions as JobCondition[] | undefined) ?? []).find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True');
  return c?.type as 'Complete' | 'Failed' | undefined;
}

/** `findConditionByType`. */
export function findCondition(job: JobObj, type: string): JobCondition | undefined {
  return ((job.status?.conditions as JobCondition[] | undefined) ?? []).find((c) => c.type === type);
}

/** `isIndexedJob`. */
export const isIndexedJob = (job: JobObj): boolean => job.spec?.completionMode === 'Indexed';
/** `jobSuspended`. */
export const jobSuspended = (job: JobObj): boolean => job.spec?.suspend === true;
/** `onlyReplaceFailedPods`: podReplacementPolicy Failed, or a pod failure policy. */
export const onlyReplaceFailedPods = (job: JobObj): boolean => job.spec?.podReplacementPolicy === 'Failed' || !!job.spec?.podFailurePolicy;
/** `hasJobTrackingFinalizer`. */
export const hasTrackingFinalizer = (pod: Pod): boolean => (pod.metadata?.finalizers ?? []).includes(JOB_TRACKING_FINALIZER);

/** `isPodFailed`: phase Failed; or, unless only failed pods are replaced, being deleted without having succeeded. */
export function isPodFailed(pod: Pod, job: JobObj): boolean {
  if (pod.status?.phase === 'Failed') return true;
  if (onlyReplaceFailedPods(job)) return false;
  return !!pod.metadata?.deletionTimestamp && pod.status?.phase !== 'Succeeded';
}

/** `controller.CountTerminatingPods`: pods being deleted that have not reached a terminal phase. */
export function countTerminating(pods: readonly Pod[]): number {
  return pods.filter((p) => !!p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').length;
}

/** `countReadyPods`. */
export const countReady = (pods: readonly Pod[]): number => pods.filter(isPodReady).length;

/** `newCondition`. */
export function newCondition(type: string, status: string, reason: string, message: string, now: string): JobCondition {
  return { type, status, lastProbeTime: now, lastTransitionTime: now, reason, message };
}

/**
 * `ensureJobConditionStatus`: sets a condition (replacing one of the same type whose status,
 * reason or message differ; adding it unless its status is False). Returns the list and whether it changed.
 */
export function ensureCondition(list: readonly JobCondition[], type: string, status: string, reason: string, message: string, now: string): [JobCondition[], boolean] {
  const out = list.map((c) => ({ ...c }));
  const i = out.findIndex((c) => c.type === type);
  if (i >= 0) {
    const c = out[i]!;
    if (c.status !== status || c.reason !== reason || c.message !== message) {
      out[i] = newCondition(type, status, reason, message, now);
      return [out, true];
    }
    return [out, false];
  }
  if (status !== 'False') {
    out.push(newCondition(type, status, reason, message, now));
    return [out, true];
  }
  return [out, false];
}

// ---- completion indexes (indexed_job_utils.go) ------------------------------------------------

/** `getCompletionIndex`: the pod's index from its annotation, or -1 when absent or invalid. */
export function completionIndexOf(pod: KubeObject): number {
  const v = pod.metadata?.annotations?.[JOB_COMPLETION_INDEX];
  if (v === undefined || !/^\d+$/.test(v)) return -1;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : -1;
}

/** An interval of indexes, inclusive. */
export interface Interval {
  first: number;
  last: number;
}

/** `parseIndexesFromString`: `1,3-5,7` into ordered intervals, ignoring what is invalid or not below `completions`. */
export function parseIndexes(text: string | undefined, completions: number): Interval[] {
  const out: Interval[] = [];
  if (!text) return out;
  for (const part of text.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) continue;
    const first = Number(m[1]);
    let last = m[2] === undefined ? first : Number(m[2]);
    if (last < first || first >= completions) continue;
    last = Math.min(last, completions - 1);
    const prev = out[out.length - 1];
    if (prev && first <= prev.last + 1) prev.last = Math.max(prev.last, last);
    else if (!prev || first > prev.last) out.push({ first, last });
  }
  return out;
}

/** `orderedIntervals.withOrderedIndexes`: the intervals with more indexes (ascending) merged in. */
export function withIndexes(intervals: readonly Interval[], indexes: readonly number[]): Interval[] {
  const all = new Set<number>();
  for (const iv of intervals) for (let i = iv.first; i <= iv.last; i++) all.add(i);
  for (const i of indexes) all.add(i);
  const sorted = [...all].sort((a, b) => a - b);
  const out: Interval[] = [];
  for (const i of sorted) {
    const prev = out[out.length - 1];
    if (prev && prev.last + 1 === i) prev.last = i;
    else out.push({ first: i, last: i });
  }
  return out;
}

/** `orderedIntervals.total`. */
export const totalIndexes = (intervals: readonly Interval[]): number => intervals.reduce((n, iv) => n + iv.last - iv.first + 1, 0);
/** `orderedIntervals.has`. */
export const hasIndex = (intervals: readonly Interval[], ix: number): boolean => intervals.some((iv) => ix >= iv.first && ix <= iv.last);
/** `orderedIntervals.String`: `1,3-5`. */
export const formatIndexes = (intervals: readonly Interval[]): string =>
  intervals.map((iv) => (iv.first === iv.last ? `${iv.first}` : iv.last === iv.first + 1 ? `${iv.first},${iv.last}` : `${iv.first}-${iv.last}`)).join(',');

/**
 * `calculateSucceededIndexes`: the indexes recorded in `status.completedIndexes`, and those plus
 * the indexes of Succeeded pods that still carry the tracking finalizer (not counted yet).
 */
export function calculateSucceededIndexes(job: JobObj, pods: readonly Pod[]): { prev: Interval[]; all: Interval[] } {
  const completions = (job.spec?.completions as number | undefined) ?? 0;
  const prev = parseIndexes(job.status?.completedIndexes as string | undefined, completions);
  const fresh: number[] = [];
  for (const p of pods) {
    const ix = completionIndexOf(p);
    if (p.status?.phase === 'Succeeded' && ix >= 0 && ix < completions && hasTrackingFinalizer(p)) fresh.push(ix);
  }
  return { prev, all: withIndexes(prev, fresh) };
}

/** `firstPendingIndexes`: the `count` lowest indexes neither succeeded nor held by an active pod. */
export function firstPendingIndexes(activePods: readonly Pod[], succeeded: readonly Interval[], count: number, completions: number): number[] {
  const busy = new Set<number>();
  for (const p of activePods) {
    const ix = completionIndexOf(p);
    if (ix >= 0) busy.add(ix);
  }
  const out: number[] = [];
  for (let i = 0; i < completions && out.length < count; i++) if (!busy.has(i) && !hasIndex(succeeded, i)) out.push(i);
  return out;
}

/** `controller.ActivePods` ordering: pods to delete first sort first (unscheduled, pending, not ready, newer). */
function compareActivePods(a: Pod, b: Pod): number {
  const na = a.spec?.nodeName ?? '';
  const nb = b.spec?.nodeName ?? '';
  if (na !== nb && (na === '' || nb === '')) return na === '' ? -1 : 1;
  const rank: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };
  const pa = rank[a.status?.phase ?? 'Pending'] ?? 0;
  const pb = rank[b.status?.phase ?? 'Pending'] ?? 0;
  if (pa !== pb) return pa - pb;
  const ra = isPodReady(a);
  const rb = isPodReady(b);
  if (ra !== rb) return ra ? 1 : -1;
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta > tb ? -1 : 1;
  const ua = a.metadata?.uid ?? '';
  const ub = b.metadata?.uid ?? '';
  return ua < ub ? -1 : ua > ub ? 1 : 0;
}

/**
 * `activePodsForRemoval`: for Indexed Jobs, pods with an invalid index or a repeated one (all
 * but the most advanced pod of an index); then, to reach `rmAtLeast`, the least advanced others.
 */
export function activePodsForRemoval(job: JobObj, active: readonly Pod[], rmAtLeast: number): Pod[] {
  const rm: Pod[] = [];
  let left: Pod[] = [...active];
  if (isIndexedJob(job)) {
    const completions = (job.spec?.completions as number | undefined) ?? 0;
    left = [];
    const byIndex = new Map<number, Pod[]>();
    for (const p of active) {
      const ix = completionIndexOf(p);
      if (ix < 0 || ix >= completions) rm.push(p);
      else byIndex.set(ix, [...(byIndex.get(ix) ?? []), p]);
    }
    for (const ix of [...byIndex.keys()].sort((x, y) => x - y)) {
      const group = byIndex.get(ix)!.sort(compareActivePods);
      left.push(group[group.length - 1]!);
      rm.push(...group.slice(0, -1));
    }
  }
  if (rm.length < rmAtLeast) {
    left.sort(compareActivePods);
    rm.push(...left.slice(0, rmAtLeast - rm.length));
  }
  return rm;
}

/**
 * The pod template of an Indexed Job's pods gets `JOB_COMPLETION_INDEX` from the index
 * annotation in every container and init container that does not define it
 * (`addCompletionIndexEnvVariables`).
 */
export function addCompletionIndexEnv(template: Obj): Obj {
  const t = clone(template);
  const spec = (t.spec ??= {}) as Obj;
  const add = (list: Container[] | undefined) => {
    for (const c of list ?? []) {
      const env = (c.env ??= []);
      if (env.some((e) => e.name === JOB_COMPLETION_INDEX_ENV)) continue;
      env.push({ name: JOB_COMPLETION_INDEX_ENV, valueFrom: { fieldRef: { fieldPath: `metadata.annotations['${JOB_COMPLETION_INDEX}']` } } });
    }
  };
  add(spec.initContainers as Container[] | undefined);
  add(spec.containers as Container[] | undefined);
  return t;
}

// ---- back-off (backoff_utils.go) ---------------------------------------------------------------

/** `backoffRecord`: consecutive failures since the last success, and when the last one happened (virtual ms). */
export interface BackoffRecord {
  failuresAfterLastSuccess: number;
  lastFailureTime?: number;
}

/**
 * `getFinishedTime`: the latest container finishedAt when every container terminated; else the
 * Ready=False condition's time; else the deletion time less the grace period; else creation.
 */
function finishedTime(pod: Pod, timeOf: (ts: string | undefined) => number): number {
  const statuses = pod.status?.containerStatuses ?? [];
  let latest: number | undefined;
  let all = statuses.length > 0;
  for (const s of statuses) {
    const t = timeOf(s.state?.terminated?.finishedAt);
    if (!s.state?.terminated || !Number.isFinite(t)) {
      all = false;
      break;
    }
    latest = latest === undefined ? t : Math.max(latest, t);
  }
  if (all && latest !== undefined) return latest;
  const ready = podCondition(pod, 'Ready');
  if (ready?.status === 'False' && Number.isFinite(timeOf(ready.lastTransitionTime))) return timeOf(ready.lastTransitionTime);
  if (pod.metadata?.deletionTimestamp) return timeOf(pod.metadata.deletionTimestamp) - (pod.metadata.deletionGracePeriodSeconds ?? 0) * 1000;
  return timeOf(pod.metadata?.creationTimestamp);
}

/** `backoffStore.newBackoffRecord`: the record after these newly finished pods. */
export function nextBackoffRecord(old: BackoffRecord | undefined, succeeded: readonly Pod[], failed: readonly Pod[], timeOf: (ts: string | undefined) => number): BackoffRecord {
  const rec: BackoffRecord = { failuresAfterLastSuccess: old?.failuresAfterLastSuccess ?? 0, lastFailureTime: old?.lastFailureTime };
  const byTime = (pods: readonly Pod[]) => pods.map((p) => finishedTime(p, timeOf)).sort((a, b) => a - b);
  const s = byTime(succeeded);
  const f = byTime(failed);
  if (s.length === 0) {
    if (f.length === 0) return rec;
    return { failuresAfterLastSuccess: rec.failuresAfterLastSuccess + f.length, lastFailureTime: f[f.length - 1] };
  }
  const out: BackoffRecord = { failuresAfterLastSuccess: 0 };
  const lastSuccess = s[s.length - 1]!;
  for (let i = f.length - 1; i >= 0; i--) {
    if (!(f[i]! > lastSuccess)) break;
    out.lastFailureTime ??= f[i];
    out.failuresAfterLastSuccess++;
  }
  return out;
}

/** `getRemainingTimeForFailuresCount`: 10 s doubling per consecutive failure, capped at 6 min, less the time since the last failure. */
export function backoffRemaining(rec: BackoffRecord, now: number, baseMs = DEFAULT_JOB_POD_FAILURE_BACKOFF_MS, maxMs = MAX_JOB_POD_FAILURE_BACKOFF_MS): number {
  if (rec.failuresAfterLastSuccess === 0 || rec.lastFailureTime === undefined) return 0;
  let backoff = baseMs;
  for (let i = 1; i < rec.failuresAfterLastSuccess; i++) {
    backoff *= 2;
    if (backoff >= maxMs) {
      backoff = maxMs;
      break;
    }
  }
  const elapsed = now - rec.lastFailureTime;
  return backoff < elapsed ? 0 : backoff - elapsed;
}

/** `pastBackoffLimitOnFailure`: with restartPolicy OnFailure, the restarts of running and pending pods reach backoffLimit. */
export function pastBackoffLimitOnFailure(job: JobObj, pods: readonly Pod[]): boolean {
  if ((job.spec?.template as Obj | undefined)?.spec?.restartPolicy !== 'OnFailure') return false;
  let restarts = 0;
  for (const p of pods) {
    if (p.status?.phase !== 'Running' && p.status?.phase !== 'Pending') continue;
    for (const s of [...(p.status?.initContainerStatuses ?? []), ...(p.status?.containerStatuses ?? [])]) restarts += s.restartCount ?? 0;
  }
  const limit = (job.spec?.backoffLimit as number | undefined) ?? 6;
  return limit === 0 ? restarts > 0 : restarts >= limit;
}

// ---- pod failure policy (pod_failure_policy.go) ------------------------------------------------

/** What a pod failure policy says about a failed pod. */
export interface PolicyMatch {
  /** The FailJob message, when a FailJob rule matched. */
  failJobMessage?: string;
  /** Whether the failure counts against backoffLimit. */
  countFailed: boolean;
  /** The matching rule's action, if any. */
  action?: string;
}

/** `matchPodFailurePolicy`: the first rule (in order) matching the failed pod's exit codes or conditions. */
export function matchPodFailurePolicy(policy: Obj | undefined, pod: Pod): PolicyMatch {
  if (!policy) return { countFailed: true };
  const rules = (policy.rules as Obj[] | undefined) ?? [];
  for (let index = 0; index < rules.length; index++) {
    const rule = rules[index]!;
    const action = rule.action as string;
    if (rule.onExitCodes) {
      const req = rule.onExitCodes as { containerName?: string; operator: string; values: number[] };
      const statuses = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])];
      const hit = statuses.find((s) => {
        const t = s.state?.terminated;
        if (!t || (req.containerName !== undefined && req.containerName !== s.name) || t.exitCode === 0) return false;
        const inValues = req.values.includes(t.exitCode);
        return req.operator === 'In' ? inValues : !inValues;
      });
      if (!hit) continue;
      if (action === 'Ignore') return { countFailed: false, action };
      if (action === 'FailJob') {
        const msg = `Container ${hit.name} for pod ${pod.metadata?.namespace}/${pod.metadata?.name} failed with exit code ${hit.state!.terminated!.exitCode} matching ${action} rule at index ${index}`;
        return { failJobMessage: msg, countFailed: true, action };
      }
      return { countFailed: true, action };
    } else if (Array.isArray(rule.onPodConditions)) {
      const patterns = rule.onPodConditions as { type: string; status?: string }[];
      let cond: string | undefined;
      for (const p of patterns) {
        const c = podCondition(pod, p.type);
        if (c && c.status === (p.status ?? 'True')) {
          cond = c.type;
          break;
        }
      }
      if (cond === undefined) continue;
      if (action === 'Ignore') return { countFailed: false, action };
      if (action === 'FailJob') return { failJobMessage: `Pod ${pod.metadata?.namespace}/${pod.metadata?.name} has condition ${cond} matching ${action} rule at index ${index}`, countFailed: true, action };
      return { countFailed: true, action };
    }
  }
  return { countFailed: true };
}

/** `getFailJobMessage`: the message of the first failed pod a FailJob rule matches. */
export function failJobMessage(job: JobObj, pods: readonly Pod[]): string | undefined {
  const policy = job.spec?.podFailurePolicy as Obj | undefined;
  if (!policy) return undefined;
  for (const p of pods) {
    if (!isPodFailed(p, job)) continue;
    const m = matchPodFailurePolicy(policy, p).failJobMessage;
    if (m) return m;
  }
  return undefined;
}

/** Active pods: not finished and not being deleted (`controller.FilterActivePods`). */
export const activeOf = (pods: readonly Pod[]): Pod[] => pods.filter(isPodActive);
