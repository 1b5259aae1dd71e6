/**
 * Shards: a verification campaign spread over machines. The campaign is a root seed and options;
 * its scenarios are fast-check's runs `0 .. runs-1` from that seed (scenario `i` is the same
 * cluster, workload and faults whoever runs it). Shard `I/N` runs the contiguous block
 * {@link shardRange} gives it, so the shards are disjoint and together run every scenario, each
 * with the seeds the unsharded run gives it. A shard stops at its own first failure and shrinks it
 * as `verify` would; its report says which scenarios it ran, with their cluster seeds.
 *
 * {@link shardReport} turns a shard's `VerifyReport` into a JSON document; {@link mergeShardReports}
 * combines the documents of one campaign (same root seed and options) into one report whose
 * failure is the first by scenario order: the failure the unsharded run reports, since every
 * scenario before it ran (in its shard or an earlier one) and passed.
 */
import { normalizeSeed } from '../kernel/rng.js';
import type { Step } from './steps.js';
import type { VerifyReport } from './verify.js';
import { formatViolation, type Violation } from './invariant.js';

/** Which shard of a campaign to run: the `index`-th (from 1) of `count`. */
export interface ShardSpec {
  /** 1 .. count */
  index: number;
  count: number;
}

/** The options every shard of one campaign must share (a merge refuses reports that differ). */
export interface ShardSettings {
  /** Scenarios of the whole campaign (all shards). */
  runs: number;
  steps: number;
  /** Virtual ms to converge after healing. */
  timeout: number;
  /** `true`, `false`, or `custom` (an arbitrary of one's own: its sameness cannot be checked). */
  faults: boolean | 'custom';
  faultWeight: number;
  mutant?: string;
}

/** What a sharded `verify` adds to its report. */
export interface VerifyShard extends ShardSpec {
  /** The first scenario of the shard's block (fast-check's run index from the root seed). */
  from: number;
  /** One past the last scenario of the block. */
  to: number;
  /** The cluster seed of each scenario the shard ran, in order from `from` (up to its first failure). */
  clusterSeeds: number[];
  settings: ShardSettings;
}

/** The scenarios `[from, to)` shard `index/count` runs out of `runs`: contiguous blocks, their sizes differing by at most one. */
export function shardRange(shard: ShardSpec, runs: number): { from: number; to: number } {
  checkShard(shard);
  return { from: Math.floor(((shard.index - 1) * runs) / shard.count), to: Math.floor((shard.index * runs) / shard.count) };
}

/** Throws a RangeError naming the problem unless `1 <= index <= count` are integers. */
export function checkShard(shard: ShardSpec): void {
  const { index, count } = shard;
  if (!Number.isSafeInteger(count) || count < 1) throw new RangeError(`a shard count must be a positive integer; got ${count}`);
  if (!Number.isSafeInteger(index) || index < 1 || index > count) throw new RangeError(`a shard index runs from 1 to its count (${count}); got ${index}`);
}

/** The failure of a shard report: what reproduces it, as JSON. */
export interface ShardFailure {
  /** The failing scenario's index in the campaign (fast-check's run index from the root seed). */
  scenario: number;
  /** Its cluster seed. */
  clusterSeed: number;
  /** The cluster's shape in one line. */
  shape: string;
  path: string;
  replayPath?: string;
  /** The shrunk steps as data. */
  counterexample: Step[];
  /** The shrunk steps, one line each. */
  steps: string[];
  violations: Violation[];
  /** The command line that replays it (on any machine). */
  replay: string;
  shrinks: number;
  shrinkBudgetSpent?: boolean;
  error?: string;
}

/** The JSON report of one shard (`kube-actors verify --shard I/N --report FILE`). */
export interface ShardReport {
  format: typeof SHARD_FORMAT;
  /** The campaign's root seed. */
  seed: number;
  shard: ShardSpec;
  settings: ShardSettings;
  /** Names of the invariants checked. */
  invariants: string[];
  scenarios: {
    from: number;
    to: number;
    /** Scenarios run (fewer than `to - from` after a failure or a time limit). */
    run: number;
    /** The cluster seed of each scenario run, from `from` on. */
    clusterSeeds: number[];
  };
  ok: boolean;
  /** A time limit stopped the shard before the end of its block. */
  interrupted: boolean;
  failure?: ShardFailure;
}

/** The merged report of a campaign's shards (`kube-actors verify merge`). */
export interface MergedReport {
  format: typeof MERGED_FORMAT;
  seed: number;
  settings: ShardSettings;
  invariants: string[];
  shards: {
    count: number;
    /** The shard indices merged, in order. */
    present: number[];
    /** The shard indices no report was given for. */
    missing: number[];
  };
  /** Scenarios run, over every shard. */
  scenarios: number;
  /** Every shard is present and ran its whole block, or stopped at a failure. */
  complete: boolean;
  ok: boolean;
  interrupted: boolean;
  /** The first failure by scenario order (the one the unsharded run reports), and its shard. */
  failure?: ShardFailure & { shard: number };
  /** Every shard's failure, by scenario order (a shard stops at its first). */
  failures: { shard: number; scenario: number; invariants: string[]; replay: string }[];
}

const SHARD_FORMAT = 'kube-actors/verify-shard-report@1';
const MERGED_FORMAT = 'kube-actors/verify-merged-report@1';

/** The report of a sharded verification as a JSON document. */
export function shardReport(report: VerifyReport): ShardReport {
  const shard = report.shard;
  if (!shard) throw new RangeError('shardReport takes the report of a verify() given a shard ({ shard: { index, count } })');
  const f = report.failure;
  return {
    format: SHARD_FORMAT,
    seed: report.seed,
    shard: { index: shard.index, count: shard.count },
    settings: shard.settings,
    invariants: report.invariants,
    scenarios: { from: shard.from, to: shard.to, run: shard.clusterSeeds.length, clusterSeeds: shard.clusterSeeds },
    ok: report.ok,
    interrupted: report.interrupted,
    ...(f
      ? {
          failure: {
            scenario: Number(f.path.split(':')[0]),
            clusterSeed: normalizeSeed(f.cluster.seed ?? 0),
            shape: f.shape,
            path: f.path,
            ...(f.replayPath !== undefined ? { replayPath: f.replayPath } : {}),
            counterexample: f.counterexample,
            steps: f.steps,
            violations: f.violations,
            replay: f.replay,
            shrinks: f.shrinks,
            ...(f.shrinkBudgetSpent ? { shrinkBudgetSpent: true } : {}),
            ...(f.error !== undefined ? { error: f.error } : {}),
          },
        }
      : {}),
  };
}

/**
 * Reads a shard report from its JSON text; `source` (a file name) names it in the errors. Throws a
 * RangeError saying what is wrong: not JSON, not a shard report, or a field missing or mistyped.
 */
export function parseShardReport(text: string, source = 'the report'): ShardReport {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new RangeError(`${source} is not JSON (${(error as Error).message}); a shard report is written by kube-actors verify --shard I/N --report FILE`, { cause: error });
  }
  const bad = (what: string) => new RangeError(`${source} is not a verify shard report: ${what}`);
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw bad('not a JSON object');
  const r = data as Record<string, unknown>;
  if (r.format !== SHARD_FORMAT) throw bad(`its "format" is ${JSON.stringify(r.format)}, not "${SHARD_FORMAT}"`);
  const int = (value: unknown, name: string, min = 0) => {
    if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min) throw bad(`"${name}" must be an integer >= ${min}; got ${JSON.stringify(value)}`);
    return value;
  };
  const obj = (value: unknown, name: string) => {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) throw bad(`"${name}" must be an object`);
    return value as Record<string, unknown>;
  };
  int(r.seed, 'seed');
  const shard = obj(r.shard, 'shard');
  int(shard.count, 'shard.count', 1);
  int(shard.index, 'shard.index', 1);
  if ((shard.index as number) > (shard.count as number)) throw bad(`shard ${String(shard.index)}/${String(shard.count)}: the index is past the count`);
  const settings = obj(r.settings, 'settings');
  int(settings.runs, 'settings.runs', 1);
  int(settings.steps, 'settings.steps', 1);
  int(settings.timeout, 'settings.timeout');
  const scenarios = obj(r.scenarios, 'scenarios');
  int(scenarios.from, 'scenarios.from');
  int(scenarios.to, 'scenarios.to');
  int(scenarios.run, 'scenarios.run');
  if (!Array.isArray(scenarios.clusterSeeds) || scenarios.clusterSeeds.length !== scenarios.run) throw bad('"scenarios.clusterSeeds" must hold one seed per scenario run');
  const expected = shardRange({ index: shard.index as number, count: shard.count as number }, settings.runs as number);
  if (scenarios.from !== expected.from || scenarios.to !== expected.to) {
    throw bad(`shard ${String(shard.index)}/${String(shard.count)} of ${String(settings.runs)} runs is scenarios ${expected.from}-${expected.to - 1}, but it says ${String(scenarios.from)}-${(scenarios.to as number) - 1}`);
  }
  if (!Array.isArray(r.invariants) || r.invariants.some((i) => typeof i !== 'string')) throw bad('"invariants" must be a list of names');
  if (typeof r.ok !== 'boolean' || typeof r.interrupted !== 'boolean') throw bad('"ok" and "interrupted" must be true or false');
  if (r.failure !== undefined) {
    const f = obj(r.failure, 'failure');
    int(f.scenario, 'failure.scenario');
    if (typeof f.replay !== 'string' || !Array.isArray(f.violations) || !Array.isArray(f.steps)) throw bad('"failure" must have "replay", "steps" and "violations"');
  }
  if (r.ok === (r.failure !== undefined)) throw bad(r.ok ? '"ok" is true but it has a failure' : '"ok" is false but it has no failure');
  return data as ShardReport;
}

/** The settings of two shards, compared: the first difference in words, or undefined. */
function settingsDiffer(a: ShardSettings, b: ShardSettings): string | undefined {
  for (const key of ['runs', 'steps', 'timeout', 'faults', 'faultWeight', 'mutant'] as const) {
    if (a[key] !== b[key]) return `${key} ${JSON.stringify(a[key] ?? null)} against ${JSON.stringify(b[key] ?? null)}`;
  }
  return undefined;
}

/**
 * Merges the shard reports of one campaign (`names` name them in errors, in the same order). Throws
 * a RangeError when they are not of one campaign (another root seed, other options, another shard
 * count or invariants), when a shard comes twice, or when there are none.
 */
export function mergeShardReports(reports: readonly ShardReport[], names: readonly string[] = reports.map((_, i) => `report ${i + 1}`)): MergedReport {
  const first = reports[0];
  if (!first) throw new RangeError('verify merge needs at least one shard report');
  const firstName = names[0] ?? 'report 1';
  const seen = new Map<number, string>();
  reports.forEach((r, i) => {
    const name = names[i] ?? `report ${i + 1}`;
    if (r.seed !== first.seed) throw new RangeError(`${name} has root seed ${r.seed} but ${firstName} has ${first.seed}: the shards of one campaign share the root seed and options`);
    const diff = settingsDiffer(first.settings, r.settings);
    if (diff) throw new RangeError(`${name} and ${firstName} ran with other options (${diff.replace(/^(\S+) (.*) against (.*)$/, `$1: $3 in ${name}, $2 in ${firstName}`)}): the shards of one campaign share the root seed and options`);
    if (r.shard.count !== first.shard.count) throw new RangeError(`${name} is shard ${r.shard.index}/${r.shard.count} but ${firstName} is shard ${first.shard.index}/${first.shard.count}: the shards of one campaign have one count`);
    if (r.invariants.join(',') !== first.invariants.join(',')) throw new RangeError(`${name} checked other invariants than ${firstName}: the shards of one campaign check the same ones`);
    const again = seen.get(r.shard.index);
    if (again !== undefined) throw new RangeError(`${name} and ${again} are both shard ${r.shard.index}/${r.shard.count}`);
    seen.set(r.shard.index, name);
  });
  const ordered = [...reports].sort((a, b) => a.shard.index - b.shard.index);
  const present = ordered.map((r) => r.shard.index);
  const missing: number[] = [];
  for (let i = 1; i <= first.shard.count; i++) if (!seen.has(i)) missing.push(i);
  const failing = ordered.filter((r) => r.failure).sort((a, b) => a.failure!.scenario - b.failure!.scenario);
  const firstFailure = failing[0];
  const interrupted = ordered.some((r) => r.interrupted);
  return {
    format: MERGED_FORMAT,
    seed: first.seed,
    settings: first.settings,
    invariants: first.invariants,
    shards: { count: first.shard.count, present, missing },
    scenarios: ordered.reduce((n, r) => n + r.scenarios.run, 0),
    complete: missing.length === 0 && !interrupted,
    ok: failing.length === 0,
    interrupted,
    ...(firstFailure ? { failure: { ...firstFailure.failure!, shard: firstFailure.shard.index } } : {}),
    failures: failing.map((r) => ({ shard: r.shard.index, scenario: r.failure!.scenario, invariants: [...new Set(r.failure!.violations.map((v) => v.invariant))], replay: r.failure!.replay })),
  };
}

/** A merged report as text: the seed, the shards, the verdict, and the first failure's steps, violations and replay command. */
export function formatMergedReport(merged: MergedReport): string {
  const s = merged.settings;
  const lines = [
    `seed: ${merged.seed}`,
    ...(s.mutant ? [`mutant: ${s.mutant}`] : []),
    `shards: ${merged.shards.present.length} of ${merged.shards.count}${merged.shards.missing.length > 0 ? ` (missing: ${merged.shards.missing.map((i) => `${i}/${merged.shards.count}`).join(', ')})` : ''}; ${s.runs} scenario(s) of up to ${s.steps} steps${s.faults === true ? ' with faults' : ''} in the campaign`,
  ];
  if (merged.interrupted) lines.push('a time limit stopped some shards before the end of their scenarios');
  if (merged.ok) {
    lines.push(`ok: ${merged.scenarios} scenario(s) passed ${merged.invariants.length} invariants${merged.complete ? '' : ' (INCOMPLETE: not every scenario of the campaign ran)'}`);
    return lines.join('\n');
  }
  const f = merged.failure!;
  lines.push(`FAILED: ${merged.scenarios} scenario(s) run; the first failure is scenario ${f.scenario} (shard ${f.shard}/${merged.shards.count}), shrunk ${f.shrinks} time(s)${merged.shards.missing.some((i) => i < f.shard) ? ' (an earlier shard is missing: it may hold an earlier failure)' : ''}`);
  lines.push('', `cluster: ${f.shape} (cluster seed ${f.clusterSeed})`, '', `steps (${f.steps.length}):`);
  f.steps.forEach((step, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${step}`));
  lines.push('', 'violations:');
  for (const v of f.violations) lines.push(`  ${formatViolation(v)}`);
  if (f.error) lines.push(`  error: ${f.error}`);
  lines.push('', `replay: ${f.replay}`);
  if (merged.failures.length > 1) {
    lines.push('', `other shards' failures (${merged.failures.length - 1}):`);
    for (const o of merged.failures.slice(1)) lines.push(`  scenario ${o.scenario} (shard ${o.shard}): ${o.invariants.join(', ')}: ${o.replay}`);
  }
  return lines.join('\n');
}
