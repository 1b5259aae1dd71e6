/** Argument helpers shared by the commands: every bad value gets a message naming it. */
import { UsageError } from './main.js';

/** `--seed`: an integer (or any string, hashed); default 1. */
export function parseSeed(text: string | undefined, fallback = 1): number {
  if (text === undefined) return fallback;
  if (!/^-?\d+$/.test(text.trim())) throw new UsageError(`--seed must be an integer; got "${text}"`);
  return Number(BigInt.asUintN(32, BigInt(text.trim())));
}

/** A positive integer option. */
export function parsePositiveInt(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isInteger(n) || n <= 0) throw new UsageError(`--${name} must be a positive integer; got "${text}"`);
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
