import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
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

describe('LimitRanger admission in the API server', () => {
  it('defaults containers from the namespace\'s LimitRange before the QoS class and quota are computed, and refuses pods out of range', () => {
    const c = createCluster({ nodes: 0, seed: 3 });
    c.advance(2_000);
    c.client.create({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'cpu' }, spec: { limits: [{ type: 'Container', max: { cpu: '1' }, defaultRequest: { cpu: '250m' } }] } } as KubeObject);
    c.client.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q' }, spec: { hard: { 'requests.cpu': '1', 'limits.cpu': '2' } } } as KubeObject);
    c.advance(1_000);
    // the stored LimitRange carries its defaults
    expect(c.object<Obj>('limitranges', 'cpu')!.spec.limits[0]).toEqual({ type: 'Container', max: { cpu: '1' }, default: { cpu: '1' }, defaultRequest: { cpu: '250m' } });
    // a bare pod passes the quota's "must specify" because the LimitRanger filled it in first
    const made = c.client.create<Obj>(pod('bare') as Obj);
    expect(made.spec.containers[0].resources).toEqual({ limits: { cpu: '1' }, requests: { cpu: '250m' } });
    expect(made.metadata!.annotations!['kubernetes.io/limit-ranger']).toBe('LimitRanger plugin set: cpu request for container app; cpu limit for container app');
    expect(made.status.qosClass).toBe('Burstable');
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ 'limits.cpu': '1', 'requests.cpu': '250m' });
    expect(refusal(() => c.client.create(pod('big', { limits: { cpu: '2' } })))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'pods "big" is forbidden: maximum cpu usage per Container is 1, but limit is 2',
    });
    // nothing was charged for the refused pod
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ 'limits.cpu': '1', 'requests.cpu': '250m' });
    // other namespaces are not limited
    c.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'free' } } as KubeObject);
    const free = c.client.create<Obj>({ ...pod('big'), metadata: { name: 'big', namespace: 'free' } } as Obj);
    expect(free.spec.containers[0].resources).toEqual({});
    c.stop();
  });

  it('refuses claims outside the PersistentVolumeClaim bounds', () => {
    const c = createCluster({ nodes: 0, seed: 3 });
    c.advance(2_000);
    c.client.create({ apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'storage' }, spec: { limits: [{ type: 'PersistentVolumeClaim', max: { storage: '10Gi' } }] } } as KubeObject);
    const claim = { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '20Gi' } } } } as KubeObject;
    expect(refusal(() => c.client.create(claim))).toMatchObject({
      code: 403,
      message: 'persistentvolumeclaims "data" is forbidden: maximum storage usage per PersistentVolumeClaim is 10Gi, but request is 20Gi',
    });
    c.stop();
  });
});
