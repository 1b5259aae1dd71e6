import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/types.js';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';

type Obj = KubeObject & Record<string, any>;

const pod = (name: string, resources?: Obj): KubeObject =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', ...(resources ? { resources } : {}) }] } }) as KubeObject;

function quota(c: Cluster, name: string, hard: Record<string, string>): void {
  c.client.create({ apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name }, spec: { hard } } as KubeObject);
}

describe('the resourcequota controller', () => {
  it('computes status.hard and status.used, and gives usage back when pods finish or go away', () => {
    const c = createCluster({ nodes: 1, seed: 4 });
    c.advance(2_000);
    c.client.create(pod('before', { requests: { cpu: '250m', memory: '64Mi' }, limits: { cpu: '500m', memory: '64Mi' } }));
    quota(c, 'compute', { pods: '4', 'requests.cpu': '1', 'limits.memory': '1Gi' });
    c.advance(1_000);
    expect(c.object<Obj>('resourcequotas', 'compute')!.status).toEqual({
      hard: { 'limits.memory': '1Gi', pods: '4', 'requests.cpu': '1' },
      used: { 'limits.memory': '64Mi', pods: '1', 'requests.cpu': '250m' },
    });
    c.client.create({ ...pod('job', { requests: { cpu: '500m' }, limits: { memory: '128Mi' } }), spec: { restartPolicy: 'Never', containers: [{ name: 'app', image: 'busybox', command: ['true'], resources: { requests: { cpu: '500m' }, limits: { memory: '128Mi' } } }] } } as KubeObject);
    expect(c.object<Obj>('resourcequotas', 'compute')!.status.used).toEqual({ 'limits.memory': '192Mi', pods: '2', 'requests.cpu': '750m' });
    // the pod completes: no longer counted
    c.runUntil(() => c.object<Obj>('pods', 'job')?.status?.phase === 'Succeeded', { timeout: 60_000 });
    c.advance(1_000);
    expect(c.object<Obj>('resourcequotas', 'compute')!.status.used).toEqual({ 'limits.memory': '64Mi', pods: '1', 'requests.cpu': '250m' });
    // raising the hard limits recalculates at once
    const q = c.object<Obj>('resourcequotas', 'compute')!;
    c.client.update({ ...q, spec: { hard: { ...q.spec.hard, pods: '10' } } } as KubeObject);
    c.advance(1_000);
    expect(c.object<Obj>('resourcequotas', 'compute')!.status.hard.pods).toBe('10');
    c.client.delete('pods', 'before');
    c.runUntil(() => c.object('pods', 'before') === undefined, { timeout: 60_000 });
    c.advance(1_000);
    expect(c.object<Obj>('resourcequotas', 'compute')!.status.used).toEqual({ 'limits.memory': '0', pods: '0', 'requests.cpu': '0' });
    c.stop();
  });

  it('holds a burst of creates exactly at the limit: concurrent charges retry on the quota\'s resourceVersion', () => {
    const c = createCluster({ nodes: 2, seed: 6 });
    c.advance(2_000);
    quota(c, 'q', { pods: '3' });
    c.advance(1_000);
    c.client.create({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web' },
      spec: { replicas: 6, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
    } as KubeObject);
    c.advance(10_000);
    expect(c.count('pods')).toBe(3);
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ pods: '3' });
    const failed = c.objects<Obj>('events').filter((e) => e.reason === 'FailedCreate');
    expect(failed.length).toBeGreaterThan(0);
    expect(failed[0]).toMatchObject({ type: 'Warning', involvedObject: { kind: 'ReplicaSet', name: 'web' }, source: { component: 'replicaset-controller' } });
    expect(failed[0]!.message).toMatch(/^Error creating: pods "web-[a-z0-9]{5}" is forbidden: exceeded quota: q, requested: pods=1, used: pods=3, limited: pods=3$/);
    expect(c.object<Obj>('replicasets', 'web')!.status.conditions).toEqual([expect.objectContaining({ type: 'ReplicaFailure', reason: 'FailedCreate' })]);
    c.stop();
  });
});
