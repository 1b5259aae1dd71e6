import { describe, expect, it } from 'vitest';
import { nodeCapacity } from '../../../src/verify/invariants/node-capacity.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { pod } from '../helpers.js';

describe('node-capacity', () => {
  it('holds when the scheduler fills a small node, leaving the rest Pending', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: [{ name: 'node-1', capacity: { cpu: '1', memory: '1Gi', pods: '3' } }], seed: 1 }, invariants: [nodeCapacity] });
    try {
      for (const name of ['p1', 'p2', 'p3', 'p4']) runner.step(pod(name, { cpu: 400, memory: 128 }));
      runner.step({ op: 'wait', ms: 2_000 });
      const bound = runner.cluster.objects('pods').filter((p) => (p as { spec: { nodeName?: string } }).spec.nodeName);
      expect(bound.length).toBe(2);
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('sees a node whose bound pods ask for more than it has, also when it lasts only between two checks', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: [{ name: 'node-1', capacity: { cpu: '1', memory: '1Gi', pods: '3' } }], seed: 1 }, invariants: [] });
    try {
      const store = runner.cluster.store;
      const big = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', uid: `uid-${name}` }, spec: { nodeName: 'node-1', containers: [{ name: 'c', image: 'x', resources: { requests: { cpu: '800m', memory: '100Mi' } } }] }, status: { phase: 'Pending' } });
      store.create('/registry/pods/default/a', big('a'));
      store.create('/registry/pods/default/b', big('b'));
      store.delete('/registry/pods/default/b');
      runner.history.pull();
      // allocatable is the capacity less the kubelet's hard eviction threshold (memory.available<100Mi)
      const [v, ...rest] = nodeCapacity.check(runner.cluster, runner.history);
      expect(rest).toEqual([]);
      expect(v!.message).toMatch(/^node node-1 is overcommitted on cpu at revision \d+: its pods request cpu=1600m memory=200Mi pods=2, allocatable is cpu=1000m memory=924Mi pods=3 \(pods: default\/a, default\/b\)$/);
    } finally {
      runner.dispose();
    }
  });
});
