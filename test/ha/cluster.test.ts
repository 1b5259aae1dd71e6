import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';
import { controlPlaneConverged, partitionPeers, healPeers } from '../../src/ha/scenario.js';
import type { ApiResponse } from '../../machines/protocol.js';

function ha(seed = 1): Cluster {
  const cluster = createCluster({ seed, nodes: 2, controlPlane: { nodes: 3 } });
  expect(cluster.runUntil(() => controlPlaneConverged(cluster), { timeout: 30_000 })).toBe(true);
  return cluster;
}

const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
const cm = (name: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { a: '1' } });

/** Sends a request straight to one API server from its own host (as a local client would). */
function askLocal(cluster: Cluster, node: string, spec: Record<string, unknown>): () => ApiResponse | undefined {
  const address = `local-client/${node}`;
  let answer: ApiResponse | undefined;
  cluster.kernel.register(address, { send: (e: ApiResponse) => void (answer = e) }, { host: node, replace: true });
  cluster.kernel.send(address, `api-server/${node}`, { type: 'api.request', id: `${address}#1`, from: address, token: cluster.users.admin.token, ...spec } as never);
  return () => answer;
}

describe('a highly available control plane (createCluster({ controlPlane: { nodes: 3 } }))', () => {
  it('runs an etcd member, an API server and two electors on each control-plane node, behind a balancer at api-server', () => {
    const cluster = ha();
    const k = cluster.kernel;
    for (const n of [1, 2, 3]) {
      const node = `control-plane-${n}`;
      for (const address of [`node/${node}`, `etcd/${node}`, `api-server/${node}`, `leader-elector/kube-scheduler/${node}`, `leader-elector/kube-controller-manager/${node}`]) {
        expect(k.hostOf(address)).toBe(node);
      }
    }
    expect(k.hostOf('api-server')).toBe('load-balancer');
    expect(k.has('etcd')).toBe(false);
    const status = cluster.controlPlane!.status();
    expect(status.nodes.map((n) => [n.name, n.state])).toEqual([
      ['control-plane-1', 'ready'],
      ['control-plane-2', 'ready'],
      ['control-plane-3', 'ready'],
    ]);
    expect(status.etcd.members.filter((m) => m.role === 'leader').map((m) => m.address)).toEqual([status.etcd.leader]);
    expect(status.etcd.members.every((m) => m.term === status.etcd.term && m.commitIndex === m.applied)).toBe(true);
    expect(status.apiServers.every((a) => a.healthy)).toBe(true);
    for (const lease of status.leases) {
      expect(lease.acting).toHaveLength(1);
      expect(lease.acting[0]!.endsWith(`/${lease.holderNode}`)).toBe(true);
      expect(lease.holderIdentity!.startsWith(`${lease.holderNode}_`)).toBe(true);
    }
    // only the scheduler of the Lease holder runs
    const schedulers = k.addresses().filter((a) => /^scheduler\/control-plane-\d$/.test(a));
    expect(schedulers).toEqual(status.leases.filter((l) => l.name === 'kube-scheduler').map((l) => l.acting[0]));
    // the documented flow still works end to end
    cluster.client.create(pod('nginx'));
    expect(cluster.runUntil(() => (cluster.object<Pod>('pods', 'nginx')?.status?.phase as string | undefined) === 'Running', { timeout: 60_000 })).toBe(true);
    const types = new Set(k.trace.toArray().filter((e) => e.from.startsWith('etcd/') && e.to.startsWith('etcd/')).map((e) => e.type));
    expect([...types].sort()).toEqual(expect.arrayContaining(['raft.append', 'raft.appended', 'raft.vote', 'raft.voted']));
    expect(k.errors).toEqual([]);
    cluster.stop();
  });

  it('replays exactly from its seed (elections, Leases and all)', () => {
    const run = () => {
      const cluster = createCluster({ seed: 11, nodes: 1, controlPlane: { nodes: 3 } });
      cluster.client.create(pod('replay'));
      cluster.faults.crashNode(cluster.controlPlane!.nodeOf(cluster.controlPlane!.etcdLeader()!)!);
      cluster.advance(20_000);
      const jsonl = cluster.kernel.trace.toJSONL();
      cluster.stop();
      return jsonl;
    };
    const a = run();
    expect(a.length).toBeGreaterThan(10_000);
    expect(run()).toBe(a);
  });

  it('without the option the cluster keeps its single control plane', () => {
    const cluster = createCluster({ seed: 1, nodes: 1 });
    expect(cluster.controlPlane).toBeUndefined();
    expect(['etcd', 'api-server', 'scheduler', 'controller-manager'].every((a) => cluster.kernel.hostOf(a) === 'control-plane')).toBe(true);
    expect(cluster.kernel.addresses().some((a) => a.startsWith('etcd/'))).toBe(false);
    cluster.stop();
  });

  it('crashing the etcd leader’s node takes all its components; a new leader takes writes; restarted, it catches up', () => {
    const cluster = ha(2);
    const cp = cluster.controlPlane!;
    const oldLeader = cp.etcdLeader()!;
    const oldTerm = cp.status().etcd.term;
    const node = cp.nodeOf(oldLeader)!;
    cluster.faults.crashNode(node);
    expect(cluster.kernel.addresses().filter((a) => a.endsWith(`/${node}`) && a !== `node/${node}`)).toEqual([]);
    expect(cluster.runUntil(() => cp.etcdLeader() !== undefined, { timeout: 5_000 })).toBe(true);
    expect(cp.etcdLeader()).not.toBe(oldLeader);
    expect(cp.status().etcd.term).toBeGreaterThan(oldTerm);
    let created = false;
    cluster.runUntil(() => {
      if (!created) {
        const r = cluster.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: cm('after-crash') });
        created = r.code === 201;
      }
      return created;
    }, { timeout: 30_000 });
    expect(created).toBe(true);
    cluster.faults.restartNode(node);
    expect(cluster.runUntil(() => controlPlaneConverged(cluster), { timeout: 30_000 })).toBe(true);
    const member = cp.status().etcd.members.find((m) => m.node === node)!;
    expect(member.role).toBe('follower');
    expect(cp.disks.get(`etcd/${node}`)!.state.get('/registry/configmaps/default/after-crash')).toBeDefined();
    cluster.stop();
  });

  it('when the node of the leading scheduler crashes, another scheduler takes over once the Lease expired', () => {
    const cluster = ha(3);
    const cp = cluster.controlPlane!;
    const lease = () => cp.status().leases.find((l) => l.name === 'kube-scheduler')!;
    const holder = lease().holderNode!;
    cluster.faults.crashNode(holder);
    const crashedAt = cluster.now();
    // once the balancer has taken the crashed API server out (kubectl would wait 30 s on it)
    cluster.runUntil(() => cp.status().apiServers.find((x) => x.node === holder)!.healthy === false, { timeout: 10_000 });
    let created = false;
    cluster.runUntil(() => {
      if (!created) created = cluster.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body: pod('after') }).code === 201;
      return created;
    }, { timeout: 30_000 });
    expect(cluster.runUntil(() => Boolean((cluster.object<Pod>('pods', 'after')?.spec as { nodeName?: string } | undefined)?.nodeName), { timeout: 60_000 })).toBe(true);
    const bound = cluster.now() - crashedAt;
    const now = lease();
    expect(now.holderNode).not.toBe(holder);
    expect(now.leaseTransitions).toBe(1);
    expect(now.acting).toEqual([`scheduler/${now.holderNode}`]);
    // the Lease had to expire: at least its duration minus a renewal period after the crash
    expect(bound).toBeGreaterThanOrEqual(15_000 - 2_000);
    // ... and at most: seen by the others at their next poll, expired 15 s later, taken at the next poll
    expect(bound).toBeLessThan(15_000 + 2 * 4_400 + 1_000);
    cluster.stop();
  });

  it('a control-plane node cut from its etcd peers is a minority: its API server refuses writes while the rest go on', () => {
    const cluster = ha(4);
    const cp = cluster.controlPlane!;
    const node = cp.nodes.find((n) => `etcd/${n}` !== cp.etcdLeader())!;
    partitionPeers(cluster, node);
    cluster.advance(3_000);
    const local = askLocal(cluster, node, { verb: 'create', resource: 'configmaps', namespace: 'default', body: cm('minority') });
    cluster.advance(6_000);
    expect(local()?.code).toBe(503);
    // the balancer took it out; the majority serves
    expect(cp.status().apiServers.find((a) => a.node === node)!.healthy).toBe(false);
    const res = cluster.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: cm('majority') });
    expect(res.code).toBe(201);
    expect(cp.disks.get(`etcd/${node}`)!.state.get('/registry/configmaps/default/majority')).toBeUndefined();
    healPeers(cluster, node);
    expect(cluster.runUntil(() => controlPlaneConverged(cluster), { timeout: 30_000 })).toBe(true);
    expect(cp.disks.get(`etcd/${node}`)!.state.get('/registry/configmaps/default/majority')).toBeDefined();
    expect(cp.disks.get(`etcd/${node}`)!.state.get('/registry/configmaps/default/minority')).toBeUndefined();
    cluster.stop();
  });

  it('the single-component faults reach every replica: an etcd outage stops every member, recovery brings them back', () => {
    const cluster = ha(5);
    const cp = cluster.controlPlane!;
    cluster.faults.etcdOutage();
    expect(cp.status().etcd.members.map((m) => m.role)).toEqual(['unavailable', 'unavailable', 'unavailable']);
    cluster.advance(3_000);
    const res = cluster.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: cm('outage') });
    expect(res.code).toBe(503);
    cluster.faults.etcdRecover();
    expect(cluster.runUntil(() => controlPlaneConverged(cluster), { timeout: 30_000 })).toBe(true);
    expect(cluster.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: cm('recovered') }).code).toBe(201);
    const running = cp.status().leases.find((l) => l.name === 'kube-scheduler')!.acting;
    cluster.faults.restartScheduler();
    expect(cluster.faults.history.at(-1)!.fault.kind).toBe('restart-scheduler');
    expect(running).toHaveLength(1);
    cluster.stop();
  });
});
