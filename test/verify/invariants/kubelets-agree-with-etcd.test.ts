import { describe, expect, it } from 'vitest';
import { kubeletsAgreeWithEtcd } from '../../../src/verify/invariants/kubelets-agree-with-etcd.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { pod, run } from '../helpers.js';

describe('kubelets-agree-with-etcd', () => {
  it('holds for running, finished and deleted pods', () => {
    const r = run([pod('p1'), pod('p2', { completes: true }), pod('p3'), { op: 'wait', ms: 1_000 }, { op: 'delete-pod', namespace: 'default', name: 'p3' }], [kubeletsAgreeWithEtcd], { nodes: 2, seed: 1 });
    expect(r.violations).toEqual([]);
  });

  it('sees etcd and the kubelet disagree on the phase of a pod', () => {
    const r = run([pod('p1')], [kubeletsAgreeWithEtcd], findMutant('kubelet-never-reports-status')!.cluster({ nodes: 1, seed: 1 }), 30_000);
    expect(r.violations.map((v) => v.message)).toEqual(['pod default/p1 on node-1 is Pending in etcd, but its worker reports Running (still, 30 s of virtual time after every fault was healed)']);
  });
});
