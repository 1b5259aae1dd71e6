import { describe, expect, it } from 'vitest';
import type { KubeObject, Status } from '../../../src/api/types.js';
import { startControlPlane } from '../../helpers/control-plane.js';

const labels = { app: 'web' };
const deployment = (replicas: unknown = 2): KubeObject =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default' },
    spec: { replicas, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
  }) as KubeObject;
const apps = { group: 'apps', resource: 'deployments', namespace: 'default' } as const;
const TYPE_ERROR = 'json: cannot unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32';

describe('api-server: a wrong-typed value is refused on every path, never coerced', () => {
  const setup = () => {
    const cp = startControlPlane();
    cp.client.create(deployment());
    const revision = cp.store.revision;
    const unchanged = () => {
      expect(cp.store.revision).toBe(revision);
      expect((cp.store.get('/registry/deployments/default/web')!.value as { spec: { replicas: number } }).spec.replicas).toBe(2);
    };
    return { cp, unchanged };
  };

  it('create: 400 BadRequest from decoding, before defaulting', () => {
    const { cp } = setup();
    const r = cp.client.request({ verb: 'create', ...apps, body: { ...deployment('5'), metadata: { name: 'other' } } });
    expect(r.code).toBe(400);
    expect((r.body as Status).reason).toBe('BadRequest');
    expect((r.body as Status).message).toBe(`Deployment in version "v1" cannot be handled as a Deployment: ${TYPE_ERROR}`);
    expect(cp.store.get('/registry/deployments/default/other')).toBeUndefined();
  });

  it('update (and the status subresource): 400 BadRequest', () => {
    const { cp, unchanged } = setup();
    for (const subresource of [undefined, 'status']) {
      const r = cp.client.request({ verb: 'update', ...apps, name: 'web', ...(subresource ? { subresource } : {}), body: deployment('5') });
      expect(r.code).toBe(400);
      expect((r.body as Status).message).toBe(`Deployment in version "v1" cannot be handled as a Deployment: ${TYPE_ERROR}`);
    }
    unchanged();
  });

  it('merge and JSON patch: 422 with the patched object as the invalid value', () => {
    const { cp, unchanged } = setup();
    const merge = cp.client.request({ verb: 'patch', ...apps, name: 'web', body: { spec: { replicas: '5' } }, query: { patchType: 'merge' } });
    expect(merge.code).toBe(422);
    expect((merge.body as Status).message).toMatch(/^ "" is invalid: patch: Invalid value: "\{.*\\"replicas\\":\\"5\\".*\}": json: cannot unmarshal string into Go struct field DeploymentSpec\.spec\.replicas of type int32$/);
    expect((merge.body as Status).details?.causes?.[0]?.field).toBe('patch');
    const json = cp.client.request({ verb: 'patch', ...apps, name: 'web', body: [{ op: 'replace', path: '/spec/replicas', value: '5' }], query: { patchType: 'json' } });
    expect(json.code).toBe(422);
    expect((json.body as Status).message).toContain(TYPE_ERROR);
    unchanged();
  });

  it('strategic merge patch: 422 with the patch as Go prints it and the unstructured converter’s error', () => {
    const { cp, unchanged } = setup();
    const r = cp.client.request({ verb: 'patch', ...apps, name: 'web', body: { spec: { replicas: '5' } }, query: { patchType: 'strategic' } });
    expect(r.code).toBe(422);
    expect((r.body as Status).message).toBe(' "" is invalid: patch: Invalid value: "map[spec:map[replicas:5]]": unrecognized type: int32');
    unchanged();
  });

  it('server-side apply: structured-merge-diff refuses the configuration', () => {
    const { cp, unchanged } = setup();
    const r = cp.client.request({ verb: 'patch', ...apps, name: 'web', body: deployment('5'), query: { patchType: 'apply', fieldManager: 'me', force: true } });
    expect(r.code).toBe(500);
    expect((r.body as Status).message).toBe('failed to create typed patch object (apps/v1, Kind=Deployment; default/web): .spec.replicas: expected numeric (int or float), got string');
    unchanged();
  });

  it('the scale subresource decodes a Scale', () => {
    const { cp, unchanged } = setup();
    const put = cp.client.request({ verb: 'update', ...apps, name: 'web', subresource: 'scale', body: { apiVersion: 'autoscaling/v1', kind: 'Scale', metadata: { name: 'web' }, spec: { replicas: '5' } } });
    expect(put.code).toBe(400);
    expect((put.body as Status).message).toBe('Scale in version "v1" cannot be handled as a Scale: json: cannot unmarshal string into Go struct field ScaleSpec.spec.replicas of type int32');
    const patch = cp.client.request({ verb: 'patch', ...apps, name: 'web', subresource: 'scale', body: { spec: { replicas: '5' } }, query: { patchType: 'merge' } });
    expect(patch.code).toBe(422);
    expect((patch.body as Status).message).toContain('Go struct field ScaleSpec.spec.replicas of type int32');
    unchanged();
  });

  it('null still means "not set" and is defaulted', () => {
    const { cp } = setup();
    const r = cp.client.request({ verb: 'patch', ...apps, name: 'web', body: { spec: { replicas: null } }, query: { patchType: 'merge' } });
    expect(r.code).toBe(200);
    expect((r.body as { spec: { replicas: number } }).spec.replicas).toBe(1);
  });
});
