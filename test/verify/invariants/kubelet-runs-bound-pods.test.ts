import { describe, expect, it } from 'vitest';
import { kubeletRunsBoundPods } from '../../../src/verify/invariants/kubelet-runs-bound-pods.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { pod } from '../helpers.js';

describe('kubelet-runs-bound-pods', () => {
  it('holds while pods come and go, and after a node crash (the crashed node runs nothing)', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 1 }, invariants: [kubeletRunsBoundPods] });
    try {
      for (const name of ['p1', 'p2', 'p3']) runner.step(pod(name));
      runner.step({ op: 'wait', ms: 1_000 });
      runner.step({ op: 'delete-pod', namespace: 'default', name: 'p1' });
      runner.step({ op: 'fault', fault: { kind: 'crash-node', node: 'node-1' } });
      runner.step({ op: 'wait', ms: 200_000 });
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('sees a worker running on a node its pod is not bound to', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 1 }, invariants: [] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'wait', ms: 1_000 });
      const kv = runner.cluster.store.get('/registry/pods/default/p1')!;
      const on = (kv.value as { spec: { nodeName: string } }).spec.nodeName;
      const other = on === 'node-1' ? 'node-2' : 'node-1';
      runner.cluster.store.update(kv.key, { ...kv.value, spec: { ...(kv.value as { spec: object }).spec, nodeName: other } } as never);
      const [v] = kubeletRunsBoundPods.check(runner.cluster, runner.history);
      expect(v!.message).toBe(`pod default/p1 is bound to ${other} but its worker runs on ${on}`);
    } finally {
      runner.dispose();
    }
  });

  // the greedy kubelet's worker may be shadowed at its address by the rightful one's: the
  // invariant finds it through the kubelets' worker maps (src/verify/workers.ts)
  it('sees a kubelet that runs pods of other nodes', () => {
    const runner = new ScenarioRunner({ cluster: findMutant('kubelet-runs-foreign-pods')!.cluster({ nodes: 2, seed: 1 }), invariants: [kubeletRunsBoundPods] });
    try {
      // whether the greedy kubelet gets to a pod before its own kubelet does depends on the
      // interleaving: a few pods are enough for it to run one that is not its node's
      expect(() => {
        for (let i = 1; i <= 5; i++) {
          runner.step(pod(`p${i}`));
          runner.step({ op: 'wait', ms: 1_000 });
        }
      }).toThrow(/kubelet-runs-bound-pods/);
      expect(runner.violations[0]!.message).toMatch(/^pod default\/p\d is (bound to node-\d but its worker runs on node-\d|not bound to any node but a worker runs it on node-\d)$/);
    } finally {
      runner.dispose();
    }
  });

  it('sees a worker outliving its deleted pod once the cluster is quiet', () => {
    const runner = new ScenarioRunner({ cluster: findMutant('kubelet-ignores-deletions')!.cluster({ nodes: 1, seed: 1 }), invariants: [kubeletRunsBoundPods] });
    try {
      runner.step(pod('p1', { grace: 0 }));
      runner.step({ op: 'wait', ms: 1_000 });
      runner.step({ op: 'delete-pod', namespace: 'default', name: 'p1', grace: 0 });
      runner.step({ op: 'wait', ms: 60_000 }); // within the allowance
      expect(runner.violations).toEqual([]);
      expect(() => runner.step({ op: 'wait', ms: 60_000 })).toThrow(/kubelet-runs-bound-pods/);
      expect(runner.violations[0]!.message).toMatch(/^pod default\/p1 is gone from etcd but its worker \(uid [-0-9a-f]+\) still runs on node-1, \d+ s after the cluster was free of faults \(grace 0 s\)$/);
    } finally {
      runner.dispose();
    }
  });
});
