import { describe, expect, it } from 'vitest';
import { podBoundOnce } from '../../../src/verify/invariants/pod-bound-once.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { pod } from '../helpers.js';

describe('pod-bound-once', () => {
  it('holds while pods are scheduled, and sees a pod moved to another node or unbound in etcd', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 1 }, invariants: [podBoundOnce] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'wait', ms: 1_000 });
      expect(podBoundOnce.check(runner.cluster, runner.history)).toEqual([]);
      const key = '/registry/pods/default/p1';
      const kv = runner.cluster.store.get(key)!;
      const from = (kv.value as { spec: { nodeName: string } }).spec.nodeName;
      const to = from === 'node-1' ? 'node-2' : 'node-1';
      runner.cluster.store.update(key, { ...kv.value, spec: { ...(kv.value as { spec: object }).spec, nodeName: to } } as never);
      runner.history.pull();
      const [v] = podBoundOnce.check(runner.cluster, runner.history);
      expect(v!.invariant).toBe('pod-bound-once');
      expect(v!.message).toMatch(new RegExp(`^pod default/p1 \\(uid [-0-9a-f]+\\) was bound to ${from} at revision \\d+ and is bound to ${to} at revision \\d+$`));
      const again = runner.cluster.store.get(key)!;
      runner.cluster.store.update(key, { ...again.value, spec: { ...(again.value as { spec: object }).spec, nodeName: undefined } } as never);
      runner.history.pull();
      expect(podBoundOnce.check(runner.cluster, runner.history)[0]!.message).toMatch(/lost its node/);
    } finally {
      runner.dispose();
    }
  });

  it('lets a deleted pod come back under the same name on another node', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 3, seed: 2 }, invariants: [podBoundOnce] });
    try {
      for (let i = 0; i < 3; i++) {
        runner.step(pod('p1', { grace: 0 }));
        runner.step({ op: 'wait', ms: 500 });
        runner.step({ op: 'delete-pod', namespace: 'default', name: 'p1', grace: 0 });
        runner.step({ op: 'wait', ms: 500 });
      }
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });
});
