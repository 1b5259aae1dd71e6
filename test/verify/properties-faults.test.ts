/**
 * The CI run of the properties on the real cluster with faults, with a fixed seed: node
 * crashes, restarts, partitions and heals, etcd outages, component and API server restarts,
 * message loss, duplication and reordering (every kind of fault), then every fault healed and
 * convergence required.
 */
import { describe, expect, it } from 'vitest';
import { clusterShape } from '../../src/verify/arbitraries/cluster-shape.js';
import { faultStep } from '../../src/verify/arbitraries/fault-step.js';
import { formatReport, verify } from '../../src/verify/verify.js';

/** Scenarios with faults (chosen so that the whole suite stays near 10 minutes on 2 cores; `kube-actors verify --workers N` runs many more). */
export const RUNS_WITH_FAULTS = 800;

describe('the real cluster satisfies every invariant under faults (fixed seed)', () => {
  it(`${RUNS_WITH_FAULTS} scenarios of random workloads and fault plans`, { timeout: 300_000 }, () => {
    const report = verify({
      seed: 20260102,
      runs: RUNS_WITH_FAULTS,
      steps: 20,
      shape: clusterShape({ maxNodes: 3 }),
      faults: faultStep(3),
    });
    expect(report.ok, formatReport(report)).toBe(true);
    expect(report.runs).toBe(RUNS_WITH_FAULTS);
  });
});
