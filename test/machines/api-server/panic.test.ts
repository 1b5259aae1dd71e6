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
