/**
 * The part of the kubelet's configuration file (`KubeletConfiguration`,
 * `kubelet.config.k8s.io/v1beta1`) that kube-actors models: the reservations and hard eviction
 * thresholds node allocatable is computed from (pkg/kubelet/cm), and the eviction manager's
 * thresholds and pressure transition period (pkg/kubelet/eviction). A field it does not model is
 * refused with a {@link KubeletConfigurationError} naming it, never accepted and ignored.
 *
 * Defaults are a kubeadm node's kubelet (pkg/kubelet/apis/config/v1beta1/defaults.go): no
 * reservations; `evictionHard` memory.available<100Mi, nodefs.available<10%,
 * imagefs.available<15%, nodefs.inodesFree<5%, used only when `evictionHard` is not given at all
 * (as in Kubernetes 1.32, a partial map does not inherit the other defaults: an unset signal has
 * no threshold); no soft thresholds; `evictionMaxPodGracePeriod` 0;
 * `evictionPressureTransitionPeriod` 5m.
 *
 * The thresholds are parsed as ParseThresholdConfig parses them (pkg/kubelet/eviction
 * helpers.go): `evictionSoft` needs an `evictionSoftGracePeriod` for each of its signals ("grace
 * period must be specified for the soft eviction threshold ..."), `evictionMinimumReclaim` adds
 * to a threshold, of either kind, the amount to reclaim beyond it.
 */
import { compareQuantities, formatQuantity, parseExact, ZERO, type Quantity } from '../../src/api/quantity-math.js';
import { isObject } from '../../src/api/json-values.js';

/** The configuration's group/version and kind. */
const API_VERSION = 'kubelet.config.k8s.io/v1beta1';
const KIND = 'KubeletConfiguration';

/** A configuration the kubelet cannot honour: the field, as KubeletConfiguration names it, and why. */
export class KubeletConfigurationError extends Error {
  /** The field (`evictionHard[pid.available]`). */
  readonly field: string;
  constructor(field: string, message: string, options?: ErrorOptions) {
    super(`${field}: ${message}`, options);
    this.name = 'KubeletConfigurationError';
    this.field = field;
  }
}

/** An eviction signal (pkg/kubelet/eviction/api: `evictionapi.Signal`). */
export type EvictionSignal = 'memory.available' | 'nodefs.available' | 'nodefs.inodesFree' | 'imagefs.available' | 'pid.available';

/** A threshold's value (`evictionapi.ThresholdValue`): a quantity, or a percentage of the signal's capacity. */
export interface ThresholdValue {
  /** The value as written (`100Mi`, `10%`). */
  text: string;
  /** An absolute quantity, or undefined for a percentage. */
  quantity?: Quantity;
  /** A fraction of the capacity (`10%` → 0.1), or undefined for a quantity. */
  percentage?: number;
}

/**
 * An eviction threshold (`evictionapi.Threshold`, operator LessThan): hard when its grace period
 * is 0 (`isHardEvictionThreshold`), soft otherwise.
 */
export interface EvictionThreshold extends ThresholdValue {
  signal: EvictionSignal;
  /** How long the threshold must be met before the kubelet evicts for it, ms (0: a hard threshold). */
  gracePeriodMs?: number;
  /** `evictionMinimumReclaim` of the signal: once met, the threshold stays met until this much more is available. */
  minReclaim?: ThresholdValue;
}

/** The kubelet's configuration, parsed. */
export interface KubeletConfig {
  /** `systemReserved`: what the operating system's daemons keep (cpu, memory, ephemeral-storage). */
  systemReserved: Readonly<Record<string, Quantity>>;
  /** `kubeReserved`: what the kubelet and the container runtime keep. */
  kubeReserved: Readonly<Record<string, Quantity>>;
  /** `evictionHard`, in signal order. */
  evictionHard: readonly EvictionThreshold[];
  /** `evictionSoft`, in signal order, each with its `evictionSoftGracePeriod`. */
  evictionSoft: readonly EvictionThreshold[];
  /** `evictionMaxPodGracePeriod`, seconds: the most a pod evicted for a soft threshold is given to stop. */
  evictionMaxPodGracePeriodSeconds: number;
  /** `evictionPressureTransitionPeriod` in ms: how long a pressure condition stays after the threshold was last met. */
  evictionPressureTransitionPeriodMs: number;
}

/** The fields modelled, with what each does. */
const FIELDS = [
  'apiVersion',
  'kind',
  'systemReserved',
  'kubeReserved',
  'evictionHard',
  'evictionSoft',
  'evictionSoftGracePeriod',
  'evictionMaxPodGracePeriod',
  'evictionMinimumReclaim',
  'evictionPressureTransitionPeriod',
] as const;

/** The resources a reservation may name (pkg/kubelet/cm: cpu, memory, ephemeral-storage; pid is not modelled). */
const RESERVABLE = ['cpu', 'memory', 'ephemeral-storage'] as const;

/** The signals modelled. */
const SIGNALS: readonly EvictionSignal[] = ['imagefs.available', 'memory.available', 'nodefs.available', 'nodefs.inodesFree', 'pid.available'];

/** Signals the real kubelet knows that kube-actors does not model. */
const UNMODELLED_SIGNALS = ['imagefs.inodesFree', 'containerfs.available', 'containerfs.inodesFree', 'allocatableMemory.available'];

/** DefaultEvictionHard (pkg/kubelet/apis/config/v1beta1/defaults_linux.go). */
const DEFAULT_EVICTION_HARD: Record<string, string> = { 'memory.available': '100Mi', 'nodefs.available': '10%', 'imagefs.available': '15%', 'nodefs.inodesFree': '5%' };

/** evictionPressureTransitionPeriod's default (5m). */
const DEFAULT_PRESSURE_TRANSITION_MS = 300_000;


function show(v: unknown): string {
  return JSON.stringify(v) ?? String(v);
}

const DURATION_UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1_000, m: 60_000, h: 3_600_000 };

/** A Go duration (`5m0s`, `30s`, `1h30m`, `0`) in ms; undefined when it does not parse (`time.ParseDuration`). */
function parseGoDuration(text: string): number | undefined {
  if (text === '0') return 0;
  const re = /(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)/y;
  let total = 0;
  let at = 0;
  while (at < text.length) {
    re.lastIndex = at;
    const m = re.exec(text);
    if (!m) return undefined;
    total += Number(m[1]) * DURATION_UNITS[m[2]!]!;
    at = re.lastIndex;
  }
  return at > 0 ? total : undefined;
}

function reservation(field: string, value: unknown): Record<string, Quantity> {
  if (value === undefined || value === null) return {};
  if (!isObject(value)) throw new KubeletConfigurationError(field, `must be a map of resource name to quantity; got ${show(value)}`);
  const out: Record<string, Quantity> = {};
  for (const [name, q] of Object.entries(value)) {
    if (name === 'pid') throw new KubeletConfigurationError(`${field}[pid]`, "process ID reservations are not modelled by kube-actors (they bound the pods' cgroup pids limit, which is not simulated)");
    if (!(RESERVABLE as readonly string[]).includes(name)) throw new KubeletConfigurationError(`${field}[${name}]`, `unsupported resource; supported: ${RESERVABLE.join(', ')}`);
    let parsed: Quantity;
    try {
      parsed = parseExact(typeof q === 'number' ? q : String(q));
    } catch (error) {
      throw new KubeletConfigurationError(`${field}[${name}]`, `${show(q)} is not a quantity`, { cause: error });
    }
    if (compareQuantities(parsed, ZERO) < 0) throw new KubeletConfigurationError(`${field}[${name}]`, `must not be negative; got ${show(q)}`);
    out[name] = parsed;
  }
  return out;
}

/** The signal of a map key, or a {@link KubeletConfigurationError} (validSignal: `unsupported eviction signal ...`). */
function signalOf(field: string, signal: string): EvictionSignal {
  if (UNMODELLED_SIGNALS.includes(signal)) throw new KubeletConfigurationError(field, `the eviction signal ${signal} is not modelled by kube-actors (modelled: ${SIGNALS.join(', ')})`);
  if (!(SIGNALS as readonly string[]).includes(signal)) throw new KubeletConfigurationError(field, `unsupported eviction signal ${signal}`);
  return signal as EvictionSignal;
}

/** parseThresholdStatement (pkg/kubelet/eviction helpers.go): `10%` or a positive quantity; `0%` and `100%` are ignored. */
function threshold(map: string, signalKey: string, value: unknown): EvictionThreshold | undefined {
  const field = `${map}[${signalKey}]`;
  const signal = signalOf(field, signalKey);
  if (typeof value !== 'string') throw new KubeletConfigurationError(field, `must be a quantity or a percentage string; got ${show(value)}`);
  const text = value.trim();
  if (text.endsWith('%')) {
    if (text === '0%' || text === '100%') return undefined;
    const pct = Number(text.slice(0, -1));
    if (!Number.isFinite(pct) || text.length === 1) throw new KubeletConfigurationError(field, `invalid percentage ${show(value)}`);
    if (pct < 0) throw new KubeletConfigurationError(field, `eviction percentage threshold ${signal} must be >= 0%: ${text}`);
    if (pct > 100) throw new KubeletConfigurationError(field, `eviction percentage threshold ${signal} must be <= 100%: ${text}`);
    return { signal, text, percentage: pct / 100 };
  }
  const quantity = quantityOf(field, value, text);
  if (compareQuantities(quantity, ZERO) <= 0) throw new KubeletConfigurationError(field, `eviction threshold ${signal} must be positive: ${formatQuantity(quantity)}`);
  return { signal, text, quantity };
}

function quantityOf(field: string, value: unknown, text: string): Quantity {
  try {
    return parseExact(text);
  } catch (error) {
    throw new KubeletConfigurationError(field, `${show(value)} is neither a quantity nor a percentage`, { cause: error });
  }
}

/** parseThresholdStatements over a map field, in signal order. */
function thresholds(map: string, raw: unknown): EvictionThreshold[] {
  if (!isObject(raw)) throw new KubeletConfigurationError(map, `must be a map of eviction signal to threshold; got ${show(raw)}`);
  const out: EvictionThreshold[] = [];
  for (const signal of Object.keys(raw).sort()) {
    const t = threshold(map, signal, raw[signal]);
    if (t) out.push(t);
  }
  return out;
}

/** parseGracePeriods: per signal, a non-negative Go duration, ms. */
function gracePeriods(raw: unknown): Map<EvictionSignal, number> {
  const out = new Map<EvictionSignal, number>();
  if (raw === undefined) return out;
  if (!isObject(raw)) throw new KubeletConfigurationError('evictionSoftGracePeriod', `must be a map of eviction signal to duration; got ${show(raw)}`);
  for (const key of Object.keys(raw).sort()) {
    const field = `evictionSoftGracePeriod[${key}]`;
    const signal = signalOf(field, key);
    const text = raw[key];
    const trimmed = typeof text === 'string' ? text.trim() : undefined;
    const negative = trimmed?.startsWith('-') === true;
    const ms = trimmed === undefined ? undefined : parseGoDuration(negative ? trimmed.slice(1) : trimmed);
    if (ms === undefined) throw new KubeletConfigurationError(field, `must be a duration such as "1m30s"; got ${show(text)}`);
    if (negative && ms > 0) throw new KubeletConfigurationError(field, `invalid eviction grace period specified: ${String(text)}, must be a positive value`);
    out.set(signal, ms);
  }
  return out;
}

/** parseMinimumReclaims: per signal, a positive percentage or a non-negative quantity. */
function minimumReclaims(raw: unknown): Map<EvictionSignal, ThresholdValue> {
  const out = new Map<EvictionSignal, ThresholdValue>();
  if (raw === undefined) return out;
  if (!isObject(raw)) throw new KubeletConfigurationError('evictionMinimumReclaim', `must be a map of eviction signal to quantity; got ${show(raw)}`);
  for (const key of Object.keys(raw).sort()) {
    const field = `evictionMinimumReclaim[${key}]`;
    const signal = signalOf(field, key);
    const value = raw[key];
    if (typeof value !== 'string') throw new KubeletConfigurationError(field, `must be a quantity or a percentage string; got ${show(value)}`);
    const text = value.trim();
    if (text.endsWith('%')) {
      const pct = Number(text.slice(0, -1));
      if (!Number.isFinite(pct) || text.length === 1) throw new KubeletConfigurationError(field, `invalid percentage ${show(value)}`);
      if (pct <= 0) throw new KubeletConfigurationError(field, `eviction percentage minimum reclaim ${signal} must be positive: ${text}`);
      out.set(signal, { text, percentage: pct / 100 });
      continue;
    }
    const quantity = quantityOf(field, value, text);
    if (compareQuantities(quantity, ZERO) < 0) throw new KubeletConfigurationError(field, `negative eviction minimum reclaim specified for ${signal}`);
    out.set(signal, { text, quantity });
  }
  return out;
}

/**
 * Parses a `KubeletConfiguration` object (or undefined: the defaults).
 * @throws {KubeletConfigurationError} naming the first field kube-actors cannot honour.
 */
export function kubeletConfiguration(raw: unknown): KubeletConfig {
  if (raw === undefined) raw = {};
  if (!isObject(raw)) throw new KubeletConfigurationError('KubeletConfiguration', `must be an object; got ${show(raw)}`);
  for (const key of Object.keys(raw)) {
    if (!(FIELDS as readonly string[]).includes(key)) throw new KubeletConfigurationError(key, `field not modelled by kube-actors (modelled: ${FIELDS.join(', ')})`);
  }
  if (raw.apiVersion !== undefined && raw.apiVersion !== API_VERSION) throw new KubeletConfigurationError('apiVersion', `must be ${API_VERSION}; got ${show(raw.apiVersion)}`);
  if (raw.kind !== undefined && raw.kind !== KIND) throw new KubeletConfigurationError('kind', `must be ${KIND}; got ${show(raw.kind)}`);
  const reclaims = minimumReclaims(raw.evictionMinimumReclaim);
  const withReclaim = (t: EvictionThreshold): EvictionThreshold => (reclaims.has(t.signal) ? { ...t, minReclaim: reclaims.get(t.signal)! } : t);
  const evictionHard = thresholds('evictionHard', raw.evictionHard ?? DEFAULT_EVICTION_HARD).map(withReclaim);
  const periods = gracePeriods(raw.evictionSoftGracePeriod);
  const evictionSoft = thresholds('evictionSoft', raw.evictionSoft ?? {}).map((t) => {
    const period = periods.get(t.signal);
    if (period === undefined) throw new KubeletConfigurationError(`evictionSoft[${t.signal}]`, `grace period must be specified for the soft eviction threshold ${t.signal}`);
    return withReclaim({ ...t, gracePeriodMs: period });
  });
  const maxGrace = raw.evictionMaxPodGracePeriod ?? 0;
  if (typeof maxGrace !== 'number' || !Number.isInteger(maxGrace) || maxGrace < 0 || maxGrace > 2 ** 31 - 1) {
    throw new KubeletConfigurationError('evictionMaxPodGracePeriod', `must be a whole number of seconds, 0 or more; got ${show(maxGrace)}`);
  }
  let transition = DEFAULT_PRESSURE_TRANSITION_MS;
  if (raw.evictionPressureTransitionPeriod !== undefined) {
    const text = raw.evictionPressureTransitionPeriod;
    const ms = typeof text === 'string' ? parseGoDuration(text) : undefined;
    if (ms === undefined) throw new KubeletConfigurationError('evictionPressureTransitionPeriod', `must be a duration such as "5m0s" or "30s"; got ${show(text)}`);
    transition = ms;
  }
  return {
    systemReserved: reservation('systemReserved', raw.systemReserved),
    kubeReserved: reservation('kubeReserved', raw.kubeReserved),
    evictionHard,
    evictionSoft,
    evictionMaxPodGracePeriodSeconds: maxGrace,
    evictionPressureTransitionPeriodMs: transition,
  };
}

/** The defaults: a kubeadm node's kubelet. */
export const DEFAULT_KUBELET_CONFIG: KubeletConfig = kubeletConfiguration(undefined);

/**
 * Merges two `KubeletConfiguration` objects field by field (the later wins a whole field, as a
 * drop-in file does): the profile's, then createCluster's, then a node's.
 */
export function mergeKubeletConfigurations(...layers: unknown[]): unknown {
  let out: Record<string, unknown> | undefined;
  for (const layer of layers) {
    if (layer === undefined) continue;
    if (!isObject(layer)) return layer;
    out = { ...(out ?? {}), ...layer };
  }
  return out;
}

/** Every threshold the eviction manager watches: the hard ones, then the soft ones. */
export function evictionThresholds(config: KubeletConfig): readonly EvictionThreshold[] {
  return [...config.evictionHard, ...config.evictionSoft];
}

/** A threshold's quantity against a capacity (`evictionapi.GetThresholdQuantity`). */
export function thresholdQuantity(t: ThresholdValue, capacity: Quantity): Quantity {
  if (t.quantity) return t.quantity;
  const bytes = BigInt(Math.trunc(Number(capacity.nanos / 1_000_000_000n) * t.percentage!));
  return { nanos: bytes * 1_000_000_000n, format: 'BinarySI' };
}
