/**
 * Fuzzing the HTTP API (fast-check): random methods, paths, query strings, content types,
 * Accept headers, tokens and bodies (random JSON, text, broken JSON/YAML, mutated manifests).
 * Every answer is a 2xx or a 4xx Kubernetes Status whose code is the HTTP code (never a 5xx,
 * never a hang), a rejected write leaves etcd's revision where it was, and afterwards the server,
 * the API server actor and the simulation still work and recorded no error.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startTestServer, type TestServer } from './helpers.js';

const RESOURCES = ['pods', 'deployments', 'services', 'configmaps', 'nodes', 'namespaces', 'events', 'replicasets', 'clusterroles', 'secrets', 'leases', 'widgets'];
const SUBRESOURCES = ['status', 'scale', 'binding', 'eviction', 'finalize', 'log', 'exec'];
const PREFIXES = ['/api/v1', '/apis/apps/v1', '/apis/rbac.authorization.k8s.io/v1', '/apis/coordination.k8s.io/v1', '/apis/foo/v1', '/apis/apps/v2', '/api', '/apis', '/apis/apps', '/openapi/v3', '/openapi/v3/api/v1', '/version', '/healthz', ''];
const CONTENT_TYPES = [
  undefined,
  'application/json',
  'application/yaml',
  'application/merge-patch+json',
  'application/strategic-merge-patch+json',
  'application/json-patch+json',
  'application/apply-patch+yaml',
  'application/vnd.kubernetes.protobuf',
  'text/plain',
  'application/json; charset=utf-8',
  ';;;',
];
const ACCEPTS = [
  undefined,
  'application/json',
  'application/yaml',
  'application/json;as=Table;v=v1;g=meta.k8s.io',
  'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
  'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList',
  'application/vnd.kubernetes.protobuf',
  '*/*',
  'text/html',
  'garbage',
];
const QUERY_KEYS = [
  'watch',
  'limit',
  'continue',
  'labelSelector',
  'fieldSelector',
  'resourceVersion',
  'resourceVersionMatch',
  'fieldValidation',
  'dryRun',
  'force',
  'propagationPolicy',
  'gracePeriodSeconds',
  'timeoutSeconds',
  'fieldManager',
  'sendInitialEvents',
  'allowWatchBookmarks',
  'includeObject',
];

const POD = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'fz-pod', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } };
const DEPLOYMENT = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'fz-deploy' },
  spec: { replicas: 1, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
};

/** A manifest with one random change: a key removed, or a value replaced by random JSON. */
const mutated = fc
  .tuple(fc.constantFrom<object>(POD, DEPLOYMENT), fc.array(fc.nat(), { minLength: 1, maxLength: 4 }), fc.jsonValue(), fc.boolean())
  .map(([doc, picks, value, remove]) => {
    const copy = structuredClone(doc) as Record<string, unknown>;
    let cur: Record<string, unknown> = copy;
    for (let i = 0; i < picks.length; i++) {
      const keys = Object.keys(cur);
      if (keys.length === 0) break;
      const k = keys[picks[i]! % keys.length]!;
      const next = cur[k];
      if (i === picks.length - 1 || typeof next !== 'object' || next === null) {
        if (remove) delete cur[k];
        else cur[k] = value;
        break;
      }
      cur = next as Record<string, unknown>;
    }
    return JSON.stringify(copy);
  });

const body = fc.oneof(
  fc.constant(undefined),
  fc.jsonValue().map((v) => JSON.stringify(v)),
  fc.string(),
  fc.constantFrom('{', '[', '{"a":', 'null', '""', '[]', '{}', 'a: [b', '- - -', '{"kind":"Pod"}', ':\n  :', '\u0000\u0001'),
  mutated,
  mutated.map((t) => t.slice(0, Math.max(1, t.length >> 1))),
  // protobuf-looking bodies: the magic and random bytes
  fc.uint8Array({ maxLength: 120 }).map((b) => Buffer.concat([Buffer.from('k8s\0', 'latin1'), Buffer.from(b)])),
);

const segment = fc.oneof(
  fc.string({ minLength: 1, maxLength: 12 }).map((x) => encodeURIComponent(`fz-${x}`)),
  fc.constantFrom('%', '%zz', '..', '.', 'fz%2Fslash', 'FZ', '-', 'fz-' + 'x'.repeat(300)),
);

const path = fc.oneof(
  fc
    .tuple(
      fc.constantFrom(...PREFIXES),
      fc.option(fc.constantFrom('watch'), { nil: undefined }),
      fc.option(fc.oneof(fc.constant('default'), segment), { nil: undefined }),
      fc.oneof(fc.constantFrom(...RESOURCES), segment),
      fc.option(segment, { nil: undefined }),
      fc.option(fc.oneof(fc.constantFrom(...SUBRESOURCES), segment), { nil: undefined }),
    )
    .map(([prefix, watch, ns, resource, name, sub]) => {
      const parts = [prefix];
      if (watch) parts.push(watch);
      if (ns !== undefined) parts.push('namespaces', ns);
      parts.push(resource);
      if (name !== undefined) {
        parts.push(name);
        if (sub !== undefined) parts.push(sub);
      }
      return parts.join('/');
    }),
  fc.webPath().map((p) => p || '/'),
);

const query = fc
  .dictionary(fc.constantFrom(...QUERY_KEYS), fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('true', '1', '0', 'All', 'Strict', 'Warn', 'Orphan', '-1', '99999999999999999999', 'a=b', 'metadata.name=x')), { maxKeys: 4 })
  .map((d) => {
    const q = new URLSearchParams(d).toString();
    return q ? `?${q}` : '';
  });

const request = fc.record({
  method: fc.constantFrom('GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'),
  path,
  query,
  token: fc.constantFrom<'admin' | 'guest' | 'viewer' | 'bogus' | 'none'>('admin', 'admin', 'admin', 'guest', 'viewer', 'bogus', 'none'),
  contentType: fc.constantFrom(...CONTENT_TYPES),
  accept: fc.constantFrom(...ACCEPTS),
  body,
});

describe('fuzzing the HTTP API', () => {
  let s: TestServer;

  beforeAll(async () => {
    // no nodes: nothing in the cluster writes on its own, so etcd's revision moves only with our writes
    s = await startTestServer({ cluster: { nodes: 0, seed: 5 }, speed: 10 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const quiet = async () => {
    // wait until nothing more is written (a successful create may set controllers going)
    let last = s.cluster.store.revision;
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 25));
      if (s.cluster.store.revision === last && i >= 3) return;
      last = s.cluster.store.revision;
    }
  };

  it('answers every random request with a 2xx or a 4xx Status; rejected writes leave etcd unchanged', async () => {
    const tokens = { admin: s.cluster.users.admin.token, guest: s.cluster.users.guest.token, viewer: s.cluster.users.viewer.token, bogus: 'bogus-token', none: null };
    let writes = 0;
    let protobufs = 0;
    let rejected = 0;
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        // collection deletes by the admin would empty real collections (RBAC, namespaces): fuzz them as others
        const collectionDelete = r.method === 'DELETE' && !/\/fz-[^/]*$/.test(r.path) && !/\/fz-[^/]*\/[^/]+$/.test(r.path);
        const token = collectionDelete && r.token === 'admin' ? tokens.guest : tokens[r.token];
        const before = s.cluster.store.revision;
        const res = await s.call(r.method, `${r.path}${r.query}`, {
          token,
          ...(r.body !== undefined && r.method !== 'GET' && r.method !== 'HEAD' ? { body: r.body } : {}),
          ...(r.contentType ? { contentType: r.contentType } : {}),
          ...(r.accept ? { accept: r.accept } : {}),
          streamMs: 400,
        });
        const after = s.cluster.store.revision;
        const where = `${r.method} ${r.path}${r.query} -> ${res.code} ${res.text.slice(0, 300)}`;
        expect(res.code, where).toBeGreaterThanOrEqual(200);
        expect(res.code, where).toBeLessThan(500);
        if (res.code >= 400 && r.method !== 'HEAD') {
          expect(res.json, where).toMatchObject({ kind: 'Status', apiVersion: 'v1', status: 'Failure', code: res.code });
          expect(typeof res.json.message, where).toBe('string');
        }
        if (Buffer.isBuffer(r.body) && r.contentType === 'application/vnd.kubernetes.protobuf') protobufs++;
        const write = ['POST', 'PUT', 'PATCH', 'DELETE'].includes(r.method);
        if (write) writes++;
        if (write && res.code >= 400) {
          rejected++;
          expect(after, `a rejected write changed etcd: ${where}`).toBe(before);
        }
        if (write && res.code < 300) await quiet();
      }),
      { numRuns: Number(process.env.FUZZ_RUNS ?? 400), interruptAfterTimeLimit: 90_000 },
    );
    expect(writes).toBeGreaterThan(50);
    expect(rejected).toBeGreaterThan(20);
    expect(protobufs).toBeGreaterThan(0);
  }, 180_000);

  it('the server, the API server and the simulation are still well', async () => {
    expect(s.cluster.kernel.errors).toEqual([]);
    expect(s.cluster.actor('api-server')!.getSnapshot().status).toBe('active');
    expect((await s.call('GET', '/version')).code).toBe(200);
    const list = await s.call('GET', '/api/v1/namespaces');
    expect(list.code).toBe(200);
    expect(list.json.items.map((n: { metadata: { name: string } }) => n.metadata.name)).toEqual(expect.arrayContaining(['default', 'kube-system']));
    const created = await s.call('POST', '/api/v1/namespaces/default/configmaps', { body: '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"after-fuzz"}}', contentType: 'application/json' });
    expect(created.code).toBe(201);
  });
});
