import { describe, expect, it } from 'vitest';
import { faultActive, History, stateOf } from '../../src/verify/history.js';
import { createCluster } from '../../src/cluster/create-cluster.js';

describe('History', () => {
  it('reads every etcd change, in revision order, with the bootstrap objects first', () => {
    const cluster = createCluster({ nodes: 1, seed: 1 });
    try {
      const history = new History(cluster);
      history.pull();
      const bootstrap = history.changes.length;
      expect(bootstrap).toBeGreaterThan(10);
      cluster.advance(2_000);
      history.pull();
      const revisions = history.changes.map((c) => c.revision);
      expect(revisions).toEqual([...revisions].sort((a, b) => a - b));
      expect(revisions.at(-1)).toBe(cluster.store.revision);
      expect(history.changes.some((c) => c.change.kv.key === '/registry/minions/node-1')).toBe(true);
      expect(history.changesFrom(bootstrap).length).toBe(history.changes.length - bootstrap);
    } finally {
      cluster.stop();
    }
  });

  it('knows when a fault is active and since when the cluster is quiet', () => {
    const cluster = createCluster({ nodes: 2, seed: 1 });
    try {
      const history = new History(cluster);
      cluster.advance(1_000);
      history.pull();
      expect(history.quietSince).toBe(0);
      const at = cluster.now();
      history.noteFault({ kind: 'partition-node', node: 'node-1' });
      cluster.faults.partitionNode('node-1');
      expect(stateOf(cluster, 'node/node-1')).toBe('partitioned');
      expect(faultActive(cluster)).toBe(true);
      history.pull();
      expect(history.quietSince).toBeUndefined();
      cluster.faults.healAll();
      cluster.advance(500);
      history.pull();
      expect(history.quietSince).toBe(cluster.now());
      cluster.faults.messageLoss(0.1);
      expect(faultActive(cluster)).toBe(true);
      cluster.faults.messageLoss(0);
      cluster.faults.etcdOutage();
      expect(faultActive(cluster)).toBe(true);
      expect(history.faults).toEqual([{ time: at, step: -1, fault: { kind: 'partition-node', node: 'node-1' } }]);
    } finally {
      cluster.stop();
    }
  });

  it('gives each invariant its own scratch space, and each call its own flow', () => {
    const cluster = createCluster({ nodes: 1, seed: 1 });
    try {
      const history = new History(cluster);
      const a = history.scratch('a', () => ({ n: 1 }));
      a.n++;
      expect(history.scratch('a', () => ({ n: 100 })).n).toBe(2);
      const c1 = history.openCall({ user: 'admin', spec: { verb: 'list', resource: 'pods' } }, 'list pods');
      const c2 = history.openCall({ user: 'guest', spec: { verb: 'list', resource: 'pods' } }, 'list pods');
      expect([c1.id, c2.id]).toEqual([1, 2]);
      expect(c1.flow).toBe('verify#1 list pods');
      expect(history.callsByFlow.get(c2.flow)).toBe(c2);
    } finally {
      cluster.stop();
    }
  });
});
