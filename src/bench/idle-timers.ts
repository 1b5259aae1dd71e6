/**
 * Which timers an idle cluster fires: a booted cluster with nothing to do, advanced through
 * virtual time, every timer that fires counted by what it was for. XState's delayed transitions
 * arrive at their actor as `xstate.after.<delay>.<state>` events, which XState's inspection reports
 * with the actor; the other timers (armed on the kernel by component code outside a statechart's
 * `after`) are counted together as the rest of the kernel's `timersFired`.
 *
 * `npx tsx src/bench/idle-timers.ts [--nodes=N] [--seconds=N] [--profile=NAME]`, also in
 * `npm run bench -- --only idle`. It measures counts in virtual time, not speed.
 */
import { pathToFileURL } from 'node:url';
import type { InspectionEvent } from 'xstate';
import { createCluster } from '../cluster/create-cluster.js';

/** Options of the count. */
export interface IdleTimersOptions {
  /** Worker nodes. Default 3 (a verification scenario's cluster). */
  nodes?: number;
  /** Virtual ms after the boot before counting (the boot's own timers are not counted). Default 30,000. */
  settleMs?: number;
  /** Virtual ms counted. Default 60,000. */
  windowMs?: number;
  /** The timing profile (`createCluster`'s `profile`). Default: the cluster's default, as `verify` runs it. */
  profile?: string;
  seed?: number;
}

/** One kind of timer and how often it fired. */
export interface IdleTimer {
  /** The actor's id (the component, or the controller under the controller manager). */
  actor: string;
  /** The named delay (or ms). */
  delay: string;
  /** The state whose `after` it is. */
  state: string;
  fired: number;
}

/** The count. */
export interface IdleTimersResult {
  nodes: number;
  windowMs: number;
  profile: string;
  /** Every timer the kernel fired in the window. */
  timersFired: number;
  /** Messages delivered in the window. */
  messages: number;
  /** XState delayed transitions, by actor and delay, most frequent first. */
  timers: IdleTimer[];
  /** Timers fired that were not an XState delayed transition (kernel timers of component code). */
  other: number;
}

/** Boots a cluster, lets it settle, then counts the timers it fires while idle. */
export function benchIdleTimers(options: IdleTimersOptions = {}): IdleTimersResult {
  const nodes = options.nodes ?? 3;
  const windowMs = options.windowMs ?? 60_000;
  let counting = false;
  const counts = new Map<string, IdleTimer>();
  const cluster = createCluster({
    nodes,
    seed: options.seed ?? 1,
    trace: { enabled: false },
    ...(options.profile ? { profile: options.profile } : {}),
    inspect: (e: InspectionEvent) => {
      if (!counting || e.type !== '@xstate.event' || !e.event.type.startsWith('xstate.after.')) return;
      const rest = e.event.type.slice('xstate.after.'.length);
      const dot = rest.indexOf('.');
      const delay = dot < 0 ? rest : rest.slice(0, dot);
      const state = dot < 0 ? '' : rest.slice(dot + 1);
      const actor = (e.actorRef as { id?: string }).id ?? '?';
      const key = `${actor}\u0000${delay}\u0000${state}`;
      const seen = counts.get(key) ?? { actor, delay, state, fired: 0 };
      seen.fired++;
      counts.set(key, seen);
    },
  });
  try {
    cluster.runUntil(() => cluster.count('nodes') === nodes, { timeout: 120_000 });
    cluster.advance(options.settleMs ?? 30_000);
    const timers0 = cluster.kernel.stats.timersFired;
    const messages0 = cluster.kernel.stats.delivered;
    counting = true;
    cluster.advance(windowMs);
    counting = false;
    const timersFired = cluster.kernel.stats.timersFired - timers0;
    const timers = [...counts.values()].sort((a, b) => b.fired - a.fired || a.actor.localeCompare(b.actor) || a.delay.localeCompare(b.delay));
    const delayed = timers.reduce((n, t) => n + t.fired, 0);
    return { nodes, windowMs, profile: options.profile ?? 'default', timersFired, messages: cluster.kernel.stats.delivered - messages0, timers, other: timersFired - delayed };
  } finally {
    cluster.stop();
  }
}

/** The count as a table: per actor and delay, the timers fired and their period in the window. */
export function formatIdleTimersBench(r: IdleTimersResult): string {
  const seconds = r.windowMs / 1000;
  const lines = [
    `idle timers: ${r.nodes}-node cluster (${r.profile} profile), ${seconds} virtual s after the boot settled: ${r.timersFired} timers fired, ${r.messages} messages`,
    '  fired  every s  actor / delay (state)',
  ];
  for (const t of r.timers) lines.push(`  ${String(t.fired).padStart(5)}  ${(seconds / t.fired).toFixed(1).padStart(7)}  ${t.actor} / ${t.delay} (${t.state})`);
  lines.push(`  ${String(r.other).padStart(5)}  ${r.other > 0 ? (seconds / r.other).toFixed(1).padStart(7) : '      -'}  other kernel timers (component code outside a statechart's after)`);
  return lines.join('\n');
}

function parseArgs(argv: string[]): IdleTimersOptions {
  const options: IdleTimersOptions = {};
  for (const arg of argv) {
    const m = /^--(nodes|seconds|profile|seed)=(\S+)$/.exec(arg);
    if (!m) throw new Error(`unknown argument ${arg}; use --nodes=N --seconds=N --profile=NAME --seed=N`);
    if (m[1] === 'profile') options.profile = m[2];
    else if (m[1] === 'seconds') options.windowMs = Number(m[2]) * 1000;
    else options[m[1] as 'nodes' | 'seed'] = Number(m[2]);
  }
  return options;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    console.log(formatIdleTimersBench(benchIdleTimers(parseArgs(process.argv.slice(2)))));
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exitCode = 1;
  }
}
