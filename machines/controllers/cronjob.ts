/**
 * The CronJob controller (`pkg/controller/cronjob/cronjob_controllerv2.go` and `utils.go`,
 * kube-controller-manager's `cronjob-controller`): creates a Job for each scheduled time of a
 * CronJob, in virtual time.
 *
 * - The schedule is standard cron syntax in `spec.timeZone` (UTC by default), computed by
 *   `cron-parser` from the kernel's time (src/api/cron.ts). After each sync the key is queued
 *   again for the next scheduled time (plus 100 ms, `nextScheduleDelta`).
 * - `mostRecentScheduleTime`: the latest unmet time since the last schedule (or creation), not
 *   earlier than `startingDeadlineSeconds` ago; more than 100 missed times records
 *   `TooManyMissedTimes`; a time older than the starting deadline is missed (`MissSchedule`).
 * - concurrencyPolicy: Allow; Forbid skips a time while a Job is active (`JobAlreadyActive`);
 *   Replace deletes the active Jobs first.
 * - The Job is named `<cronjob>-<scheduled time in minutes since the epoch>`, labelled and
 *   annotated from `jobTemplate` plus `batch.kubernetes.io/cronjob-scheduled-timestamp`, owned
 *   by the CronJob. `status.active`, `lastScheduleTime`, `lastSuccessfulTime` follow the Jobs
 *   (`SawCompletedJob`, `MissingJob`, `UnexpectedJob` events).
 * - History: finished Jobs beyond `successfulJobsHistoryLimit` / `failedJobsHistoryLimit` are
 *   deleted oldest first (`cleanupFinishedJobs`).
 * - suspend: no new Jobs (the active ones run on).
 */
import type { KubeObject } from '../../src/api/types.js';
import { CronSchedule, isKnownTimeZone } from '../../src/api/cron.js';
import { defineController, splitKey, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { clone, controllerRefOf, deepEqual, newControllerRef, type Obj } from './util.js';
import { finishedConditionType, isJobFinished, type JobObj } from './job-utils.js';

/** The controller's name (address `controller-manager/cronjob`). */
const CRONJOB_CONTROLLER = 'cronjob';
/** The annotation with a Job's scheduled time (RFC 3339 in the CronJob's time zone). */
const CRONJOB_SCHEDULED_TIMESTAMP = 'batch.kubernetes.io/cronjob-scheduled-timestamp';
/** Past this many missed start times the controller records `TooManyMissedTimes`. */
const MANY_MISSED = 100;
/** Added to the time of the next schedule when requeueing (`nextScheduleDelta`). */
const NEXT_SCHEDULE_DELTA_MS = 100;

/** A CronJob as the controller reads it. */
export type CronJobObj = KubeObject & { spec?: Obj; status?: Obj };

/** What `mostRecentScheduleTime` found. */
export interface ScheduleLook {
  /** Where the search started (virtual ms). */
  earliest: number;
  /** The latest scheduled time not after now, if any. */
  mostRecent?: number;
  /** `none`, `few` (2–100) or `many` (> 100) missed times. */
  missed: 'none' | 'few' | 'many';
  /** Set for a schedule whose two next times are less than a second apart. */
  error?: string;
}

/** `mostRecentScheduleTime` of utils.go, on wall-clock ms of the virtual time (`now` and `timeOf` agree). */
export function mostRecentScheduleTime(cj: CronJobObj, now: number, schedule: CronSchedule, withDeadline: boolean, timeOf: (ts: string | undefined) => number): ScheduleLook {
  let earliest = timeOf(cj.metadata?.creationTimestamp);
  const last = cj.status?.lastScheduleTime as string | undefined;
  if (last) earliest = timeOf(last);
  const deadline = cj.spec?.startingDeadlineSeconds as number | undefined;
  if (withDeadline && deadline !== undefined) {
    const schedulingDeadline = now - deadline * 1000;
    if (schedulingDeadline > earliest) earliest = schedulingDeadline;
  }
  const t1 = schedule.next(earliest);
  const t2 = schedule.next(t1);
  if (now < t1) return { earliest, missed: 'none' };
  if (now < t2) return { earliest, mostRecent: t1, missed: 'none' };
  const between = Math.round((t2 - t1) / 1000);
  if (between < 1) return { earliest, missed: 'none', error: 'time difference between two schedules is less than 1 second' };
  const elapsed = Math.trunc((now - t1) / 1000);
  const missedCount = Math.trunc(elapsed / between) + 1;
  let mostRecent: number | undefined;
  const potentialEarliest = t1 + (missedCount - 2) * between * 1000;
  for (let t = schedule.next(potentialEarliest); t <= now; t = schedule.next(t)) mostRecent = t;
  const missed = missedCount > MANY_MISSED ? 'many' : missedCount > 1 ? 'few' : 'none';
  return mostRecent === undefined ? { earliest, missed } : { earliest, mostRecent, missed };
}

/** `nextScheduleTimeDuration`: ms until the next time after the most recent one (plus 100 ms). */
function nextScheduleDelay(cj: CronJobObj, now: number, schedule: CronSchedule, timeOf: (ts: string | undefined) => number): number | undefined {
  const look = mostRecentScheduleTime(cj, now, schedule, false, timeOf);
  if (look.error) return undefined;
  const from = look.mostRecent ?? look.earliest;
  return schedule.next(from) + NEXT_SCHEDULE_DELTA_MS - now;
}

/** `getJobName`: `<cronjob>-<scheduled time in minutes since the epoch>`. */
export function jobNameFor(cj: CronJobObj, scheduledMs: number): string {
  return `${cj.metadata!.name}-${Math.floor(scheduledMs / 60_000)}`;
}

/** Go's `time.Format(time.RFC3339)` of an instant in an IANA zone (`2026-01-01T09:00:00+09:00`, `Z` at offset 0). */
export function rfc3339InZone(ms: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' }).formatToParts(new Date(ms));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  const local = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  const offsetMin = Math.round((local - Math.floor(ms / 1000) * 1000) / 60_000);
  const iso = new Date(local).toISOString().slice(0, 19);
  if (offsetMin === 0) return `${iso}Z`;
  const sign = offsetMin < 0 ? '-' : '+';
  const abs = Math.abs(offsetMin);
  return `${iso}${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** Go's RFC1123Z of an instant in UTC (`Mon, 02 Jan 2006 15:04:05 +0000`), as MissSchedule prints it. */
function rfc1123z(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** `getJobFromTemplate2`: the Job for one scheduled time. */
function jobFromTemplate(cj: CronJobObj, scheduledMs: number): JobObj {
  const jt = (cj.spec?.jobTemplate ?? {}) as Obj;
  const tz = (cj.spec?.timeZone as string | undefined) ?? 'UTC';
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: jobNameFor(cj, scheduledMs),
      namespace: cj.metadata!.namespace,
      labels: { ...(jt.metadata?.labels ?? {}) },
      annotations: { ...(jt.metadata?.annotations ?? {}), [CRONJOB_SCHEDULED_TIMESTAMP]: rfc3339InZone(scheduledMs, tz) },
      ownerReferences: [newControllerRef(cj, 'batch/v1', 'CronJob')],
    },
    spec: clone(jt.spec ?? {}),
  };
}

type CjWatches = {
  cronjobs: ReturnType<typeof watch<CronJobObj>>;
  jobs: ReturnType<typeof watch<JobObj>>;
};
type Ctx = SyncContext<CjWatches & Watches, unknown, Record<string, unknown>>;
type Ref = { kind?: string; namespace?: string; name?: string; uid?: string; apiVersion?: string; resourceVersion?: string };

const refOf = (job: JobObj): Ref => ({
  kind: 'Job',
  namespace: job.metadata!.namespace,
  name: job.metadata!.name,
  uid: job.metadata!.uid,
  apiVersion: 'batch/v1',
  resourceVersion: job.metadata!.resourceVersion,
});

function startTimeOf(job: JobObj): string {
  return (job.status?.startTime as string | undefined) ?? '';
}

function sync(key: string, ctx: Ctx, fresh?: CronJobObj): void {
  const cached = fresh ?? ctx.get('cronjobs', key);
  if (!cached) return;
  const cj = clone(cached);
  const status = (cj.status ??= {});
  let active = [...((status.active as Ref[] | undefined) ?? [])];
  const jobs = ctx.byIndex('jobs', 'byController', cj.metadata!.uid!);
  // a Job not in the active list may be ours from a status write the cache has not shown yet
  if (!fresh && jobs.some((j) => !active.some((r) => r.uid === j.metadata?.uid) && !isJobFinished(j))) {
    const { namespace, name } = splitKey(key);
    ctx.client.get({ resource: 'cronjobs', group: 'batch' }, namespace, name, {
      ignore: [404],
      onResponse: (res) => {
        if (res.code === 200) sync(key, ctx, res.body as CronJobObj);
      },
    });
    return;
  }
  const children = new Set<string>();
  for (const j of jobs) {
    children.add(j.metadata!.uid!);
    const found = active.some((r) => r.uid === j.metadata!.uid);
    if (!found && !isJobFinished(j)) {
      ctx.recordEvent(cj, 'Warning', 'UnexpectedJob', `Saw a job that the controller did not create or forgot: ${j.metadata!.name}`);
    } else if (found && isJobFinished(j)) {
      active = active.filter((r) => r.uid !== j.metadata!.uid);
      ctx.recordEvent(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${j.metadata!.name}, condition: ${finishedConditionType(j)}`);
    } else if (finishedConditionType(j) === 'Complete') {
      const done = j.status?.completionTime as string | undefined;
      const last = status.lastSuccessfulTime as string | undefined;
      if (done && (!last || Date.parse(done) > Date.parse(last))) status.lastSuccessfulTime = done;
    }
  }
  // active Jobs the cache does not have: asked of the API server, forgotten when gone
  for (const ref of active) {
    if (children.has(ref.uid ?? '')) continue;
    ctx.client.get({ resource: 'jobs', group: 'batch' }, ref.namespace, ref.name ?? '', {
      ignore: [404],
      onResponse: (res) => {
        if (res.code !== 404) return;
        ctx.recordEvent(cj, 'Normal', 'MissingJob', `Active job went missing: ${ref.name}`);
        active = active.filter((r) => r.uid !== ref.uid);
      },
    });
  }
  ctx.afterRequests(() => {
    status.active = active;
    schedule(ctx, cj, jobs, () => {
      cleanupFinishedJobs(ctx, cj, jobs);
      ctx.afterRequests(() => {
        const st = cj.status as Obj;
        if ((st.active as Ref[]).length === 0) delete st.active;
        const old = cached.status ?? {};
        if (!deepEqual(st, old)) ctx.client.updateStatus({ resource: 'cronjobs', group: 'batch' }, { ...cached, status: st } as KubeObject, { ignore: [404] });
      });
    });
  });
}

/** The scheduling part of `syncCronJob`; `done` runs once its requests are answered. */
function schedule(ctx: Ctx, cj: CronJobObj, jobs: JobObj[], done: () => void): void {
  const status = cj.status as Obj;
  const finish = (delay?: number) => {
    if (delay !== undefined) ctx.requeueAfter(Math.max(0, delay));
    ctx.afterRequests(done);
  };
  if (cj.metadata?.deletionTimestamp) return finish();
  const tz = cj.spec?.timeZone as string | undefined;
  if (tz !== undefined && !isKnownTimeZone(tz)) {
    ctx.recordEvent(cj, 'Warning', 'UnknownTimeZone', `invalid timeZone: ${JSON.stringify(tz)}: unknown time zone ${tz}`);
    return finish();
  }
  if (cj.spec?.suspend === true) return finish();
  let sched: CronSchedule;
  try {
    sched = CronSchedule.parse((cj.spec?.schedule as string | undefined) ?? '', tz);
  } catch (e) {
    ctx.recordEvent(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${(e as Error).message}`);
    return finish();
  }
  // schedules are calendar times: computed on wall-clock ms of the virtual time (the kernel's epoch + now)
  const stamp = ctx.timestamp();
  const now = ctx.now() + (Date.parse(stamp) - ctx.timeOf(stamp));
  const timeOf = (ts: string | undefined) => (ts ? Date.parse(ts) : NaN);
  const look = mostRecentScheduleTime(cj, now, sched, true, timeOf);
  if (look.missed === 'many') {
    ctx.recordEvent(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
  }
  const next = () => nextScheduleDelay(cj, now, sched, timeOf);
  if (look.error) {
    ctx.recordEvent(cj, 'Warning', 'InvalidSchedule', `invalid schedule: ${cj.spec?.schedule} : ${look.error}`);
    return finish();
  }
  const scheduled = look.mostRecent;
  if (scheduled === undefined) return finish(next());
  const deadline = cj.spec?.startingDeadlineSeconds as number | undefined;
  if (deadline !== undefined && scheduled + deadline * 1000 < now) {
    ctx.recordEvent(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${rfc1123z(scheduled)}`);
    return finish(next());
  }
  const name = jobNameFor(cj, scheduled);
  const active = status.active as Ref[];
  const last = status.lastScheduleTime as string | undefined;
  if (active.some((r) => r.name === name) || (last !== undefined && timeOf(last) === scheduled)) return finish(next());
  const policy = (cj.spec?.concurrencyPolicy as string | undefined) ?? 'Allow';
  if (policy === 'Forbid' && active.length > 0) {
    ctx.recordEvent(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
    return finish(next());
  }
  const create = () => {
    const body = jobFromTemplate(cj, scheduled);
    ctx.client.create({ resource: 'jobs', group: 'batch' }, cj.metadata!.namespace, body, {
      ignore: true,
      onResponse: (res) => {
        if (res.code < 300) {
          const created = res.body as JobObj;
          ctx.recordEvent(cj, 'Normal', 'SuccessfulCreate', `Created job ${created.metadata!.name}`);
          status.active = [...(status.active as Ref[]), refOf(created)];
          status.lastScheduleTime = new Date(scheduled).toISOString().replace(/\.\d{3}Z$/, 'Z');
          return { requeueAfter: Math.max(0, next() ?? 0) };
        }
        const message = (res.body as { message?: string }).message ?? `code ${res.code}`;
        if (res.code === 409) {
          // created by someone else (or by us before a restart): adopt it in the status if it is ours
          ctx.client.get({ resource: 'jobs', group: 'batch' }, cj.metadata!.namespace, name, {
            ignore: [404],
            onResponse: (got) => {
              if (got.code !== 200) return;
              const existing = got.body as JobObj;
              if (controllerRefOf(existing)?.uid !== cj.metadata!.uid) return;
              if ((status.active as Ref[]).some((r) => r.uid === existing.metadata!.uid)) return;
              status.active = [...(status.active as Ref[]), refOf(existing)];
              status.lastScheduleTime = new Date(scheduled).toISOString().replace(/\.\d{3}Z$/, 'Z');
            },
          });
          return;
        }
        if (res.code === 403 && message.includes('because it is being terminated')) return;
        ctx.recordEvent(cj, 'Warning', 'FailedCreate', `Error creating job: ${message}`);
        return { error: `creating job ${name}: ${message}` };
      },
    });
    ctx.afterRequests(done);
  };
  if (policy === 'Replace' && active.length > 0) {
    for (const ref of active) {
      const job = jobs.find((j) => j.metadata?.uid === ref.uid);
      deleteJob(ctx, cj, ref.name ?? '', job);
    }
    ctx.afterRequests(create);
    return;
  }
  create();
}

/** `deleteJob`: deletes a Job (Background propagation), drops it from the active list, records SuccessfulDelete. */
function deleteJob(ctx: Ctx, cj: CronJobObj, name: string, job: JobObj | undefined): void {
  ctx.client.delete({ resource: 'jobs', group: 'batch' }, cj.metadata!.namespace, name, {
    propagationPolicy: 'Background',
    ...(job?.metadata?.uid ? { uid: job.metadata.uid } : {}),
    ignore: [404],
    onResponse: (res) => {
      if (res.code >= 300 && res.code !== 404) {
        ctx.recordEvent(cj, 'Warning', 'FailedDelete', `Deleted job: ${(res.body as { message?: string }).message ?? res.code}`);
        return;
      }
      const st = cj.status as Obj;
      st.active = ((st.active as Ref[] | undefined) ?? []).filter((r) => r.name !== name);
      if (res.code < 300) ctx.recordEvent(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${name}`);
    },
  });
}

/** `cleanupFinishedJobs`: the oldest (by start time) finished Jobs beyond the history limits go. */
function cleanupFinishedJobs(ctx: Ctx, cj: CronJobObj, jobs: JobObj[]): void {
  const successLimit = cj.spec?.successfulJobsHistoryLimit as number | undefined;
  const failedLimit = cj.spec?.failedJobsHistoryLimit as number | undefined;
  if (successLimit === undefined && failedLimit === undefined) return;
  const succeeded = jobs.filter((j) => finishedConditionType(j) === 'Complete' && !j.metadata?.deletionTimestamp);
  const failed = jobs.filter((j) => finishedConditionType(j) === 'Failed' && !j.metadata?.deletionTimestamp);
  const removeOldest = (list: JobObj[], limit: number | undefined) => {
    if (limit === undefined || list.length <= limit) return;
    const sorted = [...list].sort((a, b) => {
      const sa = startTimeOf(a);
      const sb = startTimeOf(b);
      if (sa !== sb) {
        if (!sa) return 1;
        if (!sb) return -1;
        return sa < sb ? -1 : 1;
      }
      return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
    });
    for (const j of sorted.slice(0, sorted.length - limit)) deleteJob(ctx, cj, j.metadata!.name!, j);
  };
  removeOldest(succeeded, successLimit);
  removeOldest(failed, failedLimit);
}

/** The CronJob controller's machine. */
export const cronJobController: ControllerMachine = defineController({
  name: CRONJOB_CONTROLLER,
  component: 'cronjob-controller',
  watches: {
    cronjobs: watch<CronJobObj>({ resource: 'cronjobs', group: 'batch' }),
    jobs: watch<JobObj>({
      resource: 'jobs',
      group: 'batch',
      indexes: { byController: (j) => (controllerRefOf(j)?.kind === 'CronJob' ? controllerRefOf(j)!.uid : undefined) },
      enqueue: ({ object, old }) => {
        const keys: string[] = [];
        for (const o of [object, old]) {
          const ref = o ? controllerRefOf(o) : undefined;
          if (ref?.kind === 'CronJob') keys.push(`${o!.metadata?.namespace}/${ref.name}`);
        }
        return keys;
      },
    }),
  },
  sync: (key, ctx) => sync(key, ctx as unknown as Ctx),
});
