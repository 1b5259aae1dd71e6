import { describe, expect, it } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import type { KubeObject } from '../../../src/api/types.js';
import type { RequestSpec } from '../../../machines/client/api-client.js';
import { startControlPlane, type ControlPlane } from '../../helpers/control-plane.js';

const labels = { app: 'web' };
const deployment = (replicas = 2): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
  }) as KubeObject;
const configMap = (name: string, data: Record<string, string> = { a: '1' }): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', labels: { tier: 'cfg' } }, data }) as KubeObject;
const pod = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } }) as KubeObject;
const service = (name: string): KubeObject => ({ apiVersion: 'v1', kind: 'Service', metadata: { name, namespace: 'default' }, spec: { selector: labels, ports: [{ port: 80 }] } }) as KubeObject;

/** A control plane holding one object of each kind the requests below touch. */
function seeded(): ControlPlane {
  const cp = startControlPlane();
  cp.client.create(deployment());
  cp.client.create(configMap('cfg'));
  cp.client.create(configMap('other'));
  cp.client.create(pod('bound'));
  cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', name: 'bound', subresource: 'binding', body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'bound' }, target: { kind: 'Node', name: 'node-1' } } });
  cp.client.create(pod('loose'));
  cp.client.create(service('svc'));
  cp.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } as KubeObject);
  return cp;
}

const apps = { group: 'apps', resource: 'deployments', namespace: 'default' } as const;
const core = (resource: string) => ({ resource, namespace: 'default' }) as const;

/** Every verb, on several resources and subresources, valid and refused. */
const REQUESTS: Record<string, RequestSpec> = {
  'create configmap': { verb: 'create', ...core('configmaps'), body: configMap('new') },
  'create configmap that exists': { verb: 'create', ...core('configmaps'), body: configMap('cfg') },
  'create invalid configmap': { verb: 'create', ...core('configmaps'), body: configMap('Bad_Name') },
  'create service (allocates an IP)': { verb: 'create', ...core('services'), body: service('svc2') },
  'create pod with generateName': { verb: 'create', ...core('pods'), body: { apiVersion: 'v1', kind: 'Pod', metadata: { generateName: 'gen-' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } } },
  'update configmap': { verb: 'update', ...core('configmaps'), name: 'cfg', body: configMap('cfg', { a: '2' }) },
  'update deployment': { verb: 'update', ...apps, name: 'web', body: deployment(4) },
  'merge patch': { verb: 'patch', ...apps, name: 'web', body: { spec: { replicas: 5 } }, query: { patchType: 'merge' } },
  'strategic merge patch': { verb: 'patch', ...apps, name: 'web', body: { spec: { template: { spec: { containers: [{ name: 'app', image: 'nginx:1.28' }] } } } }, query: { patchType: 'strategic' } },
  'json patch': { verb: 'patch', ...core('configmaps'), name: 'cfg', body: [{ op: 'add', path: '/data/b', value: 'x' }], query: { patchType: 'json' } },
  'server-side apply (update)': { verb: 'patch', ...core('configmaps'), name: 'cfg', body: configMap('cfg', { z: 'z' }), query: { patchType: 'apply', fieldManager: 'tester', force: true } },
  'server-side apply (create)': { verb: 'patch', ...core('configmaps'), name: 'applied', body: configMap('applied'), query: { patchType: 'apply', fieldManager: 'tester' } },
  'delete configmap': { verb: 'delete', ...core('configmaps'), name: 'cfg' },
  'delete bound pod (graceful)': { verb: 'delete', ...core('pods'), name: 'bound' },
  'delete deployment (foreground)': { verb: 'delete', ...apps, name: 'web', query: { propagationPolicy: 'Foreground' } },
  'delete service (frees its IP)': { verb: 'delete', ...core('services'), name: 'svc' },
  'delete namespace': { verb: 'delete', resource: 'namespaces', name: 'team' },
  'delete missing': { verb: 'delete', ...core('configmaps'), name: 'missing' },
  'deletecollection configmaps': { verb: 'deletecollection', ...core('configmaps'), query: { labelSelector: 'tier=cfg' } },
  'update scale': { verb: 'update', ...apps, name: 'web', subresource: 'scale', body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web', namespace: 'default' }, spec: { replicas: 7 } } },
  'patch scale': { verb: 'patch', ...apps, name: 'web', subresource: 'scale', body: { spec: { replicas: 0 } }, query: { patchType: 'merge' } },
  'update status': { verb: 'update', ...apps, name: 'web', subresource: 'status', body: { ...deployment(), status: { replicas: 2, readyReplicas: 1 } } },
  'patch status': { verb: 'patch', ...apps, name: 'web', subresource: 'status', body: { status: { observedGeneration: 9 } }, query: { patchType: 'merge' } },
  eviction: { verb: 'create', ...core('pods'), name: 'bound', subresource: 'eviction', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: 'bound', namespace: 'default' } } },
  binding: { verb: 'create', ...core('pods'), name: 'loose', subresource: 'binding', body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'loose' }, target: { kind: 'Node', name: 'node-2' } } },
};

/** How the dry run is asked: `?dryRun=All`, or in the body's DeleteOptions (deletes) or Eviction deleteOptions. */
type Via = 'query' | 'body';

function dryRunOf(spec: RequestSpec, via: Via): RequestSpec {
  const bodyCarries = spec.verb === 'delete' || spec.verb === 'deletecollection' || spec.subresource === 'eviction';
  if (via === 'query' || !bodyCarries) return { ...spec, query: { ...spec.query, dryRun: true } };
  if (spec.subresource === 'eviction') return { ...spec, body: { ...(spec.body as object), deleteOptions: { dryRun: ['All'] } } };
  return { ...spec, body: { apiVersion: 'v1', kind: 'DeleteOptions', ...(spec.body as object | undefined), dryRun: ['All'] } };
}

function dump(cp: ControlPlane): { revision: number; kvs: unknown } {
  return { revision: cp.store.revision, kvs: cp.store.range('/registry/').kvs.map((kv) => [kv.key, kv.modRevision, kv.value]) };
}

/** What a dry run and the real request can differ in: what is generated anew (uid, name suffixes, the token volume's) and what etcd assigns. */
function comparable(body: unknown): unknown {
  const visit = (x: unknown): unknown => {
    if (Array.isArray(x)) return x.map(visit);
    if (typeof x === 'string' && /^kube-api-access-[a-z0-9]{5}$/.test(x)) return 'kube-api-access-*';
    if (typeof x !== 'object' || x === null) return x;
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(x)) {
      if (k === 'resourceVersion' || k === 'uid') continue;
      out[k] = visit(v);
    }
    const meta = out.metadata as Record<string, unknown> | undefined;
    if (meta && typeof meta.generateName === 'string') out.metadata = { ...meta, name: `${meta.generateName}*` };
    return out;
  };
  return visit(body);
}

function watchAll(cp: ControlPlane): { count: () => number } {
  let events = 0;
  for (const kind of ['configmaps', 'deployments', 'pods', 'services', 'namespaces']) {
    cp.client.watch(kind, { allNamespaces: true }, (e) => {
      if (e.type === 'watch.added' || e.type === 'watch.modified' || e.type === 'watch.deleted') events++;
    });
  }
  cp.kernel.advance(10);
  return { count: () => events };
}

describe('api-server: dry run changes nothing and answers as the real request', () => {
  propTest.prop([fc.array(fc.tuple(fc.constantFrom(...Object.keys(REQUESTS)), fc.constantFrom<Via>('query', 'body')), { minLength: 1, maxLength: 6 })], { numRuns: 20 })(
    'every verb with and without dry run: etcd, the watches and the IP allocator are untouched by the dry run, the answers are the same',
    (steps) => {
      const cp = seeded();
      const watched = watchAll(cp);
      for (const [name, via] of steps) {
        const spec = REQUESTS[name]!;
        const before = dump(cp);
        const events = watched.count();
        const dry = cp.client.request(dryRunOf(spec, via));
        cp.kernel.advance(10);
        expect(dump(cp), `${name} (dry run via ${via}) changed etcd`).toEqual(before);
        expect(watched.count(), `${name} (dry run via ${via}) sent a watch event`).toBe(events);
        const real = cp.client.request(spec);
        expect(dry.code, `${name}: dry run answered ${JSON.stringify(dry.body)}, the real request ${JSON.stringify(real.body)}`).toBe(real.code);
        expect(comparable(dry.body), name).toEqual(comparable(real.body));
        cp.kernel.advance(10);
      }
    },
    120_000,
  );

  it('kubectl delete --dry-run=server: the DeleteOptions body carries dryRun, the object stays', () => {
    const cp = seeded();
    const before = dump(cp);
    const r = cp.client.request({ verb: 'delete', group: 'apps', resource: 'deployments', namespace: 'default', name: 'web', body: { kind: 'DeleteOptions', apiVersion: 'v1', propagationPolicy: 'Background', dryRun: ['All'] } });
    expect(r.code).toBe(200);
    expect(dump(cp)).toEqual(before);
    expect(cp.store.get('/registry/deployments/default/web')).toBeDefined();
  });

  it('refuses a dryRun value other than All in DeleteOptions with 422, and a wrong type with 400', () => {
    const cp = seeded();
    const bad = cp.client.request({ verb: 'delete', ...core('configmaps'), name: 'cfg', body: { dryRun: ['Some'] } });
    expect(bad.code).toBe(422);
    expect((bad.body as { message: string }).message).toBe('DeleteOptions.meta.k8s.io "" is invalid: dryRun: Unsupported value: []string{"Some"}: supported values: "All"');
    const wrongType = cp.client.request({ verb: 'delete', ...core('configmaps'), name: 'cfg', body: { dryRun: 'All' } });
    expect(wrongType.code).toBe(400);
    expect((wrongType.body as { message: string }).message).toContain('cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string');
    expect(cp.store.get('/registry/configmaps/default/cfg')).toBeDefined();
  });

  it('a dry-run create of a name that exists is 409 AlreadyExists, and a dry-run create answers without a resourceVersion', () => {
    const cp = seeded();
    const exists = cp.client.request({ verb: 'create', ...core('configmaps'), body: configMap('cfg'), query: { dryRun: true } });
    expect(exists.code).toBe(409);
    expect((exists.body as { reason: string }).reason).toBe('AlreadyExists');
    const created = cp.client.request({ verb: 'create', ...core('configmaps'), body: configMap('fresh'), query: { dryRun: true } });
    expect(created.code).toBe(201);
    expect((created.body).metadata?.resourceVersion).toBeUndefined();
  });
});
