/**
 * ResourceQuotas end to end with the real kubectl: `create quota` (a protobuf body), `get quota`
 * with kube-apiserver's REQUEST and LIMIT columns once the resourcequota controller has
 * computed the usage, `describe quota`, a pod refused with the quota plugin's 403, and a
 * Deployment whose ReplicaSet is held at the quota (FailedCreate events with the message); a
 * LimitRange (`get limits`, `describe limits`, defaults set on `kubectl run`, a pod over the max refused).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

const DEPLOYMENT = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 4
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        resources:
          requests:
            cpu: 100m
          limits:
            cpu: 200m
`;

const LIMIT_RANGE = `apiVersion: v1
kind: LimitRange
metadata:
  name: cpu-bounds
  namespace: limited
spec:
  limits:
  - type: Container
    max:
      cpu: "1"
    defaultRequest:
      cpu: 250m
`;

const BIG_POD = `apiVersion: v1
kind: Pod
metadata:
  name: big
  namespace: limited
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources:
      limits:
        cpu: "2"
`;

describe.skipIf(!HAS_KUBECTL)(`kubectl with ResourceQuotas${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 5 }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('create quota, get quota and describe quota show the usage the controller computed', async () => {
    const created = await s.kubectl(['create', 'quota', 'q', '--hard=pods=3,requests.cpu=1,limits.cpu=2,count/configmaps=10']);
    expect(created.stderr).toBe('');
    expect(created.stdout).toBe('resourcequota/q created\n');
    await waitFor('the quota computed', () => s.cluster.object<Obj>('resourcequotas', 'q', 'default')?.status?.used?.pods === '0', 30_000);
    const r = await s.kubectl(['get', 'quota']);
    expect(r.code).toBe(0);
    const [row] = parseTable(r.stdout);
    expect(Object.keys(row!)).toEqual(['NAME', 'AGE', 'REQUEST', 'LIMIT']);
    // the kube-root-ca.crt ConfigMap of the namespace counts
    expect(row).toMatchObject({ NAME: 'q', REQUEST: 'count/configmaps: 1/10, pods: 0/3, requests.cpu: 0/1', LIMIT: 'limits.cpu: 0/2' });
    const d = await s.kubectl(['describe', 'quota', 'q']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/Name:\s+q\nNamespace:\s+default\nResource\s+Used\s+Hard\n-+\s+-+\s+-+\ncount\/configmaps\s+1\s+10\nlimits\.cpu\s+0\s+2\npods\s+0\s+3\nrequests\.cpu\s+0\s+1\n/);
  });

  it('refuses a pod that states no cpu limit, with the quota plugin\'s message', async () => {
    const r = await s.kubectl(['run', 'bare', '--image=nginx:1.27']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('Error from server (Forbidden): pods "bare" is forbidden: failed quota: q: must specify limits.cpu for: bare; requests.cpu for: bare\n');
  });

  it('holds a Deployment at the quota: FailedCreate events on its ReplicaSet name the exceeded quota', async () => {
    const file = join(s.dir, 'web.yaml');
    writeFileSync(file, DEPLOYMENT);
    const applied = await s.kubectl(['apply', '-f', file]);
    expect(applied.stderr).toBe('');
    await waitFor('a FailedCreate event', () => s.cluster.objects<Obj>('events', 'default').some((e) => e.reason === 'FailedCreate'), 60_000);
    expect(s.cluster.objects<Obj>('pods', 'default').filter((p) => p.metadata?.labels?.app === 'web')).toHaveLength(3);
    const q = s.cluster.object<Obj>('resourcequotas', 'q', 'default')!;
    expect(q.status.used).toMatchObject({ pods: '3', 'requests.cpu': '300m', 'limits.cpu': '600m' });
    const ev = await s.kubectl(['get', 'events', '--field-selector=reason=FailedCreate', '-o', 'jsonpath={.items[0].message}']);
    expect(ev.stdout).toMatch(/^Error creating: pods "web-[a-z0-9]+-[a-z0-9]{5}" is forbidden: exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3$/);
    const d = await s.kubectl(['describe', 'quota', 'q']);
    expect(d.stdout).toMatch(/limits\.cpu\s+600m\s+2\npods\s+3\s+3\nrequests\.cpu\s+300m\s+1\n/);
  });

  it('LimitRange: get limits shows NAME and CREATED AT, describe limits the bounds; kubectl run gets the defaults, a pod over the max is refused', async () => {
    expect((await s.kubectl(['create', 'namespace', 'limited'])).stderr).toBe('');
    const file = join(s.dir, 'limits.yaml');
    writeFileSync(file, LIMIT_RANGE);
    const applied = await s.kubectl(['apply', '-f', file]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe('limitrange/cpu-bounds created\n');
    const got = await s.kubectl(['get', 'limits', '-n', 'limited']);
    const [row] = parseTable(got.stdout);
    expect(Object.keys(row!)).toEqual(['NAME', 'CREATED AT']);
    expect(row!['NAME']).toBe('cpu-bounds');
    expect(row!['CREATED AT']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    const d = await s.kubectl(['describe', 'limits', 'cpu-bounds', '-n', 'limited']);
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/Type\s+Resource\s+Min\s+Max\s+Default Request\s+Default Limit\s+Max Limit\/Request Ratio\n[- ]+\nContainer\s+cpu\s+-\s+1\s+250m\s+1\s+-/);
    const run = await s.kubectl(['run', 'small', '--image=nginx:1.27', '-n', 'limited']);
    expect(run.stderr).toBe('');
    const small = s.cluster.object<Obj>('pods', 'small', 'limited')!;
    expect(small.spec.containers[0].resources).toEqual({ limits: { cpu: '1' }, requests: { cpu: '250m' } });
    const podFile = join(s.dir, 'big.yaml');
    writeFileSync(podFile, BIG_POD);
    const big = await s.kubectl(['apply', '-f', podFile]);
    expect(big.code).not.toBe(0);
    expect(big.stderr).toContain('pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2');
  });

  it('kubectl patch of a Service\'s type is charged to services.nodeports and refused past it with the plugin\'s message', async () => {
    expect((await s.kubectl(['create', 'namespace', 'ports'])).stderr).toBe('');
    expect((await s.kubectl(['create', 'quota', 'np', '--hard=services.nodeports=1', '-n', 'ports'])).stderr).toBe('');
    await waitFor('the quota computed', () => s.cluster.object<Obj>('resourcequotas', 'np', 'ports')?.status?.used !== undefined, 30_000);
    expect((await s.kubectl(['create', 'service', 'clusterip', 'x', '--tcp=80:80', '--tcp=81:81', '-n', 'ports'])).stderr).toBe('');
    expect((await s.kubectl(['create', 'service', 'clusterip', 'y', '--tcp=80:80', '-n', 'ports'])).stderr).toBe('');
    const refused = await s.kubectl(['patch', 'svc', 'x', '-n', 'ports', '-p', '{"spec":{"type":"NodePort"}}']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toBe('Error from server (Forbidden): services "x" is forbidden: exceeded quota: np, requested: services.nodeports=2, used: services.nodeports=0, limited: services.nodeports=1\n');
    const patched = await s.kubectl(['patch', 'svc', 'y', '-n', 'ports', '-p', '{"spec":{"type":"NodePort"}}']);
    expect(patched.stderr).toBe('');
    expect(patched.stdout).toBe('service/y patched\n');
    const d = await s.kubectl(['describe', 'quota', 'np', '-n', 'ports']);
    expect(d.stdout).toMatch(/services\.nodeports\s+1\s+1\n/);
  });
});
