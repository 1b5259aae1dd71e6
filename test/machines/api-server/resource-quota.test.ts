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

  it('charges a Service\'s type change on update; the controller recalculates after it and gives a load balancer back', () => {
    const c = createCluster({ nodes: 0, seed: 3 });
    c.advance(1_000);
    quota(c, 'q', { 'services.nodeports': '2', 'services.loadbalancers': '1' });
    const svc = (name: string) => ({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ports: [{ name: 'a', port: 80 }, { name: 'b', port: 81 }], selector: { app: name } } }) as KubeObject;
    c.client.create(svc('one'));
    c.client.create(svc('two'));
    c.advance(1_000);
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ 'services.loadbalancers': '0', 'services.nodeports': '0' });
    c.client.patch('services', 'one', { spec: { type: 'NodePort' } });
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ 'services.loadbalancers': '0', 'services.nodeports': '2' });
    expect(refusal(() => c.client.patch('services', 'two', { spec: { type: 'NodePort' } }))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'services "two" is forbidden: exceeded quota: q, requested: services.nodeports=2, used: services.nodeports=2, limited: services.nodeports=2',
      details: { name: 'two', kind: 'services' },
    });
    // the refused update allocated no node port and left the Service as it was
    expect(c.object<Obj>('services', 'two')!.spec.type).toBe('ClusterIP');
    expect(c.object<Obj>('services', 'two')!.spec.ports.map((p: Obj) => p.nodePort)).toEqual([undefined, undefined]);
    // NodePort → LoadBalancer: no new node ports, one load balancer
    c.client.patch('services', 'one', { spec: { type: 'LoadBalancer' } });
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ 'services.loadbalancers': '1', 'services.nodeports': '2' });
    // back to ClusterIP: the admission step charges nothing (never below zero), the recalculation frees both
    c.client.patch('services', 'one', { spec: { type: 'ClusterIP', externalTrafficPolicy: null, ports: [{ name: 'a', port: 80, nodePort: null }, { name: 'b', port: 81, nodePort: null }] } });
    c.advance(1_000);
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ 'services.loadbalancers': '0', 'services.nodeports': '0' });
    c.client.patch('services', 'two', { spec: { type: 'NodePort' } });
    expect(c.object<Obj>('resourcequotas', 'q')!.status.used).toEqual({ 'services.loadbalancers': '0', 'services.nodeports': '2' });
    c.stop();
  });
});
