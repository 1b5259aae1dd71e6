import { describe, expect, it } from 'vitest';
import { ALLOWED_PHASE_EDGES, podPhaseTransitions } from '../../../src/verify/invariants/pod-phase-transitions.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { pod } from '../helpers.js';
import type { Pod } from '../../../src/api/types.js';

describe('pod-phase-transitions', () => {
  it('allows exactly Pending → Running → Succeeded|Failed and Pending → Succeeded|Failed', () => {
    expect(ALLOWED_PHASE_EDGES).toEqual({ Pending: ['Running', 'Succeeded', 'Failed'], Running: ['Succeeded', 'Failed'], Succeeded: [], Failed: [] });
  });

  it('holds for pods that run and pods that complete', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [podPhaseTransitions] });
    try {
      runner.step(pod('p1'));
      runner.step(pod('p2', { completes: true }));
      runner.step({ op: 'wait', ms: 2_000 });
      expect(runner.cluster.object<Pod>('pods', 'p2')!.status?.phase).toBe('Succeeded');
      runner.step({ op: 'delete-pod', namespace: 'default', name: 'p1' });
      runner.step({ op: 'wait', ms: 5_000 });
      expect(runner.violations).toEqual([]);
    } finally {
      runner.dispose();
    }
  });

  it('sees a phase going back, and a finished pod changing its verdict', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 1, seed: 1 }, invariants: [] });
    try {
      const store = runner.cluster.store;
      const at = (phase: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'x', namespace: 'default', uid: 'u-x' }, spec: { containers: [] }, status: { phase } });
      store.create('/registry/pods/default/x', at('Pending'));
      store.update('/registry/pods/default/x', at('Running'));
      store.update('/registry/pods/default/x', at('Pending'));
      store.update('/registry/pods/default/x', at('Succeeded'));
      store.update('/registry/pods/default/x', at('Failed'));
      runner.history.pull();
      expect(podPhaseTransitions.check(runner.cluster, runner.history).map((v) => v.message)).toEqual([
        expect.stringMatching(/^pod default\/x \(uid u-x\) went from Running \(revision \d+\) to Pending \(revision \d+\)$/),
        expect.stringMatching(/^pod default\/x \(uid u-x\) went from Succeeded \(revision \d+\) to Failed \(revision \d+\)$/),
      ]);
    } finally {
      runner.dispose();
    }
  });
});
