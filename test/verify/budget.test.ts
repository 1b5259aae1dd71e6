import { describe, expect, it } from 'vitest';
import { ScenarioRunner } from '../../src/verify/runner.js';
import { formatReport, verify, type VerifyProgress } from '../../src/verify/verify.js';
import { clusterShape } from '../../src/verify/arbitraries/cluster-shape.js';
import { pod } from './helpers.js';

describe('verification stays within its bounds', () => {
  it('a cluster delivering more messages per virtual second than maxMessageRate is a hot loop: a violation at once, not minutes of simulation', () => {
    const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 1 }, invariants: [], maxMessageRate: 10 });
    try {
      runner.step(pod('p1'));
      expect(() => runner.step({ op: 'wait', ms: 60_000 })).toThrow(/the cluster does not settle: \d+ messages in \d+ ms of virtual time \(more than 10 per second\)/);
      // it stopped in the first slice of 500 ms, not after the minute
      expect(runner.cluster.now()).toBeLessThan(5_000);
      expect(runner.violations[0]!.invariant).toBe('simulation');
    } finally {
      runner.dispose();
    }
  });

  it('shrinking stops when its budget is spent and reports the smallest counterexample so far; progress gives its size', () => {
    let clock = 0;
    const progress: VerifyProgress[] = [];
    const report = verify({
      mutant: 'scheduler-ignores-capacity',
      seed: 1,
      runs: 100,
      steps: 20,
      timeout: 60_000,
      trace: false,
      shape: clusterShape({ maxNodes: 3 }),
      shrinkBudget: 2,
      // a clock that moves one unit per reading: the budget is spent after two shrink attempts
      now: () => clock++,
      onProgress: (p) => progress.push(p),
    });
    expect(report.ok).toBe(false);
    expect(report.failure!.shrinkBudgetSpent).toBe(true);
    expect(formatReport(report)).toContain('the shrink budget ran out: the smallest counterexample found so far');
    expect(report.failure!.replay).toContain('--path ');
    const failing = progress.filter((p) => p.failing);
    expect(failing.length).toBeGreaterThan(0);
    expect(failing.every((p) => typeof p.size === 'number' && p.size >= 1)).toBe(true);
    expect(failing.some((p) => p.budgetSpent)).toBe(true);
  });
});
