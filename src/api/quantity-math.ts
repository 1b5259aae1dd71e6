/**
 * Exact arithmetic on Kubernetes quantities, as apimachinery's `resource.Quantity` does it for
 * quota and limit ranges: a quantity is an integer number of nano-units (parsing rounds up to
 * nano precision, as `Quantity` does) and the format of its text (`DecimalSI` for `500m`, `2k`,
 * `10`; `BinarySI` for `128Mi`; `DecimalExponent` for `1e3`). Sums keep the first non-zero
 * operand's format, as `Quantity.Add` does, and {@link formatQuantity} prints the canonical form
 * of `Quantity.String()` (`1500m` → `1500m`, `2000` → `2k`, `1536Mi` → `1536Mi`, `0.5Gi` → `512Mi`).
 */

/** How a quantity prints (apimachinery's `resource.Format`). */
export type QuantityFormat = 'DecimalSI' | 'BinarySI' | 'DecimalExponent';

/** A quantity: nano-units and the format it prints in. */
export interface Quantity {
  /** The value in units of 10⁻⁹. */
  readonly nanos: bigint;
  /** The format of its text. */
  readonly format: QuantityFormat;
}

const QUANTITY = /^([+-]?)(\d+\.?\d*|\.\d+)(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;
const BINARY_EXP: Record<string, number> = { Ki: 10, Mi: 20, Gi: 30, Ti: 40, Pi: 50, Ei: 60 };
const DECIMAL_EXP: Record<string, number> = { n: -9, u: -6, m: -3, '': 0, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };
const NANO = 10n ** 9n;

/** A zero quantity (`resource.Quantity{Format: DecimalSI}`). */
export const ZERO: Quantity = Object.freeze({ nanos: 0n, format: 'DecimalSI' });

/** Division rounding away from zero (Quantity rounds up on loss of precision). */
function divUp(a: bigint, b: bigint): bigint {
  const q = a / b;
  return q * b === a ? q : a < 0n ? q - 1n : q + 1n;
}

/**
 * Parses a quantity's text (`resource.ParseQuantity`).
 * @throws {RangeError} with apimachinery's message when the text is not a quantity.
 */
export function parseExact(text: string | number): Quantity {
  const raw = typeof text === 'number' ? String(text) : text;
  const m = QUANTITY.exec(raw.trim());
  if (!m) throw new RangeError('quantities must match the regular expression \'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$\'');
  const [, sign, digits, suffix, exponent] = m;
  const [whole = '', frac = ''] = digits!.split('.');
  const mantissa = BigInt(`${whole || '0'}${frac}`);
  let format: QuantityFormat = 'DecimalSI';
  let nanos: bigint;
  if (suffix && BINARY_EXP[suffix] !== undefined) {
    format = 'BinarySI';
    nanos = divUp(mantissa * NANO * 2n ** BigInt(BINARY_EXP[suffix]), 10n ** BigInt(frac.length));
  } else {
    let exp = exponent !== undefined ? Number(exponent) : DECIMAL_EXP[suffix ?? '']!;
    if (exponent !== undefined) format = 'DecimalExponent';
    exp = exp + 9 - frac.length;
    if (exp >= 0) nanos = mantissa * 10n ** BigInt(exp);
    else nanos = divUp(mantissa, 10n ** BigInt(-exp));
  }
  return { nanos: sign === '-' ? -nanos : nanos, format };
}

/** True when `text` parses as a quantity. */
export function isExactQuantity(text: unknown): boolean {
  if (typeof text !== 'string' && typeof text !== 'number') return false;
  try {
    parseExact(text);
    return true;
  } catch (error) {
    if (error instanceof RangeError) return false;
    throw error;
  }
}

/** `a + b`, in the format of `a` (or `b`'s when `a` is zero), as `Quantity.Add`. */
export function addQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos + b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

/** `a - b`, in the format of `a` (or `b`'s when `a` is zero), as `Quantity.Sub`. */
export function subtractQuantities(a: Quantity, b: Quantity): Quantity {
  return { nanos: a.nanos - b.nanos, format: a.nanos === 0n ? b.format : a.format };
}

/** -1, 0 or 1 as `a` is less than, equal to or greater than `b` (`Quantity.Cmp`). */
export function compareQuantities(a: Quantity, b: Quantity): number {
  return a.nanos < b.nanos ? -1 : a.nanos > b.nanos ? 1 : 0;
}

/** Removes the factors `base` from `n` (n ≠ 0): the rest and how many were removed. */
function removeFactors(n: bigint, base: bigint): [bigint, number] {
  let times = 0;
  while (n % base === 0n) {
    n /= base;
    times++;
  }
  return [n, times];
}

const DECIMAL_SUFFIX: Record<number, string> = { [-9]: 'n', [-6]: 'u', [-3]: 'm', 0: '', 3: 'k', 6: 'M', 9: 'G', 12: 'T', 15: 'P', 18: 'E' };
const BINARY_SUFFIX: Record<number, string> = { 0: '', 10: 'Ki', 20: 'Mi', 30: 'Gi', 40: 'Ti', 50: 'Pi', 60: 'Ei' };

/** `Quantity.String()`: the canonical text of a quantity. */
export function formatQuantity(q: Quantity): string {
  if (q.nanos === 0n) return '0';
  const negative = q.nanos < 0n;
  const abs = negative ? -q.nanos : q.nanos;
  const sign = negative ? '-' : '';
  let format = q.format;
  if (format === 'BinarySI') {
    // small or fractional binary quantities print as DecimalSI (no rounding)
    if (abs < 1024n * NANO || abs % NANO !== 0n) format = 'DecimalSI';
  }
  if (format === 'BinarySI') {
    const units = abs / NANO;
    const [rest, times] = removeFactors(units, 1024n);
    const exp = Math.min(times, 6);
    const amount = rest * 1024n ** BigInt(times - exp);
    return `${sign}${amount}${BINARY_SUFFIX[exp * 10]}`;
  }
  // AsCanonicalBytes: the mantissa with trailing zeros removed, the exponent a multiple of 3
  const [rest, times] = removeFactors(abs, 10n);
  let exponent = times - 9;
  let amount = rest;
  const mod = ((exponent % 3) + 3) % 3;
  if (mod === 1) {
    amount *= 10n;
    exponent -= 1;
  } else if (mod === 2) {
    amount *= 100n;
    exponent -= 2;
  }
  if (format === 'DecimalExponent') return `${sign}${amount}${exponent === 0 ? '' : `e${exponent}`}`;
  if (exponent > 18) {
    amount *= 10n ** BigInt(exponent - 18);
    exponent = 18;
  }
  return `${sign}${amount}${DECIMAL_SUFFIX[exponent]}`;
}

/** Parses a `ResourceList` object (`{cpu: "500m"}`); entries that do not parse are skipped (validation refuses them). */
export function parseResourceList(list: unknown): Map<string, Quantity> {
  const out = new Map<string, Quantity>();
  if (list === null || typeof list !== 'object' || Array.isArray(list)) return out;
  for (const [k, v] of Object.entries(list as Record<string, unknown>)) {
    if ((typeof v === 'string' || typeof v === 'number') && isExactQuantity(v)) out.set(k, parseExact(v));
  }
  return out;
}
