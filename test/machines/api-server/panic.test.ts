import { describe, expect, it } from 'vitest';
import type { Status } from '../../../src/api/types.js';
import { errorMessage } from '../../../src/kernel/kernel.js';
import type { ApiServerCore } from '../../../machines/api-server/core.js';
import { startControlPlane } from '../../helpers/control-plane.js';

const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });

describe('api-server: a request that makes it throw is answered 500 and recorded; the server goes on', () => {
  for (const pipeline of ['steps', 'fused'] as const) {
    it(`${pipeline} pipeline`, () => {
      const cp = startControlPlane({ apiServerOptions: { pipeline } });
      const core = (cp.apiServer.getSnapshot() as { context: { core: ApiServerCore } }).context.core;
      const admit = core.admit.bind(core);
      // a bug in one step, for one request (a stack overflow on a pathological body behaves the same)
      core.admit = () => {
        if ((core.current?.req.body as { metadata?: { name?: string } } | undefined)?.metadata?.name === 'boom') throw new RangeError('Maximum call stack size exceeded');
        admit();
      };
      const errors = cp.kernel.errors.length;
      const r = cp.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: cm('boom') });
      expect(r.code).toBe(500);
      expect((r.body as Status).message).toBe('This request caused apiserver to panic (RangeError: Maximum call stack size exceeded). Look in the logs for details.');
      expect(cp.kernel.errors.length).toBe(errors + 1);
      expect(cp.kernel.errors.at(-1)!.address).toBe('api-server');
      expect(errorMessage(cp.kernel.errors.at(-1)!.error)).toBe('RangeError: Maximum call stack size exceeded');
      expect((cp.apiServer.getSnapshot() as { status: string }).status).toBe('active');
      // the next request is served as usual
      const ok = cp.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: cm('fine') });
      expect(ok.code).toBe(201);
      expect(cp.store.get('/registry/configmaps/default/boom')).toBeUndefined();
    });
  }

  it('kernel.onError tells listeners of each error as it is recorded', () => {
    const cp = startControlPlane();
    const seen: string[] = [];
    const off = cp.kernel.onError((r) => seen.push(`${r.address}: ${errorMessage(r.error)}`));
    cp.kernel.reportError('some/actor', new Error('bad'));
    off();
    cp.kernel.reportError('some/actor', new Error('unheard'));
    expect(seen).toEqual(['some/actor: Error: bad']);
  });
});

describe('api-server: bodies nested deeper than Go decodes are refused before anything walks them', () => {
  it('400 with the decoder’s words, and nothing stored', () => {
    const cp = startControlPlane();
    let deep: unknown = 'x';
    for (let i = 0; i < 10_001; i++) deep = [deep];
    const revision = cp.store.revision;
    const r = cp.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: { ...cm('deep'), metadata: { name: 'deep', annotations: { a: deep } } } });
    expect(r.code).toBe(400);
    expect((r.body as Status).message).toBe(
      `the object provided is unrecognized (must be of type ConfigMap): couldn't get version/kind; json parse error: invalid character '[' exceeded max depth ({"apiVersion":"v1","kind":"Con ...)`,
    );
    const patch = cp.client.request({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'x', body: { data: deep }, query: { patchType: 'merge' } });
    expect(patch.code).toBe(400);
    expect((patch.body as Status).message).toBe("invalid character '[' exceeded max depth");
    expect(cp.store.revision).toBe(revision);
  });
});

describe('api-server: values nested thousands of levels deep, below Go’s limit, are answered as the decoder answers them', () => {
  const nested = (n: number): unknown => {
    let v: unknown = 1;
    for (let i = 0; i < n; i++) v = { x: v };
    return v;
  };
  const deep = nested(9_000);

  it('an unknown field is dropped with a warning (or named under Strict), a typed field refused with its type error, on every write path', () => {
    const cp = startControlPlane();
    const warned = cp.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: { ...cm('a'), zz: deep } });
    expect(warned.code).toBe(201);
    expect(warned.warnings).toEqual(['unknown field "zz"']);
    expect(cp.client.get('configmaps', 'a', { namespace: 'default' })).not.toHaveProperty('zz');
    const strict = cp.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: { ...cm('b'), zz: deep }, query: { fieldValidation: 'Strict' } });
    expect(strict.code).toBe(400);
    expect((strict.body as Status).message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: strict decoding error: unknown field "zz"');
    const typed = cp.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: { ...cm('c'), data: { a: deep } } });
    expect(typed.code).toBe(400);
    expect((typed.body as Status).message).toBe('ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot unmarshal object into Go struct field ConfigMap.data of type string');
    for (const patchType of ['merge', 'strategic'] as const) {
      const p = cp.client.request({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'a', body: { metadata: { labels: { l: 'v' } }, zz: deep }, query: { patchType } });
      expect(p.code, patchType).toBe(200);
      expect((p.body as { metadata: { labels: Record<string, string> } }).metadata.labels).toEqual({ l: 'v' });
      const bad = cp.client.request({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'a', body: { data: { a: deep } }, query: { patchType } });
      expect(bad.code, patchType).toBe(422);
      expect((bad.body as Status).message).toContain(patchType === 'merge' ? 'json: cannot unmarshal object into Go struct field ConfigMap.data of type string' : 'unrecognized type: string');
    }
    const json = cp.client.request({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'a', body: [{ op: 'add', path: '/zz', value: deep }], query: { patchType: 'json' } });
    expect(json.code).toBe(200);
    expect(json.body).not.toHaveProperty('zz');
    const apply = cp.client.request({ verb: 'patch', resource: 'configmaps', namespace: 'default', name: 'a', body: { ...cm('a'), zz: deep }, query: { patchType: 'apply', fieldManager: 'me' } });
    expect(apply.code).toBe(200);
    const update = cp.client.request({ verb: 'update', resource: 'configmaps', namespace: 'default', name: 'a', body: { ...(cp.client.get('configmaps', 'a', { namespace: 'default' }) as object), zz: deep } });
    expect(update.code).toBe(200);
    expect(cp.client.get('configmaps', 'a', { namespace: 'default' })).not.toHaveProperty('zz');
    expect(cp.kernel.errors).toEqual([]);
  });

  it('a free-form value (a RawExtension, fieldsV1) deeper than 100 levels is refused as a limit of the simulator, and nothing is stored', () => {
    const cp = startControlPlane();
    const revision = cp.store.revision;
    const r = cp.client.request({
      verb: 'create',
      resource: 'configmaps',
      namespace: 'default',
      body: { ...cm('f'), metadata: { name: 'f', managedFields: [{ manager: 'x', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: nested(101) }] } },
    });
    expect(r.code).toBe(400);
    expect((r.body as Status).message).toBe(
      'ConfigMap in version "v1" cannot be handled as a ConfigMap: metadata.managedFields[0].fieldsV1 nests more than 100 levels of arrays and objects, which kube-actors does not store (kube-apiserver accepts up to 10000)',
    );
    expect(cp.store.revision).toBe(revision);
    // 100 levels are stored as they are
    const ok = cp.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: { ...cm('g'), metadata: { name: 'g', managedFields: [{ manager: 'x', operation: 'Apply', fieldsType: 'FieldsV1', fieldsV1: nested(99) }] } } });
    expect(ok.code).toBe(201);
    expect(cp.kernel.errors).toEqual([]);
  });
});
