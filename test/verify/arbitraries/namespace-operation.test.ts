import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { namespaceOperation } from '../../../src/verify/arbitraries/namespace-operation.js';

describe('namespaceOperation', () => {
  it('creates and deletes ns-a and ns-b, never default', () => {
    const steps = fc.sample(namespaceOperation(), { seed: 1, numRuns: 200 });
    expect(new Set(steps.map((s) => s.op))).toEqual(new Set(['create-namespace', 'delete-namespace']));
    for (const s of steps) expect(['ns-a', 'ns-b']).toContain((s as { name: string }).name);
  });
});
