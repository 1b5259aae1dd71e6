/**
 * End to end with the real kubectl (/usr/bin/kubectl): the nginx Deployment and a Service from
 * the Kubernetes documentation applied, listed, watched, described, scaled, rolled to a new
 * image, deleted; server-side apply with a conflict; a forbidden and an unauthenticated request.
 * What kubectl prints is compared with the cluster's state (`cluster.objects()`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { nginxDeploymentYaml } from '../../src/cluster/samples.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

const DEPLOYMENT = (image: string) => nginxDeploymentYaml(image);

const SERVICE = `apiVersion: v1
kind: Service
metadata:
  name: nginx-service
spec:
  selector:
    app: nginx
  ports:
  - protocol: TCP
    port: 80
    targetPort: 80
`;

if (!HAS_KUBECTL) console.warn(`test/http/kubectl.test.ts: ${NO_KUBECTL_REASON}`);

describe.skipIf(!HAS_KUBECTL)(`the real kubectl against kube-actors serve${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;
  let manifest: string;
  let manifest2: string;

  const pods = (): Obj[] => s.cluster.objects<Obj>('pods', 'default').filter((p) => p.metadata?.labels?.app === 'nginx' && !p.metadata?.deletionTimestamp);
  const running = (image: string, n: number) => {
    const ps = pods();
    return ps.length === n && ps.every((p) => p.status?.phase === 'Running' && p.spec?.containers?.[0]?.image === image);
  };

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 3, seed: 7 }, speed: 1 });
    manifest = join(s.dir, 'nginx.yaml');
    manifest2 = join(s.dir, 'nginx-1.16.yaml');
    writeFileSync(manifest, `${DEPLOYMENT('nginx:1.14.2')}---\n${SERVICE}`);
    writeFileSync(manifest2, `${DEPLOYMENT('nginx:1.16.1')}---\n${SERVICE}`);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('apply -f creates the Deployment and the Service as the cluster stores them', async () => {
    const r = await s.kubectl(['apply', '-f', manifest]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment.apps/nginx-deployment created\nservice/nginx-service created\n');
    expect(r.code).toBe(0);
    const d = s.cluster.object<Obj>('deployments', 'nginx-deployment', 'default')!;
    expect(d.spec.replicas).toBe(3);
    expect(d.metadata!.annotations!['kubectl.kubernetes.io/last-applied-configuration']).toContain('nginx:1.14.2');
    const svc = s.cluster.object<Obj>('services', 'nginx-service', 'default')!;
    expect(svc.spec.clusterIP).toMatch(/^10\.9[6-9]\./);
    expect(svc.spec.ports[0]).toMatchObject({ port: 80, protocol: 'TCP', targetPort: 80 });
  });

  it('get pods -w streams the pods until all three run (one Table row per event)', async () => {
    const child = s.spawnKubectl(['get', 'pods', '-w']);
    let out = '';
    const seen = new Map<string, string>();
    child.stdout!.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      for (const row of parseTable(out)) if (row.NAME) seen.set(row.NAME, `${row.READY} ${row.STATUS}`);
    });
    try {
      await waitFor('three nginx pods Running 1/1 in kubectl get pods -w', () => [...seen.values()].filter((v) => v === '1/1 Running').length >= 3 && running('nginx:1.14.2', 3), 30_000);
    } finally {
      child.kill();
    }
    expect(out.split('\n')[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE$/);
    const names = pods().map((p) => p.metadata!.name!).sort();
    expect([...seen.keys()].filter((n) => names.includes(n)).sort()).toEqual(names);
  });

  it('get pods -o wide prints what the cluster holds (IP, node)', async () => {
    const r = await s.kubectl(['get', 'pods', '-o', 'wide']);
    expect(r.code).toBe(0);
    const header = r.stdout.split('\n')[0]!;
    expect(header.split(/\s{2,}/)).toEqual(['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    const rows = parseTable(r.stdout);
    const byName = new Map(pods().map((p) => [p.metadata!.name!, p]));
    expect(rows.map((x) => x.NAME).sort()).toEqual([...byName.keys()].sort());
    for (const row of rows) {
      const p = byName.get(row.NAME!)!;
      expect(row.STATUS).toBe('Running');
      expect(row.READY).toBe('1/1');
      expect(row.IP).toBe(p.status.podIP);
      expect(row.NODE).toBe(p.spec.nodeName);
      expect(s.cluster.nodes).toContain(row.NODE);
    }
  });

  it('get -o yaml returns the stored object', async () => {
    const r = await s.kubectl(['get', 'deployment', 'nginx-deployment', '-o', 'json']);
    expect(r.code).toBe(0);
    const got = JSON.parse(r.stdout) as Record<string, any>;
    const stored = s.cluster.object<Obj>('deployments', 'nginx-deployment', 'default')!;
    expect(got.metadata.uid).toBe(stored.metadata!.uid);
    expect(got.spec.template.spec.containers[0].image).toBe('nginx:1.14.2');
  });

  it('describe pod shows the pod, its node, its owner and its events', async () => {
    const p = pods()[0]!;
    const events = () => s.cluster.objects<Obj>('events', 'default').filter((e) => e.involvedObject?.uid === p.metadata!.uid);
    await waitFor('an event about the pod', () => events().length > 0, 10_000).catch(() => {});
    const before = events();
    const r = await s.kubectl(['describe', 'pod', p.metadata!.name!]);
    expect(r.code).toBe(0);
    const text = r.stdout;
    expect(text).toMatch(new RegExp(`^Name:\\s+${p.metadata!.name}$`, 'm'));
    expect(text).toMatch(/^Namespace:\s+default$/m);
    expect(text).toMatch(new RegExp(`^Node:\\s+${p.spec.nodeName}/`, 'm'));
    expect(text).toMatch(/^Status:\s+Running$/m);
    expect(text).toMatch(new RegExp(`^IP:\\s+${p.status.podIP.replace(/\./g, '\\.')}$`, 'm'));
    expect(text).toMatch(new RegExp(`^Controlled By:\\s+ReplicaSet/${p.metadata!.ownerReferences![0]!.name}$`, 'm'));
    expect(text).toMatch(/Image:\s+nginx:1\.14\.2/);
    expect(text).toMatch(/Port:\s+80\/TCP/);
    for (const e of before) expect(text).toContain(e.message);
    if (before.length > 0) expect(text).toMatch(/^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message/m);
  });

  it('scale sets replicas through the scale subresource and the pods follow', async () => {
    const r = await s.kubectl(['scale', 'deployment', 'nginx-deployment', '--replicas=5']);
    expect(r.stdout).toBe('deployment.apps/nginx-deployment scaled\n');
    expect(s.cluster.object<Obj>('deployments', 'nginx-deployment', 'default')!.spec.replicas).toBe(5);
    await waitFor('five nginx pods running', () => running('nginx:1.14.2', 5));
    const g = await s.kubectl(['get', 'deployment', 'nginx-deployment']);
    await waitFor('deployment status 5/5', async () => (await s.kubectl(['get', 'deployment', 'nginx-deployment'])).stdout.includes('5/5'), 15_000);
    expect(g.code).toBe(0);
  });

  it('apply of the changed manifest rolls the Deployment to the new image', async () => {
    const r = await s.kubectl(['apply', '-f', manifest2]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment.apps/nginx-deployment configured\nservice/nginx-service unchanged\n');
    const d = s.cluster.object<Obj>('deployments', 'nginx-deployment', 'default')!;
    expect(d.spec.template.spec.containers[0].image).toBe('nginx:1.16.1');
    expect(d.spec.template.spec.containers[0].ports).toEqual([{ containerPort: 80, protocol: 'TCP' }]);
    expect(d.spec.replicas).toBe(3);
    await waitFor('three pods running nginx:1.16.1', () => running('nginx:1.16.1', 3), 60_000);
    const rs = await s.kubectl(['get', 'rs', '-o', 'json']);
    const list = JSON.parse(rs.stdout).items as Record<string, any>[];
    const stored = s.cluster.objects<Obj>('replicasets', 'default');
    expect(list.map((x) => x.metadata.name).sort()).toEqual(stored.map((x) => x.metadata!.name).sort());
    expect(list.length).toBeGreaterThanOrEqual(2);
  });

  it('server-side apply: managedFields, a conflict answered 409 FieldManagerConflict, --force-conflicts', async () => {
    const cm = join(s.dir, 'cm.yaml');
    writeFileSync(cm, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "1"\n');
    const first = await s.kubectl(['apply', '--server-side', '--field-manager=alice', '-f', cm]);
    expect(first.stdout).toBe('configmap/ssa serverside-applied\n');
    const stored = s.cluster.object<Obj>('configmaps', 'ssa', 'default')!;
    expect(stored.metadata!.managedFields).toEqual([expect.objectContaining({ manager: 'alice', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: { 'f:data': { 'f:a': {} } } })]);
    writeFileSync(cm, 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\ndata:\n  a: "2"\n');
    const conflict = await s.kubectl(['apply', '--server-side', '--field-manager=bob', '-f', cm]);
    expect(conflict.code).toBe(1);
    expect(conflict.stderr).toContain('error: Apply failed with 1 conflict: conflict with "alice": .data.a');
    expect(s.cluster.object<Obj>('configmaps', 'ssa', 'default')!.data.a).toBe('1');
    const forced = await s.kubectl(['apply', '--server-side', '--field-manager=bob', '--force-conflicts', '-f', cm]);
    expect(forced.code).toBe(0);
    const after = s.cluster.object<Obj>('configmaps', 'ssa', 'default')!;
    expect(after.data.a).toBe('2');
    expect(after.metadata!.managedFields!.map((m: Obj) => m.manager)).toEqual(['bob']);
  });

  it('errors as kubectl prints them: 422 with field causes, strict decoding, NotFound, AlreadyExists', async () => {
    const bad = join(s.dir, 'bad.yaml');
    writeFileSync(bad, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: bad\nspec:\n  containers: []\n');
    const invalid = await s.kubectl(['create', '-f', bad]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('The Pod "bad" is invalid: spec.containers: Required value');
    const unknown = join(s.dir, 'unknown.yaml');
    writeFileSync(unknown, 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: odd\nspec:\n  foo: 1\n  containers:\n  - name: c\n    image: nginx\n');
    const strict = await s.kubectl(['create', '-f', unknown]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toContain('strict decoding error: unknown field "spec.foo"');
    expect(s.cluster.object('pods', 'odd', 'default')).toBeUndefined();
    const missing = await s.kubectl(['get', 'pod', 'nope']);
    expect(missing.stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    const again = await s.kubectl(['create', '-f', manifest]);
    expect(again.stderr).toContain('Error from server (AlreadyExists): error when creating');
    expect(again.stderr).toContain('deployments.apps "nginx-deployment" already exists');
  });

  it('a guest is forbidden (403 as kubectl prints it) but may discover', async () => {
    const r = await s.kubectl(['get', 'pods'], { context: 'kube-actors-guest', cacheDir: join(s.dir, 'guest-cache') });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('Error from server (Forbidden): pods is forbidden: User "guest" cannot list resource "pods" in API group "" in the namespace "default"\n');
    const del = await s.kubectl(['delete', 'deployment', 'nginx-deployment'], { context: 'kube-actors-guest' });
    expect(del.stderr).toContain('deployments.apps "nginx-deployment" is forbidden: User "guest" cannot delete resource "deployments" in API group "apps" in the namespace "default"');
    expect(s.cluster.object('deployments', 'nginx-deployment', 'default')).toBeDefined();
    const viewer = await s.kubectl(['get', 'deployments'], { context: 'kube-actors-viewer' });
    expect(viewer.code).toBe(0);
    expect(viewer.stdout).toContain('nginx-deployment');
  });

  it('a bad token is unauthenticated', async () => {
    // discovery cached from the admin's commands (kubectl caches it per server): the list answers 401
    const r = await s.kubectl(['--token=not-a-token', 'get', 'pods']);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('error: You must be logged in to the server (Unauthorized)\n');
    // with an empty cache discovery itself answers 401, and kubectl words it as for a real server
    const cold = await s.kubectl(['--token=not-a-token', 'get', 'pods'], { cacheDir: join(s.dir, 'bad-cache') });
    expect(cold.code).toBe(1);
    expect(cold.stderr).toMatch(/error: You must be logged in to the server \(the server has asked for the client to provide credentials\)\n$/);
  });

  it('delete -f removes the Deployment and the Service and waits for them', async () => {
    const r = await s.kubectl(['delete', '-f', manifest]);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment.apps "nginx-deployment" deleted\nservice "nginx-service" deleted\n');
    expect(s.cluster.object('deployments', 'nginx-deployment', 'default')).toBeUndefined();
    expect(s.cluster.object('services', 'nginx-service', 'default')).toBeUndefined();
    const g = await s.kubectl(['get', 'deployment', 'nginx-deployment']);
    expect(g.stderr).toBe('Error from server (NotFound): deployments.apps "nginx-deployment" not found\n');
    // the garbage collector takes the ReplicaSets and their pods (background propagation)
    await waitFor('the ReplicaSets and pods to be collected', () => s.cluster.objects('replicasets', 'default').length === 0 && s.cluster.objects<Obj>('pods', 'default').every((p) => p.metadata?.labels?.app !== 'nginx'), 60_000);
    const after = await s.kubectl(['get', 'pods', '-l', 'app=nginx']);
    expect(after.stdout).toBe('');
    expect(after.stderr).toBe('No resources found in default namespace.\n');
  });

  it('delete pod --wait: kubectl waits until the pod is gone', async () => {
    writeFileSync(join(s.dir, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata:\n  name: solo\nspec:\n  containers:\n  - name: c\n    image: nginx:1.27\n');
    expect((await s.kubectl(['create', '-f', join(s.dir, 'pod.yaml')])).stdout).toBe('pod/solo created\n');
    await waitFor('solo running', () => s.cluster.object<Obj>('pods', 'solo', 'default')?.status?.phase === 'Running');
    const r = await s.kubectl(['delete', 'pod', 'solo']);
    expect(r.stdout).toBe('pod "solo" deleted\n');
    expect(s.cluster.object('pods', 'solo', 'default')).toBeUndefined();
  });

  it('kubectl create generators (protobuf bodies): namespace, configmap, secret, deployment, role, rolebinding, service', async () => {
    const run = async (args: string[], expected: string) => {
      const r = await s.kubectl(args);
      expect(r.stderr).toBe('');
      expect(r.stdout).toBe(expected);
    };
    await run(['create', 'namespace', 'team-a'], 'namespace/team-a created\n');
    expect(s.cluster.object<Obj>('namespaces', 'team-a')!.status.phase).toBe('Active');
    await run(['create', 'configmap', 'settings', '--from-literal=mode=fast', '-n', 'team-a'], 'configmap/settings created\n');
    expect(s.cluster.object<Obj>('configmaps', 'settings', 'team-a')!.data).toEqual({ mode: 'fast' });
    await run(['create', 'secret', 'generic', 'creds', '--from-literal=password=s3cr3t', '-n', 'team-a'], 'secret/creds created\n');
    expect(Buffer.from(s.cluster.object<Obj>('secrets', 'creds', 'team-a')!.data.password, 'base64').toString()).toBe('s3cr3t');
    await run(['create', 'deployment', 'hello', '--image=nginx:1.27', '--replicas=2', '--port=80', '-n', 'team-a'], 'deployment.apps/hello created\n');
    const d = s.cluster.object<Obj>('deployments', 'hello', 'team-a')!;
    expect(d.spec.replicas).toBe(2);
    expect(d.spec.template.spec.containers).toEqual([expect.objectContaining({ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80, protocol: 'TCP' }] })]);
    await waitFor('two hello pods running', () => s.cluster.objects<Obj>('pods', 'team-a').filter((p) => p.metadata?.labels?.app === 'hello' && p.status?.phase === 'Running').length === 2);
    await run(['create', 'role', 'reader', '--verb=get,list', '--resource=pods', '-n', 'team-a'], 'role.rbac.authorization.k8s.io/reader created\n');
    expect(s.cluster.object<Obj>('roles', 'reader', 'team-a')!.rules).toEqual([{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]);
    await run(['create', 'rolebinding', 'guest-reads', '--role=reader', '--user=guest', '-n', 'team-a'], 'rolebinding.rbac.authorization.k8s.io/guest-reads created\n');
    // the binding takes effect: the guest may now list pods in team-a (and still not elsewhere)
    await waitFor('the guest to be allowed', async () => (await s.kubectl(['get', 'pods', '-n', 'team-a'], { context: 'kube-actors-guest' })).code === 0, 10_000);
    const guestPods = await s.kubectl(['get', 'pods', '-n', 'team-a', '-o', 'name'], { context: 'kube-actors-guest' });
    expect(guestPods.stdout.split('\n').filter(Boolean)).toHaveLength(2);
    expect((await s.kubectl(['get', 'pods', '-n', 'default'], { context: 'kube-actors-guest' })).code).toBe(1);
    await run(['create', 'service', 'clusterip', 'hello', '--tcp=80:80', '-n', 'team-a'], 'service/hello created\n');
    expect(s.cluster.object<Obj>('services', 'hello', 'team-a')!.spec.ports).toEqual([expect.objectContaining({ name: '80-80', port: 80, targetPort: 80, protocol: 'TCP' })]);
  });

  it('the simulation recorded no actor errors', () => {
    expect(s.cluster.kernel.errors).toEqual([]);
  });
});
