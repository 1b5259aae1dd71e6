import { describe, expect, it } from 'vitest';
import { onlyApiServerTalksToEtcd } from '../../../src/verify/invariants/only-api-server-talks-to-etcd.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { pod } from '../helpers.js';

describe('only-api-server-talks-to-etcd', () => {
  it('holds through a workload and injected etcd faults, and names any other sender once', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [onlyApiServerTalksToEtcd] });
    try {
      runner.step(pod('p1'));
      runner.step({ op: 'fault', fault: { kind: 'etcd-outage' } });
      runner.step({ op: 'fault', fault: { kind: 'etcd-recover' } });
      runner.step({ op: 'wait', ms: 1_000 });
      expect(runner.violations).toEqual([]);
      runner.cluster.kernel.send('scheduler', 'etcd', { type: 'etcd.get', id: 'x', from: 'scheduler', key: '/registry/pods/default/p1' } as never);
      runner.cluster.kernel.send('scheduler', 'etcd', { type: 'etcd.get', id: 'y', from: 'scheduler', key: '/registry/pods/default/p1' } as never);
      runner.cluster.advance(10);
      const found = onlyApiServerTalksToEtcd.check(runner.cluster, runner.history);
      expect(found).toHaveLength(1);
      expect(found[0]!.message).toMatch(/^scheduler sent etcd\.get \(get \/registry\/pods\/default\/p1\) to etcd directly \(trace entry #\d+, delivered\); only the API server may talk to etcd$/);
    } finally {
      runner.dispose();
    }
  });
});
