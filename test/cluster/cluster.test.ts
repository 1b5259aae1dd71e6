import { describe, expect, it } from 'vitest';
import { fc, test as propTest } from '@fast-check/vitest';
import type { Event, Pod, Service } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';

const state = (c: Cluster, address: string) => JSON.stringify((c.actor(address)!.getSnapshot() as { value: unknown }).value);
const pod = (name: string, extra: Partial<Pod['spec']> = {}, labels?: Record<string, string>): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, labels }, spec: { containers: [{ name: 'app', image: 'nginx:1.14.2' }], ...extra } });
const phase = (c: Cluster, name: string) => c.object<Pod>('pods', name)?.status?.phase;

function ready(nodes = 3, seed = 1): Cluster {
  const c = createCluster({ nodes, seed });
  expect(c.runUntil(() => c.nodes.every((n) => state(c, `node/${n}`) === '"ready"'), { timeout: 30_000 })).toBe(true);
  return c;
}

describe('createCluster', () => {
  it('names nodes node-1 … node-N with the capacity given, registered by their kubelets', () => {
    const c = createCluster({ nodes: 2, nodeCapacity: { cpu: '8', memory: '32Gi' } });
    c.runUntil(() => c.count('nodes') === 2, { timeout: 30_000 });
    const nodes = c.objects<{ metadata: { name: string }; status: { capacity: Record<string, string> } } & Pod>('nodes' as never);
    expect(nodes.map((n) => n.metadata.name)).toEqual(['node-1', 'node-2']);
    expect((nodes[0] as unknown as { status: { capacity: Record<string, string> } }).status.capacity).toMatchObject({ cpu: '8', memory: '32Gi', pods: '110' });
    // count agrees with what a list reads, per namespace too, and names a resource it does not know
    c.client.apply(pod('a'));
    c.client.apply({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'other' } });
    c.advance(1_000);
    c.client.apply({ ...pod('b'), metadata: { name: 'b', namespace: 'other' } });
    c.advance(1_000);
    expect([c.count('nodes'), c.count('pods'), c.count('pods', 'default'), c.count('pods', 'other'), c.count('pods', 'none')]).toEqual([2, 2, 1, 1, 0]);
    expect(c.count('leases', 'kube-node-lease')).toBe(c.objects('leases', 'kube-node-lease').length);
    // @ts-expect-error widgets is not a resource: a compile-time error, and a RangeError at run time
    expect(() => c.count('widgets')).toThrow('unknown resource "widgets"');
    c.stop();
  });

  it('refuses bad options with a message naming the problem', () => {
    expect(() => createCluster({ nodes: [{ name: 'Bad_Node' }] })).toThrow(/node name "Bad_Node" is not a DNS-1123 label/);
    expect(() => createCluster({ nodes: [{ name: 'a' }, { name: 'a' }] })).toThrow(/node name "a" is used twice/);
    expect(() => createCluster({ profile: 'nope' })).toThrow(/nope/);
  });

  it('moves a node through notReady → ready → down → notReady → ready and partitioned → ready', () => {
    const c = ready(2);
    c.faults.crashNode('node-1');
    expect(state(c, 'node/node-1')).toBe('"down"');
    expect(c.kernel.has('kubelet/node-1')).toBe(false);
    c.faults.restartNode('node-1');
    expect(state(c, 'node/node-1')).toBe('"notReady"');
    expect(c.runUntil(() => state(c, 'node/node-1') === '"ready"', { timeout: 30_000 })).toBe(true);
    c.faults.partitionNode('node-2');
    expect(state(c, 'node/node-2')).toBe('"partitioned"');
    expect(c.kernel.network.isCut('node-2', 'control-plane')).toBe(true);
    c.faults.healNode('node-2');
    expect(state(c, 'node/node-2')).toBe('"ready"');
    expect(c.kernel.network.isCut('node-2', 'control-plane')).toBe(false);
    expect(() => c.faults.crashNode('node-9')).toThrow(/unknown node "node-9"/);
    c.stop();
  });
});

describe('scheduler and kubelets', () => {
  it('gives an unschedulable pod a FailedScheduling Event that says why, per plugin, and schedules it once room appears', () => {
    const c = ready(2);
    c.client.create(pod('huge', { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '64' } } }] }));
    c.advance(5_000);
    expect(phase(c, 'huge')).toBe('Pending');
    const events = c.objects<Event>('events').filter((e) => e.involvedObject.name === 'huge' && e.reason === 'FailedScheduling');
    expect(events.length).toBeGreaterThan(0);
    expect(events[0]!.message).toMatch(/^0\/2 nodes are available: 2 Insufficient cpu\./);
    expect(events[0]!.type).toBe('Warning');
    const cond = c.object<Pod>('pods', 'huge')!.status!.conditions!.find((x) => x.type === 'PodScheduled');
    expect(cond).toMatchObject({ status: 'False', reason: 'Unschedulable' });
    c.stop();
  });

  it('spreads equal pods over equal nodes and never overcommits a node', () => {
    const c = ready(3);
    for (let i = 0; i < 9; i++) c.client.create(pod(`p${i}`, { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '1' } } }] }));
    c.runUntil(() => c.objects<Pod>('pods').every((p) => p.status?.phase === 'Running'), { timeout: 60_000 });
    const perNode = new Map<string, number>();
    for (const p of c.objects<Pod>('pods')) perNode.set(p.spec!.nodeName!, (perNode.get(p.spec!.nodeName!) ?? 0) + 1);
    expect([...perNode.values()].sort()).toEqual([3, 3, 3]);
    // each node has 4 cpu: a tenth 1-cpu pod on top of 3 per node still fits, 4 more would not
    for (let i = 9; i < 14; i++) c.client.create(pod(`p${i}`, { containers: [{ name: 'app', image: 'nginx', resources: { requests: { cpu: '1' } } }] }));
    c.advance(10_000);
    const running = c.objects<Pod>('pods').filter((p) => p.spec?.nodeName);
    expect(running).toHaveLength(12);
    c.stop();
  });

  it('runs a pod worker only on the node the pod is bound to', () => {
    const c = ready(3);
    c.client.create(pod('web'));
    c.runUntil(() => phase(c, 'web') === 'Running', { timeout: 30_000 });
    const node = c.object<Pod>('pods', 'web')!.spec!.nodeName!;
    expect(c.kernel.hostOf('pod/default/web')).toBe(node);
    const kubelet = c.actor(`kubelet/${node}`)!.getSnapshot() as { context: { workers: Map<string, unknown> } };
    expect([...kubelet.context.workers.keys()]).toEqual(['default/web']);
    for (const other of c.nodes.filter((n) => n !== node)) {
      const k = c.actor(`kubelet/${other}`)!.getSnapshot() as { context: { workers: Map<string, unknown> } };
      expect(k.context.workers.size).toBe(0);
    }
    c.stop();
  });
});

describe('node crash and restart', () => {
  it('takes the kubelet and its pod workers down with the node, and runs the pods again after a restart', () => {
    const c = ready(2);
    c.client.create(pod('a', { nodeName: 'node-1' }));
    c.runUntil(() => phase(c, 'a') === 'Running', { timeout: 30_000 });
    const worker = c.podActor('default', 'a')!;
    expect(worker.getSnapshot().status).toBe('active');
    c.faults.crashNode('node-1');
    expect(worker.getSnapshot().status).toBe('stopped');
    expect(c.kernel.has('pod/default/a')).toBe(false);
    expect(c.kernel.has('kubelet/node-1')).toBe(false);
    c.advance(5_000);
    c.faults.restartNode('node-1');
    expect(c.runUntil(() => c.podActor('default', 'a')?.getSnapshot().status === 'active', { timeout: 60_000 })).toBe(true);
    expect(c.podActor('default', 'a')).not.toBe(worker);
    c.stop();
    expect(c.kernel.addresses().filter((a) => a.startsWith('pod/'))).toEqual([]);
  });
});

describe('kube-proxy: pod-to-service networking', () => {
  it('resolves a connection from a pod to a service through the node rules to a ready pod behind it', () => {
    const c = ready(3);
    for (const obj of readFileSync('examples/manifests/nginx-deployment.yaml', 'utf8').split(/^---$/m).map((d) => parse(d))) c.client.apply(obj);
    c.client.create(pod('client'));
    expect(
      c.runUntil(() => c.objects<Pod>('pods').filter((p) => p.status?.phase === 'Running').length === 4 && (c.object('endpoints', 'nginx') as { subsets?: unknown[] } | undefined)?.subsets !== undefined, { timeout: 60_000 }),
    ).toBe(true);
    c.advance(2_000);
    const svc = c.object<Service>('services', 'nginx')!;
    const ip = svc.spec!.clusterIP!;
    expect(ip).toMatch(/^10\.96\./);
    const backends = new Set<string>();
    for (let i = 0; i < 30; i++) {
      const r = c.connect({ name: 'client' }, ip, 80);
      expect(r.ok).toBe(true);
      if (r.ok) {
        expect(r.pod).toMatch(/^nginx-deployment-/);
        expect(r.backend).toMatch(/:80$/);
        backends.add(r.pod!);
      }
    }
    expect(backends.size).toBe(3);
    expect(c.connect({ name: 'client' }, '10.96.200.200', 80)).toMatchObject({ ok: false, reason: expect.stringContaining('no service at 10.96.200.200:80') });
    // scale to zero: the rules keep the service but no endpoint answers
    c.client.scale('deployments', 'nginx-deployment', 0);
    c.runUntil(() => c.objects<Pod>('pods').filter((p) => p.metadata?.name?.startsWith('nginx-deployment')).length === 0, { timeout: 120_000 });
    c.advance(5_000);
    expect(c.connect({ name: 'client' }, ip, 80)).toMatchObject({ ok: false, reason: expect.stringContaining('has no endpoints') });
    c.stop();
  });
});

describe('determinism of a whole cluster', () => {
  propTest.prop([fc.integer({ min: 0, max: 2 ** 31 }), fc.array(fc.tuple(fc.constantFrom('create', 'delete', 'wait'), fc.integer({ min: 0, max: 3 })), { maxLength: 8 })], { numRuns: 8 })(
    'the same seed and workload give a byte-identical trace',
    (seed, workload) => {
      const run = () => {
        const c = createCluster({ nodes: 2, seed });
        c.runUntil(() => c.objects('nodes').length === 2, { timeout: 30_000 });
        for (const [op, i] of workload) {
          if (op === 'create') c.client.request({ verb: 'create', resource: 'pods', namespace: 'default', body: pod(`w${i}`) });
          else if (op === 'delete') c.client.request({ verb: 'delete', resource: 'pods', namespace: 'default', name: `w${i}` });
          else c.advance(1_000 * (i + 1));
        }
        c.advance(5_000);
        const out = c.kernel.trace.toJSONL();
        c.stop();
        return out;
      };
      expect(run()).toBe(run());
    },
  );
});
