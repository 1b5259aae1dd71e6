import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/types.js';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';
import { StatusError } from '../../../src/api/status.js';

type Obj = KubeObject & Record<string, any>;

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    if (error instanceof StatusError) return error.status;
    throw error;
  }
  return undefined;
}

const pod = (name: string, resources?: Obj): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', ...(resources ? { resources } : {}) }] } }) as KubeObject;

function quota(c: Cluster, name: string, hard: Record<string, string>): void {
  c.client.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard } } as KubeObject);
}

describe('ResourceQuota admission in the API server', () => {
  it('reads status.hard: admits while the controller has not filled it, refuses while the usage is unknown, then charges each create to status.used', () => {
    // no controllers: the quota's status stays as the tests write it
    const c = createCluster({ nodes: 0, seed: 2, controllerManager: { enabled: ['-*'] } });
    c.advance(1_000);
    quota(c, 'q', { pods: '2', 'count/configmaps': '1' });
    expect(c.object<Obj>('resourcequotas', 'q')!.status).toEqual({});
    // the plugin enforces status.hard, which only the controller sets
    c.client.create(pod('early'));
    let q = c.object<Obj>('resourcequotas', 'q')!;
    c.client.update({ ...q, status: { hard: { pods: '2', 'count/configmaps': '1' }, used: { 'count/configmaps': '0' } } } as KubeObject, { subresource: 'status' });
    expect(refusal(() => c.client.create(pod('a')))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'pods "a" is forbidden: status unknown for quota: q, resources: pods',
    });
    q = c.object<Obj>('resourcequotas', 'q')!;
    c.client.update({ ...q, status: { ...q.status, used: { pods: '1', 'count/configmaps': '0' } } } as KubeObject, { subresource: 'status' });
    c.client.create(pod('a'));
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ pods: '2', 'count/configmaps': '0' });
    expect(refusal(() => c.client.create(pod('b')))).toMatchObject({
      code: 403,
      message: 'pods "b" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2',
      details: { name: 'b', kind: 'pods' },
    });
    c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'one' } } as KubeObject);
    expect(refusal(() => c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'two' } } as KubeObject))).toMatchObject({
      message: 'configmaps "two" is forbidden: exceeded quota: q, requested: count/configmaps=1, used: count/configmaps=1, limited: count/configmaps=1',
    });
    // events are never counted, other kinds not limited pass
    c.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's' } } as KubeObject);
    c.stop();
  });

  it('charges nothing on a dry run', () => {
    const c = createCluster({ nodes: 0, seed: 2 });
    c.advance(1_000);
    quota(c, 'q', { pods: '1' });
    c.advance(1_000);
    c.client.create(pod('dry'), { dryRun: 'All' } as never);
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ pods: '0' });
    c.stop();
  });
});
