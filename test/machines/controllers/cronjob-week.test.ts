/**
 * A week of a CronJob in virtual time, in seconds of real time: every half hour a Job whose pod
 * runs to completion, with the history limits kept, lastScheduleTime and lastSuccessfulTime
 * following the runs (the "too many missed start times" rule is in cronjob.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import type { Event, KubeObject } from '../../../src/api/types.js';

type Obj = KubeObject & Record<string, any>;

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

function cronJob(name: string, spec: Obj): Obj {
  return {
    apiVersion: 'batch/v1',
    kind: 'CronJob',
    metadata: { name },
    spec: {
      ...spec,
      jobTemplate: { spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'main', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 5; exit 0'] }] } } } },
    },
  };
}

const createdCount = (events: Event[], name: string) =>
  events.filter((e) => e.involvedObject?.kind === 'CronJob' && e.involvedObject.name === name && e.reason === 'SuccessfulCreate').reduce((n, e) => n + (e.count ?? 1), 0);

/**
 * A cluster without nodes running only the CronJob, Job and garbage collector controllers: the
 * test plays the kubelet, finishing each Job's pod (Succeeded) a few seconds after it appears, so
 * that a week of virtual time costs seconds.
 */
function bare() {
  const c = createCluster({ nodes: 0, seed: 31, controllerManager: { enabled: ['cronjob', 'job', 'garbage-collector'] } });
  c.advance(3_000);
  return c;
}

/** Every pod not finished yet ends Succeeded, as its kubelet would report it. */
function finishPods(c: ReturnType<typeof createCluster>): void {
  for (const pod of c.objects<Obj>('pods', 'default')) {
    if (pod.status?.phase === 'Succeeded' || pod.metadata?.deletionTimestamp) continue;
    const at = c.kernel.timestamp();
    c.client.patch('pods', pod.metadata!.name!, { status: { phase: 'Succeeded', startTime: at, containerStatuses: [{ name: 'main', image: 'busybox:1.36', imageID: '', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: at, finishedAt: at } } }] } }, { subresource: 'status', type: 'merge' });
  }
}

describe('CronJob over a week of virtual time', () => {
  it('"*/30 * * * *" for 7 days: 336 Jobs run to completion, 3 successful ones kept, the status follows the last run', { timeout: 300_000 }, () => {
    const c = bare();
    c.client.create(cronJob('halfhourly', { schedule: '*/30 * * * *' }));
    const start = Date.parse(c.kernel.timestamp());
    let maxKept = 0;
    // half an hour at a time: each Job's pod finishes 10 s after it was scheduled
    for (let tick = 0; tick < 7 * 48; tick++) {
      const now = Date.parse(c.kernel.timestamp());
      const next = (Math.floor(now / (30 * MINUTE)) + 1) * 30 * MINUTE;
      c.advance(next + 10_000 - now);
      finishPods(c);
      c.advance(20_000);
      maxKept = Math.max(maxKept, c.objects<Obj>('jobs', 'default').filter((j) => !j.metadata?.deletionTimestamp).length);
    }
    const end = Date.parse(c.kernel.timestamp());
    // every half hour boundary in (start, end]
    const expected = Math.floor(end / (30 * MINUTE)) - Math.floor(start / (30 * MINUTE));
    expect(expected).toBe(7 * 48);
    expect(createdCount(c.objects<Event>('events', 'default'), 'halfhourly')).toBe(expected);
    expect(end - start).toBeGreaterThan(7 * DAY - 30 * MINUTE);
    // successfulJobsHistoryLimit 3 (the default): the three latest Jobs, all Complete
    const kept = c.objects<Obj>('jobs', 'default').filter((j) => !j.metadata?.deletionTimestamp);
    expect(maxKept).toBeLessThanOrEqual(4);
    for (const j of kept) expect(j.status?.conditions?.some((x: Obj) => x.type === 'Complete' && x.status === 'True')).toBe(true);
    const last = Math.floor(end / (30 * MINUTE)) * 30 * MINUTE;
    expect(kept.map((j) => j.metadata!.name!).sort()).toEqual([last - 60 * MINUTE, last - 30 * MINUTE, last].map((t) => `halfhourly-${t / MINUTE}`));
    const status = c.object<Obj>('cronjobs', 'halfhourly')!.status;
    expect(Date.parse(status.lastScheduleTime)).toBe(last);
    // the last Job completed when its pod did, 10 s after it was scheduled
    const lastJob = kept.find((j) => j.metadata!.name === `halfhourly-${last / MINUTE}`)!;
    expect(status.lastSuccessfulTime).toBe(lastJob.status.completionTime);
    expect(Date.parse(status.lastSuccessfulTime) - last).toBeGreaterThanOrEqual(10_000);
    expect(Date.parse(status.lastSuccessfulTime) - last).toBeLessThan(MINUTE);
    expect(status.active).toBeUndefined();
    expect(c.kernel.errors).toEqual([]);
    c.stop();
  });
});
