/**
 * `verify()`: property-based verification of a simulated cluster. fast-check generates
 * scenarios (a cluster shape, a workload, a fault plan), each runs on a REAL cluster
 * (`createCluster`) step by step with the safety invariants checked after every step, then the
 * faults are healed and the liveness invariants must hold within a bound on virtual time. A
 * failing scenario is shrunk to a minimal one, re-run with the full trace, and reported with the
 * command line that replays it.
 *
 * One root seed drives everything: fast-check's generator is forked from it (`workload`), and
 * each scenario's cluster seed is drawn by fast-check, so the kernel's own forks (network,
 * scheduler, uids, ...) follow from it too. The same seed, options and path replay byte for byte.
 *
 * @example
 * const report = verify({ runs: 50, seed: 42, faults: true });
 * if (!report.ok) console.log(report.failure!.replay);
 */
import fc from 'fast-check';
import type { ClusterOptions } from '../cluster/create-cluster.js';
import { normalizeSeed, Rng } from '../kernel/rng.js';
import { clusterShape, describeShape, shapeToClusterOptions, type ClusterShape } from './arbitraries/cluster-shape.js';
import { faultStep } from './arbitraries/fault-step.js';
import { workloadStep } from './arbitraries/workload-step.js';
import { formatViolation, type Invariant, type Violation } from './invariant.js';
import { defaultInvariants } from './invariants/index.js';
import { initialModel, stepCommands, stepsOf, type StepCommand } from './model.js';
import { findMutant, type Mutant } from './mutants.js';
import { InvariantViolationError, runScenario, ScenarioRunner } from './runner.js';
import { describeStep, stepsToJSON, type FaultStep, type Step } from './steps.js';
import { shardRange, type ShardSettings, type ShardSpec, type VerifyShard } from './shard.js';

/** Options of `verify`. */
export interface VerifyOptions {
  /**
   * The cluster to verify on: fixed options, or options per scenario from its seed. Default: a
   * generated shape (`shape`) of 1-5 nodes.
   */
  cluster?: ClusterOptions | ((seed: number) => ClusterOptions);
  /** The arbitrary of cluster shapes, when `cluster` is not given. Default `clusterShape()`. */
  shape?: fc.Arbitrary<ClusterShape>;
  /** Adjusts every scenario's cluster options (a profile, controller options, the network...). */
  configure?: (options: ClusterOptions) => ClusterOptions;
  /** The arbitrary of workload steps. Default `workloadStep()`. */
  workload?: fc.Arbitrary<Step>;
  /**
   * Faults: `true` for `faultStep(...)`, your own arbitrary of fault steps or of fault plans
   * (arrays of steps such as `faultPlan(nodes)`, each run as one step), or `false`. Default: off,
   * except for a mutant that needs faults (then its focused workload, or `faultStep`). With
   * `true` and a mutant that has a focused workload, the focused workload and `faultStep`'s steps
   * are drawn together.
   */
  faults?: fc.Arbitrary<FaultStep> | fc.Arbitrary<Step[]> | boolean;
  /** Relative weight of fault steps against workload steps. Default 1 fault for 4 workload steps. */
  faultWeight?: number;
  /** The invariants checked. Default: every built-in one (`defaultInvariants`). */
  invariants?: readonly Invariant[];
  /** Scenarios to run. Default 100. */
  runs?: number;
  /** The root seed. Default: `KUBE_ACTORS_SEED` from the environment, else random. */
  seed?: number | string;
  /** Most steps in one scenario. Default 30. */
  steps?: number;
  /** Virtual ms the cluster gets, after the faults are healed, to satisfy the liveness invariants. Default 300,000. */
  timeout?: number;
  /** A mutant (by name or as an object) to verify instead of the real components. */
  mutant?: string | Mutant;
  /** Throw a `VerificationError` carrying the report instead of returning it, when a property fails. */
  throwOnFailure?: boolean;
  /** Called after every scenario run (shrinking runs included). */
  onProgress?: (progress: VerifyProgress) => void;
  /** fast-check's path of a counterexample, to replay just that one. */
  path?: string;
  /** fast-check's replay path of the commands (printed with a counterexample), for an exact replay. */
  replayPath?: string;
  /** Keep the trace of the failing run in the report (JSON Lines). Default true. */
  trace?: boolean;
  /** Give up after this much wall-clock time (ms); the report says how many runs were done. */
  timeLimit?: number;
  /**
   * Wall-clock ms shrinking may take once a failure is found (needs `now`): after it, the smallest
   * counterexample found so far is reported. Default: no budget.
   */
  shrinkBudget?: number;
  /** The wall clock for `shrinkBudget` (verification itself never reads it): `() => performance.now()`. */
  now?: () => number;
  /** How the replay command starts. Default `npx kube-actors verify`. */
  command?: string;
  /** Arguments of the replay command that `verify` cannot know (e.g. the CLI's own flags). */
  replayArgs?: readonly string[];
  /**
   * Run only the `index`-th (from 1) of `count` disjoint blocks of the `runs` scenarios
   * ({@link shardRange}), each with the seeds the unsharded run gives it; the report then carries
   * `shard` (its block and the cluster seed of every scenario run), which {@link shardReport}
   * writes as JSON and {@link mergeShardReports} combines across machines.
   */
  shard?: ShardSpec;
}

/** Progress of a verification. */
export interface VerifyProgress {
  /** Scenarios run so far (shrinking runs included). */
  done: number;
  /** Scenarios asked for. */
  runs: number;
  /** True once a scenario failed (later runs are shrinking it). */
  failing: boolean;
  /** Runs since the failure (shrink attempts). */
  shrinking: number;
  /** Steps of the smallest failing scenario so far (once failing). */
  size?: number;
  /** True once the shrink budget ran out (the remaining candidates are skipped). */
  budgetSpent?: boolean;
}

/** A failing scenario, shrunk. */
export interface VerifyFailure {
  /** The shrunk steps, as data (custom steps as their label). */
  counterexample: Step[];
  /** The shrunk steps, one line each. */
  steps: string[];
  /** The cluster of the failing scenario (its seed included). */
  cluster: ClusterOptions;
  /** The cluster's shape, in one line. */
  shape: string;
  /** fast-check's path of the counterexample (with the root seed, it replays it). */
  path: string;
  /** fast-check's replay path of the commands, when it printed one. */
  replayPath?: string;
  /** The trace of the failing run, as JSON Lines (empty when `trace: false`). */
  trace: string;
  /** What does not hold. */
  violations: Violation[];
  /** The command line that replays this failure. */
  replay: string;
  /** How many shrinks fast-check made. */
  shrinks: number;
  /** True when the shrink budget stopped shrinking (a smaller counterexample may exist). */
  shrinkBudgetSpent?: boolean;
  /** The error, when the run failed with something else than a violation. */
  error?: string;
}

/** The result of `verify`. */
export interface VerifyReport {
  ok: boolean;
  /** The root seed (print it first: it replays the whole verification). */
  seed: number;
  /** Scenarios run before the first failure (or all of them). */
  runs: number;
  /** True when `timeLimit` stopped the runs early. */
  interrupted: boolean;
  /** Names of the invariants checked. */
  invariants: string[];
  /** The mutant verified, if any. */
  mutant?: string;
  failure?: VerifyFailure;
  /** With the `shard` option: the shard's block of scenarios, their cluster seeds and the campaign's settings. */
  shard?: VerifyShard;
}

/** Thrown by `verify({ throwOnFailure: true })`. */
export class VerificationError extends Error {
  override name = 'VerificationError';
  constructor(readonly report: VerifyReport) {
    super(formatReport(report));
  }
}

/** The root seed from `KUBE_ACTORS_SEED`, or undefined. */
export function seedFromEnvironment(env: Record<string, string | undefined> = process.env): number | undefined {
  const text = env.KUBE_ACTORS_SEED;
  if (text === undefined || text.trim() === '') return undefined;
  return normalizeSeed(text);
}

/** A random root seed (from the system's randomness: the one place verification is not seeded). */
export function randomSeed(): number {
  // eslint-disable-next-line no-restricted-properties -- the one unseeded choice: a root seed when the user gives none (printed, so the run replays)
  return normalizeSeed(Math.floor(Math.random() * 2 ** 32));
}

/** fast-check's seed, forked from the root seed. */
export function fastCheckSeed(root: number): number {
  return new Rng(root).fork('workload').nextUint32() | 0;
}

type Scenario = [clusterSeed: number, shape: ClusterShape | null, commands: Iterable<StepCommand>];

/** Runs the properties. */
export function verify(options: VerifyOptions = {}): VerifyReport {
  return verifyFrom(options);
}

/**
 * Runs the share of a verification's scenarios that `mine(index)` picks, without shrinking, and
 * calls `onResult` for each: scenario `index` is the one `verify` runs as its `index`-th, since the
 * same arbitraries draw the same values from the same seed (the others are drawn and skipped). It
 * stops running scenarios past `stopAfter()` (the first failure found anywhere). A worker of
 * {@link verifyParallel} runs this.
 */
export function runShare(options: VerifyOptions, mine: (index: number) => boolean, stopAfter: () => number, onResult: (index: number, failed: boolean, clusterSeed: number) => void): void {
  const { arbitraries, runOne, seed, window } = prepare(options);
  if (window.to === 0) return;
  let index = 0;
  const property = fc.property(...arbitraries, (clusterSeed, shape, cmds) => {
    const k = index++;
    if (k < window.from || !mine(k) || k > stopAfter()) return;
    let failed = false;
    try {
      runOne(clusterSeed, shape, cmds);
    } catch {
      failed = true; // reported to the orchestrator, which shrinks the first failure itself
    }
    onResult(k, failed, clusterSeed);
  });
  fc.check(property, { seed: fastCheckSeed(seed), numRuns: window.to });
}

/**
 * `verify`, or with `shrinkFrom`, the shrinking of the failing scenario at that index (fast-check's
 * path from the same seed), reported as `verify` reports its first failure.
 */
export function verifyFrom(options: VerifyOptions, shrinkFrom?: number): VerifyReport {
  const p = prepare(options, shrinkFrom);
  const { property, seed, runs, mutant, invariants, maxSteps, livenessTimeout, clusterOf, window } = p;
  if (window.from === window.to) {
    // an empty shard (more shards than scenarios): nothing to run
    return { ok: true, seed, runs: 0, interrupted: false, invariants: invariants.map((i) => i.name), ...(mutant ? { mutant: mutant.name } : {}), ...(p.shard ? { shard: p.shard } : {}) };
  }
  const details = fc.check(property, {
    seed: fastCheckSeed(seed),
    numRuns: window.to,
    ...(shrinkFrom === undefined && options.path ? { path: options.path, endOnFailure: true } : {}),
    ...(options.timeLimit ? { interruptAfterTimeLimit: options.timeLimit, markInterruptAsFailure: false } : {}),
  });

  const report: VerifyReport = {
    ok: !details.failed,
    seed,
    runs: details.numRuns - window.from,
    interrupted: details.interrupted,
    invariants: invariants.map((i) => i.name),
    ...(mutant ? { mutant: mutant.name } : {}),
    ...(p.shard ? { shard: p.shard } : {}),
  };
  if (details.failed && details.counterexample) {
    const [clusterSeed, shape, cmds] = details.counterexample as unknown as Scenario;
    const steps = stepsOf(cmds);
    const replayPath = /\/\*replayPath="([^"]*)"\*\//.exec(String(cmds))?.[1];
    const cluster = clusterOf(clusterSeed, shape, options.trace !== false);
    const rerun = runScenario(steps, { cluster, invariants, livenessTimeout });
    const violations = rerun.violations.length > 0 ? rerun.violations : violationsOf(details.errorInstance);
    const error = violations.length === 0 ? errorText(details.errorInstance) : undefined;
    const { trace: _trace, ...shown } = cluster;
    report.failure = {
      counterexample: stepsToJSON(steps) as Step[],
      steps: steps.map(describeStep),
      cluster: shown,
      shape: shape ? describeShape(shape) : `${nodeCount(cluster)} node(s) as given`,
      path: details.counterexamplePath ?? '',
      ...(replayPath ? { replayPath } : {}),
      trace: options.trace !== false ? rerun.runner.cluster.kernel.trace.toJSONL() : '',
      violations,
      replay: replayCommand(seed, details.counterexamplePath ?? '', replayPath, { ...options, runs, steps: maxSteps, faults: options.faults === true, mutant: mutant?.name }),
      shrinks: details.numShrinks,
      ...(p.budgetSpent() ? { shrinkBudgetSpent: true } : {}),
      ...(error ? { error } : {}),
    };
  }
  if (!report.ok && options.throwOnFailure) throw new VerificationError(report);
  return report;
}

/**
 * The property of a verification and what its report needs. The runs before `skipBefore` (default:
 * the shard's first scenario) pass without running (another shard's, or known to pass:
 * `verifyParallel`'s workers ran them), so fast-check reaches the run after them with the same
 * values and shrinks it as it would have.
 */
function prepare(options: VerifyOptions, skipFrom?: number) {
  const seed = normalizeSeed(options.seed ?? seedFromEnvironment() ?? randomSeed());
  const mutant = typeof options.mutant === 'string' ? findMutant(options.mutant) : options.mutant;
  if (typeof options.mutant === 'string' && !mutant) throw new RangeError(`unknown mutant "${options.mutant}"`);
  const invariants = options.invariants ?? defaultInvariants;
  const runs = options.runs ?? 100;
  const maxSteps = options.steps ?? 30;
  const livenessTimeout = options.timeout ?? 300_000;
  const window = options.shard ? shardRange(options.shard, runs) : { from: 0, to: runs };
  const skipBefore = skipFrom ?? window.from;
  const faultsOn = options.faults === undefined ? mutant?.needsFaults === true : options.faults !== false;
  const fixedCluster = options.cluster;
  // fault steps name nodes up to this; the model skips those a scenario's cluster does not have
  const maxNodes = typeof fixedCluster === 'object' ? nodeCount(fixedCluster) : 5;
  const shapeArb: fc.Arbitrary<ClusterShape | null> = fixedCluster ? fc.constant(null) : options.shape ?? clusterShape();
  const workload = options.workload ?? workloadStep(mutant?.workload, { maxWaitMs: mutant?.maxWaitMs });
  const faultArb: fc.Arbitrary<Step> | undefined = !faultsOn
    ? undefined
    : typeof options.faults === 'object'
      ? (options.faults as fc.Arbitrary<Step | Step[]>).map((f): Step => (Array.isArray(f) ? { op: 'plan', steps: f } : f))
      : faultStep(Math.max(1, maxNodes));
  const faultWeight = options.faultWeight ?? 1;
  // a mutant's focused workload replaces the default one; with `faults: true` the default faults join it
  const focused = !options.workload && (options.faults === undefined || options.faults === true) && mutant?.focus ? mutant.focus(Math.max(1, maxNodes)) : undefined;
  const stepArbs: fc.Arbitrary<Step>[] = focused
    ? options.faults === true && faultArb
      ? [fc.oneof({ arbitrary: focused, weight: 4 }, { arbitrary: faultArb, weight: Math.max(0, faultWeight) })]
      : [focused]
    : faultArb
      ? [fc.oneof({ arbitrary: workload, weight: 4 }, { arbitrary: faultArb, weight: Math.max(0, faultWeight) })]
      : [workload];
  const commands = stepCommands(stepArbs, { maxCommands: maxSteps, ...(options.replayPath ? { replayPath: options.replayPath } : {}) });

  const clusterOf = (clusterSeed: number, shape: ClusterShape | null, trace: boolean): ClusterOptions => {
    let base: ClusterOptions;
    if (typeof fixedCluster === 'function') base = fixedCluster(clusterSeed);
    else if (fixedCluster) base = fixedCluster;
    else base = shapeToClusterOptions(shape!);
    let opts: ClusterOptions = { ...base, seed: base.seed ?? clusterSeed, trace: trace ? { enabled: true } : { enabled: false } };
    if (options.configure) opts = options.configure(opts);
    if (mutant) opts = mutant.cluster(opts);
    return opts;
  };

  const settings = settingsOf(options);
  /** The cluster seed of each scenario of the shard's block, by fast-check's first pass. */
  const clusterSeeds: number[] = [];
  const shard: VerifyShard | undefined = options.shard ? { index: options.shard.index, count: options.shard.count, ...window, clusterSeeds, settings } : undefined;
  /** Progress counts the shard's scenarios only. */
  const total = window.to - window.from;
  let done = -window.from;
  let failedAt = -1;
  let failedSince = 0;
  let size: number | undefined;
  let budgetSpent = false;
  /** Steps the last scenario ran. */
  let lastSteps = 0;
  /** One scenario; throws when it fails. */
  const runOne = (clusterSeed: number, shape: ClusterShape | null, cmds: Iterable<StepCommand>): void => {
    const runner = new ScenarioRunner({ cluster: clusterOf(clusterSeed, shape, false), invariants, livenessTimeout });
    try {
      fc.modelRun(() => ({ model: initialModel(runner.cluster.nodes), real: { runner } }), cmds);
      const result = runner.finish();
      if (result.violations.length > 0) throw new InvariantViolationError(result.violations);
    } finally {
      lastSteps = runner.stepCount;
      runner.dispose();
    }
  };
  const arbitraries = [fc.noShrink(fc.integer({ min: 0, max: 0x7fffffff })), shapeArb, commands] as const;
  let calls = 0;
  const property = fc.property(...arbitraries, (clusterSeed, shape, cmds) => {
    if (failedAt < 0 && calls >= window.from) clusterSeeds.push(clusterSeed);
    if (calls++ < skipBefore) {
      done++;
      return;
    }
    if (failedAt >= 0 && options.shrinkBudget !== undefined && options.now && options.now() - failedSince > options.shrinkBudget) {
      // the budget is spent: every further candidate counts as passing, so fast-check ends with the smallest failure so far
      budgetSpent = true;
      done++;
      options.onProgress?.({ done, runs: total, failing: true, shrinking: done - failedAt - 1, ...(size !== undefined ? { size } : {}), budgetSpent });
      return;
    }
    try {
      runOne(clusterSeed, shape, cmds);
    } catch (error) {
      if (failedAt < 0) {
        failedAt = done;
        failedSince = options.now?.() ?? 0;
      }
      size = Math.min(size ?? Infinity, lastSteps);
      throw error;
    } finally {
      done++;
      options.onProgress?.({ done, runs: total, failing: failedAt >= 0, shrinking: failedAt >= 0 ? done - failedAt - 1 : 0, ...(size !== undefined ? { size } : {}), ...(budgetSpent ? { budgetSpent } : {}) });
    }
  });

  return { property, arbitraries, runOne, seed, runs, mutant, invariants, maxSteps, livenessTimeout, clusterOf, window, shard, budgetSpent: () => budgetSpent };
}

/** The options every shard of a campaign must share, as a shard report records them. */
export function settingsOf(options: VerifyOptions): ShardSettings {
  const mutant = typeof options.mutant === 'string' ? findMutant(options.mutant) : options.mutant;
  return {
    runs: options.runs ?? 100,
    steps: options.steps ?? 30,
    timeout: options.timeout ?? 300_000,
    faults: typeof options.faults === 'object' ? 'custom' : options.faults === undefined ? mutant?.needsFaults === true : options.faults !== false,
    faultWeight: options.faultWeight ?? 1,
    ...(mutant ? { mutant: mutant.name } : {}),
  };
}

function nodeCount(options: ClusterOptions): number {
  return typeof options.nodes === 'number' ? options.nodes : Array.isArray(options.nodes) ? options.nodes.length : 3;
}

function violationsOf(error: unknown): Violation[] {
  let e: unknown = error;
  for (let depth = 0; e && depth < 5; depth++) {
    if (e instanceof InvariantViolationError) return e.violations;
    e = (e as { cause?: unknown }).cause;
  }
  return [];
}

function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}

function replayCommand(seed: number, path: string, replayPath: string | undefined, o: VerifyOptions & { runs: number; steps: number; faults: boolean; mutant?: string }): string {
  const parts = [o.command ?? 'npx kube-actors verify', `--seed ${seed}`, `--runs ${o.runs}`, `--steps ${o.steps}`];
  if (o.faults) parts.push('--faults');
  if (o.mutant) parts.push(`--mutant ${o.mutant}`);
  for (const a of o.replayArgs ?? []) parts.push(a);
  parts.push(`--path ${path}`);
  if (replayPath) parts.push(`--replay-path '${replayPath}'`);
  return parts.join(' ');
}

/** A report as text: the seed first, then the verdict, and for a failure the steps, the violations and the replay command. */
export function formatReport(report: VerifyReport): string {
  const lines = [`seed: ${report.seed}`];
  if (report.mutant) lines.push(`mutant: ${report.mutant}`);
  if (report.ok) {
    lines.push(`ok: ${report.runs} scenario(s) passed ${report.invariants.length} invariants${report.interrupted ? ' (stopped by the time limit)' : ''}`);
    return lines.join('\n');
  }
  const f = report.failure;
  lines.push(`FAILED after ${report.runs} scenario(s)${f ? `, shrunk ${f.shrinks} time(s)${f.shrinkBudgetSpent ? ' (the shrink budget ran out: the smallest counterexample found so far)' : ''}` : ''}`);
  if (!f) return lines.join('\n');
  lines.push('', `cluster: ${f.shape} (cluster seed ${f.cluster.seed})`, '', `steps (${f.steps.length}):`);
  f.steps.forEach((s, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${s}`));
  lines.push('', 'violations:');
  for (const v of f.violations) lines.push(`  ${formatViolation(v)}`);
  if (f.error) lines.push(`  error: ${f.error}`);
  lines.push('', `replay: ${f.replay}`);
  return lines.join('\n');
}
