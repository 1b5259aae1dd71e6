import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { NAME_POOLS, objectRef } from '../../../src/verify/arbitraries/object-ref.js';

describe('objectRef', () => {
  it('names objects from the small pools, so steps meet on the same objects', () => {
    for (const kind of ['pods', 'deployments', 'services'] as const) {
      const refs = fc.sample(objectRef(kind), { seed: 1, numRuns: 200 });
      expect(new Set(refs.map((r) => r.name))).toEqual(new Set(NAME_POOLS[kind]));
      expect(new Set(refs.map((r) => r.namespace))).toEqual(new Set(NAME_POOLS.namespaces));
    }
  });

  it('gives a namespace as its own name', () => {
    for (const r of fc.sample(objectRef('namespaces'), { seed: 1, numRuns: 50 })) expect(r.namespace).toBe(r.name);
  });

  it('never lets the workload delete the default namespace', () => {
    expect(NAME_POOLS.deletableNamespaces).not.toContain('default');
  });
});
