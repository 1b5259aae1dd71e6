import { describe, expect, it } from 'vitest';
import { podWorkers } from '../../src/verify/workers.js';
import { ScenarioRunner } from '../../src/verify/runner.js';

describe('podWorkers', () => {
  it("lists the running pod workers with their node, uid, reported phase and grace period", () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 1 }, invariants: [] });
    try {
      runner.step({ op: 'create-pod', namespace: 'default', name: 'p1', cpu: 100, memory: 64, grace: 7 });
      runner.step({ op: 'wait', ms: 1_000 });
      const pod = runner.cluster.object('pods', 'p1') as { metadata: { uid: string }; spec: { nodeName: string } };
      expect(podWorkers(runner.cluster)).toEqual([{ address: 'pod/default/p1', name: 'default/p1', host: pod.spec.nodeName, uid: pod.metadata.uid, phase: 'Running', graceSeconds: 7 }]);
      runner.step({ op: 'delete-pod', namespace: 'default', name: 'p1', grace: 0 });
      runner.step({ op: 'wait', ms: 1_000 });
      expect(podWorkers(runner.cluster)).toEqual([]);
    } finally {
      runner.dispose();
    }
  });
});
