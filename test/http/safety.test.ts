/**
 * End to end with the real kubectl (/usr/bin/kubectl) and raw HTTPS: the requests of issue 15
 * that used to change the cluster when they should not, or stop it: `delete --dry-run=server`,
 * a merge patch with a wrong-typed field, a deeply nested body, deleting the namespaces the
 * cluster cannot do without.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { KubeObject } from '../../src/api/types.js';
import { nginxDeploymentYaml } from '../../src/cluster/samples.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

if (!HAS_KUBECTL) console.warn(`test/http/safety.test.ts: ${NO_KUBECTL_REASON}`);

describe.skipIf(!HAS_KUBECTL)(`refused and dry-run requests change nothing (the real kubectl)${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;
  const logged: string[] = [];

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 5 }, speed: 1, errorLog: (line) => logged.push(line) });
    const manifest = join(s.dir, 'nginx.yaml');
    writeFileSync(manifest, nginxDeploymentYaml('nginx:1.14.2'));
    const r = await s.kubectl(['apply', '-f', manifest]);
    expect(r.code).toBe(0);
    const cm = await s.kubectl(['create', 'configmap', 'settings', '--from-literal=a=1']);
    expect(cm.code).toBe(0);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('delete --dry-run=server answers "deleted (server dry run)" and deletes nothing', async () => {
    const before = s.cluster.object<Obj>('deployments', 'nginx-deployment', 'default')!;
    const r = await s.kubectl(['delete', 'deployment', 'nginx-deployment', '--dry-run=server']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('deployment.apps "nginx-deployment" deleted (server dry run)\n');
    const cm = await s.kubectl(['delete', 'configmap', 'settings', '--dry-run=server']);
    expect(cm.stdout).toBe('configmap "settings" deleted (server dry run)\n');
    const after = s.cluster.object<Obj>('deployments', 'nginx-deployment', 'default');
    expect(after?.metadata?.uid).toBe(before.metadata!.uid);
    expect(after?.metadata?.deletionTimestamp).toBeUndefined();
    expect(s.cluster.object('configmaps', 'settings', 'default')).toBeDefined();
  });

  it('patch --type=merge with replicas "5" is refused as the decoder refuses it, and the Deployment keeps its replicas', async () => {
    const before = s.cluster.object<Obj>('deployments', 'nginx-deployment', 'default')!;
    const r = await s.kubectl(['patch', 'deployment', 'nginx-deployment', '--type=merge', '-p', '{"spec":{"replicas":"5"}}']);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
    const after = s.cluster.object<Obj>('deployments', 'nginx-deployment', 'default')!;
    expect(after.spec.replicas).toBe(3);
    expect(after.metadata!.resourceVersion).toBe(before.metadata!.resourceVersion);
    const created = await s.call('POST', '/apis/apps/v1/namespaces/default/deployments', {
      body: JSON.stringify({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'typed' }, spec: { replicas: '2', selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } } }),
      contentType: 'application/json',
    });
    expect(created.code).toBe(400);
    expect(created.json.message).toBe('Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32');
  });

  it('a ConfigMap whose annotation is 5,000 nested arrays is refused at once, and the cluster keeps serving', async () => {
    const nested = `${'['.repeat(5000)}${']'.repeat(5000)}`;
    const body = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep","annotations":{"a":${nested}}}}`;
    const r = await s.call('POST', '/api/v1/namespaces/default/configmaps', { body, contentType: 'application/json' });
    expect(r.code).toBe(400);
    expect(r.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal array into Go struct field ObjectMeta.metadata.annotations of type string');
    // deeper than Go's decoder goes: refused before it reaches the simulation
    const tooDeep = `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deeper"},"data":${'['.repeat(10_001)}${']'.repeat(10_001)}}`;
    const r2 = await s.call('POST', '/api/v1/namespaces/default/configmaps', { body: tooDeep, contentType: 'application/json' });
    expect(r2.code).toBe(400);
    expect(r2.json.message).toBe(`the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character '[' exceeded max depth ({"apiVersion":"v1","kind":"Con ...)`);
    const get = await s.kubectl(['get', 'configmap', 'settings', '-o', 'name']);
    expect(get.stdout).toBe('configmap/settings\n');
    const ready = await s.call('GET', '/readyz?verbose', { token: null });
    expect(ready.code).toBe(200);
    expect(ready.text).toBe('[+]ping ok\n[+]log ok\n[+]simulation ok\n[+]actors ok\nreadyz check passed\n');
    expect(s.cluster.kernel.errors).toEqual([]);
  });

  it('9,000 levels under an unknown field, in a create, a patch of each type and a YAML apply: answered as the decoder answers, nothing throws', async () => {
    const deep = `${'{"x":'.repeat(9000)}1${'}'.repeat(9000)}`;
    const create = await s.call('POST', '/api/v1/namespaces/default/configmaps', { body: `{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"deep-unknown"},"zz":${deep}}`, contentType: 'application/json' });
    expect(create.code).toBe(201);
    expect(create.headers.warning).toBe('299 - "unknown field \\"zz\\""');
    expect(create.json).not.toHaveProperty('zz');
    for (const [type, body] of [
      ['application/merge-patch+json', `{"zz":${deep}}`],
      ['application/strategic-merge-patch+json', `{"zz":${deep}}`],
      ['application/json-patch+json', `[{"op":"add","path":"/zz","value":${deep}}]`],
    ] as const) {
      const r = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/deep-unknown', { body, contentType: type });
      expect(r.code, type).toBe(200);
    }
    const strict = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/deep-unknown?fieldValidation=Strict', { body: `{"zz":${deep}}`, contentType: 'application/merge-patch+json' });
    expect(strict.code).toBe(400);
    expect(strict.json.message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "zz"');
    const yaml = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/deep-unknown?fieldManager=me', { body: `apiVersion: v1\nkind: ConfigMap\nmetadata: {name: deep-unknown}\nzz: ${'['.repeat(9000)}${']'.repeat(9000)}\n`, contentType: 'application/apply-patch+yaml' });
    expect(yaml.code).toBe(400);
    expect(yaml.json.message).toMatch(/^error converting YAML to JSON: yaml: the document nests more levels than this server's YAML parser follows/);
    const get = await s.kubectl(['get', 'configmap', 'deep-unknown', '-o', 'jsonpath={.metadata.name}']);
    expect(get.stdout).toBe('deep-unknown');
    expect(s.cluster.kernel.errors).toEqual([]);
  });

  it('delete namespace default, kube-system or kube-public is forbidden by NamespaceLifecycle', async () => {
    for (const ns of ['default', 'kube-system', 'kube-public']) {
      const r = await s.kubectl(['delete', 'namespace', ns]);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`Error from server (Forbidden): namespaces "${ns}" is forbidden: this namespace may not be deleted\n`);
      expect(s.cluster.object<Obj>('namespaces', ns)?.metadata?.deletionTimestamp).toBeUndefined();
    }
  });

  it('livez?verbose lists its checks; /readyz/ping runs one', async () => {
    const live = await s.call('GET', '/livez?verbose', { token: null });
    expect(live.text).toBe('[+]ping ok\n[+]log ok\n[+]simulation ok\nlivez check passed\n');
    expect((await s.call('GET', '/readyz/ping', { token: null })).text).toBe('ok');
    expect((await s.call('GET', '/readyz', { token: null })).text).toBe('ok');
  });

  it('when the simulation stops on an error it says so: stderr, /readyz 500 with the reason, requests 500 naming it (last: it stops the cluster)', async () => {
    const stopped = new Promise<unknown>((resolve) => s.driver.onError(resolve));
    s.cluster.kernel.setTimer(() => {
      throw new Error('a bug outside any actor');
    }, 0);
    await stopped;
    const ready = await s.call('GET', '/readyz', { token: null });
    expect(ready.code).toBe(500);
    expect(ready.text).toMatch(/^\[\+\]ping ok\n\[\+\]log ok\n\[-\]simulation failed: Error: a bug outside any actor \(at t=\d+(\.\d+)?ms\)\n\[\+\]actors ok\nreadyz check failed\n$/);
    const r = await s.kubectl(['get', 'pods']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('the simulation stopped: Error: a bug outside any actor');
    expect(logged.some((l) => l.startsWith('kube-actors: the simulation stopped: Error: a bug outside any actor'))).toBe(true);
  });
});
