/**
 * The acceptance tests of the controller-manager issue, each on a whole cluster (kubelets, pods,
 * containers, scheduler, controllers) through the kernel.
 */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';
import { describe, expect, it } from 'vitest';
import type { Deployment, KubeObject, Node, Pod } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';

const manifests = parseAllDocuments(readFileSync('examples/manifests/nginx-deployment.yaml', 'utf8')).map((d) => d.toJS() as KubeObject);
const deployment = manifests.find((m) => m.kind === 'Deployment') as Deployment;

const nginxPods = (c: Cluster) => c.objects<Pod>('pods').filter((p) => p.metadata?.name?.startsWith('nginx-deployment-'));
const live = (c: Cluster) => nginxPods(c).filter((p) => !p.metadata?.deletionTimestamp);
const running = (c: Cluster) => live(c).filter((p) => p.status?.phase === 'Running');
const ready = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') === true;

function cluster(seed = 1): Cluster {
  const c = createCluster({ nodes: 3, seed });
  expect(c.runUntil(() => c.objects('nodes').length === 3, { timeout: 30_000 })).toBe(true);
  return c;
}

/** Runs until `done`, checking `invariant` after every delivered message or fired timer. */
function runChecking(c: Cluster, done: () => boolean, invariant: () => void, timeout: number): boolean {
  return c.runUntil(() => {
    invariant();
    return done();
  }, { timeout });
}

describe('the nginx Deployment from the Kubernetes documentation', () => {
  it('ends with 3 Running pods spread over the nodes; scaling to 5 and back to 2 converges', () => {
    const c = cluster();
    c.client.apply(deployment);
    expect(c.runUntil(() => running(c).length === 3, { timeout: 120_000 })).toBe(true);
    expect(new Set(running(c).map((p) => p.spec?.nodeName)).size).toBe(3);
    c.client.scale('deployments', 'nginx-deployment', 5);
    expect(c.runUntil(() => running(c).length === 5 && live(c).length === 5, { timeout: 120_000 })).toBe(true);
    c.client.scale('deployments', 'nginx-deployment', 2);
    expect(c.runUntil(() => live(c).length === 2 && nginxPods(c).length === 2, { timeout: 180_000 })).toBe(true);
    const d = c.object<Deployment>('deployments', 'nginx-deployment')!;
    expect(c.runUntil(() => c.object<Deployment>('deployments', 'nginx-deployment')!.status?.availableReplicas === 2, { timeout: 60_000 })).toBe(true);
    expect(d.spec?.replicas).toBe(2);
    c.stop();
  });

  it('replaces the replica of a crashed node: NotReady after the grace period, evicted after 300 s, never above maxSurge', () => {
    const c = cluster(2);
    c.client.apply(deployment);
    expect(c.runUntil(() => running(c).length === 3, { timeout: 120_000 })).toBe(true);
    const victim = running(c)[0]!;
    const node = victim.spec!.nodeName!;
    const crashedAt = c.now();
    c.faults.crashNode(node);
    const readyOf = () => c.object<Node>('nodes', node)?.status?.conditions?.find((x) => x.type === 'Ready')?.status;
    // replicas 3, maxSurge 25% → 1: never more than 4 pods that are not being deleted
    const withinSurge = () => expect(live(c).length).toBeLessThanOrEqual(4);
    expect(runChecking(c, () => readyOf() !== 'True', withinSurge, 120_000)).toBe(true);
    const notReadyAfter = c.now() - crashedAt;
    expect(notReadyAfter).toBeGreaterThanOrEqual(40_000);
    expect(notReadyAfter).toBeLessThan(70_000);
    expect(runChecking(c, () => c.object<Pod>('pods', victim.metadata!.name!)?.metadata?.deletionTimestamp !== undefined, withinSurge, 600_000)).toBe(true);
    const evictedAfter = c.now() - crashedAt;
    expect(evictedAfter).toBeGreaterThanOrEqual(300_000);
    expect(evictedAfter).toBeLessThan(420_000);
    expect(runChecking(c, () => running(c).filter((p) => p.spec?.nodeName !== node).length === 3, withinSurge, 300_000)).toBe(true);
    expect(running(c).filter((p) => p.spec?.nodeName !== node)).toHaveLength(3);
    c.stop();
  });

  it('rolls out a new image without dropping below replicas - maxUnavailable ready pods', () => {
    const c = cluster(3);
    c.client.apply(deployment);
    expect(c.runUntil(() => live(c).filter(ready).length === 3, { timeout: 120_000 })).toBe(true);
    const updated = structuredClone(deployment);
    updated.spec!.template.spec!.containers[0]!.image = 'nginx:1.16.1';
    c.client.apply(updated);
    // maxUnavailable 25% of 3 rounds down to 0: three pods stay ready throughout
    const floor = () => expect(live(c).filter(ready).length).toBeGreaterThanOrEqual(3);
    const done = () => {
      const pods = live(c);
      return pods.length === 3 && pods.every((p) => p.spec?.containers[0]?.image === 'nginx:1.16.1' && ready(p)) && nginxPods(c).length === 3;
    };
    expect(runChecking(c, done, floor, 300_000)).toBe(true);
    c.stop();
  });
});

describe('restarts and namespaces', () => {
  it('shows a crashing container in CrashLoopBackOff with growing delays and a rising restart count', () => {
    const c = cluster(4);
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'crasher', annotations: { 'kube-actors.io/behavior': 'crash' } },
      spec: { containers: [{ name: 'app', image: 'busybox' }] },
    } as Pod);
    const restarts: { count: number; at: number }[] = [];
    let sawBackOff = false;
    c.runUntil(() => {
      const s = c.object<Pod>('pods', 'crasher')?.status?.containerStatuses?.[0];
      if (s?.state?.waiting?.reason === 'CrashLoopBackOff') sawBackOff = true;
      const count = s?.restartCount ?? 0;
      if (count > (restarts.at(-1)?.count ?? 0)) restarts.push({ count, at: c.now() });
      return restarts.length >= 5;
    }, { timeout: 30 * 60_000 });
    expect(sawBackOff).toBe(true);
    expect(restarts.map((r) => r.count)).toEqual([1, 2, 3, 4, 5]);
    const gaps = restarts.slice(1).map((r, i) => r.at - restarts[i]!.at);
    for (let i = 1; i < gaps.length; i++) expect(gaps[i]!).toBeGreaterThan(gaps[i - 1]!);
    c.stop();
  });

  it('deleting a namespace leaves nothing of it in etcd', () => {
    const c = cluster(5);
    c.client.create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team' } } as KubeObject);
    c.client.apply({ ...deployment, metadata: { ...deployment.metadata, namespace: 'team' } });
    c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings', namespace: 'team' }, data: { a: '1' } } as KubeObject);
    expect(c.runUntil(() => c.objects<Pod>('pods', 'team').filter((p) => p.status?.phase === 'Running').length === 3, { timeout: 120_000 })).toBe(true);
    c.client.delete('namespaces', 'team');
    const keys = () => c.store.all().map((kv) => kv.key).filter((k) => k.split('/').includes('team'));
    expect(c.runUntil(() => keys().length === 0, { timeout: 600_000 })).toBe(true);
    expect(c.object('namespaces', 'team')).toBeUndefined();
    c.stop();
  });

  it('the API server, the scheduler and the controller manager each restart and the cluster carries on', () => {
    const c = cluster(6);
    c.client.apply(deployment);
    expect(c.runUntil(() => running(c).length === 3, { timeout: 120_000 })).toBe(true);
    c.faults.restartApiServer();
    c.advance(2_000);
    c.client.scale('deployments', 'nginx-deployment', 4);
    expect(c.runUntil(() => running(c).length === 4, { timeout: 300_000 })).toBe(true);
    c.faults.restartScheduler();
    c.faults.restartControllerManager();
    c.advance(2_000);
    c.client.scale('deployments', 'nginx-deployment', 6);
    expect(c.runUntil(() => running(c).length === 6, { timeout: 300_000 })).toBe(true);
    expect(c.kernel.errors).toEqual([]);
    c.stop();
  });
});

describe('the scheduling queue', () => {
  it('retries an unschedulable pod when the cluster changes', () => {
    const c = createCluster({ nodes: 1, seed: 7 });
    c.runUntil(() => c.objects('nodes').length === 1, { timeout: 30_000 });
    const pod = (name: string, cpu: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'a', image: 'nginx', resources: { requests: { cpu } } }] } });
    c.client.create(pod('big', '3'));
    expect(c.runUntil(() => c.object<Pod>('pods', 'big')?.status?.phase === 'Running', { timeout: 30_000 })).toBe(true);
    c.client.create(pod('waiting', '2'));
    c.advance(20_000);
    expect(c.object<Pod>('pods', 'waiting')?.spec?.nodeName).toBeUndefined();
    c.client.delete('pods', 'big');
    expect(c.runUntil(() => c.object<Pod>('pods', 'waiting')?.status?.phase === 'Running', { timeout: 120_000 })).toBe(true);
    c.stop();
  });
});
