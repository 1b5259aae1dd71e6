import { describe, expect, it } from 'vitest';
import type { Deployment, Endpoints, Node, Pod } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';
import { BUILT_IN_CONTROLLERS, resolveControllers } from '../../machines/controller-manager.js';
import { defineController } from '../../machines/controllers/controller.js';
import { rolloutStatus } from '../../machines/controllers/deployment/util.js';
import { controllerAddress } from '../../machines/protocol.js';
import { IGNORED_RESOURCES } from '../../machines/controllers/garbage-collector.js';
import { RESOURCES } from '../../src/api/resources.js';
import { activePods, FakeKubelet, miniCluster, object, objects, ready, runtime, template } from './controllers/harness.js';

function web(replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web' },
    spec: { replicas, selector: { matchLabels: { app: 'web' } }, template: template({ app: 'web' }), strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
  };
}

/** The resources the garbage collector watches: every one it can watch and delete, but events. */
const GC_RESOURCE_COUNT = RESOURCES.filter((r) => !IGNORED_RESOURCES.has(r.plural) && r.verbs.includes('watch') && r.verbs.includes('delete')).length;

function watcherCount(c: Cluster): number {
  const core = (c.actor('api-server')!.getSnapshot() as { context: { core: { cache: { watchers: Map<string, { to: string }> } } } }).context.core;
  return [...core.cache.watchers.values()].filter((w) => w.to === 'controller-manager').length;
}

function managerState(c: Cluster): unknown {
  const value = c.actor('controller-manager')!.getSnapshot().value;
  return typeof value === 'string' ? value : Object.keys(value as object)[0];
}

function sharedInformers(c: Cluster): number {
  return (c.actor('controller-manager')!.getSnapshot() as { context: { informers: { size: number } } }).context.informers.size;
}

describe('controller manager', () => {
  it('runs every built-in controller at controller-manager/<name> on the control-plane host', () => {
    const c = createCluster({ nodes: 0 });
    c.advance(1_000);
    const names = BUILT_IN_CONTROLLERS.map((m) => m.id);
    expect(names).toEqual([
      'replicaset', 'deployment', 'namespace', 'endpoints', 'garbage-collector', 'node-lifecycle',
      'daemonset', 'statefulset', 'persistentvolume-binder', 'pvc-protection', 'pv-protection',
      'endpointslice', 'endpointslicemirroring', 'serviceaccount', 'root-ca-cert-publisher', 'replicationcontroller', 'job', 'cronjob', 'ttl-after-finished', 'disruption', 'podgc', 'horizontal-pod-autoscaler', 'resourcequota',
      'clusterrole-aggregation',
    ]);
    for (const name of names) {
      expect(c.kernel.has(controllerAddress(name))).toBe(true);
      expect(c.kernel.hostOf(controllerAddress(name))).toBe('control-plane');
      expect(runtime(c, name).synced).toBe(true);
    }
    expect(managerState(c)).toBe('running');
    expect(c.kernel.errors).toEqual([]);
  });

  it('chooses controllers as --controllers does, with kube-controller-manager names and users\' own', () => {
    const ids = (input: Parameters<typeof resolveControllers>[0]) => resolveControllers(input).map((m) => m.id);
    expect(ids({})).toEqual(BUILT_IN_CONTROLLERS.map((m) => m.id));
    expect(
      ids({
        enabled: [
          '*', '-garbagecollector', '-nodelifecycle', '-daemonset', '-statefulset-controller', '-persistentvolume-binder', '-pvc-protection', '-pv-protection',
          '-endpointslice-controller', '-endpointslice-mirroring-controller', '-serviceaccount', '-root-ca-cert-publisher', '-replicationcontroller', '-job-controller', '-cronjob-controller',
          '-ttl-after-finished-controller', '-disruption-controller', '-pod-garbage-collector-controller', '-horizontalpodautoscaling', '-resourcequota-controller',
          '-clusterrole-aggregation-controller',
        ],
      }),
    ).toEqual([
      'replicaset', 'deployment', 'namespace', 'endpoints',
    ]);
    expect(ids({ enabled: ['replicaset-controller', 'endpoint'] })).toEqual(['replicaset', 'endpoints']);
    const mine = defineController({ name: 'mine', watches: { pods: { resource: 'pods' } }, sync: () => {} });
    expect(ids({ controllers: [mine] })).toContain('mine');
    expect(ids({ controllers: [mine], enabled: ['mine'] })).toEqual(['mine']);
    expect(ids({ controllers: [mine], enabled: ['endpoints'] })).toEqual(['endpoints', 'mine']);
    expect(ids({ controllers: [mine], enabled: ['*', '-mine'] })).not.toContain('mine');
    expect(ids({ controllers: [mine, 'deployment'] })).toEqual(['deployment', 'mine']);
    expect(() => ids({ enabled: ['no-such'] })).toThrow(/unknown controller "no-such"/);
  });

  it('restarts its controllers on controller-manager.restart: watches cancelled, state lost, fresh lists, convergence', () => {
    const c = miniCluster(['replicaset', 'deployment', 'garbage-collector']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100 });
    c.client.create(web(3));
    c.runUntil(() => rolloutStatus(object<Deployment>(c, 'deployments', 'web')!).done, { timeout: 30_000 });
    c.advance(1_000);
    const watchers = watcherCount(c);
    // shared informers: one watch per resource for the three controllers (ReplicaSet: replicasets, pods;
    // Deployment: + deployments; GC: every resource but events), not one set of watches each
    expect(watchers).toBe(sharedInformers(c));
    expect(watchers).toBe(GC_RESOURCE_COUNT);
    const before = runtime(c, 'replicaset');
    const restartAt = c.now();
    c.faults.restartControllerManager();
    c.advance(10);
    expect(managerState(c)).toBe('restarting');
    expect(c.kernel.has(controllerAddress('replicaset'))).toBe(false);
    expect(before.stopped).toBe(true);
    // a pod deleted while the controllers are down is not replaced until they are back
    const victim = activePods(c)[0]!;
    c.client.delete('pods', victim.metadata!.name!);
    c.advance(500);
    expect(activePods(c)).toHaveLength(2);
    c.advance(2_000);
    expect(managerState(c)).toBe('running');
    const after = runtime(c, 'replicaset');
    expect(after).not.toBe(before);
    c.runUntil(() => activePods(c).filter(ready).length === 3, { timeout: 10_000 });
    c.advance(2_000);
    expect(activePods(c).filter(ready)).toHaveLength(3);
    expect(objects(c, 'replicasets')).toHaveLength(1);
    expect(rolloutStatus(object<Deployment>(c, 'deployments', 'web')!).done).toBe(true);
    // the old watches were cancelled and new ones listed from scratch: no watcher leaks
    const trace = c.kernel.trace.since(0).filter((e) => e.time >= restartAt);
    const cancels = trace.filter((e) => e.type === 'watch.cancel' && e.from === 'controller-manager');
    expect(cancels).toHaveLength(watchers);
    expect(watcherCount(c)).toBe(watchers);
    const relists = trace.filter((e) => e.type === 'api.request' && e.from === 'controller-manager' && (e.event as { verb?: string; query?: { sendInitialEvents?: boolean } }).verb === 'watch');
    expect(relists).toHaveLength(watchers);
    expect(relists.every((e) => (e.event as { query?: { sendInitialEvents?: boolean } }).query?.sendInitialEvents === true)).toBe(true);
    // request ids stay unique across incarnations
    const ids = c.kernel.trace.since(0).filter((e) => e.type === 'api.request' && e.from === controllerAddress('replicaset')).map((e) => (e.event as { id: string }).id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(c.kernel.errors).toEqual([]);
  });

  it('a restart in the middle of a rollout still converges, without extra pods', () => {
    const c = miniCluster(['replicaset', 'deployment']);
    new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 300 });
    c.client.create(web(4));
    c.runUntil(() => rolloutStatus(object<Deployment>(c, 'deployments', 'web')!).done, { timeout: 30_000 });
    const d = object<Deployment>(c, 'deployments', 'web')!;
    d.spec!.template.spec!.containers[0]!.image = 'nginx:1.28';
    c.client.update(d);
    c.advance(400);
    c.faults.restartControllerManager();
    let maxPods = 0;
    c.runUntil(
      () => {
        maxPods = Math.max(maxPods, objects(c, 'pods').length);
        const pods = activePods(c);
        return rolloutStatus(object<Deployment>(c, 'deployments', 'web')!).done && pods.length === 4 && pods.every((p) => p.spec!.containers[0]!.image === 'nginx:1.28' && ready(p));
      },
      { timeout: 60_000 },
    );
    expect(activePods(c).every((p) => p.spec!.containers[0]!.image === 'nginx:1.28')).toBe(true);
    expect(maxPods).toBeLessThanOrEqual(5);
    expect(objects(c, 'replicasets').map((r) => r.spec!.replicas).sort()).toEqual([0, 4]);
  });

  it('replays identically from the same seed', () => {
    const run = () => {
      const c = miniCluster(['replicaset', 'deployment', 'endpoints', 'garbage-collector']);
      new FakeKubelet(c.kernel, c.users.admin.token, { readyAfterMs: 100 });
      c.client.create(web(3));
      c.advance(3_000);
      c.faults.restartControllerManager();
      c.advance(3_000);
      c.client.delete('deployments', 'web');
      c.advance(3_000);
      return c.kernel.trace.since(0).map((e) => `${e.time} ${e.from} ${e.to} ${e.type} ${e.summary}`);
    };
    const a = run();
    const b = run();
    expect(a.length).toBeGreaterThan(300);
    expect(b).toEqual(a);
  });
});

describe('controller manager in a full cluster', () => {
  it('a Deployment behind a Service survives the loss of a node: Unknown after 50 s, evictions after 300 s, replacements elsewhere', () => {
    const c = createCluster({ nodes: 2, seed: 3 });
    c.advance(2_000);
    c.client.create({ ...web(4), spec: { ...web(4).spec!, template: { ...web(4).spec!.template, spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports: [{ name: 'http', containerPort: 80 }] }] } } } } as Deployment);
    c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 'http' }] } } as never);
    expect(c.runUntil(() => rolloutStatus(object<Deployment>(c, 'deployments', 'web')!).done, { timeout: 60_000 })).toBe(true);
    c.advance(2_000);
    const pods = activePods(c);
    expect(pods.filter(ready)).toHaveLength(4);
    const ep = object<Endpoints>(c, 'endpoints', 'web')!;
    expect(ep.subsets![0]!.addresses!.map((a) => a.ip).sort()).toEqual(pods.map((p) => p.status!.podIP!).sort());
    const onNode1 = pods.filter((p) => p.spec!.nodeName === 'node-1').map((p) => p.metadata!.name!);
    expect(onNode1.length).toBeGreaterThan(0);

    // node-1 is cut off from the control plane: its kubelet can no longer renew its lease
    const cut = c.now();
    c.faults.apply({ kind: 'partition-node', node: 'node-1' });
    c.advance(45_000);
    expect(object<Node>(c, 'nodes', 'node-1', undefined)!.status!.conditions!.find((x) => x.type === 'Ready')!.status).toBe('True');
    c.kernel.advanceTo(cut + 70_000);
    const node1 = object<Node>(c, 'nodes', 'node-1', undefined)!;
    expect(node1.status!.conditions!.find((x) => x.type === 'Ready')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown' });
    expect((node1.spec!.taints ?? []).map((t) => `${t.key}:${t.effect}`)).toContain('node.kubernetes.io/unreachable:NoExecute');
    // the pods there are not ready, so the Service stops sending traffic to them
    c.advance(2_000);
    const addresses = object<Endpoints>(c, 'endpoints', 'web')!.subsets!.flatMap((s) => s.addresses ?? []);
    expect(addresses.every((a) => a.nodeName === 'node-2')).toBe(true);
    // five minutes later they are evicted and replaced on node-2
    c.kernel.advanceTo(cut + 70_000 + 300_000);
    c.advance(30_000);
    for (const name of onNode1) expect(object<Pod>(c, 'pods', name)?.metadata?.deletionTimestamp).toBeDefined();
    const live = activePods(c);
    expect(live.filter(ready)).toHaveLength(4);
    expect(live.every((p) => p.spec!.nodeName === 'node-2')).toBe(true);
    // healed: the node is Ready and untainted again
    c.faults.apply({ kind: 'heal-node', node: 'node-1' });
    c.advance(60_000);
    const healed = object<Node>(c, 'nodes', 'node-1', undefined)!;
    expect(healed.status!.conditions!.find((x) => x.type === 'Ready')!.status).toBe('True');
    expect((healed.spec!.taints ?? []).filter((t) => t.key.startsWith('node.kubernetes.io/'))).toEqual([]);
    expect(c.kernel.errors).toEqual([]);
  });
});
