import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { faultStep } from '../../../src/verify/arbitraries/fault-step.js';
import type { Fault } from '../../../src/cluster/faults.js';

describe('faultStep', () => {
  it('draws every kind of fault, on the cluster nodes only, with rates of at most 20 %', () => {
    const faults = fc.sample(faultStep(3), { seed: 1, numRuns: 1000 }).map((s) => s.fault);
    expect(new Set(faults.map((f) => f.kind)).size).toBe(13);
    for (const f of faults) {
      if ('node' in f) expect(['node-1', 'node-2', 'node-3']).toContain(f.node);
      if ('rate' in f) {
        expect(f.rate).toBeGreaterThanOrEqual(0);
        expect(f.rate).toBeLessThanOrEqual(0.2);
      }
    }
    // a rate of 0 turns a message fault off again
    expect(faults.some((f) => f.kind === 'message-loss' && f.rate === 0)).toBe(true);
  });

  it('leaves out excluded kinds and caps the rates', () => {
    const faults = fc.sample(faultStep(2, { exclude: ['crash-node', 'etcd-outage'], maxRate: 0.05 }), { seed: 1, numRuns: 500 }).map((s) => s.fault);
    expect(faults.some((f) => f.kind === 'crash-node' || f.kind === 'etcd-outage')).toBe(false);
    for (const f of faults) if ('rate' in f) expect((f).rate).toBeLessThanOrEqual(0.05);
  });

  it('refuses a cluster without nodes and a plan with every kind excluded', () => {
    expect(() => faultStep(0)).toThrow(RangeError);
    const all: Fault['kind'][] = ['crash-node', 'restart-node', 'partition-node', 'heal-node', 'etcd-outage', 'etcd-recover', 'restart-api-server', 'restart-scheduler', 'restart-controller-manager', 'message-loss', 'message-duplication', 'message-reorder', 'heal-all'];
    expect(() => faultStep(1, { exclude: all })).toThrow(RangeError);
  });
});
