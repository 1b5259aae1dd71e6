/**
 * The HTTP API at the protocol level (raw HTTPS requests that trust the server's CA): discovery
 * documents and their content types, OpenAPI v3, Table printing (lists, objects, watch events),
 * list paging, YAML, watches from a resourceVersion with bookmarks, Status answers with the
 * right codes (400, 401, 403, 404, 405, 406, 409, 413, 415, 422, 503), Warning headers, and the
 * client actors on the kernel's network.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

import { AGGREGATED_DISCOVERY_V2 } from '../../src/http/discovery.js';
import { startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = Record<string, any>;
const TABLE = 'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';
const AGG = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList,application/json';

const pod = (name: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...extra } });

describe('the Kubernetes HTTP API of kube-actors serve', () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 11 }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('writes a kubeconfig with the server, the CA (SAN IP 127.0.0.1) and a context and token per user', () => {
    const kc = parseYaml(readFileSync(s.kubeconfig, 'utf8')) as Obj;
    expect(kc.clusters[0].cluster.server).toBe(s.url);
    const pem = Buffer.from(kc.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
    const cert = new X509Certificate(pem);
    expect(cert.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(cert.ca).toBe(true);
    expect(kc['current-context']).toBe('kube-actors-admin');
    expect(kc.users.map((u: Obj) => [u.name, u.user.token])).toEqual([
      ['admin', s.cluster.users.admin.token],
      ['guest', s.cluster.users.guest.token],
      ['viewer', s.cluster.users.viewer.token],
    ]);
    expect(kc.contexts.map((c: Obj) => c.name)).toEqual(['kube-actors-admin', 'kube-actors-guest', 'kube-actors-viewer']);
  });

  it('serves /version to anyone', async () => {
    const r = await s.call('GET', '/version?timeout=5s', { token: null });
    expect(r.code).toBe(200);
    expect(r.json).toMatchObject({ major: '1', minor: '32', gitVersion: expect.stringMatching(/^v1\.32\./) });
  });

  it('serves aggregated discovery with its exact content type, and the legacy documents', async () => {
    const api = await s.call('GET', '/api', { accept: AGG });
    expect(api.code).toBe(200);
    expect(api.headers['content-type']).toBe(AGGREGATED_DISCOVERY_V2);
    expect(api.json.kind).toBe('APIGroupDiscoveryList');
    const pods = api.json.items[0].versions[0].resources.find((r: Obj) => r.resource === 'pods');
    expect(pods).toMatchObject({ responseKind: { group: '', version: 'v1', kind: 'Pod' }, scope: 'Namespaced', shortNames: ['po'], categories: ['all'] });
    expect(pods.verbs).toContain('watch');
    expect(pods.subresources.map((x: Obj) => x.subresource).sort()).toEqual(['attach', 'binding', 'ephemeralcontainers', 'eviction', 'exec', 'log', 'portforward', 'status']);
    const apis = await s.call('GET', '/apis', { accept: AGG });
    const appsGroup = apis.json.items.find((g: Obj) => g.metadata.name === 'apps');
    const deploy = appsGroup.versions[0].resources.find((r: Obj) => r.resource === 'deployments');
    expect(deploy.shortNames).toEqual(['deploy']);
    expect(deploy.subresources.find((x: Obj) => x.subresource === 'scale').responseKind).toEqual({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    const nodes = api.json.items[0].versions[0].resources.find((r: Obj) => r.resource === 'nodes');
    expect(nodes.scope).toBe('Cluster');
    // legacy forms
    const versions = await s.call('GET', '/api', { accept: 'application/json' });
    expect(versions.json).toMatchObject({ kind: 'APIVersions', versions: ['v1'] });
    const groups = await s.call('GET', '/apis');
    expect(groups.json.kind).toBe('APIGroupList');
    expect(groups.json.groups.map((g: Obj) => g.name)).toEqual(['apps', 'batch', 'autoscaling', 'policy', 'coordination.k8s.io', 'scheduling.k8s.io', 'rbac.authorization.k8s.io', 'discovery.k8s.io', 'events.k8s.io', 'networking.k8s.io', 'storage.k8s.io', 'metrics.k8s.io', 'authentication.k8s.io', 'authorization.k8s.io']);
    const v1 = await s.call('GET', '/api/v1');
    expect(v1.json.kind).toBe('APIResourceList');
    expect(v1.json.resources.find((r: Obj) => r.name === 'pods/binding')).toMatchObject({ kind: 'Binding', verbs: ['create'], namespaced: true });
    const appsV1 = await s.call('GET', '/apis/apps/v1');
    expect(appsV1.json.resources.find((r: Obj) => r.name === 'deployments/scale')).toMatchObject({ group: 'autoscaling', version: 'v1', kind: 'Scale' });
    expect((await s.call('GET', '/apis/apps')).json).toMatchObject({ kind: 'APIGroup', name: 'apps', preferredVersion: { groupVersion: 'apps/v1' } });
  });

  it('lets every authenticated user discover; refuses a bad token (401) and the anonymous user (403, RBAC)', async () => {
    for (const token of [s.cluster.users.guest.token, s.cluster.users.viewer.token]) {
      expect((await s.call('GET', '/apis', { token, accept: AGG })).code).toBe(200);
      expect((await s.call('GET', '/openapi/v3', { token })).code).toBe(200);
    }
    const bad = await s.call('GET', '/api', { token: 'bogus', accept: AGG });
    expect(bad.code).toBe(401);
    expect(bad.json).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    const anonymous = await s.call('GET', '/api', { token: null, accept: AGG });
    expect(anonymous.code).toBe(403);
    expect(anonymous.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', message: 'forbidden: User "system:anonymous" cannot get path "/api"', reason: 'Forbidden', code: 403 });
    // system:public-info-viewer lets anybody read the version and the health endpoints
    expect((await s.call('GET', '/version', { token: null })).code).toBe(200);
    expect((await s.call('GET', '/healthz', { token: null })).code).toBe(200);
  });

  it('/version and the health endpoints: a bad token is 401 there too; any authenticated user may read them (system:public-info-viewer)', async () => {
    for (const path of ['/version', '/healthz', '/readyz?verbose', '/livez']) {
      const bad = await s.call('GET', path, { token: 'bogus' });
      expect(bad.code, path).toBe(401);
      expect(bad.json, path).toEqual({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'Unauthorized', reason: 'Unauthorized', code: 401 });
    }
    const version = await s.call('GET', '/version', { token: s.cluster.users.guest.token });
    expect(version.code).toBe(200);
    expect(version.json).toMatchObject({ major: '1', gitVersion: expect.stringMatching(/^v1\./) });
    expect((await s.call('GET', '/readyz', { token: s.cluster.users.guest.token })).text).toBe('ok');
    // the role names the endpoints, not the single checks under them
    const one = await s.call('GET', '/readyz/ping', { token: s.cluster.users.guest.token });
    expect(one.code).toBe(403);
    expect(one.json.message).toBe('forbidden: User "guest" cannot get path "/readyz/ping"');
    expect((await s.call('GET', '/readyz/ping')).text).toBe('ok'); // the admin may
  });

  it('serves OpenAPI v3: PATCH operations with the kind and the fieldValidation parameter, bodies that $ref the kinds\' schemas', async () => {
    const root = await s.call('GET', '/openapi/v3');
    const url = root.json.paths['apis/apps/v1'].serverRelativeURL as string;
    expect(url).toMatch(/^\/openapi\/v3\/apis\/apps\/v1\?hash=[0-9A-F]+$/);
    const doc = (await s.call('GET', url)).json;
    const patch = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    expect(patch.parameters.some((p: Obj) => p.name === 'fieldValidation' && p.in === 'query')).toBe(true);
    expect(Object.keys(patch.requestBody.content)).toContain('application/strategic-merge-patch+json');
    expect(patch.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/io.k8s.api.apps.v1.Deployment' });
    const list = doc.paths['/apis/apps/v1/namespaces/{namespace}/deployments'].get;
    expect(list.responses['200'].content['application/json'].schema).toEqual({ $ref: '#/components/schemas/io.k8s.api.apps.v1.DeploymentList' });
    // the document carries the schemas its operations reach, and those they reach
    expect(doc.components.schemas['io.k8s.api.apps.v1.Deployment']['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    for (const name of ['io.k8s.api.core.v1.Container', 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta', 'io.k8s.api.autoscaling.v1.Scale']) expect(doc.components.schemas[name], name).toBeDefined();
    expect(doc.components.schemas['io.k8s.api.batch.v1.Job']).toBeUndefined();
    // the same hash again: the document did not change
    expect((await s.call('GET', '/openapi/v3')).json.paths['apis/apps/v1'].serverRelativeURL).toBe(url);
  });

  it('serves /openapi/v2 as JSON (#/definitions refs) and as gnostic protobuf, 406 for anything else', async () => {
    const json = await s.call('GET', '/openapi/v2', { accept: 'application/json' });
    expect(json.code).toBe(200);
    expect(json.json.swagger).toBe('2.0');
    const deployment = json.json.definitions['io.k8s.api.apps.v1.Deployment'];
    expect(deployment['x-kubernetes-group-version-kind']).toEqual([{ group: 'apps', kind: 'Deployment', version: 'v1' }]);
    expect(deployment.properties.spec).toMatchObject({ $ref: '#/definitions/io.k8s.api.apps.v1.DeploymentSpec' });
    expect(json.json.definitions['io.k8s.apimachinery.pkg.util.intstr.IntOrString']).toMatchObject({ format: 'int-or-string', type: 'string' });
    const patch = json.json.paths['/apis/apps/v1/namespaces/{namespace}/deployments/{name}'].patch;
    expect(patch.consumes).toContain('application/strategic-merge-patch+json');
    expect(patch['x-kubernetes-group-version-kind']).toEqual({ group: 'apps', version: 'v1', kind: 'Deployment' });
    const pb = await s.call('GET', '/openapi/v2', { accept: 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf' });
    expect(pb.code).toBe(200);
    expect(pb.headers['content-type']).toBe('application/com.github.proto-openapi.spec.v2.v1.0+protobuf');
    // field 1 (swagger) = "2.0"
    expect(Buffer.from(pb.text, 'latin1').subarray(0, 5)).toEqual(Buffer.from([0x0a, 3, 0x32, 0x2e, 0x30]));
    expect((await s.call('GET', '/openapi/v2', { accept: 'text/html' })).code).toBe(406);
  });

  it('serves an OpenAPI v3 document as kube-openapi does: cacheable by its hash, an ETag, 301 for a stale hash, JSON only', async () => {
    const url = (await s.call('GET', '/openapi/v3')).json.paths['api/v1'].serverRelativeURL as string;
    const hash = url.slice(url.indexOf('hash=') + 'hash='.length);
    const current = await s.call('GET', url);
    expect(current.code).toBe(200);
    expect(current.headers['cache-control']).toBe('public, immutable');
    expect(current.headers['etag']).toBe(`"${hash}"`);
    expect(Date.parse(current.headers['expires'] as string)).toBeGreaterThan(Date.now() + 300 * 24 * 3600 * 1000);
    const plain = await s.call('GET', '/openapi/v3/api/v1');
    expect(plain.code).toBe(200);
    expect(plain.headers['cache-control']).toBe(undefined);
    expect(plain.text).toBe(current.text);
    const stale = await s.call('GET', '/openapi/v3/api/v1?hash=0123');
    expect(stale.code).toBe(301);
    expect(stale.headers['location']).toBe(url);
    expect((await s.call('GET', '/openapi/v3/api/v1', { headers: { 'If-None-Match': `"${hash}"` } })).code).toBe(304);
    expect((await s.call('GET', url, { accept: 'application/com.github.proto-openapi.spec.v3@v1.0+protobuf' })).code).toBe(406);
    expect((await s.call('GET', '/openapi/v3/apis/nope/v1')).code).toBe(404);
    expect((await s.call('GET', '/openapi/v4')).code).toBe(404);
  });

  it('creates (201, with the creator\'s managedFields), gets, lists with limit/continue, as JSON, YAML and Table', async () => {
    for (const n of ['a', 'b', 'c']) {
      const r = await s.call('POST', '/api/v1/namespaces/default/configmaps?fieldManager=test', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `cm-${n}` }, data: { k: n } }), contentType: 'application/json' });
      expect(r.code).toBe(201);
      expect(r.json.metadata.managedFields[0]).toMatchObject({ manager: 'test', operation: 'Update', fieldsV1: { 'f:data': { 'f:k': {} } } });
    }
    const page1 = await s.call('GET', '/api/v1/namespaces/default/configmaps?limit=2');
    expect(page1.json.items.map((i: Obj) => i.metadata.name)).toEqual(['cm-a', 'cm-b']);
    const page2 = await s.call('GET', `/api/v1/namespaces/default/configmaps?limit=2&continue=${encodeURIComponent(page1.json.metadata.continue)}`);
    // every namespace also holds the root CA publisher's kube-root-ca.crt, as in a real cluster
    expect(page2.json.items.map((i: Obj) => i.metadata.name)).toEqual(['cm-c', 'kube-root-ca.crt']);
    const yaml = await s.call('GET', '/api/v1/namespaces/default/configmaps/cm-a', { accept: 'application/yaml' });
    expect(yaml.headers['content-type']).toBe('application/yaml');
    expect((parseYaml(yaml.text) as Obj).data).toEqual({ k: 'a' });
    const table = await s.call('GET', '/api/v1/namespaces/default/configmaps', { accept: TABLE });
    expect(table.json).toMatchObject({ kind: 'Table', apiVersion: 'meta.k8s.io/v1' });
    expect(table.json.columnDefinitions.map((c: Obj) => c.name)).toEqual(['Name', 'Data', 'Age']);
    expect(table.json.rows.map((r: Obj) => r.cells[0])).toEqual(['cm-a', 'cm-b', 'cm-c', 'kube-root-ca.crt']);
    expect(table.json.rows[0].object).toMatchObject({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: { name: 'cm-a', namespace: 'default' } });
    expect(table.json.metadata.resourceVersion).toMatch(/^\d+$/);
    const one = await s.call('GET', '/api/v1/namespaces/default/configmaps/cm-b', { accept: TABLE });
    expect(one.json.rows).toHaveLength(1);
    const nodes = await s.call('GET', '/api/v1/nodes', { accept: TABLE });
    expect(nodes.json.columnDefinitions.filter((c: Obj) => c.priority === 1).map((c: Obj) => c.name)).toContain('Internal-IP');
    const partial = await s.call('GET', '/api/v1/namespaces/default/configmaps', { accept: 'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io' });
    expect(partial.json.kind).toBe('PartialObjectMetadataList');
    expect(partial.json.items[0]).toEqual({ kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: expect.objectContaining({ name: 'cm-a' }) });
    expect((await s.call('GET', '/api/v1/namespaces/default/configmaps', { accept: 'application/vnd.kubernetes.protobuf' })).code).toBe(406);
  });

  it('patches: merge, json, strategic, and the scale subresource (autoscaling/v1 Scale)', async () => {
    const merge = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/cm-a', { body: '{"data":{"x":"1"}}', contentType: 'application/merge-patch+json' });
    expect(merge.json.data).toEqual({ k: 'a', x: '1' });
    const json = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/cm-a', { body: '[{"op":"remove","path":"/data/x"}]', contentType: 'application/json-patch+json' });
    expect(json.json.data).toEqual({ k: 'a' });
    const dep = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd1' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'd1' } }, template: { metadata: { labels: { app: 'd1' } }, spec: { containers: [{ name: 'a', image: 'nginx:1.27', env: [{ name: 'X', value: '1' }] }] } } },
    };
    expect((await s.call('POST', '/apis/apps/v1/namespaces/default/deployments', { body: JSON.stringify(dep), contentType: 'application/json' })).code).toBe(201);
    const smp = await s.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/d1', {
      body: JSON.stringify({ spec: { template: { spec: { containers: [{ name: 'a', image: 'nginx:1.28' }] } } } }),
      contentType: 'application/strategic-merge-patch+json',
    });
    expect(smp.code).toBe(200);
    expect(smp.json.spec.template.spec.containers[0]).toMatchObject({ name: 'a', image: 'nginx:1.28', env: [{ name: 'X', value: '1' }] });
    const scale = await s.call('PATCH', '/apis/apps/v1/namespaces/default/deployments/d1/scale', { body: '{"spec":{"replicas":3}}', contentType: 'application/merge-patch+json' });
    expect(scale.json).toMatchObject({ apiVersion: 'autoscaling/v1', kind: 'Scale', spec: { replicas: 3 } });
    expect(s.cluster.object<Obj>('deployments', 'd1', 'default')!.spec.replicas).toBe(3);
    const get = await s.call('GET', '/apis/apps/v1/namespaces/default/deployments/d1/scale');
    expect(get.json).toMatchObject({ kind: 'Scale', spec: { replicas: 3 }, status: { selector: 'app=d1' } });
  });

  it('server-side apply creates when absent, records managedFields, and answers 409 FieldManagerConflict unless force', async () => {
    const cfg = (v: string) => `apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  a: "${v}"\n  b: "x"\n`;
    const created = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=one', { body: cfg('1'), contentType: 'application/apply-patch+yaml' });
    expect(created.code).toBe(201);
    expect(created.json.metadata.managedFields).toEqual([expect.objectContaining({ manager: 'one', operation: 'Apply', fieldsV1: { 'f:data': { 'f:a': {}, 'f:b': {} } } })]);
    const same = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=two', { body: cfg('1'), contentType: 'application/apply-patch+yaml' });
    expect(same.code).toBe(200); // the same values: shared ownership, no conflict
    const conflict = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=two', { body: cfg('2'), contentType: 'application/apply-patch+yaml' });
    expect(conflict.code).toBe(409);
    expect(conflict.json).toMatchObject({ kind: 'Status', reason: 'Conflict', code: 409, message: 'Apply failed with 1 conflict: conflict with "one": .data.a' });
    expect(conflict.json.details.causes).toEqual([{ reason: 'FieldManagerConflict', message: 'conflict with "one"', field: '.data.a' }]);
    const forced = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=two&force=true', { body: cfg('2'), contentType: 'application/apply-patch+yaml' });
    expect(forced.code).toBe(200);
    expect(forced.json.data.a).toBe('2');
    const owners = Object.fromEntries(forced.json.metadata.managedFields.map((m: Obj) => [m.manager, Object.keys(m.fieldsV1['f:data']).sort()]));
    expect(owners).toEqual({ one: ['f:b'], two: ['f:a', 'f:b'] });
    // a manager that stops applying a field it alone owned removes it
    const dropped = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=solo', { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata:\n  c: "3"\n', contentType: 'application/apply-patch+yaml' });
    expect(dropped.json.data.c).toBe('3');
    const gone = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/applied?fieldManager=solo', { body: 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: applied\ndata: {}\n', contentType: 'application/apply-patch+yaml' });
    expect(gone.json.data).toEqual({ a: '2', b: 'x' });
    expect(s.cluster.object<Obj>('configmaps', 'applied', 'default')!.data).toEqual({ a: '2', b: 'x' });
    const noManager = await s.call('PATCH', '/api/v1/namespaces/default/configmaps/applied', { body: cfg('1'), contentType: 'application/apply-patch+yaml' });
    expect(noManager.code).toBe(400);
  });

  it('answers errors as Status objects with the right codes', async () => {
    const guest = s.cluster.users.guest.token;
    const cases: [string, string, Parameters<TestServer['call']>[2], number, string?][] = [
      ['GET', '/api/v1/namespaces/default/pods', { token: 'bogus' }, 401, 'Unauthorized'],
      ['GET', '/api/v1/namespaces/default/pods', { token: null }, 403, 'Forbidden'],
      ['GET', '/api/v1/namespaces/default/pods', { token: guest }, 403, 'Forbidden'],
      ['GET', '/api/v1/namespaces/default/pods/missing', {}, 404, 'NotFound'],
      ['GET', '/api/v1/namespaces/default/widgets', {}, 404, 'NotFound'],
      ['GET', '/apis/apps/v9/deployments', {}, 404, 'NotFound'],
      ['GET', '/nowhere', {}, 404, 'NotFound'],
      ['POST', '/api/v1/namespaces/default/pods/x', { body: pod('x'), contentType: 'application/json' }, 405, 'MethodNotAllowed'],
      ['PUT', '/api/v1/namespaces/default/pods', { body: pod('x'), contentType: 'application/json' }, 405, 'MethodNotAllowed'],
      ['DELETE', '/api/v1/namespaces', {}, 405, 'MethodNotAllowed'],
      ['POST', '/api/v1/namespaces/default/pods/x/status', { body: '{}', contentType: 'application/json' }, 405, 'MethodNotAllowed'],
      ['POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cm-a' } }), contentType: 'application/json' }, 409, 'AlreadyExists'],
      ['POST', '/api/v1/namespaces/default/pods', { body: pod('p1'), contentType: 'application/cbor' }, 415, 'UnsupportedMediaType'],
      ['POST', '/api/v1/namespaces/default/pods', { body: pod('p1'), contentType: 'application/vnd.kubernetes.protobuf' }, 400, 'BadRequest'],
      ['PATCH', '/api/v1/namespaces/default/configmaps/cm-a', { body: '{}', contentType: 'application/json' }, 415, 'UnsupportedMediaType'],
      ['POST', '/api/v1/namespaces/default/pods', { body: '{"apiVersion":', contentType: 'application/json' }, 400, 'BadRequest'],
      ['POST', '/api/v1/namespaces/default/pods', { body: 'a: [b', contentType: 'application/yaml' }, 400, 'BadRequest'],
      ['GET', '/api/v1/namespaces/default/pods?limit=ten', {}, 400, 'BadRequest'],
      ['GET', '/api/v1/namespaces/default/pods?labelSelector=a%20in%20(', {}, 400, 'BadRequest'],
      ['POST', '/api/v1/namespaces/default/pods?dryRun=All', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'dry-bad' }, spec: { containers: [] } }), contentType: 'application/json' }, 422, 'Invalid'],
      ['POST', '/api/v1/namespaces/default/pods?fieldValidation=Strict', { body: pod('p2', { foo: 1 }), contentType: 'application/json' }, 400, 'BadRequest'],
      ['POST', '/api/v1/namespaces/default/pods', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'Bad_Name' }, spec: { containers: [] } }), contentType: 'application/json' }, 422, 'Invalid'],
      ['POST', '/api/v1/namespaces/default/configmaps', { body: 'x'.repeat(3 * 1024 * 1024 + 10), contentType: 'application/json' }, 413, 'RequestEntityTooLarge'],
    ];
    for (const [method, path, options, code, reason] of cases) {
      const r = await s.call(method, path, options);
      expect({ method, path, code: r.code }).toEqual({ method, path, code });
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.json).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code, ...(reason ? { reason } : {}) });
    }
    const forbidden = await s.call('DELETE', '/apis/apps/v1/namespaces/default/deployments/d1', { token: guest });
    expect(forbidden.json.message).toBe('deployments.apps "d1" is forbidden: User "guest" cannot delete resource "deployments" in API group "apps" in the namespace "default"');
    const invalid = await s.call('POST', '/api/v1/namespaces/default/pods', { body: JSON.stringify({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nocontainers' }, spec: { containers: [] } }), contentType: 'application/json' });
    expect(invalid.json.details.causes).toEqual([expect.objectContaining({ reason: 'FieldValueRequired', field: 'spec.containers' })]);
    expect(s.cluster.object('pods', 'dry', 'default')).toBeUndefined();
    expect(s.cluster.object('pods', 'p2', 'default')).toBeUndefined();
  });

  it('runs dryRun=All through admission without writing anything', async () => {
    const r = await s.call('POST', '/api/v1/namespaces/default/pods?dryRun=All', { body: pod('dry'), contentType: 'application/json' });
    expect(r.code).toBe(201);
    expect(r.json).toMatchObject({ kind: 'Pod', metadata: { name: 'dry', namespace: 'default' }, spec: { restartPolicy: 'Always' } });
    expect(s.cluster.object('pods', 'dry', 'default')).toBeUndefined();
  });

  it('sends warnings as Warning: 299 headers', async () => {
    const r = await s.call('POST', '/api/v1/namespaces/default/pods?fieldValidation=Warn', { body: pod('warned', { foo: 1 }), contentType: 'application/json' });
    expect(r.code).toBe(201);
    expect(r.headers.warning).toBe('299 - "unknown field \\"spec.foo\\""');
  });

  it('watches: initial ADDED events without a resourceVersion, only newer events with one, bookmarks on request, one-row Tables', async () => {
    const list = await s.call('GET', '/api/v1/namespaces/default/configmaps');
    const rv = list.json.metadata.resourceVersion as string;
    const fromRv = s.call('GET', `/api/v1/namespaces/default/configmaps?watch=1&resourceVersion=${rv}&allowWatchBookmarks=true`, { streamMs: 1_500 });
    const initial = s.call('GET', '/api/v1/namespaces/default/configmaps?watch=true', { streamMs: 1_500 });
    const table = s.call('GET', `/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=${rv}`, { streamMs: 1_500, accept: TABLE });
    const byName = s.call('GET', `/api/v1/watch/namespaces/default/configmaps/watched`, { streamMs: 1_500 });
    await new Promise((r) => setTimeout(r, 300));
    await s.call('POST', '/api/v1/namespaces/default/configmaps', { body: JSON.stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'watched' } }), contentType: 'application/json' });
    await s.call('PATCH', '/api/v1/namespaces/default/configmaps/watched', { body: '{"data":{"a":"b"}}', contentType: 'application/merge-patch+json' });
    await s.call('DELETE', '/api/v1/namespaces/default/configmaps/watched');
    const lines = (t: string) => t.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Obj);
    const a = await fromRv;
    expect(a.code).toBe(200);
    expect(a.headers['transfer-encoding']).toBe('chunked');
    const ae = lines(a.text).filter((e) => e.type !== 'BOOKMARK');
    expect(ae.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(['ADDED watched', 'MODIFIED watched', 'DELETED watched']);
    const b = lines((await initial).text);
    expect(b.filter((e) => e.type === 'ADDED').map((e) => e.object.metadata.name)).toEqual(expect.arrayContaining(['cm-a', 'cm-b', 'cm-c', 'watched']));
    expect(b.some((e) => e.type === 'BOOKMARK')).toBe(false);
    const t = lines((await table).text);
    expect(t.map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    expect(t[0]!.object.kind).toBe('Table');
    expect(t[0]!.object.columnDefinitions.length).toBeGreaterThan(0);
    expect(t[1]!.object.columnDefinitions).toEqual([]);
    expect(t.every((e) => e.object.rows.length === 1 && e.object.rows[0].cells[0] === 'watched')).toBe(true);
    expect(lines((await byName).text).map((e) => e.type)).toEqual(['ADDED', 'MODIFIED', 'DELETED']);
    await waitFor('watches closed on the server', () => s.server.stats.watchesOpen === 0, 5_000);
  });

  it('a WatchList (sendInitialEvents with bookmarks) ends its initial events with the initial-events-end bookmark', async () => {
    const r = await s.call('GET', '/api/v1/namespaces/default/configmaps?watch=true&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan', {
      streamMs: 60_000,
      streamUntil: (text) => text.includes('k8s.io/initial-events-end') && text.endsWith('\n'),
    });
    const events = r.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Obj);
    const last = events.at(-1)!;
    expect(events.slice(0, -1).every((e) => e.type === 'ADDED')).toBe(true);
    expect(events.length).toBe(s.cluster.objects('configmaps', 'default').length + 1);
    expect(last.type).toBe('BOOKMARK');
    expect(last.object.metadata.annotations).toEqual({ 'k8s.io/initial-events-end': 'true' });
  });

  it('a watch from a compacted or bad resourceVersion is refused', async () => {
    const r = await s.call('GET', '/api/v1/namespaces/default/configmaps?watch=true&resourceVersion=abc', { streamMs: 1_000 });
    expect(r.code).toBe(400);
  });

  it('each user has its own client actor on the kernel network, and requests show in the trace', async () => {
    const addresses = s.server.gateway.addresses();
    expect(addresses).toEqual(expect.arrayContaining(['http/admin', 'http/guest', 'http/anonymous']));
    expect(addresses.some((a) => a.startsWith('http/token-'))).toBe(true);
    const entries = s.cluster.kernel.trace.toArray().filter((e) => e.from === 'http/admin' && e.to === 'api-server');
    expect(entries.length).toBeGreaterThan(0);
  });

  it('answers 503 while etcd is unavailable, and serves again after', async () => {
    s.cluster.faults.etcdOutage();
    try {
      const r = await s.call('GET', '/api/v1/namespaces/default/configmaps/cm-a');
      expect(r.code).toBe(503);
      expect(r.json).toMatchObject({ kind: 'Status', reason: 'ServiceUnavailable', code: 503 });
    } finally {
      s.cluster.faults.etcdRecover();
    }
    await waitFor('reads served again', async () => (await s.call('GET', '/api/v1/namespaces/default/configmaps/cm-a')).code === 200, 20_000);
  });

  it('the simulation recorded no actor errors', () => {
    expect(s.cluster.kernel.errors).toEqual([]);
  });
});
