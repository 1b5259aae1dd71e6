/**
 * Verification benchmark: scenarios per second for a small cluster (3 nodes, 30 operations with
 * faults), each a whole verification scenario: create the cluster, run the 30 steps with every
 * safety invariant checked after each, heal the faults and run until every liveness invariant
 * holds. The scenarios are drawn once from the default arbitraries (fixed seed), so every run of
 * the benchmark does the same work; the time of each phase is reported beside the total.
 *
 * Run it alone with `npx tsx src/bench/verify.ts [--scenarios=N] [--seed=N] [--steps=N] [--no-faults]`,
 * or through `npm run bench`. Figures are wall-clock and vary; nothing asserts on them. Target: 200/s.
 */
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import type { Fault } from '../cluster/faults.js';
import { faultStep } from '../verify/arbitraries/fault-step.js';
import { workloadStep } from '../verify/arbitraries/workload-step.js';
import { defaultInvariants } from '../verify/invariants/index.js';
import type { Invariant } from '../verify/invariant.js';
import { ScenarioRunner } from '../verify/runner.js';
import type { Step } from '../verify/steps.js';

/** Options of the benchmark. */
export interface VerifyBenchOptions {
  /** Scenarios to run (measured). Default 200. */
  scenarios?: number;
  /** Scenarios run first to warm the JIT (not measured). Default 20. */
  warmup?: number;
  /** Operations per scenario. Default 30. */
  steps?: number;
  /** Worker nodes. Default 3. */
  nodes?: number;
  /** Inject faults. Default true. */
  faults?: boolean;
  /**
   * Fault kinds left out. Default: `crash-node` and `etcd-outage`, which make today's real
   * cluster fail (see docs/verification.md, known bugs) and stop those scenarios early.
   */
  exclude?: readonly Fault['kind'][];
  /** Seed of the drawn scenarios and the clusters. Default 1. */
  seed?: number;
  /** The invariants checked (default: all of them). */
  invariants?: readonly Invariant[];
}

/** The benchmark's result. */
export interface VerifyBenchResult {
  name: string;
  scenarios: number;
  steps: number;
  nodes: number;
  faults: boolean;
  wallMs: number;
  /** Scenarios per wall-clock second. */
  perSecond: number;
  /** The target (200/s). */
  target: number;
  /** Mean ms per scenario in each phase. */
  phases: { createMs: number; stepsMs: number; convergeMs: number };
  /** Mean virtual seconds per scenario. */
  virtualSeconds: number;
  /** Scenarios that found a violation (their runs stop at it). */
  violations: number;
  /** Mean messages delivered or dropped per scenario. */
  messages: number;
  /** Mean timers fired per scenario (periodic housekeeping, heartbeats, delays). */
  timers: number;
}

/** The scenarios of the benchmark: `count` sequences of exactly `steps` steps. */
export function benchScenarios(count: number, steps: number, options: { nodes?: number; faults?: boolean; exclude?: readonly Fault['kind'][]; seed?: number } = {}): Step[][] {
  const workload = workloadStep();
  const step: fc.Arbitrary<Step> = options.faults === false ? workload : fc.oneof({ arbitrary: workload, weight: 4 }, { arbitrary: faultStep(options.nodes ?? 3, { exclude: options.exclude ?? ['crash-node', 'etcd-outage'] }), weight: 1 });
  return fc.sample(fc.array(step, { minLength: steps, maxLength: steps }), { numRuns: count, seed: options.seed ?? 1 });
}

/** Runs the benchmark. */
export function benchVerify(options: VerifyBenchOptions = {}): VerifyBenchResult {
  const scenarios = options.scenarios ?? 200;
  const warmup = options.warmup ?? 20;
  const steps = options.steps ?? 30;
  const nodes = options.nodes ?? 3;
  const faults = options.faults !== false;
  const seed = options.seed ?? 1;
  const invariants = options.invariants ?? defaultInvariants;
  const plans = benchScenarios(warmup + scenarios, steps, { nodes, faults, exclude: options.exclude, seed });
  const run = (plan: Step[], i: number, measure: { create: number; steps: number; converge: number; virtual: number; violations: number; messages: number; timers: number } | undefined) => {
    const t0 = performance.now();
    const runner = new ScenarioRunner({ cluster: { seed: seed + i, nodes, trace: { enabled: false } }, invariants });
    const t1 = performance.now();
    try {
      for (const s of plan) {
        if (runner.failed) break;
        try {
          runner.step(s);
        } catch {
          break;
        }
      }
      const t2 = performance.now();
      const result = runner.finish();
      const t3 = performance.now();
      if (measure) {
        measure.create += t1 - t0;
        measure.steps += t2 - t1;
        measure.converge += t3 - t2;
        measure.virtual += result.time;
        measure.messages += runner.cluster.kernel.trace.total;
        measure.timers += runner.cluster.kernel.stats.timersFired;
        if (result.violations.length > 0) measure.violations++;
      }
    } finally {
      runner.dispose();
    }
  };
  for (let i = 0; i < warmup; i++) run(plans[i]!, i, undefined);
  const m = { create: 0, steps: 0, converge: 0, virtual: 0, violations: 0, messages: 0, timers: 0 };
  const start = performance.now();
  for (let i = warmup; i < plans.length; i++) run(plans[i]!, i, m);
  const wallMs = performance.now() - start;
  return {
    name: `verification: ${nodes} nodes, ${steps} operations${faults ? ' with faults' : ''}`,
    scenarios,
    steps,
    nodes,
    faults,
    wallMs,
    perSecond: scenarios / (wallMs / 1000),
    target: 200,
    phases: { createMs: m.create / scenarios, stepsMs: m.steps / scenarios, convergeMs: m.converge / scenarios },
    virtualSeconds: m.virtual / scenarios / 1000,
    violations: m.violations,
    messages: m.messages / scenarios,
    timers: m.timers / scenarios,
  };
}

/** The result as text. */
export function formatVerifyBench(r: VerifyBenchResult): string {
  const ratio = r.perSecond / r.target;
  return [
    `${r.name}: ${r.scenarios} scenarios in ${(r.wallMs / 1000).toFixed(2)} s`,
    `  ${r.perSecond.toFixed(1)} scenarios/s (target >= ${r.target}/s: ${ratio >= 1 ? 'met' : `${(ratio * 100).toFixed(0)}% of it`})`,
    `  per scenario: create ${r.phases.createMs.toFixed(2)} ms, ${r.steps} steps ${r.phases.stepsMs.toFixed(2)} ms, heal and converge ${r.phases.convergeMs.toFixed(2)} ms`,
    `  per scenario: ${r.virtualSeconds.toFixed(1)} virtual seconds, ${Math.round(r.messages).toLocaleString('en-US')} messages, ${Math.round(r.timers).toLocaleString('en-US')} timers fired`,
    `  scenarios with a violation: ${r.violations}`,
  ].join('\n');
}

function parseArgs(argv: string[]): VerifyBenchOptions {
  const options: VerifyBenchOptions = {};
  for (const arg of argv) {
    if (arg === '--no-faults') {
      options.faults = false;
      continue;
    }
    const m = /^--(scenarios|seed|steps|nodes|warmup)=(\d+)$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}; use --scenarios=N --seed=N --steps=N --nodes=N --warmup=N --no-faults`);
    const n = Number(m[2]);
    if (m[1] === 'scenarios') options.scenarios = n;
    else if (m[1] === 'seed') options.seed = n;
    else if (m[1] === 'steps') options.steps = n;
    else if (m[1] === 'nodes') options.nodes = n;
    else options.warmup = n;
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(formatVerifyBench(benchVerify(parseArgs(process.argv.slice(2)))));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
