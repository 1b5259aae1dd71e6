import { describe, expect, it } from 'vitest';
import type { ClusterRole, Pod, ReplicaSet } from '../../../src/api/types.js';
import { comparePodsForDeletion, Expectations, getPodsToDelete } from '../../../machines/controllers/replicaset.js';
import { activePods, FakeKubelet, miniCluster, object, ready, runtime, template } from './harness.js';

function replicaSet(name: string, replicas: number, labels = { app: name }): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: labels }, template: template(labels) },
  };
}

function podCreates(cluster: ReturnType<typeof miniCluster>): number {
  return cluster.kernel.trace.since(0).filter((e) => e.from === 'controller-manager/replicaset' && e.type === 'api.request' && e.summary.startsWith('create pods')).length;
}

describe('ReplicaSet controller', () => {
  it('creates pods from the template with a controller reference and reports status', () => {
    const c = miniCluster(['replicaset']);
    const kubelet = new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 500 });
    const rs = c.client.create(replicaSet('web', 3));
    c.runUntil(() => activePods(c).length === 3, { timeout: 10_000 });
    const pods = activePods(c);
    expect(pods).toHaveLength(3);
    for (const p of pods) {
      expect(p.metadata!.name).toMatch(/^web-[a-z0-9]{5}$/);
      expect(p.metadata!.generateName).toBe('web-');
      expect(p.metadata!.labels).toEqual({ app: 'web' });
      expect(p.metadata!.ownerReferences).toEqual([
        { apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'web', uid: rs.metadata!.uid, controller: true, blockOwnerDeletion: true },
      ]);
      expect(p.spec!.containers[0]!.image).toBe('nginx:1.27');
    }
    c.advance(2_000);
    expect(kubelet.readied).toHaveLength(3);
    const status = object<ReplicaSet>(c, 'replicasets', 'web')!.status!;
    expect(status).toEqual({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3, observedGeneration: 1 });
    // never more creates than needed: expectations hold while the creates are in flight
    expect(podCreates(c)).toBe(3);
    expect(c.kernel.errors).toEqual([]);
  });

  it('scales up and down through the scale subresource, deleting not-ready pods first', () => {
    const c = miniCluster(['replicaset']);
    let freeze = false; // pods seen from now on never become ready
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 200, skip: () => freeze });
    c.client.create(replicaSet('web', 2));
    c.advance(2_000);
    const first = activePods(c);
    expect(first.filter(ready)).toHaveLength(2);
    freeze = true;
    c.client.scale('replicasets', 'web', 4);
    c.advance(2_000);
    expect(activePods(c)).toHaveLength(4);
    expect(activePods(c).filter(ready).map((p) => p.metadata!.name).sort()).toEqual(first.map((p) => p.metadata!.name).sort());
    const scaled = object<ReplicaSet>(c, 'replicasets', 'web')!;
    expect(scaled.status).toEqual({ replicas: 4, fullyLabeledReplicas: 4, readyReplicas: 2, availableReplicas: 2, observedGeneration: scaled.metadata!.generation });
    // down to 2: the two pods that are not ready go
    c.client.scale('replicasets', 'web', 2);
    c.advance(2_000);
    const left = activePods(c);
    expect(left.map((p) => p.metadata!.name).sort()).toEqual(first.map((p) => p.metadata!.name).sort());
    expect(left.every(ready)).toBe(true);
    // and to 0
    c.client.scale('replicasets', 'web', 0);
    c.advance(2_000);
    expect(activePods(c)).toHaveLength(0);
    const zero = object<ReplicaSet>(c, 'replicasets', 'web')!;
    expect(zero.status).toEqual({ replicas: 0, observedGeneration: zero.metadata!.generation });
  });

  it('replaces a deleted pod and a Failed pod', () => {
    const c = miniCluster(['replicaset']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100 });
    c.client.create(replicaSet('web', 3));
    c.advance(2_000);
    const [first, second] = activePods(c);
    c.client.delete('pods', first!.metadata!.name!);
    c.advance(2_000);
    let pods = activePods(c);
    expect(pods).toHaveLength(3);
    expect(pods.map((p) => p.metadata!.name)).not.toContain(first!.metadata!.name);
    // a pod that fails is not active: it is replaced, and left for the pod GC
    c.client.patch('pods', second!.metadata!.name!, { status: { phase: 'Failed', conditions: [{ type: 'Ready', status: 'False' }] } }, { subresource: 'status', type: 'merge' });
    c.advance(2_000);
    pods = activePods(c);
    expect(pods).toHaveLength(3);
    expect(pods.map((p) => p.metadata!.name)).not.toContain(second!.metadata!.name);
    expect(object<Pod>(c, 'pods', second!.metadata!.name!)?.status?.phase).toBe('Failed');
    expect(podCreates(c)).toBe(5);
    expect(object<ReplicaSet>(c, 'replicasets', 'web')!.status).toMatchObject({ replicas: 3, readyReplicas: 3 });
  });

  it('adopts matching orphans and releases pods whose labels stop matching', () => {
    const c = miniCluster(['replicaset']);
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'stray', labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } as Pod);
    const rs = c.client.create(replicaSet('web', 2));
    c.advance(2_000);
    const pods = activePods(c);
    expect(pods).toHaveLength(2);
    expect(pods.map((p) => p.metadata!.name)).toContain('stray');
    expect(object<Pod>(c, 'pods', 'stray')!.metadata!.ownerReferences?.[0]?.uid).toBe(rs.metadata!.uid);
    // relabel it: released, and replaced
    c.client.patch('pods', 'stray', { metadata: { labels: { app: 'other' } } }, { type: 'merge' });
    c.advance(2_000);
    expect(object<Pod>(c, 'pods', 'stray')!.metadata!.ownerReferences).toBeUndefined();
    expect(activePods(c).filter((p) => p.metadata!.labels!.app === 'web')).toHaveLength(2);
  });

  it('reports FailedCreate while creates are refused, retries with growing back-off, and recovers', () => {
    const c = miniCluster(['replicaset']);
    // the controller's ServiceAccount loses the right to create pods (everything else of its role stays)
    const role = object<ClusterRole>(c, 'clusterroles', 'system:controller:replicaset-controller')!;
    c.client.delete('clusterrolebindings', 'system:controller:replicaset-controller');
    c.client.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRole',
      metadata: { name: 'rs-no-pod-create' },
      rules: role.rules!.map((r) => (r.resources?.includes('pods') ? { ...r, verbs: r.verbs.filter((v) => v !== 'create') } : r)),
    } as never);
    c.client.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'rs-no-pod-create' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'rs-no-pod-create' },
      subjects: [{ kind: 'ServiceAccount', name: 'replicaset-controller', namespace: 'kube-system' }],
    } as never);
    c.advance(100);
    c.client.create(replicaSet('web', 2));
    const start = c.now();
    c.advance(3_000);
    const failure = (object<ReplicaSet>(c, 'replicasets', 'web')!.status!.conditions ?? []).find((x) => x.type === 'ReplicaFailure');
    expect(failure).toMatchObject({ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' });
    expect(failure!.message).toContain('forbidden');
    const attempts = c.kernel.trace
      .since(0)
      .filter((e) => e.from === 'controller-manager/replicaset' && e.summary.startsWith('create pods') && e.time >= start)
      .map((e) => e.time);
    // slow start stops at the first failed batch of one: one create per attempt
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]!);
    expect(attempts.length).toBeGreaterThanOrEqual(6);
    expect(attempts.length).toBeLessThanOrEqual(14);
    for (let i = 3; i < gaps.length; i++) {
      expect(gaps[i]! / gaps[i - 1]!).toBeGreaterThan(1.6);
      expect(gaps[i]! / gaps[i - 1]!).toBeLessThan(2.4);
    }
    expect(Math.max(...gaps)).toBeGreaterThan(500);
    expect(activePods(c)).toHaveLength(0);
    // the right comes back; the next retry succeeds and the condition goes
    c.client.create({
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'ClusterRoleBinding',
      metadata: { name: 'system:controller:replicaset-controller' },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'system:controller:replicaset-controller' },
      subjects: [{ kind: 'ServiceAccount', name: 'replicaset-controller', namespace: 'kube-system' }],
    } as never);
    c.advance(10_000);
    expect(activePods(c)).toHaveLength(2);
    expect(object<ReplicaSet>(c, 'replicasets', 'web')!.status!.conditions).toBeUndefined();
    expect(runtime(c, 'replicaset').queue.numRequeues('default/web')).toBe(0);
  });
});

describe('ReplicaSet controller: choosing pods to delete', () => {
  const now = 1_000_000;
  const timeOf = (ts: string) => Date.parse(ts) - Date.UTC(2026, 0, 1);
  const ts = (ms: number) => new Date(Date.UTC(2026, 0, 1) + ms).toISOString();
  const pod = (name: string, o: { node?: string; phase?: string; ready?: boolean; created?: number; readySince?: number; restarts?: number; cost?: number }): Pod =>
    ({
      metadata: {
        name,
        uid: name,
        creationTimestamp: ts(o.created ?? 0),
        ...(o.cost !== undefined ? { annotations: { 'controller.kubernetes.io/pod-deletion-cost': String(o.cost) } } : {}),
      },
      spec: { nodeName: o.node, containers: [] },
      status: {
        phase: o.phase ?? 'Running',
        conditions: [{ type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: ts(o.readySince ?? 0) }],
        containerStatuses: [{ name: 'c', restartCount: o.restarts ?? 0 } as never],
      },
    }) as unknown as Pod;

  it('orders unscheduled < pending < not ready < lower cost < doubled up < newer', () => {
    const pods = [
      pod('running-old', { node: 'n1', created: 0 }),
      pod('unscheduled', { phase: 'Pending', created: 0 }),
      pod('pending', { node: 'n2', phase: 'Pending', ready: false }),
      pod('not-ready', { node: 'n3', ready: false }),
      pod('cheap', { node: 'n4', cost: -5 }),
      pod('crashy', { node: 'n5', restarts: 7 }),
    ];
    const order = getPodsToDelete(pods, pods, 5, now, timeOf).map((p) => p.metadata!.name);
    expect(order).toEqual(['unscheduled', 'pending', 'not-ready', 'cheap', 'crashy']);
  });

  it('prefers pods doubled up on a node, then recently ready ones, then newer ones', () => {
    const a = pod('a', { node: 'n1', readySince: 100, created: 10 });
    const b = pod('b', { node: 'n1', readySince: 100, created: 10 });
    const c = pod('c', { node: 'n2', readySince: 100, created: 10 });
    expect(getPodsToDelete([c, a, b], [a, b, c], 1, now, timeOf)[0]!.metadata!.name).not.toBe('c');
    // ready for a shorter time (log scale: 2^k buckets) comes first
    const young = pod('young', { node: 'x', readySince: now - 1_000, created: 0 });
    const old = pod('old', { node: 'y', readySince: 0, created: 0 });
    expect(comparePodsForDeletion(young, old, 0, 0, now, timeOf)).toBeLessThan(0);
    expect(comparePodsForDeletion(old, young, 0, 0, now, timeOf)).toBeGreaterThan(0);
    // deleting every pod needs no ranking
    expect(getPodsToDelete([a, b], [a, b], 5, now, timeOf)).toHaveLength(2);
  });

  it('expectations are satisfied once every create and delete is observed, or after 5 minutes', () => {
    const e = new Expectations();
    e.expectCreations('ns/rs', 2, 0);
    expect(e.satisfied('ns/rs', 1)).toBe(false);
    e.creationObserved('ns/rs');
    e.creationObserved('ns/rs');
    expect(e.satisfied('ns/rs', 2)).toBe(true);
    e.expectDeletions('ns/rs', ['ns/a', 'ns/b'], 10);
    e.deletionObserved('ns/rs', 'ns/a');
    e.deletionObserved('ns/rs', 'ns/zzz');
    expect(e.satisfied('ns/rs', 11)).toBe(false);
    expect(e.satisfied('ns/rs', 10 + 5 * 60_000 + 1)).toBe(true);
    e.deletionObserved('ns/rs', 'ns/b');
    expect(e.satisfied('ns/rs', 12)).toBe(true);
  });
});

