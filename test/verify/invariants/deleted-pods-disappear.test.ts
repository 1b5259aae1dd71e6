import { describe, expect, it } from 'vitest';
import { deletedPodsDisappear } from '../../../src/verify/invariants/deleted-pods-disappear.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { pod, run } from '../helpers.js';

describe('deleted-pods-disappear', () => {
  it('holds once the kubelet stopped and removed deleted pods', () => {
    const r = run([pod('p1', { grace: 1 }), { op: 'wait', ms: 1_000 }, { op: 'delete-pod', namespace: 'default', name: 'p1' }], [deletedPodsDisappear], { nodes: 1, seed: 1 });
    expect(r.violations).toEqual([]);
  });

  it('sees a pod left Terminating by a kubelet that ignores deletions', () => {
    const r = run([pod('p1', { grace: 1 }), { op: 'wait', ms: 1_000 }, { op: 'delete-pod', namespace: 'default', name: 'p1' }], [deletedPodsDisappear], findMutant('kubelet-ignores-deletions')!.cluster({ nodes: 1, seed: 1 }), 30_000);
    expect(r.violations[0]!.message).toMatch(/^pod default\/p1 on node-1 was marked for deletion at 2026-01-01T\d\d:\d\d:\d\dZ and is still in etcd \(Running\) \(still, 30 s/);
  });
});
