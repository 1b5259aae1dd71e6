/**
 * The CI run of the properties on the real cluster, with a fixed seed: every invariant, small
 * clusters (1-3 nodes), scenarios of up to 20 steps. A failure prints the seed, the shrunk steps,
 * the violations and the command that replays it.
 *
 * Faults that trigger the real cluster's known bugs are left out for now (helpers.ts).
 */
import { describe, expect, it } from 'vitest';
import { clusterShape } from '../../src/verify/arbitraries/cluster-shape.js';
import { formatReport, verify } from '../../src/verify/verify.js';

/** The fixed seed of the CI properties. */
export const FIXED_SEED = 20260101;
/** Scenarios without faults (chosen so that the whole suite stays near 10 minutes on 2 cores; `kube-actors verify --workers N` runs many more). */
export const RUNS_WITHOUT_FAULTS = 1000;

describe('the real cluster satisfies every invariant (fixed seed)', () => {
  it(`${RUNS_WITHOUT_FAULTS} scenarios of random workloads`, { timeout: 300_000 }, () => {
    const report = verify({ seed: FIXED_SEED, runs: RUNS_WITHOUT_FAULTS, steps: 20, shape: clusterShape({ maxNodes: 3 }) });
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.runs).toBe(RUNS_WITHOUT_FAULTS);
  });
});
