import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { verifyParallel, workerOptions } from '../../src/verify/parallel.js';
import { verify } from '../../src/verify/verify.js';

/** The parts of a report that must not depend on the number of workers. */
const essence = (r: Awaited<ReturnType<typeof verifyParallel>>) => ({
  ok: r.ok,
  seed: r.seed,
  runs: r.runs,
  mutant: r.mutant,
  path: r.failure?.path,
  counterexample: r.failure?.counterexample,
  violations: r.failure?.violations.map((v) => v.invariant),
  replay: r.failure?.replay,
});

describe('verifyParallel', { timeout: 300_000 }, () => {
  it('finds the same first failure and the same shrunk counterexample with 1 worker and with 4', async () => {
    const options = { seed: 20261207, runs: 12, steps: 12, timeout: 60_000, mutant: 'scheduler-ignores-capacity', trace: false };
    const one = await verifyParallel({ ...options, workers: 1 });
    const four = await verifyParallel({ ...options, workers: 4 });
    expect(one.ok).toBe(false);
    expect(essence(four)).toEqual(essence(one)); // (one worker is verify() itself)
  });

  it('runs every scenario on the workers when all pass, with progress for each', async () => {
    const seen: number[] = [];
    const report = await verifyParallel({ seed: 7, runs: 6, steps: 8, timeout: 60_000, workers: 2, onProgress: (p) => seen.push(p.done) });
    expect(report.ok).toBe(true);
    expect(report.runs).toBe(6);
    expect(seen).toEqual([1, 2, 3, 4, 5, 6]); // one report per scenario, in the order they end
    expect(essence(report)).toEqual(essence(verify({ seed: 7, runs: 6, steps: 8, timeout: 60_000 })));
  });

  it('refuses options that cannot cross to a worker thread, naming them', () => {
    expect(() => workerOptions({ workload: fc.constant({ op: 'wait', ms: 1 }), configure: (o) => o }, 1)).toThrow(
      'verify with workers > 1 runs scenarios in worker threads, which cannot receive workload, configure; use workers: 1 for these options',
    );
    expect(workerOptions({ runs: 5, mutant: 'scheduler-ignores-capacity', faults: true }, 9)).toEqual({ seed: 9, runs: 5, mutant: 'scheduler-ignores-capacity', faults: true });
  });
});
