import { describe, expect, it } from 'vitest';
import type { ConfigMap, Namespace, Pod } from '../../../src/api/types.js';
import type { Cluster } from '../../../src/cluster/create-cluster.js';
import { namespacedResources } from '../../../machines/controllers/namespace.js';
import { bind, createNode, FakeKubelet, miniCluster, object, objects, template } from './harness.js';

function keysIn(c: Cluster, ns: string): string[] {
  return c.store
    .all()
    .map((kv) => kv.key)
    .filter((k) => k.split('/').includes(ns));
}

function populate(c: Cluster, ns: string): void {
  c.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: ns } } as Namespace);
  c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: ns }, data: { a: '1' } } as ConfigMap);
  c.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'token', namespace: ns }, stringData: { t: 'x' } } as never);
  c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web', namespace: ns }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } } as never);
  c.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: ns } } as never);
  c.client.create({ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: 'leader', namespace: ns }, spec: { holderIdentity: 'me' } } as never);
  c.client.create({
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'Role',
    metadata: { name: 'reader', namespace: ns },
    rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }],
  } as never);
  c.client.create({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: 'web', namespace: ns },
    spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }) },
  } as never);
}

describe('namespace controller', () => {
  it('deletes everything in a terminating namespace, waits for graceful pods, then finalizes it', () => {
    // the ServiceAccount controller gives the new namespace the default account its pods need
    const c = miniCluster(['namespace', 'replicaset', 'serviceaccount']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100, terminateAfterMs: 5_000 });
    createNode(c, 'n1');
    populate(c, 'shop');
    c.advance(1_000);
    const pods = objects<Pod>(c, 'pods', 'shop');
    expect(pods).toHaveLength(2);
    for (const p of pods) bind(c, p, 'n1'); // bound pods are deleted gracefully
    c.advance(1_000);
    expect(keysIn(c, 'shop').length).toBeGreaterThan(8);

    c.client.delete('namespaces', 'shop');
    let ns = object<Namespace>(c, 'namespaces', 'shop', undefined)!;
    expect(ns.status!.phase).toBe('Terminating');
    expect(ns.spec!.finalizers).toEqual(['kubernetes']);
    // the first pass: everything is deleted but the pods, which terminate gracefully
    c.advance(2_000);
    ns = object<Namespace>(c, 'namespaces', 'shop', undefined)!;
    expect(ns).toBeDefined();
    const left = objects(c, 'pods', 'shop');
    expect(left.length).toBe(2);
    expect(left.every((p) => p.metadata!.deletionTimestamp)).toBe(true);
    expect(objects(c, 'configmaps', 'shop')).toHaveLength(0);
    expect(objects(c, 'replicasets', 'shop')).toHaveLength(0);
    const remaining = ns.status!.conditions!.find((x) => x.type === 'NamespaceContentRemaining')!;
    expect(remaining).toMatchObject({ status: 'True', reason: 'SomeResourcesRemain', message: 'Some resources are remaining: pods. has 2 resource instances' });
    expect(ns.status!.conditions!.find((x) => x.type === 'NamespaceDeletionDiscoveryFailure')).toMatchObject({ status: 'False', reason: 'ResourcesDiscovered' });
    // the kubelet finishes the pods after 5 s; the controller looks again after 30/2+1 = 16 s
    c.advance(10_000);
    expect(object(c, 'namespaces', 'shop', undefined)).toBeDefined();
    c.advance(10_000);
    expect(object(c, 'namespaces', 'shop', undefined)).toBeUndefined();
    expect(keysIn(c, 'shop')).toEqual([]);
    // other namespaces are untouched
    expect(object(c, 'namespaces', 'default', undefined)).toBeDefined();
    expect(objects(c, 'services', 'default').map((s) => s.metadata!.name)).toEqual(['kubernetes']);
    expect(c.kernel.errors).toEqual([]);
  });

  it('waits for objects held by finalizers and reports them', () => {
    const c = miniCluster(['namespace']);
    c.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'held' } } as Namespace);
    c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'keep', namespace: 'held', finalizers: ['example.com/hold'] } } as ConfigMap);
    c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'plain', namespace: 'held' } } as ConfigMap);
    c.client.delete('namespaces', 'held');
    c.advance(5_000);
    const ns = object<Namespace>(c, 'namespaces', 'held', undefined)!;
    expect(ns).toBeDefined();
    expect(objects(c, 'configmaps', 'held').map((x) => x.metadata!.name)).toEqual(['keep']);
    expect(ns.status!.conditions!.find((x) => x.type === 'NamespaceFinalizersRemaining')).toMatchObject({
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: 'Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances',
    });
    // the owner of the finalizer lets go
    const keep = object<ConfigMap>(c, 'configmaps', 'keep', 'held')!;
    delete keep.metadata!.finalizers;
    c.client.update(keep);
    c.advance(20_000);
    expect(object(c, 'namespaces', 'held', undefined)).toBeUndefined();
    expect(keysIn(c, 'held')).toEqual([]);
  });

  it('covers every namespaced resource of the registry', () => {
    const names = namespacedResources().map((r) => r.plural);
    for (const r of ['pods', 'services', 'endpoints', 'events', 'configmaps', 'secrets', 'serviceaccounts', 'deployments', 'replicasets', 'leases', 'roles', 'rolebindings']) {
      expect(names).toContain(r);
    }
    expect(names).not.toContain('nodes');
    expect(names).not.toContain('namespaces');
  });
});
