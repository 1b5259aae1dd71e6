import { describe, expect, it } from 'vitest';
import type { Node, Pod, Taint } from '../../../src/api/types.js';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';
import type { Kernel } from '../../../src/kernel/kernel.js';
import { Port } from '../../../src/kernel/port.js';
import { ApiClient } from '../../../machines/client/api-client.js';
import type { ApiResponse } from '../../../machines/protocol.js';
import { matchingTolerations, minTolerationMs, reconcileTaints, toleratesTaint, zoneStatesOf, type NodeLifecycleState } from '../../../machines/controllers/node-lifecycle.js';
import { bind, createNode, miniCluster, object, runningStatus, runtime } from './harness.js';

/** A kubelet's heartbeat: renews the node's Lease every 10 s and posts its Ready condition. */
class Heartbeat {
  private readonly client: ApiClient;
  running = true;
  ready: 'True' | 'False' = 'True';
  lastRenew = 0;

  constructor(
    private readonly kernel: Kernel,
    readonly node: string,
    token: string,
  ) {
    const address = `heartbeat/${node}`;
    kernel.register(address, this, { host: node });
    this.client = new ApiClient(new Port(kernel, address), token);
    this.client.request({
      verb: 'create',
      resource: 'leases',
      group: 'coordination.k8s.io',
      namespace: 'kube-node-lease',
      body: { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', metadata: { name: node, namespace: 'kube-node-lease' }, spec: { holderIdentity: node, leaseDurationSeconds: 40, renewTime: kernel.timestamp() } },
    });
    this.loop();
  }

  send(event: ApiResponse): void {
    if (event.type === 'api.response') this.client.handle(event);
  }

  private loop(): void {
    this.kernel.setTimer(() => {
      if (this.running) this.beat();
      this.loop();
    }, 10_000);
  }

  /** Renews the lease and posts the node's status now. */
  beat(): void {
    const now = this.kernel.timestamp();
    this.lastRenew = this.kernel.now();
    this.client.request({
      verb: 'patch',
      resource: 'leases',
      group: 'coordination.k8s.io',
      namespace: 'kube-node-lease',
      name: this.node,
      query: { patchType: 'merge' },
      body: { spec: { renewTime: now.replace('Z', `.${String(this.kernel.now() % 1000).padStart(3, '0')}000Z`) } },
    });
    this.client.request({
      verb: 'patch',
      resource: 'nodes',
      subresource: 'status',
      name: this.node,
      query: { patchType: 'merge' },
      body: {
        status: {
          conditions: [
            { type: 'Ready', status: this.ready, reason: this.ready === 'True' ? 'KubeletReady' : 'KubeletNotReady', message: 'kubelet status', lastHeartbeatTime: now, lastTransitionTime: now },
          ],
        },
      },
    });
  }
}

function podOn(c: Cluster, name: string, node: string, tolerations: unknown[] = []): Pod {
  const pod = c.client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27' }], tolerations },
  } as Pod);
  bind(c, pod, node);
  c.client.patch('pods', name, { status: runningStatus(c.kernel, `10.2.0.${name.length}`) }, { subresource: 'status', type: 'merge' });
  return pod;
}

const readyOf = (n: Node) => n.status!.conditions!.find((x) => x.type === 'Ready')!;
const taintKeys = (n: Node) => (n.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();
const deleting = (c: Cluster, name: string) => !!object<Pod>(c, 'pods', name)?.metadata?.deletionTimestamp;

/** The controller's health check runs every 5 s (`--node-monitor-period`). */
const MONITOR_PERIOD = 5_000;

/** Advances in 100 ms steps until `done()` holds (at most `limitMs`); returns the virtual time it first held. */
function advanceUntil(c: Cluster, done: () => boolean, limitMs: number): number {
  const end = c.now() + limitMs;
  while (!done()) {
    if (c.now() >= end) throw new Error(`still not done after ${limitMs} ms`);
    c.advance(100);
  }
  return c.now();
}

describe('node lifecycle controller', () => {
  it('a node partitioned off a whole cluster is Unknown between 50 s and 55 s after its last lease renewal, whatever the phase of the partition', () => {
    for (const offset of [0, 3_300, 7_700]) {
      const c = createCluster({ nodes: 2, seed: 5 });
      const readyNode = (name: string) => readyOf(c.object<Node>('nodes', name)!);
      expect(c.runUntil(() => c.nodes.every((n) => c.object<Node>('nodes', n)?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True')), { timeout: 60_000 })).toBe(true);
      c.advance(20_000 + offset);
      c.faults.partitionNode('node-2');
      const lease = () => c.object('leases', 'node-2', 'kube-node-lease')!;
      expect(c.runUntil(() => readyNode('node-2').status === 'Unknown', { timeout: 70_000 })).toBe(true);
      const unknownAt = c.kernel.timeOf(readyNode('node-2').lastTransitionTime!);
      const renewedAt = c.kernel.timeOf(lease().spec!.renewTime!);
      expect(unknownAt - renewedAt, `partitioned ${offset} ms into a period`).toBeGreaterThanOrEqual(50_000);
      expect(unknownAt - renewedAt, `partitioned ${offset} ms into a period`).toBeLessThanOrEqual(55_000 + 1_000);
      expect(readyNode('node-2')).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
      expect(readyNode('node-1').status).toBe('True');
      c.stop();
    }
  });

  it('marks a node Unknown 50 s (plus at most one 5 s health check period) after its last lease renewal, taints it, evicts by toleration, and untaints it when it comes back', () => {
    const c = miniCluster(['node-lifecycle']);
    createNode(c, 'n1');
    createNode(c, 'n2');
    const hb1 = new Heartbeat(c.kernel, 'n1', c.users.admin.token);
    new Heartbeat(c.kernel, 'n2', c.users.admin.token);
    c.advance(1_000);
    podOn(c, 'defaulted', 'n1'); // the API server's defaults: 300 s for not-ready and unreachable
    podOn(c, 'short', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 10 }]);
    podOn(c, 'forever', 'n1', [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' }]);
    podOn(c, 'elsewhere', 'n2');
    c.advance(30_000);
    expect(taintKeys(object<Node>(c, 'nodes', 'n1', undefined)!)).toEqual([]);

    // the kubelet of n1 goes silent
    hb1.running = false;
    const silentSince = hb1.lastRenew;
    c.kernel.advanceTo(silentSince + 49_900);
    let n1 = object<Node>(c, 'nodes', 'n1', undefined)!;
    expect(readyOf(n1).status).toBe('True');
    expect(taintKeys(n1)).toEqual([]);
    // the renewal is noticed at the next health check, the silence at the first check past the grace period
    const unknownAt = advanceUntil(c, () => readyOf(object<Node>(c, 'nodes', 'n1', undefined)!).status === 'Unknown', 3 * MONITOR_PERIOD);
    expect(unknownAt).toBeGreaterThanOrEqual(silentSince + 50_000);
    // noticed at the check after the renewal (at most a period later), Unknown at the check at the deadline
    expect(unknownAt).toBeLessThanOrEqual(silentSince + 50_000 + MONITOR_PERIOD + 500);
    c.advance(500);
    n1 = object<Node>(c, 'nodes', 'n1', undefined)!;
    expect(readyOf(n1)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusUnknown', message: 'Kubelet stopped posting node status.' });
    expect(taintKeys(n1)).toEqual(['node.kubernetes.io/unreachable:NoExecute', 'node.kubernetes.io/unreachable:NoSchedule']);
    expect(n1.spec!.taints!.find((t) => t.effect === 'NoExecute')!.timeAdded).toBeDefined();
    // its pods are not ready any more; the other node's are
    for (const name of ['defaulted', 'short', 'forever']) {
      expect(object<Pod>(c, 'pods', name)!.status!.conditions!.find((x) => x.type === 'Ready')!.status).toBe('False');
    }
    expect(object<Pod>(c, 'pods', 'elsewhere')!.status!.conditions!.find((x) => x.type === 'Ready')!.status).toBe('True');
    expect(readyOf(object<Node>(c, 'nodes', 'n2', undefined)!).status).toBe('True');

    // eviction: 10 s for "short", 300 s for the defaulted one, never for "forever"
    const tainted = unknownAt;
    c.kernel.advanceTo(tainted + 9_000);
    expect(deleting(c, 'short')).toBe(false);
    c.kernel.advanceTo(tainted + 11_000);
    expect(deleting(c, 'short')).toBe(true);
    expect(object<Pod>(c, 'pods', 'short')!.status!.conditions!.find((x) => x.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'DeletionByTaintManager',
    });
    c.kernel.advanceTo(tainted + 298_000);
    expect(deleting(c, 'defaulted')).toBe(false);
    c.kernel.advanceTo(tainted + 301_000);
    expect(deleting(c, 'defaulted')).toBe(true);
    c.kernel.advanceTo(tainted + 400_000);
    expect(deleting(c, 'forever')).toBe(false);
    expect(deleting(c, 'elsewhere')).toBe(false);

    // the kubelet comes back: lease renewed and Ready posted → untainted
    hb1.running = true;
    hb1.beat();
    c.advance(1_000);
    n1 = object<Node>(c, 'nodes', 'n1', undefined)!;
    expect(readyOf(n1).status).toBe('True');
    expect(taintKeys(n1)).toEqual([]);
    expect(c.kernel.errors).toEqual([]);
  });

  it('taints a node whose kubelet reports NotReady with not-ready, and marks its pods not ready', () => {
    const c = miniCluster(['node-lifecycle']);
    createNode(c, 'n1');
    createNode(c, 'n2'); // a Ready node: the zone is not fully disrupted
    const hb = new Heartbeat(c.kernel, 'n1', c.users.admin.token);
    new Heartbeat(c.kernel, 'n2', c.users.admin.token);
    c.advance(1_000);
    podOn(c, 'p', 'n1');
    c.advance(1_000);
    hb.ready = 'False';
    hb.beat();
    c.advance(1_000);
    const n1 = object<Node>(c, 'nodes', 'n1', undefined)!;
    expect(readyOf(n1).status).toBe('False');
    expect(taintKeys(n1)).toEqual(['node.kubernetes.io/not-ready:NoExecute', 'node.kubernetes.io/not-ready:NoSchedule']);
    expect(object<Pod>(c, 'pods', 'p')!.status!.conditions!.find((x) => x.type === 'Ready')!.status).toBe('False');
    hb.ready = 'True';
    hb.beat();
    c.advance(1_000);
    expect(taintKeys(object<Node>(c, 'nodes', 'n1', undefined)!)).toEqual([]);
  });

  it('gives a node that never posts status the startup grace period (60 s)', () => {
    const c = miniCluster(['node-lifecycle']);
    createNode(c, 'ok');
    new Heartbeat(c.kernel, 'ok', c.users.admin.token);
    c.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'mute' } } as Node);
    const t0 = c.now();
    c.kernel.advanceTo(t0 + 59_000);
    expect(object<Node>(c, 'nodes', 'mute', undefined)!.status?.conditions).toBeUndefined();
    const unknownAt = advanceUntil(c, () => object<Node>(c, 'nodes', 'mute', undefined)!.status?.conditions !== undefined, 3 * MONITOR_PERIOD);
    expect(unknownAt).toBeGreaterThanOrEqual(t0 + 60_000);
    expect(unknownAt).toBeLessThanOrEqual(t0 + 60_000 + MONITOR_PERIOD + 500);
    c.advance(500);
    const node = object<Node>(c, 'nodes', 'mute', undefined)!;
    expect(readyOf(node)).toMatchObject({ status: 'Unknown', reason: 'NodeStatusNeverUpdated', message: 'Kubelet never posted node status.' });
    expect(taintKeys(node)).toContain('node.kubernetes.io/unreachable:NoExecute');
  });

  it('checks health every 5 s instead of syncing on every lease renewal', () => {
    const c = miniCluster(['node-lifecycle']);
    const names = ['n1', 'n2', 'n3', 'n4'];
    for (const n of names) {
      createNode(c, n);
      new Heartbeat(c.kernel, n, c.users.admin.token);
    }
    c.advance(10_000);
    const rt = runtime(c, 'node-lifecycle');
    const before = rt.stats.syncs;
    c.advance(60_000);
    // 4 nodes renew 6 times each (24 renewals and 24 status posts); the controller runs its
    // health check 12 times and syncs a node only when the node object itself changes
    const syncs = rt.stats.syncs - before;
    expect(syncs).toBeGreaterThanOrEqual(12);
    expect(syncs).toBeLessThanOrEqual(12 + 24 + 1);
    expect(names.every((n) => readyOf(object<Node>(c, 'nodes', n, undefined)!).status === 'True')).toBe(true);
  });

  it('honours a configured grace period', () => {
    const c = miniCluster(['node-lifecycle'], { controllerOptions: { 'node-lifecycle': { nodeMonitorGracePeriodMs: 20_000 } } });
    createNode(c, 'n1');
    const hb = new Heartbeat(c.kernel, 'n1', c.users.admin.token);
    c.advance(15_000);
    hb.running = false;
    const since = hb.lastRenew;
    c.kernel.advanceTo(since + 19_000);
    expect(readyOf(object<Node>(c, 'nodes', 'n1', undefined)!).status).toBe('True');
    const unknownAt = advanceUntil(c, () => readyOf(object<Node>(c, 'nodes', 'n1', undefined)!).status === 'Unknown', 3 * MONITOR_PERIOD);
    expect(unknownAt).toBeGreaterThanOrEqual(since + 20_000);
    expect(unknownAt).toBeLessThanOrEqual(since + 20_000 + 2 * MONITOR_PERIOD + 500);
  });
});

describe('node lifecycle helpers', () => {
  const unreachable: Taint = { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute' };
  it('matches tolerations as ToleratesTaint does', () => {
    expect(toleratesTaint({ operator: 'Exists' }, unreachable)).toBe(true);
    expect(toleratesTaint({ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoSchedule' }, unreachable)).toBe(false);
    expect(toleratesTaint({ key: 'other', operator: 'Exists' }, unreachable)).toBe(false);
    expect(toleratesTaint({ key: 'k', operator: 'Equal', value: 'v' }, { key: 'k', value: 'v', effect: 'NoExecute' })).toBe(true);
    expect(toleratesTaint({ key: 'k', value: 'w' }, { key: 'k', value: 'v', effect: 'NoExecute' })).toBe(false);
    const notReady: Taint = { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute' };
    expect(matchingTolerations([unreachable, notReady], [{ key: unreachable.key, operator: 'Exists', tolerationSeconds: 30 }]).all).toBe(false);
    const both = matchingTolerations([unreachable, notReady], [
      { key: unreachable.key, operator: 'Exists', tolerationSeconds: 30 },
      { key: notReady.key, operator: 'Exists', tolerationSeconds: 20 },
    ]);
    expect(both.all).toBe(true);
    expect(minTolerationMs(both.used)).toBe(20_000);
    expect(minTolerationMs([{ operator: 'Exists' }])).toBe(-1);
    expect(minTolerationMs([{ operator: 'Exists', tolerationSeconds: 0 }])).toBe(0);
  });

  it('keeps user taints and timeAdded of existing ones when reconciling', () => {
    const node = {
      metadata: { name: 'n' },
      spec: { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }, { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'T0' }] },
      status: { conditions: [{ type: 'Ready', status: 'Unknown' }] },
    } as unknown as Node;
    const next = reconcileTaints(node, 'T1')!;
    expect(next).toEqual([
      { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: 'T0' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule' },
    ]);
    expect(reconcileTaints({ ...node, spec: { taints: next } }, 'T2')).toBeUndefined();
  });
});

/** Nodes with heartbeats, in a zone when given (`topology.kubernetes.io/zone`). */
function nodesWithHeartbeats(c: Cluster, names: readonly string[], zone?: string): Map<string, Heartbeat> {
  const out = new Map<string, Heartbeat>();
  for (const name of names) {
    createNode(c, name);
    if (zone) c.client.patch('nodes', name, { metadata: { labels: { 'topology.kubernetes.io/region': 'r1', 'topology.kubernetes.io/zone': zone } } }, { type: 'merge' });
    out.set(name, new Heartbeat(c.kernel, name, c.users.admin.token));
  }
  return out;
}

const noExecuteOn = (c: Cluster, name: string) => (object<Node>(c, 'nodes', name, undefined)!.spec?.taints ?? []).some((t) => t.effect === 'NoExecute');
const zonesOf = (c: Cluster) => zoneStatesOf(runtime(c, 'node-lifecycle').state as NodeLifecycleState);

describe('node lifecycle: zones and disruption (handleDisruption, ComputeZoneState)', () => {
  it('enters master disruption mode when every node stops reporting: no NoExecute taint, no eviction, until a node is back', () => {
    const c = miniCluster(['node-lifecycle']);
    const beats = nodesWithHeartbeats(c, ['n1', 'n2', 'n3']);
    c.advance(1_000);
    podOn(c, 'p1', 'n1');
    podOn(c, 'p2', 'n2');
    c.advance(20_000);
    expect(zonesOf(c)).toEqual({ '(no zone)': 'Normal' });
    // the control plane loses every kubelet at once (a network outage on its side)
    for (const hb of beats.values()) hb.running = false;
    c.advance(70_000);
    for (const n of ['n1', 'n2', 'n3']) {
      expect(readyOf(object<Node>(c, 'nodes', n, undefined)!).status).toBe('Unknown');
      expect(noExecuteOn(c, n)).toBe(false);
    }
    expect(zonesOf(c)).toEqual({ '(no zone)': 'FullDisruption' });
    c.advance(400_000); // past every default toleration
    expect(deleting(c, 'p1') || deleting(c, 'p2')).toBe(false);
    // one kubelet gets through again: the mode ends, the other nodes get a fresh grace period
    const back = beats.get('n1')!;
    back.running = true;
    back.beat();
    c.advance(6_000);
    // 2 of 3 not Ready is not "more than 2": the zone is Normal again and tainting resumes, one node per 10 s
    expect(zonesOf(c)).toEqual({ '(no zone)': 'Normal' });
    expect(noExecuteOn(c, 'n1')).toBe(false);
    expect([noExecuteOn(c, 'n2'), noExecuteOn(c, 'n3')].filter(Boolean)).toHaveLength(1);
    c.advance(10_000);
    expect(noExecuteOn(c, 'n2') && noExecuteOn(c, 'n3')).toBe(true);
    expect(c.kernel.errors).toEqual([]);
  });

  it('a single-node cluster whose node goes NotReady keeps its pods (the zone is fully disrupted)', () => {
    const c = miniCluster(['node-lifecycle']);
    const hb = nodesWithHeartbeats(c, ['solo']).get('solo')!;
    c.advance(1_000);
    podOn(c, 'p', 'solo');
    c.advance(10_000);
    hb.ready = 'False';
    hb.beat();
    c.advance(400_000);
    const node = object<Node>(c, 'nodes', 'solo', undefined)!;
    expect(taintKeys(node)).toEqual(['node.kubernetes.io/not-ready:NoSchedule']);
    expect(deleting(c, 'p')).toBe(false);
  });

  it('taints one node per 10 s in a healthy zone (--node-eviction-rate 0.1)', () => {
    const c = miniCluster(['node-lifecycle']);
    const names = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7', 'n8'];
    const beats = nodesWithHeartbeats(c, names);
    c.advance(20_000);
    beats.get('n1')!.ready = 'False';
    beats.get('n2')!.ready = 'False';
    beats.get('n1')!.beat();
    beats.get('n2')!.beat();
    const first = advanceUntil(c, () => noExecuteOn(c, 'n1') || noExecuteOn(c, 'n2'), 10_000);
    expect(noExecuteOn(c, 'n1') && noExecuteOn(c, 'n2')).toBe(false);
    const second = advanceUntil(c, () => noExecuteOn(c, 'n1') && noExecuteOn(c, 'n2'), 20_000);
    expect(second - first).toBeGreaterThanOrEqual(9_900);
    expect(second - first).toBeLessThanOrEqual(10_200);
    expect(zonesOf(c)).toEqual({ '(no zone)': 'Normal' });
  });

  it('stops tainting in a small partly disrupted zone while another zone stays healthy', () => {
    const c = miniCluster(['node-lifecycle']);
    const a = nodesWithHeartbeats(c, ['a1', 'a2', 'a3', 'a4', 'a5'], 'zone-a');
    nodesWithHeartbeats(c, ['b1', 'b2'], 'zone-b');
    c.advance(20_000);
    for (const n of ['a1', 'a2', 'a3']) a.get(n)!.running = false; // 3 of 5: at least 55 %, more than 2
    c.advance(80_000);
    expect(zonesOf(c)).toEqual({ 'r1/zone-a': 'PartialDisruption', 'r1/zone-b': 'Normal' });
    for (const n of ['a1', 'a2', 'a3']) {
      expect(readyOf(object<Node>(c, 'nodes', n, undefined)!).status).toBe('Unknown');
      expect(noExecuteOn(c, n)).toBe(false);
    }
  });
});
