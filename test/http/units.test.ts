/**
 * The pure parts of the HTTP layer: routing, media type negotiation, server-side apply's field
 * sets and conflicts, the certificate, the kubeconfig, discovery and OpenAPI documents.
 */
import { describe, expect, it } from 'vitest';
import { X509Certificate } from 'node:crypto';
import { createServer, request } from 'node:https';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { route } from '../../src/http/routes.js';
import { negotiateDiscovery, negotiateOutput, parseAccept, bodyType, PATCH_CONTENT_TYPES, OBJECT_CONTENT_TYPES } from '../../src/http/media.js';
import { applyConfiguration, conflictStatus, fieldSetOf, fromFieldsV1, pathText, toFieldsV1 } from '../../src/api/server-side-apply.js';
import { createSelfSignedCertificate } from '../../src/http/tls.js';
import { kubeconfig } from '../../src/http/kubeconfig.js';
import { aggregatedDiscovery, apiResourceList } from '../../src/http/discovery.js';
import { openApiDocument, openApiRoot } from '../../src/http/openapi.js';
import { bearerToken, managerFromUserAgent, retryAfterHeader, warningHeader } from '../../src/http/request.js';
import { tooManyRequests } from '../../src/api/status.js';
import { RESOURCES } from '../../src/api/resources.js';
import type { KubeObject } from '../../src/api/types.js';

describe('routing', () => {
  const res = (method: string, url: string) => {
    const r = route(method, url);
    if (r.kind !== 'resource') throw new Error(`not a resource route: ${JSON.stringify(r)}`);
    return r.request;
  };

  it('maps methods and paths to verbs', () => {
    expect(res('GET', '/api/v1/namespaces/default/pods?limit=500')).toMatchObject({ verb: 'list', resource: 'pods', namespace: 'default', query: { limit: 500 } });
    expect(res('GET', '/api/v1/pods')).toMatchObject({ verb: 'list', resource: 'pods' });
    expect(res('GET', '/api/v1/namespaces/default/pods/x')).toMatchObject({ verb: 'get', name: 'x' });
    expect(res('GET', '/api/v1/namespaces/default/pods?watch=true&resourceVersion=5')).toMatchObject({ verb: 'watch', query: { resourceVersion: '5' } });
    expect(res('GET', '/api/v1/watch/namespaces/default/pods/x')).toMatchObject({ verb: 'watch', query: { fieldSelector: 'metadata.name=x' } });
    expect(res('GET', '/api/v1/namespaces/default/pods/x?watch=1&fieldSelector=spec.nodeName%3Dn')).toMatchObject({ verb: 'watch', query: { fieldSelector: 'spec.nodeName=n,metadata.name=x' } });
    expect(res('POST', '/api/v1/namespaces/default/pods')).toMatchObject({ verb: 'create' });
    expect(res('POST', '/api/v1/namespaces/default/pods/x/binding')).toMatchObject({ verb: 'create', name: 'x', subresource: 'binding' });
    expect(res('PUT', '/api/v1/namespaces/default/pods/x/status')).toMatchObject({ verb: 'update', subresource: 'status' });
    expect(res('PATCH', '/apis/apps/v1/namespaces/default/deployments/d/scale')).toMatchObject({ verb: 'patch', group: 'apps', subresource: 'scale' });
    expect(res('DELETE', '/api/v1/namespaces/default/pods/x?gracePeriodSeconds=0')).toMatchObject({ verb: 'delete', query: { gracePeriodSeconds: 0 } });
    expect(res('DELETE', '/api/v1/namespaces/default/pods')).toMatchObject({ verb: 'deletecollection' });
    expect(res('GET', '/api/v1/namespaces/default')).toMatchObject({ verb: 'get', resource: 'namespaces', name: 'default' });
    expect(res('PUT', '/api/v1/namespaces/ns1/finalize')).toMatchObject({ verb: 'update', resource: 'namespaces', name: 'ns1', subresource: 'finalize' });
    expect(res('GET', '/api/v1/nodes/node-1')).toMatchObject({ verb: 'get', resource: 'nodes', name: 'node-1' });
    expect(res('GET', '/api/v1/namespaces/default/widgets')).toMatchObject({ verb: 'list', resource: 'widgets', info: undefined });
    expect(res('POST', '/api/v1/namespaces/default/pods?dryRun=All').dryRun).toBe(true);
  });

  it('answers static documents and routing errors', () => {
    expect(route('GET', '/version')).toEqual({ kind: 'version' });
    expect(route('GET', '/api')).toEqual({ kind: 'discovery', which: 'api' });
    expect(route('GET', '/apis/')).toEqual({ kind: 'discovery', which: 'apis' });
    expect(route('GET', '/apis/apps')).toEqual({ kind: 'group', group: 'apps' });
    expect(route('GET', '/apis/apps/v1')).toEqual({ kind: 'resources', group: 'apps', version: 'v1' });
    expect(route('GET', '/openapi/v3')).toEqual({ kind: 'openapi-root' });
    expect(route('GET', '/openapi/v2')).toEqual({ kind: 'openapi-v2' });
    expect(route('GET', '/openapi/v3/apis/apps/v1?hash=x')).toEqual({ kind: 'openapi', key: 'apis/apps/v1', hash: 'x' });
    expect(route('GET', '/openapi/v3/apis/apps/v1')).toEqual({ kind: 'openapi', key: 'apis/apps/v1' });
    expect(route('GET', '/apis/apps/v2/deployments')).toMatchObject({ kind: 'error', code: 404 });
    expect(route('GET', '/api/v1/namespaces/default/nodes')).toMatchObject({ kind: 'error', code: 404 });
    expect(route('POST', '/api/v1/namespaces/default/pods/x')).toMatchObject({ kind: 'error', code: 405 });
    expect(route('DELETE', '/api/v1/namespaces')).toMatchObject({ kind: 'error', code: 405 });
    expect(route('GET', '/api/v1/namespaces/default/pods/x/binding')).toMatchObject({ kind: 'error', code: 405 });
    expect(route('GET', '/api/v1/pods?limit=x')).toMatchObject({ kind: 'error', code: 400 });
    expect(route('GET', '/api/v1/pods?fieldValidation=Loose')).toMatchObject({ kind: 'error', code: 400 });
    expect(route('GET', '/api/v1/pods?dryRun=Some')).toMatchObject({ kind: 'error', code: 400 });
    expect(route('GET', '/api/v1/pods/%zz')).toMatchObject({ kind: 'error', code: 404 });
    expect(route('PUT', '/version')).toMatchObject({ kind: 'error', code: 405 });
  });

  it('never throws on any method and URL', () => {
    fc.assert(
      fc.property(fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'X'), fc.oneof(fc.webUrl({ withQueryParameters: true }).map((u) => new URL(u).pathname + new URL(u).search), fc.string()), (m, u) => {
        const r = route(m, u);
        expect(['version', 'health', 'discovery', 'group', 'resources', 'openapi-root', 'openapi-v2', 'openapi', 'resource', 'error']).toContain(r.kind);
      }),
      { numRuns: 500 },
    );
  });
});

describe('media types', () => {
  it('negotiates the output from Accept', () => {
    expect(negotiateOutput(undefined)).toEqual({ format: 'json' });
    expect(negotiateOutput('application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json')).toEqual({ format: 'json', as: 'Table', version: 'v1' });
    expect(negotiateOutput('application/json;as=Table;v=v2;g=meta.k8s.io, application/json')).toEqual({ format: 'json' });
    expect(negotiateOutput('application/vnd.kubernetes.protobuf,application/json')).toEqual({ format: 'json' });
    expect(negotiateOutput('application/vnd.kubernetes.protobuf')).toBeUndefined();
    expect(negotiateOutput('application/yaml')).toEqual({ format: 'yaml' });
    expect(negotiateOutput('text/html;q=0.9, application/json;q=0.1')).toEqual({ format: 'json' });
    expect(negotiateOutput('application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io')).toEqual({ format: 'json', as: 'PartialObjectMetadataList', version: 'v1' });
    expect(parseAccept('a/b;q=0.5, c/d').map((m) => m.type)).toEqual(['c', 'a']);
  });

  it('negotiates discovery', () => {
    expect(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json')).toBe('v2');
    expect(negotiateDiscovery('application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList')).toBe('v2beta1');
    expect(negotiateDiscovery('application/json')).toBe('legacy');
    expect(negotiateDiscovery(undefined)).toBe('legacy');
    expect(negotiateDiscovery('application/vnd.kubernetes.protobuf')).toBeUndefined();
  });

  it('classifies bodies', () => {
    expect(bodyType('application/strategic-merge-patch+json', PATCH_CONTENT_TYPES)).toBe('strategic-merge-patch');
    expect(bodyType('application/apply-patch+yaml; charset=utf-8', PATCH_CONTENT_TYPES)).toBe('apply-patch');
    expect(bodyType('application/json', PATCH_CONTENT_TYPES)).toBeUndefined();
    expect(bodyType(undefined, OBJECT_CONTENT_TYPES)).toBe('json');
    expect(bodyType('application/yaml', OBJECT_CONTENT_TYPES)).toBe('yaml');
    expect(bodyType('application/vnd.kubernetes.protobuf', OBJECT_CONTENT_TYPES)).toBeUndefined();
  });

  it('says Retry-After when a Status gives positive retryAfterSeconds', () => {
    expect(retryAfterHeader(tooManyRequests('The disruption budget web is still being processed by the server.', 10))).toBe('10');
    expect(retryAfterHeader(tooManyRequests("Cannot evict pod as it would violate the pod's disruption budget.", 0))).toBeUndefined();
    expect(retryAfterHeader({ kind: 'Pod', details: { retryAfterSeconds: 5 } })).toBeUndefined();
    expect(retryAfterHeader(null)).toBeUndefined();
  });

  it('reads bearer tokens, words warnings and managers', () => {
    expect(bearerToken('Bearer abc')).toBe('abc');
    expect(bearerToken('bearer  abc ')).toBe('abc');
    expect(bearerToken('Basic YWI6Y2Q=')).toBe('');
    expect(bearerToken(undefined)).toBe('');
    expect(warningHeader('unknown field "spec.foo"')).toBe('299 - "unknown field \\"spec.foo\\""');
    expect(managerFromUserAgent('kubectl/v1.32.4 (linux/amd64) kubernetes/59526cd')).toBe('kubectl');
    expect(managerFromUserAgent(undefined)).toBe('unknown');
  });
});

describe('server-side apply field management', () => {
  const deployment = (image: string, replicas = 3): KubeObject =>
    ({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd', labels: { app: 'd' } },
      spec: {
        replicas,
        selector: { matchLabels: { app: 'd' } },
        template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image, ports: [{ containerPort: 80 }] }] } },
      },
    }) as KubeObject;

  it('computes the field set of a configuration (associative lists by merge key)', () => {
    const fields = toFieldsV1(fieldSetOf(deployment('nginx:1'), 'Deployment', { ignoreStatus: true }));
    expect(fields).toEqual({
      'f:metadata': { 'f:labels': { 'f:app': {} } },
      'f:spec': {
        'f:replicas': {},
        'f:selector': { 'f:matchLabels': { 'f:app': {} } },
        'f:template': {
          'f:metadata': { 'f:labels': { 'f:app': {} } },
          'f:spec': {
            'f:containers': {
              'k:{"name":"c"}': { '.': {}, 'f:image': {}, 'f:name': {}, 'f:ports': { 'k:{"containerPort":80}': { '.': {}, 'f:containerPort': {} } } },
            },
          },
        },
      },
    });
    expect(fromFieldsV1(fields)).toEqual(fieldSetOf(deployment('nginx:1'), 'Deployment'));
    expect(pathText([...fieldSetOf(deployment('x'), 'Deployment')].find((p) => p.endsWith('f:image'))!)).toBe('.spec.template.spec.containers[name="c"].image');
  });

  it('round-trips field sets through FieldsV1', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string({ minLength: 1, maxLength: 5 }), fc.oneof(fc.string(), fc.integer(), fc.dictionary(fc.string({ minLength: 1, maxLength: 3 }), fc.string()))), (data) => {
        const set = fieldSetOf({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'x' }, data } as KubeObject, 'ConfigMap');
        expect(fromFieldsV1(toFieldsV1(set))).toEqual(set);
      }),
    );
  });

  it('creates, co-owns equal values, conflicts on different ones, forces, and removes fields no longer applied', () => {
    const a = applyConfiguration(undefined, deployment('nginx:1'), 'Deployment', { manager: 'a', time: 't0', ignoreStatus: true });
    expect(a.ok).toBe(true);
    const live = (a as { object: KubeObject }).object;
    expect((live.metadata as any).managedFields).toHaveLength(1);
    const same = applyConfiguration(live, deployment('nginx:1'), 'Deployment', { manager: 'b', time: 't1', ignoreStatus: true });
    expect(same.ok).toBe(true);
    const conflict = applyConfiguration(live, deployment('nginx:2', 5), 'Deployment', { manager: 'b', time: 't1', ignoreStatus: true });
    expect(conflict.ok).toBe(false);
    const status = conflictStatus((conflict as { conflicts: any[] }).conflicts);
    expect(status.code).toBe(409);
    expect(status.message).toBe('Apply failed with 2 conflicts: conflicts with "a":\n- .spec.replicas\n- .spec.template.spec.containers[name="c"].image');
    expect(status.details!.causes).toEqual([
      { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.replicas' },
      { reason: 'FieldManagerConflict', message: 'conflict with "a"', field: '.spec.template.spec.containers[name="c"].image' },
    ]);
    const forced = applyConfiguration(live, deployment('nginx:2', 5), 'Deployment', { manager: 'b', force: true, time: 't2', ignoreStatus: true });
    expect(forced.ok).toBe(true);
    const f = (forced as { object: any }).object;
    expect(f.spec.replicas).toBe(5);
    expect(f.spec.template.spec.containers[0].image).toBe('nginx:2');
    const aFields = fromFieldsV1(f.metadata.managedFields.find((m: any) => m.manager === 'a').fieldsV1);
    expect([...aFields].some((p) => p.endsWith('f:replicas'))).toBe(false);
    // a applies again without its labels: nobody else owns metadata.labels.app ... b does (it applied them too)
    const shrink = applyConfiguration(f, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' }, spec: { selector: { matchLabels: { app: 'd' } } } } as KubeObject, 'Deployment', { manager: 'a', time: 't3', ignoreStatus: true });
    expect((shrink as { object: any }).object.metadata.labels).toEqual({ app: 'd' });
    // a ConfigMap key applied by one manager alone goes away when it stops applying it
    const cm1 = applyConfiguration(undefined, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '1', y: '2' } } as KubeObject, 'ConfigMap', { manager: 'm', time: 't' });
    const cm2 = applyConfiguration((cm1 as any).object, { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, data: { x: '1' } } as KubeObject, 'ConfigMap', { manager: 'm', time: 't' });
    expect((cm2 as any).object.data).toEqual({ x: '1' });
  });

  it('merges associative lists by key and keeps other managers\' items', () => {
    const live = applyConfiguration(undefined, deployment('nginx:1'), 'Deployment', { manager: 'a', time: 't' }) as any;
    const sidecar = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { template: { spec: { containers: [{ name: 'side', image: 'busybox' }] } } },
    } as KubeObject;
    const r = applyConfiguration(live.object, sidecar, 'Deployment', { manager: 'b', time: 't' }) as any;
    expect(r.object.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['c', 'side']);
    const gone = applyConfiguration(r.object, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'd' } }, 'Deployment', { manager: 'b', time: 't' }) as any;
    expect(gone.object.spec.template.spec.containers.map((c: any) => c.name)).toEqual(['c']);
  });
});

describe('the certificate', () => {
  it('is a CA for 127.0.0.1 and localhost that a TLS client verifies', async () => {
    const c = createSelfSignedCertificate({ hosts: ['127.0.0.1', 'localhost', '::1'], days: 30 });
    const x = new X509Certificate(c.cert);
    expect(x.ca).toBe(true);
    expect(x.checkIP('127.0.0.1')).toBe('127.0.0.1');
    expect(x.checkIP('::1')).toBe('::1');
    expect(x.checkHost('localhost')).toBe('localhost');
    expect(x.subjectAltName).toBe('IP Address:127.0.0.1, DNS:localhost, IP Address:0:0:0:0:0:0:0:1');
    expect(Buffer.from(c.caData, 'base64').toString()).toBe(c.cert);
    expect(c.notAfter.getTime() - c.notBefore.getTime()).toBe(30 * 86_400_000);
    const server = createServer({ cert: c.cert, key: c.key }, (_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const body = await new Promise<string>((resolve, reject) => {
        request({ host: '127.0.0.1', port: (server.address() as AddressInfo).port, ca: c.cert }, (res) => {
          let t = '';
          res.on('data', (d) => (t += d));
          res.on('end', () => resolve(t));
        })
          .on('error', reject)
          .end();
      });
      expect(body).toBe('ok');
    } finally {
      server.close();
    }
  });
});

describe('documents', () => {
  it('kubeconfig: cluster, users, contexts', () => {
    const kc = kubeconfig({ server: 'https://127.0.0.1:1', caCert: 'PEM', users: [{ name: 'admin', token: 't1' }, { name: 'guest', token: 't2' }] }) as any;
    expect(kc.clusters).toEqual([{ name: 'kube-actors', cluster: { server: 'https://127.0.0.1:1', 'certificate-authority-data': Buffer.from('PEM').toString('base64') } }]);
    expect(kc.contexts[1]).toEqual({ name: 'kube-actors-guest', context: { cluster: 'kube-actors', user: 'guest', namespace: 'default' } });
    expect(kc['current-context']).toBe('kube-actors-admin');
    expect(() => kubeconfig({ server: 'x', users: [] })).toThrow(RangeError);
  });

  it('discovery lists every resource of the registry with its subresources', () => {
    const core = aggregatedDiscovery('api') as any;
    const apis = aggregatedDiscovery('apis') as any;
    const all = [...core.items, ...apis.items].flatMap((g: any) => g.versions.flatMap((v: any) => v.resources.map((r: any) => `${g.metadata.name ?? ''}/${v.version}/${r.resource}`)));
    // and two served by conversion: autoscaling/v1 HorizontalPodAutoscaler beside the stored v2,
    // events.k8s.io/v1 Event from the stored core/v1 Events
    expect(all.sort()).toEqual([...RESOURCES.map((r) => `${r.group}/${r.version}/${r.plural}`), 'autoscaling/v1/horizontalpodautoscalers', 'events.k8s.io/v1/events'].sort());
    const autoscaling = apis.items.find((g: any) => g.metadata.name === 'autoscaling');
    expect(autoscaling.versions.map((v: any) => v.version)).toEqual(['v2', 'v1']);
    const list = apiResourceList('', 'v1') as any;
    expect(list.resources.filter((r: any) => r.name.includes('/')).map((r: any) => r.name)).toEqual(expect.arrayContaining(['pods/status', 'pods/binding', 'namespaces/finalize']));
    expect(apiResourceList('apps', 'v9')).toBeUndefined();
  });

  it('OpenAPI: every kind with update/patch has a PATCH operation kubectl recognises', () => {
    const root = openApiRoot() as any;
    for (const info of RESOURCES) {
      const key = info.group === '' ? `api/${info.version}` : `apis/${info.group}/${info.version}`;
      expect(root.paths[key]).toBeDefined();
      // the read-only ones (the metrics API's) have no PATCH
      if (!info.verbs.includes('patch')) continue;
      const doc = openApiDocument(key) as any;
      const patches = Object.values(doc.paths)
        .map((p: any) => p.patch)
        .filter((op: any) => op && op['x-kubernetes-group-version-kind'].kind === info.kind && op['x-kubernetes-group-version-kind'].group === info.group);
      expect(patches.length, info.kind).toBeGreaterThan(0);
      expect(patches[0].parameters.some((p: any) => p.name === 'fieldValidation' && p.in === 'query')).toBe(true);
    }
  });
});

describe('the gateway', () => {
  it('answers 504 when the simulation does not answer in wall-clock time (paused), and 503 once it stopped', async () => {
    const { Kernel } = await import('../../src/kernel/kernel.js');
    const { Gateway } = await import('../../src/http/gateway.js');
    const kernel = new Kernel({ seed: 1 });
    kernel.register('api-server', { send: () => {} });
    const gw = new Gateway(kernel, { wallTimeoutMs: 50, users: [{ name: 'admin', token: 't' }] });
    const r = await gw.request('t', { verb: 'get', resource: 'pods', namespace: 'default', name: 'x' });
    expect(r.code).toBe(504);
    expect(gw.addresses()).toEqual(['http/admin']);
    // the request went out on the network, from the user's actor
    kernel.runUntilIdle();
    expect(kernel.trace.toArray().some((e) => e.from === 'http/admin' && e.to === 'api-server' && e.type === 'api.request')).toBe(true);
    gw.close();
    kernel.stop();
    expect((await gw.request('t', { verb: 'list', resource: 'pods' })).code).toBe(503);
  });
});
