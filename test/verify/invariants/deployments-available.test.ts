import { describe, expect, it } from 'vitest';
import { deploymentsAvailable } from '../../../src/verify/invariants/deployments-available.js';
import { findMutant } from '../../../src/verify/mutants.js';
import { run } from '../helpers.js';
import type { Step } from '../../../src/verify/steps.js';

const steps: Step[] = [
  { op: 'create-deployment', namespace: 'default', name: 'd1', replicas: 2, cpu: 100, memory: 64 },
  { op: 'wait', ms: 2_000 },
  { op: 'scale-deployment', namespace: 'default', name: 'd1', replicas: 3 },
  { op: 'evict-pod', namespace: 'default', deployment: 'd1' },
];

describe('deployments-available', () => {
  it('holds once scaled and evicted replicas are back', () => {
    const r = run(steps, [deploymentsAvailable], { nodes: 2, seed: 1 });
    expect(r.violations).toEqual([]);
  });

  it('excuses replicas that fit on no node', () => {
    const r = run([{ op: 'create-deployment', namespace: 'default', name: 'd1', replicas: 3, cpu: 2000, memory: 64 }], [deploymentsAvailable], { nodes: [{ name: 'node-1', capacity: { cpu: '4' } }], seed: 1 });
    expect(r.violations).toEqual([]);
  });

  it('sees a Deployment whose scale is never carried out', () => {
    const r = run(steps, [deploymentsAvailable], findMutant('deployment-ignores-scale')!.cluster({ nodes: 2, seed: 1 }), 30_000);
    expect(r.violations[0]!.message).toMatch(/^deployment default\/d1 wants 3 replicas: 2 of its pods are running and ready \(2 active pods, 1 ReplicaSets\), status\.availableReplicas is 2 \(still, 30 s/);
  });
});
