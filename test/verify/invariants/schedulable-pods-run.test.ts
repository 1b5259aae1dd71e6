import { describe, expect, it } from 'vitest';
import { schedulablePodsRun } from '../../../src/verify/invariants/schedulable-pods-run.js';
import { run, pod } from '../helpers.js';
import { findMutant } from '../../../src/verify/mutants.js';

describe('schedulable-pods-run', () => {
  it('holds once pods run; a pod too big for every node is excused', () => {
    const r = run([pod('p1'), pod('huge', { cpu: 64_000 }), pod('done', { completes: true })], [schedulablePodsRun], { nodes: 1, seed: 1 });
    expect(r.violations).toEqual([]);
    expect(r.convergedAfter).toBeDefined();
  });

  it('sees pods that stay Pending on their node', () => {
    const r = run([pod('p1')], [schedulablePodsRun], findMutant('kubelet-never-reports-status')!.cluster({ nodes: 1, seed: 1 }), 30_000);
    expect(r.violations.map((v) => v.message)).toEqual(['pod default/p1 is bound to node-1 but is Pending, not Running (still, 30 s of virtual time after every fault was healed)']);
  });
});
