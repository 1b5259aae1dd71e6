/**
 * What the `perl` image's interpreter does, as far as the simulation models it: the one-liner of
 * Kubernetes' Job example, `perl -Mbignum=bpi -wle "print bpi(2000)"`, which prints π to 2000
 * significant digits and exits 0 (Math::BigFloat's `bpi(N)`, rounded to N digits). Any other
 * script is not modelled: the image's program then runs until stopped, as a private image does.
 */
import type { ImageProgram } from './images.js';

/** How long the modelled one-liner runs (virtual ms): perl takes about a second for 2000 digits. */
const BPI_RUN_MS = 1_000;

/** The most digits `bpi` is computed to here (bounds the work of a manifest's argument). */
const MAX_BPI_DIGITS = 100_000;

/** arctan(1/x) scaled by `unity` (Taylor series in BigInt fixed point). */
function arctanInverse(x: bigint, unity: bigint): bigint {
  let sum = 0n;
  let term = unity / x;
  const x2 = x * x;
  for (let n = 1n, sign = 1n; term !== 0n; n += 2n, sign = -sign) {
    sum += (sign * term) / n;
    term /= x2;
  }
  return sum;
}

/** π to `digits` significant digits, rounded half up (what `bpi(digits)` prints): `3.14159…`. */
function piDigits(digits: number): string {
  if (!Number.isInteger(digits) || digits < 1) throw new RangeError(`piDigits needs a positive integer; got ${digits}`);
  const guard = 10;
  const unity = 10n ** BigInt(digits - 1 + guard);
  // Machin: π = 16·arctan(1/5) − 4·arctan(1/239)
  const pi = 16n * arctanInverse(5n, unity) - 4n * arctanInverse(239n, unity);
  const scale = 10n ** BigInt(guard);
  const rounded = (pi + scale / 2n) / scale;
  const text = rounded.toString();
  return digits === 1 ? text : `${text[0]}.${text.slice(1)}`;
}

/** The code and switches of a perl command line (`-wle CODE`, `-e CODE`, `-Mmodule=...`). */
function parsePerlArgs(args: readonly string[]): { code: string; newline: boolean; modules: string[] } | undefined {
  const modules: string[] = [];
  let newline = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a.startsWith('-M')) {
      modules.push(a.slice(2));
      continue;
    }
    const m = /^-([a-zA-Z]*)$/.exec(a);
    if (!m) return undefined;
    const flags = m[1]!;
    if (flags.includes('l')) newline = true;
    if (flags.endsWith('e')) {
      const code = args[i + 1];
      // switches after the code, or a script after it, are not modelled
      if (code === undefined || i + 2 !== args.length) return undefined;
      return { code, newline, modules };
    }
  }
  return undefined;
}

/** `perl ARGS`: the output and exit of the modelled one-liners, undefined for any other script. */
function runPerl(args: readonly string[]): { stdout: string; code: number; ms: number } | undefined {
  const parsed = parsePerlArgs(args);
  if (!parsed) return undefined;
  const bignum = parsed.modules.some((m) => /^bignum(=.*\bbpi\b.*)?$/.test(m) || m === 'Math::BigFloat');
  const bpi = /^\s*print\s+bpi\(\s*(\d+)\s*\)\s*;?\s*$/.exec(parsed.code);
  if (!bignum || !bpi) return undefined;
  const digits = Number(bpi[1]);
  if (digits < 1 || digits > MAX_BPI_DIGITS) return undefined;
  return { stdout: piDigits(digits) + (parsed.newline ? '\n' : ''), code: 0, ms: BPI_RUN_MS };
}

/** The `perl` program of the perl image: the modelled one-liners run and exit, anything else runs until stopped. */
export const PERL: ImageProgram = { ports: 'declared', run: runPerl };
