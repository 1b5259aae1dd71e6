import { describe, expect, it } from 'vitest';
import { topologySpreadRespected } from '../../../src/verify/invariants/topology-spread-respected.js';
import { createProfile } from '../../../machines/scheduler/registry.js';
import { placed, runPlacement } from './placement-helpers.js';

const zoneSpread = ['q1', 'q2', 'q3', 'q4'].map((n) => placed(n, { spread: 'zone' }));

describe('topology-spread-respected', () => {
  it('holds for the real scheduler: 2/2 over two zones of two and one nodes', { timeout: 60_000 }, () => {
    const r = runPlacement(topologySpreadRespected, zoneSpread);
    expect(r.violations).toEqual([]);
    const zoneB = Object.values(r.placed).filter((n) => n === 'node-3').length;
    expect(zoneB).toBe(2);
  });

  it('a skew left by later deletions is not a violation: it is judged at the binding', { timeout: 60_000 }, () => {
    // q1..q4 spread 2/2; deleting both pods of zone b leaves zone a two ahead, legitimately
    const r = runPlacement(topologySpreadRespected, zoneSpread);
    const inB = Object.entries(r.placed).filter(([, n]) => n === 'node-3').map(([p]) => p);
    const after = runPlacement(topologySpreadRespected, [...zoneSpread, { op: 'wait', ms: 5_000 }, ...inB.map((name) => ({ op: 'delete-pod' as const, namespace: 'default', name })), { op: 'wait', ms: 10_000 }]);
    expect(after.violations).toEqual([]);
    expect(Object.values(after.placed).filter(Boolean).length).toBe(2);
  });

  it('catches a scheduler without PodTopologySpread', { timeout: 60_000 }, () => {
    // without the plugin the resource scores put the pods on the big node
    const nodes = [
      { name: 'node-1', labels: { zone: 'a' }, capacity: { cpu: '32', memory: '64Gi', pods: '110' } },
      { name: 'node-2', labels: { zone: 'b' }, capacity: { cpu: '2', memory: '2Gi', pods: '110' } },
    ];
    const steps = ['q1', 'q2', 'q3', 'q4'].map((n) => placed(n, { cpu: 500, spread: 'kubernetes.io/hostname' }));
    expect(() => runPlacement(topologySpreadRespected, steps, { nodes, profile: createProfile({ disable: ['PodTopologySpread'] }) })).toThrow(
      /\[topology-spread-respected\] .*pod default\/q\d was bound to node-\d \((zone|kubernetes\.io\/hostname)=[a-z0-9-]+\) at revision \d+: \d+ matching pod\(s\) ran there, the emptiest domain had at most \d+, skew \d+ > maxSkew 1/,
    );
  });
});
