import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { writeRace } from '../../../src/verify/arbitraries/write-race.js';

describe('writeRace', () => {
  const steps = fc.sample(writeRace(), { seed: 1, numRuns: 300 });

  it('labels, bursts of concurrent labels on distinct keys, and stale updates with and without a race', () => {
    expect(new Set(steps.map((s) => s.op))).toEqual(new Set(['label', 'concurrent-labels', 'stale-update']));
    for (const s of steps) if (s.op === 'concurrent-labels') expect(new Set(s.keys).size).toBe(s.keys.length);
    const stale = steps.filter((s) => s.op === 'stale-update') as { race: boolean }[];
    expect(stale.some((s) => s.race) && stale.some((s) => !s.race)).toBe(true);
  });

  it('targets every labelled resource, namespaces by their own name', () => {
    const targets = steps as { resource: string; namespace: string; name: string }[];
    expect(new Set(targets.map((s) => s.resource))).toEqual(new Set(['pods', 'deployments', 'services', 'namespaces']));
    for (const s of targets) if (s.resource === 'namespaces') expect(s.namespace).toBe(s.name);
  });
});
