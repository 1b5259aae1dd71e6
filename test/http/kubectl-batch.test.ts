/**
 * The batch kinds and ReplicationControllers end to end with the real kubectl: `create job`
 * (a protobuf body) and `wait --for=condition=complete`, `get jobs` with kubectl's columns,
 * `describe job`, `create cronjob`, `create job --from=cronjob/…`, `get cj`, `get rc`, `scale rc`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

const RC = `apiVersion: v1
kind: ReplicationController
metadata:
  name: nginx
spec:
  replicas: 2
  template:
    metadata:
      labels:
        app: nginx-rc
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
`;

describe.skipIf(!HAS_KUBECTL)(`kubectl with Jobs, CronJobs and ReplicationControllers${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 3 }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('create job, then wait --for=condition=complete returns once the Job completed', async () => {
    const created = await s.kubectl(['create', 'job', 'hello', '--image=busybox:1.36', '--', 'sh', '-c', 'sleep 2; exit 0']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('job.batch/hello created\n');
    const waited = await s.kubectl(['wait', '--for=condition=complete', 'job/hello', '--timeout=60s'], { timeoutMs: 90_000 });
    expect(waited.stderr).toBe('');
    expect(waited.stdout).toBe('job.batch/hello condition met\n');
    const job = s.cluster.object<Obj>('jobs', 'hello', 'default')!;
    expect(job.spec.template.spec.restartPolicy).toBe('Never');
    expect(job.status.succeeded).toBe(1);
  });

  it('get jobs prints STATUS, COMPLETIONS, DURATION and AGE; describe job shows its pods and events', async () => {
    const r = await s.kubectl(['get', 'jobs']);
    expect(r.code).toBe(0);
    const [row] = parseTable(r.stdout);
    expect(Object.keys(row!)).toEqual(['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE']);
    expect(row).toMatchObject({ NAME: 'hello', STATUS: 'Complete', COMPLETIONS: '1/1' });
    expect(row!.DURATION).toMatch(/^\d+s$/);
    const d = await s.kubectl(['describe', 'job', 'hello']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/Completions:\s+1/);
    expect(d.stdout).toMatch(/Pods Statuses:\s+0 Active \(0 Ready\) \/ 1 Succeeded \/ 0 Failed/);
    expect(d.stdout).toMatch(/Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
  });

  it('create cronjob, get cj, then create job --from=cronjob/… runs its template now', async () => {
    const created = await s.kubectl(['create', 'cronjob', 'tick', '--image=busybox:1.36', '--schedule=*/5 * * * *', '--', 'true']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('cronjob.batch/tick created\n');
    const cj = s.cluster.object<Obj>('cronjobs', 'tick', 'default')!;
    expect(cj.spec).toMatchObject({ schedule: '*/5 * * * *', concurrencyPolicy: 'Allow', successfulJobsHistoryLimit: 3, failedJobsHistoryLimit: 1, suspend: false });
    const got = await s.kubectl(['get', 'cj']);
    const [row] = parseTable(got.stdout);
    expect(Object.keys(row!)).toEqual(['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE']);
    expect(row).toMatchObject({ NAME: 'tick', SCHEDULE: '*/5 * * * *', TIMEZONE: '<none>', SUSPEND: 'False' });
    const manual = await s.kubectl(['create', 'job', 'tick-now', '--from=cronjob/tick']);
    expect(manual.stderr).toBe('');
    expect(manual.stdout).toBe('job.batch/tick-now created\n');
    const job = s.cluster.object<Obj>('jobs', 'tick-now', 'default')!;
    expect(job.metadata!.annotations!['cronjob.kubernetes.io/instantiate']).toBe('manual');
    expect(job.metadata!.ownerReferences![0]).toMatchObject({ kind: 'CronJob', name: 'tick' });
    const waited = await s.kubectl(['wait', '--for=condition=complete', 'job/tick-now', '--timeout=60s'], { timeoutMs: 90_000 });
    expect(waited.stdout).toBe('job.batch/tick-now condition met\n');
  });

  it('apply of a ReplicationController, get rc, scale rc', async () => {
    const file = join(s.dir, 'rc.yaml');
    writeFileSync(file, RC);
    const applied = await s.kubectl(['apply', '-f', file]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe('replicationcontroller/nginx created\n');
    const running = (n: number) => s.cluster.objects<Obj>('pods', 'default').filter((p) => p.metadata?.labels?.app === 'nginx-rc' && p.status?.phase === 'Running' && !p.metadata?.deletionTimestamp).length === n;
    await waitFor('two RC pods running', () => running(2), 30_000);
    const scaled = await s.kubectl(['scale', 'rc', 'nginx', '--replicas=3']);
    expect(scaled.stdout).toBe('replicationcontroller/nginx scaled\n');
    await waitFor('three RC pods running', () => running(3), 30_000);
    await waitFor('rc status', () => s.cluster.object<Obj>('replicationcontrollers', 'nginx', 'default')?.status?.readyReplicas === 3, 30_000);
    const got = await s.kubectl(['get', 'rc']);
    const [row] = parseTable(got.stdout);
    expect(row).toMatchObject({ NAME: 'nginx', DESIRED: '3', CURRENT: '3', READY: '3' });
    const all = await s.kubectl(['get', 'all']);
    expect(all.stdout).toContain('replicationcontroller/nginx');
    expect(all.stdout).toContain('job.batch/hello');
    expect(all.stdout).toContain('cronjob.batch/tick');
  });

  it('the simulation recorded no actor errors', () => {
    expect(s.cluster.kernel.errors).toEqual([]);
  });
});
