/**
 * Verification on every core: the same campaign (root seed, runs, steps, faults) run by
 * `verifyParallel` with 1, 2, ... worker threads, printing per worker count the scenarios per
 * second in total and per worker, and the speed-up over one worker. Each count runs the same
 * scenarios (scenario `i` is fast-check's `i`-th draw from the root seed whoever runs it). The wall
 * time includes starting the threads (each loads the library; from the TypeScript sources, through
 * tsx), which is what a user waits for; the time to the first finished scenario is printed beside
 * it. A failing scenario is not shrunk here (a shrink budget of 0): the rate is of scenarios run.
 *
 * `npx tsx src/bench/verify-workers.ts [--runs=N] [--steps=N] [--workers=1,2,4] [--seed=N]`, or
 * `npm run bench -- --only verify`. Figures are wall-clock and vary; nothing asserts on them.
 */
import { availableParallelism } from 'node:os';
import { pathToFileURL } from 'node:url';
import { verifyParallel } from '../verify/parallel.js';

/** Options of the benchmark. */
export interface VerifyWorkersBenchOptions {
  /** Scenarios of the campaign. Default 64. */
  runs?: number;
  /** Most steps per scenario. Default 30. */
  steps?: number;
  /** Worker counts to measure. Default 1, 2, 4, ... up to the number of cores, and the number of cores. */
  workers?: readonly number[];
  /** Root seed. Default 1. */
  seed?: number;
  /** Inject faults. Default true. */
  faults?: boolean;
}

/** One worker count's figures. */
export interface VerifyWorkersRow {
  workers: number;
  /** Scenarios run (all of them, or up to the first failure and those running then). */
  scenarios: number;
  wallMs: number;
  /** Wall ms until the first scenario finished (the threads' start included). */
  firstMs: number;
  perSecond: number;
  perWorker: number;
  /** perSecond / the one-worker row's perSecond. */
  speedup: number;
  ok: boolean;
}

/** The benchmark's result. */
export interface VerifyWorkersBenchResult {
  name: string;
  runs: number;
  steps: number;
  seed: number;
  faults: boolean;
  cores: number;
  rows: VerifyWorkersRow[];
}

function defaultWorkers(cores: number): number[] {
  const counts = [1];
  for (let n = 2; n < cores; n *= 2) counts.push(n);
  if (cores > 1) counts.push(cores);
  return counts;
}

/** Runs the benchmark. */
export async function benchVerifyWorkers(options: VerifyWorkersBenchOptions = {}): Promise<VerifyWorkersBenchResult> {
  const runs = options.runs ?? 64;
  const steps = options.steps ?? 30;
  const seed = options.seed ?? 1;
  const faults = options.faults !== false;
  const cores = availableParallelism();
  const counts = options.workers ?? defaultWorkers(cores);
  if (counts.length === 0 || counts.some((n) => !Number.isSafeInteger(n) || n < 1)) throw new RangeError(`worker counts must be positive integers; got ${counts.join(', ')}`);
  const rows: VerifyWorkersRow[] = [];
  for (const workers of counts) {
    let scenarios = 0;
    let firstMs = 0;
    const t0 = performance.now();
    const report = await verifyParallel({
      seed,
      runs,
      steps,
      faults,
      workers,
      trace: false,
      shrinkBudget: 0,
      now: () => performance.now(),
      onProgress: (p) => {
        if (p.shrinking > 0) return;
        if (scenarios === 0) firstMs = performance.now() - t0;
        scenarios = Math.max(scenarios, p.done);
      },
    });
    const wallMs = performance.now() - t0;
    const perSecond = scenarios / (wallMs / 1000);
    rows.push({ workers, scenarios, wallMs, firstMs, perSecond, perWorker: perSecond / workers, speedup: 0, ok: report.ok });
  }
  const one = rows.find((r) => r.workers === 1);
  for (const r of rows) r.speedup = one ? r.perSecond / one.perSecond : NaN;
  return { name: `verification on worker threads: ${runs} scenarios of up to ${steps} steps${faults ? ' with faults' : ''}, seed ${seed}`, runs, steps, seed, faults, cores, rows };
}

/** The result as a table: per worker count, scenarios/s in total and per worker, and the speed-up over one worker. */
export function formatVerifyWorkersBench(r: VerifyWorkersBenchResult): string {
  const lines = [`${r.name} (${r.cores} cores)`, '  workers  scenarios  wall s  first s  scenarios/s  per worker  speed-up'];
  for (const row of r.rows) {
    lines.push(
      `  ${String(row.workers).padStart(7)}  ${String(row.scenarios).padStart(9)}  ${(row.wallMs / 1000).toFixed(1).padStart(6)}  ${(row.firstMs / 1000).toFixed(1).padStart(7)}  ${row.perSecond.toFixed(1).padStart(11)}  ${row.perWorker.toFixed(1).padStart(10)}  ${Number.isNaN(row.speedup) ? '       -' : `${row.speedup.toFixed(2)}x`.padStart(8)}${row.ok ? '' : '  (a scenario failed: see kube-actors verify)'}`,
    );
  }
  lines.push('  (wall time includes starting the worker threads; "first s" is the time to the first finished scenario)');
  return lines.join('\n');
}

function parseArgs(argv: string[]): VerifyWorkersBenchOptions {
  const options: VerifyWorkersBenchOptions = {};
  for (const arg of argv) {
    const m = /^--(runs|steps|seed|workers)=([\d,]+)$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}; use --runs=N --steps=N --seed=N --workers=1,2,4`);
    if (m[1] === 'workers') options.workers = m[2]!.split(',').map(Number);
    else options[m[1] as 'runs' | 'steps' | 'seed'] = Number(m[2]);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  benchVerifyWorkers(parseArgs(process.argv.slice(2))).then(
    (r) => console.log(formatVerifyWorkersBench(r)),
    (error: unknown) => {
      console.error(error instanceof Error ? error.message : error);
      process.exitCode = 1;
    },
  );
}
