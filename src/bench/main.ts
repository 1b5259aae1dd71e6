/**
 * `npm run bench` (also `kube-actors bench`): every benchmark of the project, printing figures
 * and ratios beside their targets. Nothing here is a test: timings vary from run to run and are
 * never asserted.
 *
 *   npm run bench                       kernel, cluster 100/3,000 and 1,000/30,000, idle 1,000 nodes, verification, failover, HTTP load
 *   npm run bench -- --full             also 5,000 nodes / 150,000 pods
 *   npm run bench -- --nodes N --pods P one cluster size only
 *   npm run bench -- --json             one JSON object per result
 */
import { noMorePositionals, parseFlags, parsePositiveInt } from '../cli/args.js';
import { UsageError } from '../cli/main.js';
import { pathToFileURL } from 'node:url';
import { benchCluster, formatClusterBench } from './cluster.js';
import { benchIdle, formatIdleBench } from './idle.js';
import { createProgressBar } from '../cli/output.js';

/** One cluster size with a progress bar on a terminal (stderr; nothing when piped). */
async function clusterWithProgress(nodes: number, pods: number) {
  const bar = createProgressBar({ total: pods, label: `cluster ${nodes}/${pods}` });
  try {
    // transitions are counted in a second run of the same seed: not worth it for the largest size
    return await benchCluster({ nodes, pods, countTransitions: pods <= 30_000, onProgress: ({ created, running }) => bar.update(running, `Running (${created} created)`) });
  } finally {
    bar.finish({ clear: true });
  }
}

/** What to run. */
export interface BenchOptions {
  nodes?: number;
  pods?: number;
  full?: boolean;
  json?: boolean;
  only?: string[];
}

type Section = { name: string; run: () => Promise<unknown[] | unknown> ; format: (r: any) => string };

async function optional(path: string, fn: string, format: string): Promise<Section | undefined> {
  try {
    const mod = (await import(path)) as Record<string, (...args: unknown[]) => unknown>;
    if (typeof mod[fn] !== 'function') return undefined;
    return { name: path, run: async () => mod[fn]!(), format: (r) => (typeof mod[format] === 'function' ? String(mod[format](r)) : JSON.stringify(r, null, 2)) };
  } catch (error) {
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND') return undefined;
    throw error;
  }
}

/**
 * The lines the benchmarks start with: what the figures are compared with, that nothing is
 * asserted, and what virtual time is.
 */
export function benchPreamble(node: string, platform: string, arch: string): string {
  return [
    `kube-actors benchmarks on Node ${node}, ${platform}/${arch}`,
    'Figures are measured here and printed beside reference points (a real cluster: kube-scheduler under',
    "scheduler_perf, kwok's fake nodes; and the project's own goals) as references: nothing is asserted, and",
    'timings vary with the machine and its load.',
    "Virtual time is the simulated cluster's clock: it jumps from event to event, so a run covers its",
    'virtual seconds (the profile\'s latencies) in whatever wall time the computation takes.',
  ].join('\n');
}

/** Runs the benchmarks and prints them; resolves to the results. */
export async function runBenchmarks(options: BenchOptions = {}): Promise<unknown[]> {
  const out: unknown[] = [];
  const print = (text: string, result: unknown) => {
    out.push(result);
    if (options.json) for (const r of Array.isArray(result) ? result : [result]) console.log(JSON.stringify(r));
    else console.log(text + '\n');
  };
  if (!options.json) console.log(`${benchPreamble(process.version, process.platform, process.arch)}\n`);
  const want = (name: string) => !options.only || options.only.includes(name);
  if (options.nodes !== undefined || options.pods !== undefined) {
    const nodes = options.nodes ?? 100;
    const r = await clusterWithProgress(nodes, options.pods ?? nodes * 30);
    print(formatClusterBench(r), r);
    return out;
  }
  if (want('kernel')) {
    const k = await optional('./kernel.js', 'benchKernel', 'formatKernelBench');
    if (k) {
      const r = await k.run();
      print(k.format(r), r);
    }
  }
  if (want('cluster')) {
    const sizes: [number, number][] = [
      [100, 3_000],
      [1_000, 30_000],
    ];
    if (options.full) sizes.push([5_000, 150_000]);
    for (const [nodes, pods] of sizes) {
      const r = await clusterWithProgress(nodes, pods);
      print(formatClusterBench(r), r);
    }
    if (!options.full && !options.json) console.log('(5,000 nodes / 150,000 pods takes minutes here: run `npm run bench -- --full`)\n');
  }
  if (want('idle')) {
    const bar = createProgressBar({ total: 60, label: 'idle 1,000 nodes, virtual minutes' });
    const r = benchIdle(1_000, 3_600_000, (virtualMs) => bar.update(Math.floor(virtualMs / 60_000)));
    bar.finish({ clear: true });
    print(formatIdleBench(r), r);
  }
  for (const [name, path, fn, format] of [
    ['idle', './idle-timers.js', 'benchIdleTimers', 'formatIdleTimersBench'],
    ['verify', './verify.js', 'benchVerify', 'formatVerifyBench'],
    ['verify', './verify-workers.js', 'benchVerifyWorkers', 'formatVerifyWorkersBench'],
    ['failover', './failover.js', 'benchFailover', 'formatFailoverBench'],
    ['scheduler', './scheduler.js', 'benchScheduler', 'formatSchedulerBench'],
    ['http', './http.js', 'benchHttp', 'formatHttpBench'],
  ] as const) {
    if (!want(name)) continue;
    const section = await optional(path, fn, format);
    if (!section) continue;
    const r = await section.run();
    print(section.format(r), r);
  }
  return out;
}

/** Parses the command line of the benchmark runner. */
export function parseBenchArgs(argv: string[]): BenchOptions {
  // the command line's one parser (src/cli/args.ts): its flags, values and messages
  const { values, positionals } = parseFlags(argv, { nodes: { type: 'string' }, pods: { type: 'string' }, full: { type: 'boolean' }, json: { type: 'boolean' }, only: { type: 'string', multiple: true } });
  noMorePositionals(positionals);
  const int = (name: string, v: string | undefined) => (v === undefined ? undefined : parsePositiveInt(name, v, 0));
  const known = ['kernel', 'cluster', 'idle', 'verify', 'failover', 'http', 'scheduler'];
  for (const name of values.only ?? []) {
    if (!known.includes(name)) throw new UsageError(`--only must name a benchmark (${known.join(', ')}); got "${name}"`);
  }
  return { nodes: int('nodes', values.nodes), pods: int('pods', values.pods), full: values.full, json: values.json, only: values.only };
}

// run directly (`tsx src/bench/main.ts …`): the same as `kube-actors bench …`, its messages and exit codes
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  void import('../cli/main.js').then((cli) => cli.runCli(['bench', ...process.argv.slice(2)]));
}
