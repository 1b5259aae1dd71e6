import { describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';
import type { Event, KubeObject } from '../../../src/api/types.js';
import { CronSchedule, parseCronSchedule } from '../../../src/api/cron.js';
import { jobNameFor, mostRecentScheduleTime, rfc3339InZone } from '../../../machines/controllers/cronjob.js';

type Obj = KubeObject & Record<string, any>;

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

function cronJob(name: string, spec: Obj, command = ['sh', '-c', 'sleep 20; exit 0']): Obj {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      ...spec,
      jobTemplate: {
        metadata: { labels: { app: name } },
        spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command }] } } },
      },
    },
  };
}

function cluster(): Cluster {
  const c = createCluster({ nodes: 1, seed: 5 });
  c.advance(3_000);
  return c;
}

/**
 * A cluster without nodes running only the CronJob and Job controllers: long stretches of
 * virtual time cost little (the Jobs' pods stay Pending).
 */
function bare(): Cluster {
  const c = createCluster({ nodes: 0, seed: 5, controllerManager: { enabled: ['cronjob', 'job'] } });
  c.advance(3_000);
  return c;
}

/** Virtual ms to wall time: the kernel's timestamps start at its epoch. */
const wall = (c: Cluster) => Date.parse(c.kernel.timestamp());
const jobsOf = (c: Cluster, name: string): Obj[] =>
  c.objects<Obj>('jobs', 'default').filter((j) => j.metadata?.ownerReferences?.some((r: Obj) => r.kind === 'CronJob' && r.name === name));
const events = (c: Cluster, name: string, reason?: string) =>
  c
    .objects<Event>('events', 'default')
    .filter((e) => e.involvedObject?.kind === 'CronJob' && e.involvedObject.name === name && (!reason || e.reason === reason))
    .map((e) => ({ reason: e.reason, message: e.message, count: e.count ?? 1 }));
const cj = (c: Cluster, name: string) => c.object<Obj>('cronjobs', name)!;

describe('CronJob controller', () => {
  it('runs a day of "0 */2 * * *" in virtual time: one Job per time, named by its minute, stamped, all active', () => {
    const c = bare();
    const created = c.client.create(cronJob('twohourly', { schedule: '0 */2 * * *' }));
    expect(created.spec).toMatchObject({ concurrencyPolicy: 'Allow', suspend: false, successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1 });
    const start = wall(c);
    c.advance(DAY);
    const expected: string[] = [];
    for (let t = Math.ceil((start + 1) / (2 * HOUR)) * 2 * HOUR; t <= start + DAY; t += 2 * HOUR) expected.push(`twohourly-${t / 60_000}`);
    expect(expected.length).toBe(12);
    const jobs = jobsOf(c, 'twohourly');
    expect(jobs.map((j) => j.metadata!.name).sort()).toEqual(expected.sort());
    for (const j of jobs) {
      expect(j.metadata!.labels).toEqual({ app: 'twohourly' });
      const minutes = Number(j.metadata!.name!.split('-').pop());
      expect(j.metadata!.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp']).toBe(new Date(minutes * 60_000).toISOString().replace('.000Z', 'Z'));
      // created on time (within the controller's 100 ms delta and a few messages)
      expect(Date.parse(j.metadata!.creationTimestamp!) - minutes * 60_000).toBeLessThan(2_000);
    }
    const status = cj(c, 'twohourly').status;
    expect(Date.parse(status.lastScheduleTime) / 60_000).toBe(Number(expected[expected.length - 1]!.split('-').pop()));
    // their pods cannot run (no nodes): every Job stays active
    expect(status.active.map((r: Obj) => r.name).sort()).toEqual(expected.sort());
    expect(events(c, 'twohourly', 'SuccessfulCreate').reduce((n, e) => n + e.count, 0)).toBe(12);
    expect(c.kernel.errors).toEqual([]);
  }, 300_000);

  it('computes times in spec.timeZone and stamps them in that zone', () => {
    const c = bare();
    c.client.create(cronJob('tokyo', { schedule: '0 10 * * *', timeZone: 'Asia/Tokyo' }));
    c.advance(2 * HOUR);
    const [j] = jobsOf(c, 'tokyo');
    const minutes = Number(j!.metadata!.name!.split('-').pop());
    // 10:00 in Tokyo is 01:00 UTC
    expect(new Date(minutes * 60_000).toISOString()).toMatch(/T01:00:00\.000Z$/);
    expect(j!.metadata!.annotations!['batch.kubernetes.io/cronjob-scheduled-timestamp']).toMatch(/T10:00:00\+09:00$/);
  });

  it('Forbid skips a time while a Job runs; Replace deletes the running Job first', () => {
    const c = cluster();
    c.client.create(cronJob('forbid', { schedule: '* * * * *', concurrencyPolicy: 'Forbid' }, ['sleep', '150']));
    c.client.create(cronJob('replace', { schedule: '* * * * *', concurrencyPolicy: 'Replace' }, ['sleep', '150']));
    c.advance(10 * 60_000);
    const forbid = jobsOf(c, 'forbid');
    expect(events(c, 'forbid', 'JobAlreadyActive')[0]?.message).toBe('Not starting job because prior execution is running and concurrency policy is Forbid');
    // runs of 150 s, one at a time: at most one unfinished Job at any moment, fewer Jobs than minutes
    expect(forbid.filter((j) => !(j.status?.conditions ?? []).some((x: Obj) => x.status === 'True' && (x.type === 'Complete' || x.type === 'Failed'))).length).toBeLessThanOrEqual(1);
    expect(events(c, 'forbid', 'SuccessfulCreate').reduce((n, e) => n + e.count, 0)).toBeLessThan(8);
    // Replace: a new Job every minute, the previous one deleted
    const replaced = events(c, 'replace', 'SuccessfulDelete');
    expect(replaced.reduce((n, e) => n + e.count, 0)).toBeGreaterThanOrEqual(8);
    expect(cj(c, 'replace').status.active).toHaveLength(1);
    expect(jobsOf(c, 'replace').filter((j) => !j.metadata?.deletionTimestamp).length).toBeLessThanOrEqual(2);
  });

  it('more than 100 missed times records TooManyMissedTimes; startingDeadlineSeconds bounds the look-back and misses late starts', () => {
    const c = bare();
    c.client.create(cronJob('late', { schedule: '* * * * *', suspend: true }));
    c.client.create(cronJob('bounded', { schedule: '* * * * *', suspend: true, startingDeadlineSeconds: 30 }));
    c.advance(2 * HOUR);
    expect(jobsOf(c, 'late')).toEqual([]);
    c.client.patch('cronjobs', 'late', { spec: { suspend: false } });
    c.client.patch('cronjobs', 'bounded', { spec: { suspend: false } });
    c.advance(2_000);
    const many = events(c, 'late', 'TooManyMissedTimes').map((e) => e.message);
    expect(many.length).toBeGreaterThanOrEqual(1);
    expect(new Set(many)).toEqual(new Set(['too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew']));
    // only the most recent missed time runs
    expect(jobsOf(c, 'late')).toHaveLength(1);
    expect(events(c, 'bounded', 'TooManyMissedTimes')).toEqual([]);
    c.advance(2 * 60_000);
    expect(jobsOf(c, 'bounded').length).toBeGreaterThanOrEqual(1);
  });

  it('keeps failedJobsHistoryLimit failed Jobs and deletes the older ones', () => {
    const c = cluster();
    const failing = cronJob('flaky', { schedule: '*/2 * * * *', failedJobsHistoryLimit: 1 }, ['sh', '-c', 'exit 1']);
    failing.spec.jobTemplate.spec.backoffLimit = 0;
    c.client.create(failing);
    c.advance(11 * 60_000);
    const jobs = jobsOf(c, 'flaky').filter((j) => !j.metadata?.deletionTimestamp);
    const failed = jobs.filter((j) => (j.status?.conditions ?? []).some((x: Obj) => x.type === 'Failed' && x.status === 'True'));
    expect(failed.length).toBe(1);
    expect(events(c, 'flaky', 'SuccessfulDelete').reduce((n, e) => n + e.count, 0)).toBeGreaterThanOrEqual(3);
    expect(events(c, 'flaky', 'SawCompletedJob')[0]?.message).toMatch(/^Saw completed job: flaky-\d+, condition: Failed$/);
  });

  it('suspend stops new Jobs', () => {
    const c = bare();
    c.client.create(cronJob('paused', { schedule: '* * * * *', suspend: true }));
    c.advance(5 * 60_000);
    expect(jobsOf(c, 'paused')).toEqual([]);
    expect(cj(c, 'paused').status.lastScheduleTime).toBeUndefined();
  });

  it('refuses invalid CronJobs with the real messages', () => {
    const c = createCluster({ nodes: 0, seed: 1 });
    const bad = (spec: Obj, name = 'bad') => {
      try {
        c.client.create({ ...cronJob('x', spec), metadata: { name } });
      } catch (e) {
        return (e as Error).message;
      }
      return 'accepted';
    };
    expect(bad({ schedule: '* * * *' })).toContain('spec.schedule: Invalid value: "* * * *": expected exactly 5 fields, found 4: [* * * *]');
    expect(bad({ schedule: 'TZ=UTC 0 * * * *' })).toContain('cannot use TZ or CRON_TZ in schedule, use timeZone field instead');
    expect(bad({ schedule: '0 * * * *', timeZone: 'Mars/Olympus' })).toContain('spec.timeZone: Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus');
    expect(bad({ schedule: '0 * * * *', concurrencyPolicy: 'Sometimes' })).toContain('spec.concurrencyPolicy: Unsupported value: "Sometimes"');
    expect(bad({ schedule: '0 * * * *' }, 'a'.repeat(53))).toContain('must be no more than 52 characters');
    expect(bad({ schedule: '@hourly' })).toBe('accepted');
  });
});

describe('CronJob schedules', () => {
  it('parses the standard syntax as robfig/cron\'s ParseStandard does', () => {
    expect(parseCronSchedule('*/15 9-17 * * MON-FRI').error).toBeUndefined();
    expect(parseCronSchedule('@daily').expression).toBe('0 0 0 * * *');
    expect(parseCronSchedule('0 0 * * * *').error).toBe('expected exactly 5 fields, found 6: [0 0 * * * *]');
    expect(parseCronSchedule('0 0 L * *').error).toMatch(/failed to parse/);
    expect(parseCronSchedule('61 * * * *').error).toBeDefined();
  });

  it('mostRecentScheduleTime: none, one, and many missed (utils_test)', () => {
    const sched = CronSchedule.parse('0 * * * *');
    const base = Date.parse('2026-05-01T10:00:00Z');
    const timeOf = (ts?: string) => (ts ? Date.parse(ts) : NaN);
    const cjAt = (created: number, last?: number, deadline?: number): Obj => ({
      metadata: { creationTimestamp: new Date(created).toISOString() },
      spec: deadline === undefined ? {} : { startingDeadlineSeconds: deadline },
      status: last === undefined ? {} : { lastScheduleTime: new Date(last).toISOString() },
    });
    expect(mostRecentScheduleTime(cjAt(base + 60_000), base + 30 * 60_000, sched, true, timeOf)).toEqual({ earliest: base + 60_000, missed: 'none' });
    expect(mostRecentScheduleTime(cjAt(base + 60_000), base + HOUR + 5_000, sched, true, timeOf)).toMatchObject({ mostRecent: base + HOUR, missed: 'none' });
    expect(mostRecentScheduleTime(cjAt(base + 60_000, base), base + 5 * HOUR + 5_000, sched, true, timeOf)).toMatchObject({ mostRecent: base + 5 * HOUR, missed: 'few' });
    expect(mostRecentScheduleTime(cjAt(base - 200 * HOUR), base + 5_000, sched, true, timeOf)).toMatchObject({ mostRecent: base, missed: 'many' });
    // a deadline of 2 hours looks back 2 hours only
    expect(mostRecentScheduleTime(cjAt(base - 200 * HOUR, undefined, 7_200), base + 5_000, sched, true, timeOf)).toMatchObject({ mostRecent: base, missed: 'few' });
    expect(jobNameFor({ metadata: { name: 'hello' } }, base)).toBe(`hello-${base / 60_000}`);
    expect(rfc3339InZone(base, 'America/New_York')).toBe('2026-05-01T06:00:00-04:00');
    expect(rfc3339InZone(base, 'UTC')).toBe('2026-05-01T10:00:00Z');
  });
});
