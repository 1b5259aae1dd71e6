import { describe, it, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { SchedulerCache } from '../../../machines/scheduler/cache.js';
import { nodeAllocatable, podResourceRecord } from '../../../machines/scheduler/node-info.js';
import { keyDefaultingNamespace } from '../../../src/api/object-key.js';
import type { Node, Pod } from '../../../src/api/types.js';
import { makeNode, makePod } from './helpers.js';

const NODES = ['n0', 'n1', 'n2', 'n3'];
const PODS = ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'];

type Op =
  | { op: 'addNode'; node: number; cpu: number }
  | { op: 'removeNode'; node: number }
  | { op: 'addPod'; pod: number; node: number; cpu: number; mem: number; terminal: boolean }
  | { op: 'assume'; pod: number; node: number; cpu: number; mem: number }
  | { op: 'forget'; pod: number }
  | { op: 'removePod'; pod: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('addNode' as const), node: fc.nat(3), cpu: fc.integer({ min: 1, max: 8 }) }),
  fc.record({ op: fc.constant('removeNode' as const), node: fc.nat(3) }),
  fc.record({
    op: fc.constant('addPod' as const),
    pod: fc.nat(5),
    node: fc.nat(3),
    cpu: fc.nat(2000),
    mem: fc.nat(512),
    terminal: fc.boolean(),
  }),
  fc.record({ op: fc.constant('assume' as const), pod: fc.nat(5), node: fc.nat(3), cpu: fc.nat(2000), mem: fc.nat(512) }),
  fc.record({ op: fc.constant('forget' as const), pod: fc.nat(5) }),
  fc.record({ op: fc.constant('removePod' as const), pod: fc.nat(5) }),
);

function podWith(name: string, cpu: number, mem: number, nodeName?: string, terminal = false): Pod {
  return makePod(name, {
    cpu: cpu > 0 ? `${cpu}m` : undefined,
    memory: mem > 0 ? `${mem}Mi` : undefined,
    nodeName,
    phase: terminal ? 'Succeeded' : 'Running',
  });
}

/** The model: what a full recomputation from the current objects gives. */
class Model {
  nodes = new Map<string, Node>();
  pods = new Map<string, { pod: Pod; nodeName: string; assumed: boolean }>();

  apply(op: Op, cache: SchedulerCache): void {
    switch (op.op) {
      case 'addNode': {
        const node = makeNode(NODES[op.node]!, { cpu: String(op.cpu) });
        cache.addNode(node);
        this.nodes.set(NODES[op.node]!, node); // an existing node keeps its place in a Map
        return;
      }
      case 'removeNode':
        expect(cache.removeNode(NODES[op.node]!)).toBe(this.nodes.delete(NODES[op.node]!));
        return;
      case 'addPod': {
        const pod = podWith(PODS[op.pod]!, op.cpu, op.mem, NODES[op.node], op.terminal);
        cache.addPod(pod);
        if (op.terminal) this.pods.delete(keyDefaultingNamespace(pod));
        else this.pods.set(keyDefaultingNamespace(pod), { pod, nodeName: NODES[op.node]!, assumed: false });
        return;
      }
      case 'assume': {
        const pod = podWith(PODS[op.pod]!, op.cpu, op.mem);
        if (this.pods.has(keyDefaultingNamespace(pod))) {
          expect(() => cache.assume(pod, NODES[op.node]!)).toThrow(/can't be assumed/);
        } else {
          cache.assume(pod, NODES[op.node]!);
          this.pods.set(keyDefaultingNamespace(pod), { pod, nodeName: NODES[op.node]!, assumed: true });
        }
        return;
      }
      case 'forget': {
        const key = `default/${PODS[op.pod]!}`;
        const entry = this.pods.get(key);
        expect(cache.forget(key)).toBe(entry?.assumed ?? false);
        if (entry?.assumed) this.pods.delete(key);
        return;
      }
      case 'removePod': {
        const key = `default/${PODS[op.pod]!}`;
        expect(cache.removePod(key)).toBe(this.pods.delete(key));
        return;
      }
    }
  }

  check(cache: SchedulerCache): void {
    expect(cache.nodeList().map((n) => n.name)).toEqual([...this.nodes.keys()]);
    expect(cache.nodeCount).toBe(this.nodes.size);
    expect(cache.podCount).toBe(this.pods.size);
    expect(cache.assumedPodCount).toBe([...this.pods.values()].filter((p) => p.assumed).length);
    for (const name of NODES) {
      const pods = [...this.pods.values()].filter((p) => p.nodeName === name);
      const node = this.nodes.get(name);
      const info = cache.getNodeInfo(name);
      if (!node && pods.length === 0) {
        expect(info).toBeUndefined();
        continue;
      }
      expect(info).toBeDefined();
      const recs = pods.map((p) => podResourceRecord(p.pod));
      const sum = (f: (r: (typeof recs)[number]) => number) => recs.reduce((a, r) => a + f(r), 0);
      expect(info!.node).toBe(node);
      expect({ ...info!.allocatable }).toEqual(node ? nodeAllocatable(node) : { milliCpu: 0, memory: 0, ephemeralStorage: 0, pods: 0 });
      expect({ ...info!.requested }).toEqual({
        milliCpu: sum((r) => r.requests.milliCpu),
        memory: sum((r) => r.requests.memory),
        ephemeralStorage: sum((r) => r.requests.ephemeralStorage),
        pods: recs.length,
      });
      expect({ ...info!.nonZeroRequested }).toEqual({ milliCpu: sum((r) => r.nonZero.milliCpu), memory: sum((r) => r.nonZero.memory) });
      expect([...info!.pods].sort()).toEqual(recs.map((r) => r.key).sort());
      for (const p of pods) expect(cache.isAssumed(p.pod)).toBe(p.assumed);
    }
  }
}

describe('SchedulerCache', () => {
  test.prop([fc.array(opArb, { maxLength: 60 })], { numRuns: 300 })(
    'incremental updates equal a full recomputation after every operation',
    (ops) => {
      const cache = new SchedulerCache();
      const model = new Model();
      for (const op of ops) {
        model.apply(op, cache);
        model.check(cache);
      }
    },
  );

  it('confirms an assumed pod, moving it when the watch reports another node', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('a'));
    cache.addNode(makeNode('b'));
    cache.assume(makePod('p', { cpu: '1' }), 'a');
    expect(cache.isAssumed('default/p')).toBe(true);
    expect(cache.getNodeInfo('a')!.requested.milliCpu).toBe(1000);
    cache.addPod(makePod('p', { cpu: '1', nodeName: 'b' }));
    expect(cache.isAssumed('default/p')).toBe(false);
    expect(cache.getNodeInfo('a')!.requested.milliCpu).toBe(0);
    expect(cache.getNodeInfo('b')!.requested.milliCpu).toBe(1000);
    expect(cache.forget('default/p')).toBe(false); // a confirmed pod is not forgotten
  });

  it('keeps a removed node as a placeholder while it has pods, and offers it no more', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('a'));
    cache.addNode(makeNode('b'));
    cache.addPod(makePod('p', { cpu: '1', nodeName: 'a' }));
    cache.removeNode('a');
    expect(cache.nodeList().map((n) => n.name)).toEqual(['b']);
    expect(cache.getNodeInfo('a')!.node).toBeUndefined();
    cache.removePod('default/p');
    expect(cache.getNodeInfo('a')).toBeUndefined();
    cache.addNode(makeNode('a'));
    expect(cache.nodeList().map((n) => n.name)).toEqual(['b', 'a']);
  });

  it('ignores unassigned pods and drops pods that reach a terminal phase', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('a'));
    cache.addPod(makePod('pending'));
    expect(cache.podCount).toBe(0);
    cache.addPod(makePod('job', { cpu: '1', nodeName: 'a', phase: 'Running' }));
    cache.updatePod(makePod('job', { cpu: '1', nodeName: 'a', phase: 'Failed' }));
    expect(cache.podCount).toBe(0);
    expect(cache.getNodeInfo('a')!.requested.milliCpu).toBe(0);
  });

  it('keeps counting a pod whose status changed without re-reading its requests, and re-reads them when its spec changed', () => {
    const cache = new SchedulerCache();
    cache.addNode(makeNode('a'));
    const running = makePod('web', { cpu: '500m', nodeName: 'a', phase: 'Running' });
    cache.addPod(running);
    const ready = { ...running, status: { ...running.status, conditions: [{ type: 'Ready', status: 'True' }] } } as Pod;
    cache.updatePod(ready);
    expect(cache.getPod('default/web')!.pod).toBe(ready);
    expect(cache.getNodeInfo('a')!.requested.milliCpu).toBe(500);
    expect(cache.getNodeInfo('a')!.podCount).toBe(1);
    const resized = makePod('web', { cpu: '700m', nodeName: 'a', phase: 'Running' });
    cache.updatePod(resized);
    expect(cache.getNodeInfo('a')!.requested.milliCpu).toBe(700);
    expect(cache.getNodeInfo('a')!.podCount).toBe(1);
  });

  it('updates stay cheap at 5,000 nodes and 150,000 pods', () => {
    const cache = new SchedulerCache();
    for (let i = 0; i < 5000; i++) cache.addNode(makeNode(`node-${i}`, { cpu: '64', memory: '256Gi' }));
    const pods: Pod[] = [];
    for (let i = 0; i < 150_000; i++) pods.push(makePod(`p-${i}`, { cpu: '100m', memory: '128Mi', nodeName: `node-${i % 5000}` }));
    const t0 = performance.now();
    for (const p of pods) cache.addPod(p);
    const t1 = performance.now();
    for (let i = 0; i < 10_000; i++) cache.removePod(pods[i]!);
    for (let i = 0; i < 10_000; i++) cache.assume(pods[i]!, `node-${(i * 7) % 5000}`);
    for (let i = 0; i < 10_000; i++) cache.addPod(pods[i]!);
    const t2 = performance.now();
    cache.removeNode('node-17');
    cache.nodeList();
    const t3 = performance.now();
    console.log(
      `[cache] addPod ${(((t1 - t0) / 150_000) * 1000).toFixed(2)} µs/op; remove+assume+confirm ${(((t2 - t1) / 30_000) * 1000).toFixed(2)} µs/op; removeNode+relist ${((t3 - t2) * 1000).toFixed(0)} µs`,
    );
    expect(cache.podCount).toBe(150_000);
    expect(cache.nodeList()).toHaveLength(4999);
    expect(cache.getNodeInfo('node-0')!.requested.milliCpu).toBe(30 * 100);
  });
});
