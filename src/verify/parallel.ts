/**
 * Verification on every core: `verifyParallel` runs the scenarios of a verification in worker
 * threads and reports exactly what `verify` reports with the same options, whatever the number of
 * workers. Scenario `i` is fast-check's `i`-th run from the root seed (its path `i`), so the set of
 * scenarios does not depend on who runs them; the workers take the indices in order, and once a
 * scenario fails, no scenario after it is started, and the earlier ones still running are waited
 * for: the first failing index is the one `verify` finds. That scenario is then shrunk in the
 * calling thread from its path, as `verify` shrinks it, so the counterexample, its replay command
 * and the report are the same for 1 worker or 16.
 *
 * Across machines: `shard` runs one block of the scenarios (see shard.ts); here the workers share
 * that block.
 */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { findMutant } from './mutants.js';
import { normalizeSeed } from '../kernel/rng.js';
import { defaultInvariants } from './invariants/index.js';
import { randomSeed, seedFromEnvironment, settingsOf, verify, verifyFrom, type VerifyOptions, type VerifyReport } from './verify.js';
import { shardRange, type ShardSpec } from './shard.js';

/** Options of `verifyParallel`: those of `verify`, and how many workers. */
export interface ParallelVerifyOptions extends VerifyOptions {
  /** Worker threads. Default: the number of cores (`os.availableParallelism()`); 1 runs in this thread. */
  workers?: number;
}

/** What a worker needs to run any scenario: the options that can cross to another thread. */
export interface WorkerOptions {
  seed: number;
  runs: number;
  steps?: number;
  timeout?: number;
  mutant?: string;
  faults?: boolean;
  faultWeight?: number;
  cluster?: VerifyOptions['cluster'];
  shard?: ShardSpec;
}

/** What a worker starts with: the options, its share (every `count`-th scenario from `slot`), the shared first failure. */
export interface WorkerData {
  options: WorkerOptions;
  slot: number;
  count: number;
  /** One Int32: the lowest failing index found so far (2^31 - 1 while none). */
  firstFailure: SharedArrayBuffer;
}

/** A message from a worker. */
export type FromWorker = { type: 'result'; index: number; failed: boolean; clusterSeed: number } | { type: 'done' } | { type: 'error'; message: string };

/**
 * The options of a parallel verification as a worker takes them; an option that cannot cross to a
 * worker thread (an arbitrary, a function, an invariant list or mutant object of one's own) is
 * refused with its name.
 */
export function workerOptions(options: ParallelVerifyOptions, seed: number): WorkerOptions {
  const refused: string[] = [];
  if (options.shape) refused.push('shape');
  if (options.workload) refused.push('workload');
  if (options.configure) refused.push('configure');
  if (typeof options.cluster === 'function') refused.push('cluster (a function)');
  if (typeof options.faults === 'object') refused.push('faults (an arbitrary)');
  if (options.invariants && options.invariants !== defaultInvariants) refused.push('invariants');
  if (typeof options.mutant === 'object' && findMutant(options.mutant.name) !== options.mutant) refused.push('mutant (an object of your own)');
  if (options.path) refused.push('path (a replay runs one scenario)');
  if (options.replayPath) refused.push('replayPath');
  if (refused.length > 0) {
    throw new RangeError(`verify with workers > 1 runs scenarios in worker threads, which cannot receive ${refused.join(', ')}; use workers: 1 for these options`);
  }
  const mutant = typeof options.mutant === 'object' ? options.mutant.name : options.mutant;
  return {
    seed,
    runs: options.runs ?? 100,
    ...(options.steps !== undefined ? { steps: options.steps } : {}),
    ...(options.timeout !== undefined ? { timeout: options.timeout } : {}),
    ...(mutant !== undefined ? { mutant } : {}),
    ...(typeof options.faults === 'boolean' ? { faults: options.faults } : {}),
    ...(options.faultWeight !== undefined ? { faultWeight: options.faultWeight } : {}),
    ...(options.cluster !== undefined ? { cluster: options.cluster } : {}),
    ...(options.shard !== undefined ? { shard: options.shard } : {}),
  };
}

/** The URL of tsx's ESM API (`tsx/esm/api` under the `import` condition), found from this module. */
function tsxEsmApi(from: string): string {
  const manifest = createRequire(from).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  return pathToFileURL(join(dirname(manifest), pkg.exports['./esm/api']!.import.default)).href;
}

/** Starts one worker thread (through tsx when this module runs from its TypeScript source). */
function startWorker(data: WorkerData): Worker {
  const here = import.meta.url as string | undefined;
  if (typeof here !== 'string') throw new Error('verifyParallel starts its worker threads from the ES module build: import kube-actors as an ES module, or use verify() (one thread)');
  if (here.endsWith('.ts')) {
    const entry = new URL('./worker.ts', here).href;
    const tsx = tsxEsmApi(here);
    const code = `import(${JSON.stringify(tsx)}).then(({ tsImport }) => tsImport(${JSON.stringify(entry)}, ${JSON.stringify(here)}))`;
    return new Worker(code, { eval: true, workerData: data });
  }
  return new Worker(new URL('./worker.js', here), { workerData: data });
}

/** No failure yet, in the shared cell. */
const NONE = 0x7fffffff;

/**
 * `verify` on worker threads (see the module's comment): the same report for any number of
 * workers. Each worker runs every `workers`-th scenario; progress counts the scenarios done.
 */
export async function verifyParallel(options: ParallelVerifyOptions = {}): Promise<VerifyReport> {
  const { workers: wanted, ...rest } = options;
  const count = Math.max(1, Math.floor(wanted ?? availableParallelism()));
  const seed = normalizeSeed(rest.seed ?? seedFromEnvironment() ?? randomSeed());
  if (count === 1 || rest.path || rest.timeLimit !== undefined) return verify({ ...rest, seed });
  if (typeof rest.mutant === 'string' && !findMutant(rest.mutant)) throw new RangeError(`unknown mutant "${rest.mutant}"`);
  const data = workerOptions(rest, seed);
  const runs = data.runs;
  const window = rest.shard ? shardRange(rest.shard, runs) : { from: 0, to: runs };
  const scenarios = window.to - window.from;
  const firstFailure = new SharedArrayBuffer(4);
  const first = new Int32Array(firstFailure);
  Atomics.store(first, 0, NONE);

  let done = 0;
  const results = new Map<number, boolean>();
  const clusterSeeds = new Map<number, number>();
  const threads: Worker[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      let running = Math.min(count, scenarios);
      if (running === 0) resolve();
      for (let slot = 0; slot < Math.min(count, scenarios); slot++) {
        const w = startWorker({ options: data, slot, count, firstFailure });
        threads.push(w);
        w.on('message', (m: FromWorker) => {
          if (m.type === 'error') return reject(new Error(`a verify worker failed: ${m.message}`));
          if (m.type === 'done') {
            if (--running === 0) resolve();
            return;
          }
          results.set(m.index, m.failed);
          clusterSeeds.set(m.index, m.clusterSeed);
          done++;
          rest.onProgress?.({ done, runs: scenarios, failing: Atomics.load(first, 0) !== NONE, shrinking: 0 });
        });
        w.on('error', (error) => reject(new Error(`a verify worker stopped: ${error.message}`)));
      }
    });
  } finally {
    await Promise.all(threads.map((w) => w.terminate()));
  }
  const failedAt = Atomics.load(first, 0);
  if (failedAt !== NONE) {
    // every scenario before the first failure ran and passed: that is the one verify() would find
    for (let i = window.from; i < failedAt; i++) if (results.get(i) !== false) throw new Error(`verifyParallel: scenario ${i} before the first failure ${failedAt} did not run`);
    return verifyFrom({ ...rest, seed }, failedAt);
  }
  const mutant = typeof rest.mutant === 'string' ? findMutant(rest.mutant) : rest.mutant;
  const settings = settingsOf({ ...rest, seed });
  const seeds: number[] = [];
  for (let i = window.from; i < window.to; i++) seeds.push(clusterSeeds.get(i)!);
  return {
    ok: true,
    seed,
    runs: done,
    interrupted: false,
    invariants: (rest.invariants ?? defaultInvariants).map((i) => i.name),
    ...(mutant ? { mutant: mutant.name } : {}),
    ...(rest.shard ? { shard: { index: rest.shard.index, count: rest.shard.count, ...window, clusterSeeds: seeds, settings } } : {}),
  };
}
