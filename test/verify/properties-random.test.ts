/**
 * The CI run of the properties with a random seed, printed first: set KUBE_ACTORS_SEED to run
 * (or replay) a given one. A failure names the seed and the replay command.
 */
import { describe, expect, it } from 'vitest';
import { clusterShape } from '../../src/verify/arbitraries/cluster-shape.js';
import { faultStep } from '../../src/verify/arbitraries/fault-step.js';
import { formatReport, randomSeed, seedFromEnvironment, verify } from '../../src/verify/verify.js';

/** Scenarios with a random seed. */
export const RANDOM_RUNS = 300;

const seed = seedFromEnvironment() ?? randomSeed();
console.log(`KUBE_ACTORS_SEED=${seed} (the random seed of test/verify/properties-random.test.ts; set it to replay)`);

describe(`the real cluster satisfies every invariant under faults (random seed ${seed})`, () => {
  it(`${RANDOM_RUNS} scenarios`, { timeout: 300_000 }, () => {
    const report = verify({
      seed,
      runs: RANDOM_RUNS,
      steps: 20,
      shape: clusterShape({ maxNodes: 3 }),
      faults: faultStep(3),
      replayArgs: ['(with the CI options: test/verify/properties-random.test.ts)'],
    });
    expect(report.ok, `KUBE_ACTORS_SEED=${seed}\n${formatReport(report)}`).toBe(true);
  });
});
