import { describe, expect, it } from 'vitest';
import type { ConfigMap, Deployment, KubeObject, OwnerReference } from '../../../src/api/types.js';
import type { Cluster } from '../../../src/cluster/create-cluster.js';
import { FakeKubelet, bind, createNode, miniCluster, object, objects, template } from './harness.js';

function cm(c: Cluster, name: string, owners: KubeObject[] = [], extra: Record<string, unknown> = {}, block = true): ConfigMap {
  const ownerReferences: OwnerReference[] = owners.map((o) => ({
    apiVersion: o.apiVersion ?? 'v1',
    kind: o.kind ?? 'ConfigMap',
    name: o.metadata!.name!,
    uid: o.metadata!.uid!,
    ...(block ? { blockOwnerDeletion: true } : {}),
  }));
  return c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, ...(ownerReferences.length ? { ownerReferences } : {}), ...extra } } as ConfigMap);
}

const names = (c: Cluster, resource = 'configmaps') => objects(c, resource).map((o) => o.metadata!.name).filter((n) => n !== 'kube-root-ca.crt').sort();

describe('garbage collector', () => {
  it('background: deleting an owner removes its dependents (of any kind)', () => {
    const c = miniCluster(['garbage-collector']);
    const parent = cm(c, 'parent');
    cm(c, 'child-1', [parent]);
    cm(c, 'child-2', [parent]);
    const grandchild = cm(c, 'grandchild', [object(c, 'configmaps', 'child-1')!]);
    c.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'child-3', ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'parent', uid: parent.metadata!.uid! }] } } as never);
    cm(c, 'bystander');
    c.advance(1_000);
    expect(names(c)).toEqual(['bystander', 'child-1', 'child-2', 'grandchild', 'parent']);
    c.client.delete('configmaps', 'parent', { propagationPolicy: 'Background' });
    c.advance(2_000);
    expect(names(c)).toEqual(['bystander']);
    expect(objects(c, 'secrets')).toHaveLength(0);
    expect(grandchild.metadata!.uid).toBeDefined();
    expect(c.kernel.errors).toEqual([]);
  });

  it('foreground: the owner waits until its blocking dependents are gone', () => {
    const c = miniCluster(['garbage-collector']);
    const parent = cm(c, 'parent');
    cm(c, 'held', [parent], { finalizers: ['example.com/hold'] });
    cm(c, 'free', [parent]);
    c.advance(1_000);
    c.client.delete('configmaps', 'parent', { propagationPolicy: 'Foreground' });
    c.advance(2_000);
    const p = object<ConfigMap>(c, 'configmaps', 'parent')!;
    expect(p.metadata!.deletionTimestamp).toBeDefined();
    expect(p.metadata!.finalizers).toEqual(['foregroundDeletion']);
    expect(object(c, 'configmaps', 'free')).toBeUndefined();
    const held = object<ConfigMap>(c, 'configmaps', 'held')!;
    expect(held.metadata!.deletionTimestamp).toBeDefined();
    // the last blocking dependent goes: so does the owner
    delete held.metadata!.finalizers;
    c.client.update(held);
    c.advance(2_000);
    expect(names(c)).toEqual([]);
  });

  it('orphan: dependents lose the reference and stay', () => {
    const c = miniCluster(['garbage-collector']);
    const parent = cm(c, 'parent');
    const other = cm(c, 'other');
    cm(c, 'child', [parent, other]);
    cm(c, 'only-child', [parent]);
    c.advance(1_000);
    c.client.delete('configmaps', 'parent', { propagationPolicy: 'Orphan' });
    c.advance(2_000);
    expect(names(c)).toEqual(['child', 'only-child', 'other']);
    expect(object<ConfigMap>(c, 'configmaps', 'only-child')!.metadata!.ownerReferences).toBeUndefined();
    expect(object<ConfigMap>(c, 'configmaps', 'child')!.metadata!.ownerReferences!.map((r) => r.name)).toEqual(['other']);
  });

  it('keeps a dependent with a live owner, dropping the reference to the deleted one; collects dangling references', () => {
    const c = miniCluster(['garbage-collector']);
    const a = cm(c, 'a');
    const b = cm(c, 'b');
    cm(c, 'shared', [a, b]);
    // a reference to an owner that never existed: the collector checks with the API server, then collects
    cm(c, 'dangling', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ghost', uid: '00000000-0000-0000-0000-000000000000' } }]);
    // a reference to an owner of the same name but another uid (a re-created object)
    const oldUid = a.metadata!.uid!;
    c.advance(1_000);
    expect(object(c, 'configmaps', 'dangling')).toBeUndefined();
    const gets = c.kernel.trace.since(0).filter((e) => e.from === 'controller-manager/garbage-collector' && e.summary === 'get configmaps default/ghost');
    expect(gets).toHaveLength(1);
    c.client.delete('configmaps', 'a');
    c.advance(1_000);
    expect(object<ConfigMap>(c, 'configmaps', 'shared')!.metadata!.ownerReferences!.map((r) => r.uid)).toEqual([b.metadata!.uid]);
    cm(c, 'a'); // same name, new uid
    cm(c, 'stale', [{ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'a', uid: oldUid } }]);
    c.advance(1_000);
    expect(object(c, 'configmaps', 'stale')).toBeUndefined();
    expect(names(c)).toEqual(['a', 'b', 'shared']);
  });

  it('cascades through a Deployment: ReplicaSets and pods, in the background and in the foreground', () => {
    const c = miniCluster(['garbage-collector', 'deployment', 'replicaset']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100, terminateAfterMs: 3_000 });
    createNode(c, 'n1');
    const mk = (name: string) =>
      c.client.create({
        apiVersion: 'apps/v1',
        kind: 'Deployment',
        metadata: { name },
        spec: { replicas: 2, selector: { matchLabels: { app: name } }, template: template({ app: name }) },
      } as Deployment);
    mk('bg');
    mk('fg');
    c.advance(2_000);
    for (const p of objects(c, 'pods')) bind(c, p as never, 'n1');
    c.advance(1_000);
    expect(objects(c, 'replicasets')).toHaveLength(2);
    expect(objects(c, 'pods')).toHaveLength(4);
    c.client.delete('deployments', 'bg', { propagationPolicy: 'Background' });
    c.advance(1_000);
    expect(object(c, 'deployments', 'bg')).toBeUndefined();
    expect(objects(c, 'replicasets').map((r) => r.metadata!.name!.split('-')[0])).toEqual(['fg']);
    c.advance(5_000);
    expect(objects(c, 'pods').every((p) => p.metadata!.name!.startsWith('fg-'))).toBe(true);

    c.client.delete('deployments', 'fg', { propagationPolicy: 'Foreground' });
    c.advance(1_000);
    // the pods terminate gracefully (3 s): the ReplicaSet and the Deployment wait for them
    const d = object<Deployment>(c, 'deployments', 'fg')!;
    expect(d.metadata!.finalizers).toEqual(['foregroundDeletion']);
    expect(objects(c, 'replicasets')[0]!.metadata!.finalizers).toEqual(['foregroundDeletion']);
    expect(objects(c, 'pods').every((p) => p.metadata!.deletionTimestamp)).toBe(true);
    c.advance(5_000);
    expect(objects(c, 'pods')).toHaveLength(0);
    expect(objects(c, 'replicasets')).toHaveLength(0);
    expect(object(c, 'deployments', 'fg')).toBeUndefined();
  });
});
