/**
 * The one argument parser and the value parsers of every `kube-actors` command, so that every
 * command has the same flag names (kubectl's: `-f/--filename`, `-o/--output`) and the same
 * messages: an unknown flag is `unknown flag: --jsn` with a "did you mean" when a flag is close,
 * a flag without its value is `flag needs an argument: --runs`, a negative number is a bad value
 * of its flag (`--runs -3`: `--runs must be a positive integer; got "-3"`), not node:util's
 * "argument is ambiguous".
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { schedulerConfiguration } from '../../machines/scheduler/configuration.js';
import { profiles } from '../profiles/index.js';
import { UsageError } from './main.js';

/** The flags of a command, as node:util's parseArgs takes them. */
export type FlagSpecs = NonNullable<ParseArgsConfig['options']>;

/** What {@link parseFlags} returns: node:util's parseArgs result for these flags. */
export type ParsedFlags<O extends FlagSpecs> = ReturnType<typeof parseArgs<{ args: string[]; options: O; allowPositionals: true; strict: true }>>;

/** The closest of `candidates` to `word` (edit distance at most 2, or a prefix), if any. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const c of candidates) {
    const d = c.startsWith(word) || word.startsWith(c) ? Math.min(1.5, editDistance(word, c)) : editDistance(word, c);
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return bestDistance <= 2 ? best : undefined;
}

/** Levenshtein distance. */
function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Parses a command's arguments against its flags. Throws a {@link UsageError} for an unknown flag
 * (with the closest known one), a flag without its value, or a value given to a boolean flag.
 * A string flag's value may start with a dash (`--runs -3`, `--seed -1`): it is its value, and the
 * flag's own parser judges it.
 */
export function parseFlags<const O extends FlagSpecs>(argv: readonly string[], options: O): ParsedFlags<O> {
  const longs = Object.keys(options);
  const shorts = new Map(Object.entries(options).flatMap(([name, o]) => (o.short ? [[o.short, name] as const] : [])));
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const token = argv[i]!;
    if (token === '--') {
      args.push(...argv.slice(i));
      break;
    }
    if (!token.startsWith('-') || token === '-') {
      args.push(token);
      continue;
    }
    const long = token.startsWith('--');
    const [flag, inline] = long ? splitOnce(token.slice(2), '=') : [token.slice(1, 2), token.length > 2 ? token.slice(2).replace(/^=/, '') : undefined];
    const name = long ? flag : shorts.get(flag);
    if (name === undefined || !(name in options)) {
      const suggestion = long ? closest(flag, longs) : undefined;
      const shown = long ? `--${flag}` : `-${flag}`;
      throw new UsageError(`${long ? `unknown flag: ${shown}` : `unknown shorthand flag: '${flag}' in ${token}`}${suggestion ? `\nDid you mean --${suggestion}?` : ''}`);
    }
    const spec = options[name]!;
    const display = long ? `--${name}` : `-${flag}`;
    if (spec.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`flag ${display} takes no value; got "${inline}"`);
      args.push(`--${name}`);
      continue;
    }
    let value = inline;
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`flag needs an argument: ${display}`);
      value = argv[++i]!;
    }
    args.push(`--${name}=${value}`);
  }
  return parseArgs({ args, options, allowPositionals: true, strict: true });
}

function splitOnce(text: string, sep: string): [string, string | undefined] {
  const i = text.indexOf(sep);
  return i < 0 ? [text, undefined] : [text.slice(0, i), text.slice(i + 1)];
}

/** Refuses positional arguments beyond the `allowed` first ones. */
export function noMorePositionals(positionals: readonly string[], allowed = 0): void {
  if (positionals.length > allowed) throw new UsageError(`unexpected argument "${positionals[allowed]}"`);
}

/** `--seed`: an integer; default 1. */
export function parseSeed(text: string | undefined, fallback = 1): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`--seed must be an integer; got "${text}"`);
  return Number(BigInt.asUintN(32, BigInt(text.trim())));
}

/** A positive integer option. */
export function parsePositiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer; got "${text}"`);
  return n;
}

/** A port: an integer from 0 (any free port) to 65535. */
export function parsePort(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || n > 65535) throw new UsageError(`--${name} must be an integer between 0 and 65535; got "${text}"`);
  return n;
}

/** `--speed`: virtual ms per wall ms, 0.01 to 10,000; default 1. */
export function parseSpeed(text: string | undefined): number {
  if (text === undefined) return 1;
  const n = Number(text);
  if (text.trim() === '' || !Number.isFinite(n) || n < 0.01 || n > 10_000) throw new UsageError(`--speed must be a number between 0.01 and 10000; got "${text}"`);
  return n;
}

/** A virtual duration: `90s`, `5m`, `1h30m`, `250ms` or plain milliseconds. */
export function parseDuration(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const t = text.trim();
  if (/^\d+$/.test(t)) return Number(t);
  const re = /(\d+(?:\.\d+)?)(ms|s|m|h)/g;
  let total = 0;
  let consumed = 0;
  for (const m of t.matchAll(re)) {
    const v = Number(m[1]);
    total += m[2] === 'ms' ? v : m[2] === 's' ? v * 1000 : m[2] === 'm' ? v * 60_000 : v * 3_600_000;
    consumed += m[0].length;
  }
  if (consumed !== t.length || consumed === 0) throw new UsageError(`--${name} must be a duration such as 90s, 5m or 1h30m; got "${text}"`);
  return total;
}

/** `--profile`: one of the timing profiles (src/profiles/); default `fast`. */
export function parseProfile(text: string | undefined): string {
  if (text === undefined) return 'fast';
  if (!(text in profiles)) throw new UsageError(`--profile must be one of ${Object.keys(profiles).join(', ')}; got "${text}"`);
  return text;
}

/** The help line of `--scheduler-config` (simulate, serve, inspect). */
export const SCHEDULER_CONFIG_HELP = `  --scheduler-config FILE
                    a KubeSchedulerConfiguration (kubescheduler.config.k8s.io/v1, YAML or JSON)
                    as kube-scheduler's --config reads it: plugins, weights, pluginConfig args,
                    percentageOfNodesToScore (see docs/scheduler.md)`;

/**
 * `--scheduler-config FILE`: the KubeSchedulerConfiguration in the file, checked (what kube-actors
 * cannot honour is a usage error naming the field); undefined without the flag.
 */
export function parseSchedulerConfig(path: string | undefined): unknown {
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UsageError(`--scheduler-config: cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
    schedulerConfiguration(doc);
  } catch (error) {
    throw new UsageError(`--scheduler-config ${path}: ${error instanceof Error ? error.message : String(error)}`);
  }
  return doc;
}
