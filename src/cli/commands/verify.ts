/**
 * `kube-actors verify`: property-based verification from the command line. Prints the seed
 * first, then progress (a bar on a terminal, plain lines otherwise), then the verdict; on a
 * failure, the shrunk steps, the violated invariants and the exact command that replays it.
 * Exit codes: 0 every scenario passed, 1 an invariant was violated, 2 bad usage.
 */
import { writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { readFile } from 'node:fs/promises';
import { InputError, UsageError, type Command } from '../main.js';
import { noMorePositionals, parseDuration, parseFlags, parsePositiveInt, parseSeed } from '../args.js';
import { createProgressBar } from '../output.js';
import { findMutant, MUTANTS } from '../../verify/mutants.js';
import { formatReport, randomSeed, seedFromEnvironment, type VerifyProgress, type VerifyReport } from '../../verify/verify.js';
import { verifyParallel } from '../../verify/parallel.js';
import { formatMergedReport, mergeShardReports, parseShardReport, shardRange, shardReport, type MergedReport, type ShardReport, type ShardSpec } from '../../verify/shard.js';

const help = `Usage: kube-actors verify [--runs N] [--seed S] [--faults] [--steps N] [--workers N] [--shard I/N] [--report FILE] [--shrink-budget D] [--mutant NAME] [--list-mutants]
       kube-actors verify merge REPORT... [--json] [--report FILE]

Generates random scenarios (a cluster of 1-5 nodes, a workload of pods, Deployments, Services,
namespaces, scaling, deletions, evictions, racing writes, stale updates and requests that must be
refused, virtual time passing, and with --faults node crashes and restarts, partitions, etcd
outages, component restarts, message loss, duplication and reordering), runs each on a real
simulated cluster, checks the safety invariants after every step, heals every fault and checks
that the cluster converges (liveness). A failing scenario is shrunk to a minimal one, for at most
the shrink budget (then the smallest counterexample found so far is reported).

Options:
  --runs N          scenarios to run (default 100)
  --seed S          root seed (default: $KUBE_ACTORS_SEED, else random); printed first
  --faults          inject faults
  --steps N         most steps per scenario (default 30)
  --timeout D       virtual time the cluster gets to converge once faults are healed (default 5m)
  --workers N       worker threads running scenarios (default: one per core); the scenarios, the
                    first failure and its shrunk counterexample are the same for any N
  --shard I/N       run only the I-th (1..N) of N disjoint blocks of the --runs scenarios, each
                    with the seeds the whole run gives it (one shard per machine or CI job)
  --report FILE     write the run's JSON report to FILE (root seed, shard, scenarios run with their
                    cluster seeds, invariants, the failure with its shrunk steps and replay command)
  --shrink-budget D wall-clock time shrinking may take once a failure is found (default 1m)
  --mutant NAME     verify a deliberately broken component instead (must fail); a mutant with a
                    focused workload runs it (with --faults, together with the default faults)
  --list-mutants    print the mutants' names, one a line
  --path P          replay the counterexample at fast-check path P (printed with a failure)
  --replay-path R   fast-check's replay path of the commands (printed with a failure)
  --trace-out FILE  where to write the failing run's trace (JSON Lines; default: a file in the temp directory)
  -h, --help        this help

verify merge REPORT... combines the JSON reports of the shards of one campaign (same root seed and
options; it refuses others) into one: the scenarios run, the invariants, and the first failure by
scenario order, which is the failure the unsharded run finds. --json prints the merged report as
JSON, --report FILE writes it.

Exit codes: 0 all scenarios passed, 1 an invariant was violated (or a report could not be read or
merged), 2 bad usage, 3 (merge) every report passed but shards are missing or were cut short.

Examples:
  kube-actors verify --runs 200 --faults
  kube-actors verify --mutant scheduler-ignores-capacity
  KUBE_ACTORS_SEED=42 kube-actors verify --faults
  kube-actors verify --seed 42 --runs 1000 --faults --shard 2/8 --report shard-2.json
  kube-actors verify merge shard-*.json`;

/** Where the command writes (a test passes its own). */
export interface VerifyIo {
  out(text: string): void;
  err(text: string): void;
  /** True when the output is a terminal (then progress is a bar). */
  isTTY: boolean;
  /** Width of the terminal. */
  columns?: number;
  env: Record<string, string | undefined>;
}

const processIo = (): VerifyIo => ({
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
  isTTY: process.stdout.isTTY === true,
  columns: process.stdout.columns,
  env: process.env,
});

/** `--shard I/N` as a shard, or a UsageError naming the problem. */
export function parseShardFlag(text: string): ShardSpec {
  const m = /^\s*(\d+)\s*\/\s*(\d+)\s*$/.exec(text);
  const usage = `--shard must be I/N, the I-th of N shards with 1 <= I <= N (such as 2/8)`;
  if (!m) throw new UsageError(`${usage}; got "${text}"`);
  const shard = { index: Number(m[1]), count: Number(m[2]) };
  if (shard.count < 1) throw new UsageError(`${usage}; got "${text}": there is no shard of 0`);
  if (shard.index < 1 || shard.index > shard.count) throw new UsageError(`${usage}; got "${text}": shard ${shard.index} is not one of 1..${shard.count}`);
  return shard;
}

/** `kube-actors verify merge REPORT...`: reads the shard reports, merges them, prints the merged report. */
async function runMerge(argv: string[], io: VerifyIo): Promise<number> {
  const { values, positionals } = parseFlags(argv, { json: { type: 'boolean' }, report: { type: 'string' } });
  if (positionals.length === 0) throw new UsageError('verify merge needs the shard reports to merge: kube-actors verify merge REPORT...');
  const reports: ShardReport[] = [];
  for (const file of positionals) {
    let text: string;
    try {
      text = await readFile(file, 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new InputError(`cannot read the shard report ${file}: ${code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a directory' : (error as Error).message}`);
    }
    try {
      reports.push(parseShardReport(text, file));
    } catch (error) {
      throw new InputError((error as Error).message);
    }
  }
  let merged: MergedReport;
  try {
    merged = mergeShardReports(reports, positionals);
  } catch (error) {
    throw new InputError((error as Error).message);
  }
  if (values.report !== undefined) writeReport(values.report, merged);
  io.out(values.json ? JSON.stringify(merged, null, 2) + '\n' : formatMergedReport(merged) + '\n');
  return merged.failure ? 1 : merged.complete ? 0 : 3;
}

/** Writes a JSON report, or throws an InputError naming the file. */
function writeReport(file: string, report: object): void {
  try {
    writeFileSync(file, JSON.stringify(report, null, 2) + '\n');
  } catch (error) {
    throw new InputError(`cannot write the report to ${file}: ${(error as Error).message}`);
  }
}

/** Runs `kube-actors verify` with these arguments; resolves to the exit code. */
export async function runVerify(argv: string[], io: VerifyIo = processIo()): Promise<number> {
  if (argv[0] === 'merge') return runMerge(argv.slice(1), io);
  const { values, positionals } = parseFlags(argv, {
      runs: { type: 'string' },
      seed: { type: 'string' },
      faults: { type: 'boolean' },
      steps: { type: 'string' },
      timeout: { type: 'string' },
      mutant: { type: 'string' },
      'list-mutants': { type: 'boolean' },
      path: { type: 'string' },
      'replay-path': { type: 'string' },
      'trace-out': { type: 'string' },
      'shrink-budget': { type: 'string' },
      workers: { type: 'string' },
      shard: { type: 'string' },
      report: { type: 'string' },
  });
  noMorePositionals(positionals);
  if (values['list-mutants']) {
    for (const m of MUTANTS) io.out(`${m.name}\n`);
    return 0;
  }
  const mutant = values.mutant === undefined ? undefined : findMutant(values.mutant);
  if (values.mutant !== undefined && !mutant) {
    throw new UsageError(`unknown mutant "${values.mutant}"; the mutants are:\n${MUTANTS.map((m) => `  ${m.name}`).join('\n')}`);
  }
  const runs = parsePositiveInt('runs', values.runs, 100);
  const steps = parsePositiveInt('steps', values.steps, 30);
  const timeout = parseDuration('timeout', values.timeout, 300_000);
  const shrinkBudget = parseDuration('shrink-budget', values['shrink-budget'], 60_000);
  const workers = parsePositiveInt('workers', values.workers, availableParallelism());
  if (values.path !== undefined && !/^\d+(:\d+)*$/.test(values.path)) throw new UsageError(`--path must be a fast-check path such as 12:0:3; got "${values.path}"`);
  const shard = values.shard !== undefined ? parseShardFlag(values.shard) : values.report !== undefined ? { index: 1, count: 1 } : undefined;
  if (values.shard !== undefined && values.path !== undefined) throw new UsageError('--shard runs a block of the campaign\'s scenarios and --path replays one counterexample: use one or the other');
  const seed = values.seed !== undefined ? parseSeed(values.seed) : seedFromEnvironment(io.env) ?? randomSeed();
  const faults = values.faults === true || mutant?.needsFaults === true;
  const focused = mutant?.focus !== undefined;

  io.out(`seed: ${seed}\n`);
  if (mutant) io.out(`mutant: ${mutant.name}: ${mutant.description}${mutant.needsFaults && !values.faults ? ' (faults turned on: it needs them)' : ''}\n`);
  if (values.path) io.out(`replaying the counterexample at path ${values.path}\n`);
  else {
    const range = shard && shard.count > 1 ? shardRange(shard, runs) : undefined;
    const what = range ? `shard ${shard!.index}/${shard!.count}: scenarios ${range.from}-${range.to - 1} (${range.to - range.from}) of ${runs}` : `running ${runs} scenario(s)`;
    io.out(`${what} of up to ${steps} steps${focused ? ` of the workload that brings this mutant out${values.faults === true ? ', with faults' : ''}` : faults ? ' with faults' : ''}${workers > 1 ? ` on ${workers} workers` : ''}\n`);
  }

  const started = Date.now();
  let lastLine = 0;
  let failedAt: number | undefined;
  let nextLine = 10;
  const every = Math.max(1, Math.round(runs / 10));
  const bar = createProgressBar({ total: values.path ? 1 : shard ? shardRange(shard, runs).to - shardRange(shard, runs).from : runs, label: 'verify', enabled: io.isTTY, stream: { write: (t: string) => io.out(t), isTTY: io.isTTY, columns: io.columns } });
  const onProgress = (p: VerifyProgress) => {
    const rate = p.done / Math.max(0.001, (Date.now() - started) / 1000);
    if (p.failing && failedAt === undefined) failedAt = Date.now();
    const shrinkingFor = failedAt === undefined ? 0 : Math.round((Date.now() - failedAt) / 1000);
    if (io.isTTY) {
      if (p.failing) bar.update(Math.min(p.done - p.shrinking, p.runs), `failed; shrinking: ${p.size ?? '?'} step(s), ${p.shrinking} attempt(s), ${shrinkingFor}s${p.budgetSpent ? ' (budget spent)' : ''}`);
      else bar.update(p.done, `${rate.toFixed(1)}/s`);
    } else if (p.failing) {
      if (p.shrinking === 0) io.out(values.path ? 'the counterexample fails again\n' : `failure found after ${p.done} scenario(s) (${p.size ?? '?'} step(s)); shrinking for at most ${Math.round(shrinkBudget / 1000)} s\n`);
      else if (p.shrinking % 50 === 0 || shrinkingFor >= nextLine) {
        nextLine = shrinkingFor + 10;
        io.out(`shrinking: ${p.shrinking} attempt(s), smallest counterexample ${p.size ?? '?'} step(s), ${shrinkingFor} s\n`);
      }
    } else if (p.done === p.runs || p.done - lastLine >= every) {
      lastLine = p.done;
      io.out(`progress: ${p.done}/${p.runs} scenarios (${rate.toFixed(1)}/s)\n`);
    }
  };

  let report: VerifyReport;
  try {
    report = await verifyParallel({
    workers,
    seed,
    runs,
    steps,
    timeout,
    ...(values.faults ? { faults: true } : {}),
    ...(mutant ? { mutant } : {}),
    ...(values.path ? { path: values.path } : {}),
    ...(shard ? { shard } : {}),
    ...(values['replay-path'] ? { replayPath: values['replay-path'] } : {}),
    ...(values.timeout !== undefined ? { replayArgs: [`--timeout ${values.timeout}`] } : {}),
    command: 'kube-actors verify',
    shrinkBudget,
    now: () => performance.now(),
    onProgress,
  });
  } catch (error) {
    if (values.path && /replay/i.test((error as Error).message)) {
      throw new UsageError(`cannot replay --path ${values.path} with these options (${(error as Error).message}); use the whole replay command printed with the failure, --replay-path included`);
    }
    throw error;
  }
  bar.finish({ clear: true });
  io.out(formatReport(report) + '\n');
  if (values.report !== undefined) {
    writeReport(values.report, shardReport(report));
    io.out(`report: ${values.report}\n`);
  }
  if (report.failure) {
    const file = values['trace-out'] ?? join(tmpdir(), `kube-actors-verify-${report.seed}.jsonl`);
    try {
      writeFileSync(file, report.failure.trace);
      io.out(`trace of the failing run (${report.failure.trace.split('\n').length - 1} messages): ${file}\n`);
    } catch (error) {
      io.err(`could not write the trace to ${file}: ${(error as Error).message}\n`);
    }
    io.out(`elapsed: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
    return 1;
  }
  io.out(`elapsed: ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return 0;
}

export const command: Command = {
  name: 'verify',
  summary: 'property-based verification: random workloads and faults against the invariants',
  help,
  run: (argv) => runVerify(argv),
};
