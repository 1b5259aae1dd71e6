import { describe, expect, it } from 'vitest';
import { unreachablePodsEvicted, unreachableToleration } from '../../../src/verify/invariants/unreachable-pods-evicted.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import type { Pod } from '../../../src/api/types.js';
import type { Step } from '../../../src/verify/steps.js';

const plan: Step[] = [
  { op: 'create-deployment', namespace: 'default', name: 'd1', replicas: 2, cpu: 100, memory: 64 },
  { op: 'wait', ms: 5_000 },
  { op: 'fault', fault: { kind: 'partition-node', node: 'node-1' } },
  { op: 'wait', ms: 120_000 },
  { op: 'wait', ms: 120_000 },
  { op: 'wait', ms: 120_000 },
  { op: 'wait', ms: 120_000 },
];

describe('unreachable-pods-evicted', () => {
  it('reads the toleration of the unreachable taint: none (0), seconds, or for ever', () => {
    const withTolerations = (tolerations: unknown[]) => ({ spec: { tolerations } }) as Pod;
    expect(unreachableToleration(withTolerations([]))).toBe(0);
    expect(unreachableToleration(withTolerations([{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]))).toBe(300);
    expect(unreachableToleration(withTolerations([{ operator: 'Exists' }]))).toBeUndefined();
  });

  it('holds on the real cluster: pods of a partitioned node are evicted after grace + 300 s', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 1 }, invariants: [unreachablePodsEvicted] });
    try {
      for (const s of plan) runner.step(s);
      expect(runner.violations).toEqual([]);
      const onNode1 = runner.cluster.objects<Pod>('pods').filter((p) => p.spec?.nodeName === 'node-1');
      expect(onNode1.every((p) => p.metadata?.deletionTimestamp)).toBe(true);
    } finally {
      runner.dispose();
    }
  });

  it('sees a node lifecycle controller that never evicts', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: findMutant('node-lifecycle-never-evicts')!.cluster({ nodes: 2, seed: 1 }), invariants: [unreachablePodsEvicted] });
    try {
      expect(() => {
        for (const s of plan) runner.step(s);
      }).toThrow(/unreachable-pods-evicted/);
      expect(runner.violations[0]!.message).toMatch(/^pod default\/d1-\w+-\w+ is still bound to node-1, which has been partitioned since t=\d+(\.\d)?s, \d+ s without being evicted \(grace 50 s \+ toleration 300 s\)$/);
    } finally {
      runner.dispose();
    }
  });

  it('requires nothing while every node is cut off (master disruption mode), and counts again from the heal', { timeout: 60_000 }, () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [unreachablePodsEvicted] });
    try {
      for (const s of plan) runner.step(s);
      expect(runner.violations).toEqual([]);
      // the lone node's pods stay: the controller evicts nothing when no node is Ready
      const onNode1 = runner.cluster.objects<Pod>('pods').filter((p) => p.spec?.nodeName === 'node-1');
      expect(onNode1.length).toBeGreaterThan(0);
      expect(onNode1.some((p) => p.metadata?.deletionTimestamp)).toBe(false);
    } finally {
      runner.dispose();
    }
  });
});
