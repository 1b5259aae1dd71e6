import { describe, expect, it } from 'vitest';
import { noEvictionInFullDisruption } from '../../../src/verify/invariants/no-eviction-in-full-disruption.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { Node, Pod } from '../../../src/api/types.js';
import type { Step } from '../../../src/verify/steps.js';

const deployment: Step = { op: 'create-deployment', namespace: 'default', name: 'd1', replicas: 3, cpu: 100, memory: 64 };
const partition = (node: string): Step => ({ op: 'fault', fault: { kind: 'partition-node', node } });
const wait = (ms: number): Step => ({ op: 'wait', ms });
const readinessNoExecute = (node: Node | undefined) => (node?.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute').map((t) => t.key);

describe('no-eviction-in-full-disruption', () => {
  it('holds on the real cluster: a lone node cut off is never tainted NoExecute and keeps its pods', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [noEvictionInFullDisruption] });
    try {
      for (const s of [deployment, wait(5_000), partition('node-1'), wait(120_000), wait(120_000), wait(120_000), wait(120_000)]) runner.step(s);
      expect(runner.violations).toEqual([]);
      expect(readinessNoExecute(runner.cluster.object<Node>('nodes', 'node-1'))).toEqual([]);
      expect(runner.cluster.objects<Pod>('pods').filter((p) => p.metadata?.deletionTimestamp)).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('holds when the nodes go one by one: the taints put on before take off when the last one goes', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 3, seed: 1 }, invariants: [noEvictionInFullDisruption] });
    try {
      for (const s of [deployment, wait(5_000), partition('node-1'), wait(60_000), partition('node-2'), wait(60_000)]) runner.step(s);
      // two of three nodes not Ready: a Normal zone (PartialDisruption needs more than 2), both tainted
      expect(readinessNoExecute(runner.cluster.object<Node>('nodes', 'node-1'))).toEqual(['node.kubernetes.io/unreachable']);
      expect(readinessNoExecute(runner.cluster.object<Node>('nodes', 'node-2'))).toEqual(['node.kubernetes.io/unreachable']);
      for (const s of [partition('node-3'), wait(60_000), wait(120_000), wait(120_000), wait(120_000)]) runner.step(s);
      expect(runner.violations).toEqual([]);
      for (const n of ['node-1', 'node-2', 'node-3']) expect(readinessNoExecute(runner.cluster.object<Node>('nodes', n))).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('catches a node lifecycle controller that ignores full disruption', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: findMutant('node-lifecycle-ignores-full-disruption')!.cluster({ nodes: 1, seed: 1 }), invariants: [noEvictionInFullDisruption] });
    try {
      expect(() => {
        for (const s of [deployment, wait(5_000), partition('node-1'), wait(120_000)]) runner.step(s);
      }).toThrow(/no-eviction-in-full-disruption/);
      expect(runner.violations.map((v) => v.message)).toEqual([
        expect.stringMatching(
          /^the node lifecycle controller put node\.kubernetes\.io\/unreachable:NoExecute on node node-1 \(timeAdded \S+\) at t=\d+\.\d{3}s while no node was Ready \(since t=[\d.]+s\): every zone is in FullDisruption and kube-controller-manager taints nothing in master disruption mode$/,
        ),
      ]);
    } finally {
      runner.dispose();
    }
  });
});
