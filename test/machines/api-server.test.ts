import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { fc, test as propTest } from '@fast-check/vitest';
import { StatusError } from '../../src/api/status.js';
import type { Pod, Status } from '../../src/api/types.js';
import { startControlPlane } from '../helpers/control-plane.js';
import { createCluster } from '../../src/cluster/create-cluster.js';

const pod = (name: string, extra: Record<string, unknown> = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.14.2' }] }, ...extra });

/** The Status a refused request got, whether the client threw it or returned the raw response. */
function statusOf(fn: () => unknown): Status {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (error instanceof StatusError) return error.status;
    throw error;
  }
  const r = result as { type?: string; code?: number; body?: Status } | undefined;
  if (r?.type === 'api.response' && (r.code ?? 0) >= 300) return r.body!;
  throw new Error('expected the API server to refuse the request');
}

describe('api-server: requests through the pipeline', () => {
  it('creates a pod: stored in etcd with uid, timestamps, resourceVersion and the defaults', () => {
    const cp = startControlPlane();
    const created = cp.client.create(pod('web'));
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(created.metadata?.creationTimestamp).toBe('2026-01-01T00:00:00Z');
    expect(Number(created.metadata?.resourceVersion)).toBeGreaterThan(1);
    const kv = cp.store.get('/registry/pods/default/web');
    expect(kv?.modRevision).toBe(Number(created.metadata?.resourceVersion));
    const stored = kv!.value as Pod;
    expect(stored.spec?.restartPolicy).toBe('Always');
    expect(stored.spec?.tolerations).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', tolerationSeconds: 300 }),
        expect.objectContaining({ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', tolerationSeconds: 300 }),
      ]),
    );
    expect(stored.status?.phase).toBe('Pending');
  });

  it('walks each request through authenticating, authorizing, admitting and persisting', () => {
    const cp = startControlPlane();
    const seen: string[] = [];
    const sub = cp.apiServer.subscribe((s: { value: unknown }) => seen.push(JSON.stringify(s.value)));
    cp.client.create(pod('a'));
    sub.unsubscribe();
    // the snapshots between events are the pipeline at rest; the microsteps are visible to the inspector
    expect(seen.some((v) => v.includes('ready'))).toBe(true);
    const micro: string[] = [];
    const cp2 = startControlPlane();
    cp2.apiServer.system.inspect({
      next: (e: InspectionEvent) => {
        if (e.type === '@xstate.microstep') for (const t of e._transitions) for (const target of t.target ?? []) micro.push(target.key);
      },
    });
    cp2.client.create(pod('b'));
    expect(micro).toEqual(expect.arrayContaining(['authenticating', 'authorizing', 'admitting', 'persisting', 'completing']));
    expect(micro.indexOf('authenticating')).toBeLessThan(micro.indexOf('persisting'));
  });

  it("runs the same pipeline fused into one transition (pipeline: 'fused'): the same trace and the same etcd, one microstep per request", () => {
    const run = (pipeline: 'steps' | 'fused') => {
      const c = createCluster({ nodes: 2, seed: 11, apiServer: { pipeline } });
      let microsteps = 0;
      (c.actor('api-server')!.system as { inspect(o: { next(e: InspectionEvent): void }): void }).inspect({
        next: (e) => void (e.type === '@xstate.microstep' && (e.actorRef as { id?: string }).id === 'api-server' && microsteps++),
      });
      c.runUntil(() => c.objects('nodes').length === 2, { timeout: 30_000 });
      c.client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } } });
      c.client.create(pod('solo'));
      c.client.patch('pods', 'solo', { metadata: { labels: { a: 'b' } } }, { type: 'merge' });
      expect(statusOf(() => c.as('no-such-token').get('pods', 'solo')).code).toBe(401);
      expect(statusOf(() => c.as(c.users.guest.token).delete('pods', 'solo')).code).toBe(403);
      expect(statusOf(() => c.client.create(pod('Bad_Name'))).code).toBe(422);
      c.client.delete('pods', 'solo');
      c.advance(30_000);
      const result = { trace: c.kernel.trace.toJSONL(), etcd: JSON.stringify(c.store.all()), microsteps, requests: c.kernel.trace.toArray().filter((e) => e.to === 'api-server' && e.type === 'api.request').length };
      c.stop();
      return result;
    };
    const steps = run('steps');
    const fused = run('fused');
    expect(fused.trace).toBe(steps.trace);
    expect(fused.etcd).toBe(steps.etcd);
    expect(steps.requests).toBeGreaterThan(20);
    // every request takes five microsteps or more stepwise, one fused
    expect(steps.microsteps - fused.microsteps).toBeGreaterThanOrEqual(4 * steps.requests);
  });

  it('get and list read etcd only: no kubelet is asked', () => {
    const cp = startControlPlane();
    cp.client.create(pod('x'));
    const before = cp.kernel.trace.total;
    const list = cp.client.list('pods');
    expect(list.items.map((p) => p.metadata?.name)).toEqual(['x']);
    const got = cp.client.get('pods', 'x');
    expect(got.metadata?.name).toBe('x');
    const entries = cp.kernel.trace.since(before);
    expect(entries.map((e) => `${e.from}>${e.to}:${e.type}`)).toEqual([
      'kubectl/1>api-server:api.request',
      'api-server>etcd:etcd.range',
      'etcd>api-server:etcd.result',
      'api-server>kubectl/1:api.response',
      'kubectl/1>api-server:api.request',
      'api-server>etcd:etcd.get',
      'etcd>api-server:etcd.result',
      'api-server>kubectl/1:api.response',
    ]);
  });
});

describe('api-server: bad input gets the Status a real API server gives, and etcd is unchanged', () => {
  const cases: { name: string; run: (cp: ReturnType<typeof startControlPlane>) => unknown; code: number; reason: string; message?: RegExp; fields?: string[] }[] = [
    {
      name: 'a pod without containers',
      run: (cp) => cp.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'empty' }, spec: { containers: [] } } as Pod),
      code: 422,
      reason: 'Invalid',
      message: /^Pod "empty" is invalid: spec.containers: Required value/,
      fields: ['spec.containers'],
    },
    {
      name: 'a name that is not a DNS label',
      run: (cp) => cp.client.create(pod('Bad_Name')),
      code: 422,
      reason: 'Invalid',
      fields: ['metadata.name'],
    },
    {
      name: 'negative cpu requests',
      run: (cp) => cp.client.create(pod('neg', { spec: { containers: [{ name: 'a', image: 'x', resources: { requests: { cpu: '-1' } } }] } })),
      code: 422,
      reason: 'Invalid',
      fields: ['spec.containers[0].resources.requests[cpu]'],
    },
    {
      name: 'negative replicas',
      run: (cp) =>
        cp.client.create({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'd' },
          spec: { replicas: -1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'a', image: 'x' }] } } },
        } as never),
      code: 422,
      reason: 'Invalid',
      fields: ['spec.replicas'],
    },
    {
      name: 'a missing namespace',
      run: (cp) => cp.client.create(pod('p'), { namespace: 'nope' }),
      code: 404,
      reason: 'NotFound',
      message: /namespaces "nope" not found/,
    },
    {
      name: 'an unknown kind',
      run: (cp) => cp.client.request({ verb: 'create', resource: 'widgets', namespace: 'default', body: { kind: 'Widget' } }),
      code: 404,
      reason: 'NotFound',
    },
    {
      name: 'a body that is not an object',
      run: (cp) => cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body: 'not json' }),
      code: 400,
      reason: 'BadRequest',
    },
    {
      name: 'a kind that does not match the resource',
      run: (cp) => cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body: { apiVersion: 'v1', kind: 'Service', metadata: { name: 's' } } }),
      code: 400,
      reason: 'BadRequest',
    },
    {
      name: 'a bad token',
      run: (cp) => cp.as('not-a-token').create(pod('q')),
      code: 401,
      reason: 'Unauthorized',
    },
    {
      name: 'a user without rights',
      run: (cp) => cp.as(cp.users.guest.token).create(pod('q')),
      code: 403,
      reason: 'Forbidden',
      message: /pods is forbidden: User "guest" cannot create resource "pods" in API group "" in the namespace "default"/,
    },
  ];

  for (const c of cases) {
    it(`refuses ${c.name} with ${c.code} ${c.reason}`, () => {
      const cp = startControlPlane();
      const revision = cp.store.revision;
      const s = statusOf(() => c.run(cp));
      expect(s.kind).toBe('Status');
      expect(s.code).toBe(c.code);
      expect(s.reason).toBe(c.reason);
      if (c.message) expect(s.message).toMatch(c.message);
      if (c.fields) expect(s.details?.causes?.map((x) => x.field)).toEqual(expect.arrayContaining(c.fields));
      expect(cp.store.revision).toBe(revision);
    });
  }

  it('refuses a stale resourceVersion with 409 Conflict and loses no update', () => {
    const cp = startControlPlane();
    const v1 = cp.client.create(pod('p', { metadata: { name: 'p', labels: { v: '1' } } }));
    const v2 = cp.client.update({ ...v1, metadata: { ...v1.metadata, labels: { v: '2' } } });
    expect(v2.metadata?.labels).toEqual({ v: '2' });
    const revision = cp.store.revision;
    const s = statusOf(() => cp.client.update({ ...v1, metadata: { ...v1.metadata, labels: { v: 'stale' } } }));
    expect(s.code).toBe(409);
    expect(s.reason).toBe('Conflict');
    expect(s.message).toBe('Operation cannot be fulfilled on pods "p": the object has been modified; please apply your changes to the latest version and try again');
    expect(cp.store.revision).toBe(revision);
    expect((cp.store.get('/registry/pods/default/p')!.value as Pod).metadata?.labels).toEqual({ v: '2' });
  });

  propTest.prop([fc.anything()], { numRuns: 60 })('never changes etcd for a random create body that is not a valid pod', (body) => {
    const cp = startControlPlane();
    const revision = cp.store.revision;
    const res = cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body });
    expect(res.code).toBeGreaterThanOrEqual(400);
    expect(res.code).toBeLessThan(500);
    expect((res.body as Status).kind).toBe('Status');
    expect(cp.store.revision).toBe(revision);
  });
});

describe('api-server: unknown fields', () => {
  const withUnknown = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'u' }, spec: { containers: [{ name: 'app', image: 'nginx', colour: 'blue' }] } };

  it('refuses them with 400 under fieldValidation=Strict, as kubectl asks', () => {
    const cp = startControlPlane();
    const revision = cp.store.revision;
    const res = cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body: withUnknown, query: { fieldValidation: 'Strict' } });
    expect(res.code).toBe(400);
    expect((res.body as Status).message).toContain('unknown field "spec.containers[0].colour"');
    expect(cp.store.revision).toBe(revision);
  });

  it('warns and stores the object without them under Warn', () => {
    const cp = startControlPlane();
    const res = cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body: withUnknown, query: { fieldValidation: 'Warn' } });
    expect(res.code).toBe(201);
    expect(res.warnings).toEqual([expect.stringContaining('unknown field "spec.containers[0].colour"')]);
    const stored = cp.store.get('/registry/pods/default/u')!.value as Pod;
    expect(stored.spec!.containers[0]).not.toHaveProperty('colour');
  });
});

describe('api-server: subresources, server-side apply, dry run', () => {
  it('refuses a verb a subresource does not serve with 405, and keeps serving', () => {
    const cp = startControlPlane();
    cp.client.create(pod('s'));
    const revision = cp.store.revision;
    const create = cp.client.request({ verb: 'create', resource: 'pods', subresource: 'status', namespace: 'default', name: 's', body: {} });
    expect([create.code, (create.body as Status).reason]).toEqual([405, 'MethodNotAllowed']);
    const del = cp.client.request({ verb: 'delete', resource: 'pods', subresource: 'status', namespace: 'default', name: 's' });
    expect(del.code).toBe(405);
    expect(cp.store.revision).toBe(revision);
    expect(cp.client.get('pods', 's').metadata?.name).toBe('s');
  });

  it('server-side apply creates, records managedFields, and answers a conflict with 409 FieldManagerConflict unless forced', () => {
    const cp = startControlPlane();
    const cm = (data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data });
    const ssa = (manager: string, data: Record<string, string>, force = false) =>
      cp.client.request({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'cfg', body: cm(data), query: { patchType: 'apply', fieldManager: manager, ...(force ? { force: true } : {}) } });
    const created = ssa('alice', { colour: 'blue' });
    expect(created.code).toBe(201);
    expect((created.body as { metadata: { managedFields: { manager: string; operation: string }[] } }).metadata.managedFields).toEqual([
      expect.objectContaining({ manager: 'alice', operation: 'Apply' }),
    ]);
    const clash = ssa('bob', { colour: 'red' });
    expect(clash.code).toBe(409);
    expect((clash.body as Status).details?.causes?.[0]).toMatchObject({ reason: 'FieldManagerConflict', field: '.data.colour' });
    expect((cp.store.get('/registry/configmaps/default/cfg')!.value as { data: Record<string, string> }).data).toEqual({ colour: 'blue' });
    const forced = ssa('bob', { colour: 'red' }, true);
    expect(forced.code).toBe(200);
    expect((forced.body as { data: Record<string, string> }).data).toEqual({ colour: 'red' });
    const noManager = cp.client.request({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'cfg', body: cm({}), query: { patchType: 'apply' } });
    expect(noManager.code).toBe(400);
  });

  it('dry run admits and validates without writing', () => {
    const cp = startControlPlane();
    const revision = cp.store.revision;
    const ok = cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('dry'), query: { dryRun: true } });
    expect(ok.code).toBe(201);
    expect((ok.body as Pod).spec?.restartPolicy).toBe('Always');
    const bad = cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body: { ...pod('Bad_Name') }, query: { dryRun: true } });
    expect(bad.code).toBe(422);
    expect(cp.store.revision).toBe(revision);
  });
});

describe('api-server: storage', () => {
  it('answers 503 while etcd is unavailable and loses nothing it acknowledged', () => {
    const cp = startControlPlane();
    cp.client.create(pod('before'));
    cp.kernel.inject('faults', 'etcd', { type: 'etcd.fail' });
    const res = cp.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('during') });
    expect(res.code).toBe(503);
    expect((res.body as Status).reason).toBe('ServiceUnavailable');
    cp.kernel.inject('faults', 'etcd', { type: 'etcd.recover' });
    cp.kernel.advance(20_000);
    cp.client.create(pod('after'));
    const names = cp.client.list('pods').items.map((p) => p.metadata?.name);
    expect(names).toEqual(['after', 'before']);
  });

  it('binds a pod once; a second binding is a conflict', () => {
    const cp = startControlPlane();
    cp.client.create(pod('b'));
    const bind = (node: string) =>
      cp.client.request({
        verb: 'create',
        resource: 'pods',
        subresource: 'binding',
        namespace: 'default',
        name: 'b',
        body: { apiVersion: 'v1', kind: 'Binding', metadata: { name: 'b' }, target: { kind: 'Node', name: node } },
      });
    expect(bind('node-1').code).toBe(201);
    const second = bind('node-2');
    expect(second.code).toBe(409);
    expect((second.body as Status).message).toContain('already assigned to node "node-1"');
    expect((cp.store.get('/registry/pods/default/b')!.value as Pod).spec?.nodeName).toBe('node-1');
  });

  it('marks a bound pod for graceful deletion and deletes an unbound one at once', () => {
    const cp = startControlPlane();
    cp.client.create(pod('unbound'));
    cp.client.delete('pods', 'unbound');
    expect(cp.store.get('/registry/pods/default/unbound')).toBeUndefined();
    cp.client.create(pod('bound'));
    cp.client.request({ verb: 'create', resource: 'pods', subresource: 'binding', namespace: 'default', name: 'bound', body: { kind: 'Binding', target: { name: 'node-1' } } });
    const marked = cp.client.delete('pods', 'bound') as Pod;
    expect(marked.metadata?.deletionTimestamp).toBe('2026-01-01T00:00:30Z');
    expect(marked.metadata?.deletionGracePeriodSeconds).toBe(30);
    expect(cp.store.get('/registry/pods/default/bound')).toBeDefined();
  });

  it('resumes a watch from a resourceVersion and answers 410 Gone when it is too old', () => {
    const cp = startControlPlane();
    const first = cp.client.create(pod('w1'));
    cp.client.create(pod('w2'));
    const seen: string[] = [];
    cp.client.watch('pods', { resourceVersion: first.metadata!.resourceVersion }, (e) => {
      if (e.type === 'watch.added') seen.push(e.object.metadata!.name!);
    });
    cp.kernel.runUntilIdle();
    expect(seen).toEqual(['w2']);
  });

  it('answers a watch from a resourceVersion older than the watch cache window with 410 Gone', () => {
    const cp = startControlPlane({ apiServerOptions: { watchCacheCapacity: 3 } });
    const first = cp.client.create(pod('g0'));
    for (let i = 1; i <= 5; i++) cp.client.create(pod(`g${i}`));
    const errors: Status[] = [];
    const added: string[] = [];
    cp.client.watch('pods', { resourceVersion: first.metadata!.resourceVersion }, (e) => {
      if (e.type === 'watch.error') errors.push(e.object);
      if (e.type === 'watch.added') added.push(e.object.metadata!.name!);
    });
    cp.kernel.runUntilIdle();
    expect(errors.map((s) => [s.code, s.reason])).toEqual([[410, 'Expired']]);
    expect(added).toEqual([]);
  });

  it('keeps a strategic merge patch from wiping container fields', () => {
    const cp = startControlPlane();
    cp.client.create(pod('sm', { spec: { containers: [{ name: 'app', image: 'nginx:1.14.2', ports: [{ containerPort: 80 }] }] } }));
    const patched = cp.client.patch<Pod>('pods', 'sm', { metadata: { labels: { tier: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.16.1' }] } });
    expect(patched.spec?.containers[0]?.image).toBe('nginx:1.16.1');
    expect(patched.spec?.containers[0]?.ports).toEqual([expect.objectContaining({ containerPort: 80 })]);
    expect(patched.metadata?.labels).toEqual({ tier: 'web' });
  });
});
