/**
 * A worker thread of `verifyParallel`: it runs its share of the scenarios (every `count`-th from
 * its `slot`), reports each result, and runs none past the first failure found by any worker (a
 * shared cell the orchestrator and the workers lower). See parallel.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { FromWorker, WorkerData } from './parallel.js';
import { runShare } from './verify.js';

const port = parentPort;
if (!port) throw new Error('src/verify/worker.ts runs as a worker thread of verifyParallel');
const { options, slot, count, firstFailure } = workerData as WorkerData;
const first = new Int32Array(firstFailure);

/** Lowers the shared first failure to `index` if it is lower. */
function lower(index: number): void {
  for (;;) {
    const seen = Atomics.load(first, 0);
    if (seen <= index || Atomics.compareExchange(first, 0, seen, index) === seen) return;
  }
}

try {
  runShare(
    { ...options, trace: false },
    (index) => index % count === slot,
    () => Atomics.load(first, 0),
    (index, failed, clusterSeed) => {
      if (failed) lower(index);
      port.postMessage({ type: 'result', index, failed, clusterSeed } satisfies FromWorker);
    },
  );
  port.postMessage({ type: 'done' } satisfies FromWorker);
} catch (error) {
  port.postMessage({ type: 'error', message: (error as Error).stack ?? String(error) } satisfies FromWorker);
}
