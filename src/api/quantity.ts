/**
 * Kubernetes resource quantities (`500m`, `1.5`, `128Mi`, `2G`, `1e3`) parsed to plain numbers.
 *
 * The scheduler and the kubelet do their arithmetic on integers: cpu in millicores, everything
 * else (memory, ephemeral-storage, pods) in base units, rounded up as Kubernetes rounds a
 * quantity's `MilliValue()` / `Value()`.
 */

const BINARY: Record<string, number> = { Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40, Pi: 2 ** 50, Ei: 2 ** 60 };
const DECIMAL: Record<string, number> = { n: 1e-9, u: 1e-6, m: 1e-3, '': 1, k: 1e3, M: 1e6, G: 1e9, T: 1e12, P: 1e15, E: 1e18 };

const QUANTITY = /^([+-]?(?:\d+\.?\d*|\.\d+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)|[eE]([+-]?\d+))?$/;

/** True when `text` is a well-formed Kubernetes quantity. */
export function isQuantity(text: unknown): boolean {
  if (typeof text === 'number') return Number.isFinite(text);
  return typeof text === 'string' && QUANTITY.test(text.trim());
}

/**
 * Parses a quantity to a number of base units (`"128Mi"` → 134217728, `"500m"` → 0.5).
 * @throws {RangeError} naming the text when it is not a quantity.
 */
export function parseQuantity(text: string | number): number {
  if (typeof text === 'number') {
    if (!Number.isFinite(text)) throw new RangeError(`quantity ${text} is not finite`);
    return text;
  }
  const m = QUANTITY.exec(String(text).trim());
  if (!m) throw new RangeError(`quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$': ${JSON.stringify(text)}`);
  const value = Number(m[1]);
  if (m[3] !== undefined) return value * 10 ** Number(m[3]);
  const suffix = m[2] ?? '';
  return value * (BINARY[suffix] ?? DECIMAL[suffix]!);
}

/** CPU quantity in whole millicores, rounded up (`"0.1"` → 100, `"250m"` → 250). */
export function milliCpu(text: string | number | undefined): number {
  if (text === undefined) return 0;
  return Math.ceil(Math.round(parseQuantity(text) * 1e9) / 1e6);
}

/** A quantity in whole base units, rounded up (`"1Gi"` → 1073741824, `"1.5k"` → 1500). */
export function quantityValue(text: string | number | undefined): number {
  if (text === undefined) return 0;
  return Math.ceil(Math.round(parseQuantity(text) * 1e6) / 1e6);
}
