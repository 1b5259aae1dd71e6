import { describe, expect, it } from 'vitest';
import { preemptedPodsLowerPriority } from '../../../src/verify/invariants/preempted-pods-lower-priority.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { placed, runPlacement } from './placement-helpers.js';

const ONE_NODE = [{ name: 'node-1', labels: { zone: 'a' }, capacity: { cpu: '1', memory: '1Gi', pods: '10' } }];

describe('preempted-pods-lower-priority', () => {
  it('holds for the real scheduler: a high-priority pod preempts a low one, an equal one waits', { timeout: 60_000 }, () => {
    const r = runPlacement(
      preemptedPodsLowerPriority,
      [placed('q1', { cpu: 1000, priority: 'verify-low' }), placed('q2', { cpu: 1000, priority: 'verify-high' }), { op: 'wait', ms: 10_000 }, placed('q3', { cpu: 1000, priority: 'verify-high' })],
      { nodes: ONE_NODE },
    );
    expect(r.violations).toEqual([]);
    expect(r.placed).toEqual({ q2: 'node-1', q3: '' });
  });

  it('catches a preemption that ignores priorities', { timeout: 60_000 }, () => {
    const mutant = findMutant('preemption-ignores-priority')!;
    const profile = mutant.cluster({}).schedulerProfile!;
    expect(() => runPlacement(preemptedPodsLowerPriority, [placed('q1', { cpu: 1000, priority: 'verify-high' }), placed('q2', { cpu: 1000, priority: 'verify-low' })], { nodes: ONE_NODE, profile })).toThrow(
      /\[preempted-pods-lower-priority\] .*pod default\/q1 \(priority 1000\) was preempted on node-1 at revision \d+ for pod default\/q2 \(priority 100\), whose priority is not higher/,
    );
  });
});
