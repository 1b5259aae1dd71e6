/**
 * The simulated resource usage of containers: what metrics-server would scrape from each
 * kubelet's `/metrics/resource`. Usage is data, not behaviour drawn at run time: a container's
 * {@link UsageSpec} comes from the profile's `usage.container` defaults, then the pod's
 * `kube-actors.io/usage` annotation, then the container's `kube-actors.io/usage.<name>` annotation
 * (each a JSON object, later ones winning field by field). A spec gives a level (an absolute
 * quantity, or a percentage of the container's request), a curve over virtual time (a daily
 * pattern, or steps) and a noise amplitude. The noise of one sample is drawn from a generator
 * forked off the kernel's seeded generator by (pod uid, container, scrape index), so a sample
 * does not depend on who asked, how often, or in what order: every run replays from its seed.
 *
 * With `shared: true` the level is the load of the whole workload (every running pod with the
 * same controller owner), split evenly among its running pods: scaling the workload out lowers
 * each pod's usage, as a load-balanced service's would, so an autoscaler can be seen to settle.
 *
 * On top of its level, a server container uses the CPU of the requests it serves: the steady
 * request flows of the cluster's client loops (machines/kubelet/shell-loop.ts) reaching it, their
 * rate over the scrape's window times the CPU one request costs it (its image's
 * `cpuMsPerRequest`: registry.k8s.io/hpa-example's index.php takes 20 ms), filling the container
 * up to its CPU limit (CFS throttles it there; {@link servedCpu}).
 */
import type { Container, KubeObject } from '../api/types.js';
import { isQuantity, parseQuantity, quantityValue } from '../api/quantity.js';
import type { Rng } from '../kernel/rng.js';
import { containerDemand } from '../profiles/images.js';
import { cpuLimitOf } from '../profiles/stress.js';
import type { ClientFlows } from '../cluster/traffic.js';

/** Annotation giving every container of a pod a usage spec (JSON of a partial {@link UsageSpec}). */
export const USAGE_ANNOTATION = 'kube-actors.io/usage';

/** Annotation giving one container a usage spec: `kube-actors.io/usage.<container-name>`. */
export const usageAnnotation = (container: string): string => `${USAGE_ANNOTATION}.${container}`;

/**
 * A factor over virtual time by which a level is multiplied.
 * - `daily`: a cosine between `min` and `max` (factors) with period `periodMs` (default a day),
 *   highest at `peakMs` into each period (default 14 h: 14:00 when virtual time 0 is midnight).
 * - `steps`: the factor of the last step whose `atMs` has passed (1 before the first step).
 */
export type UsageCurve =
  | { type: 'daily'; min: number; max: number; peakMs?: number; periodMs?: number }
  | { type: 'steps'; steps: readonly { atMs: number; factor: number }[] };

/** How much CPU, memory, local storage and processes a container uses. */
export interface UsageSpec {
  /** CPU level: a quantity (`250m`, `0.5`) or a percentage of the container's CPU request (`60%`). */
  cpu?: string | number;
  /** Memory level: a quantity (`64Mi`) or a percentage of the container's memory request (`70%`). */
  memory?: string | number;
  /**
   * Local storage the container has written to its writable layer and logs, on the node's
   * filesystem: a quantity (`2Gi`) or a percentage of its `ephemeral-storage` request. Default 0.
   * What the kubelet's eviction manager observes for nodefs.available (with `emptyDir`); not in
   * the metrics API.
   */
  'ephemeral-storage'?: string | number;
  /**
   * What the container writes into its pod's emptyDir volumes, by volume name: a quantity each
   * (`{ "cache": "2Gi" }`). Added to its local storage; a volume's usage is the sum over the pod's
   * containers, which the kubelet checks against the volume's `sizeLimit`. Default none.
   */
  emptyDir?: Readonly<Record<string, string | number>>;
  /** Inodes the container's files take on the node's filesystem (nodefs.inodesFree). Default 0. */
  inodes?: number;
  /** Processes (and threads) the container runs (pid.available). Default 1. */
  pids?: number;
  /** Relative noise amplitude in [0, 1]: each sample is multiplied by a factor drawn in [1 - noise, 1 + noise]. */
  noise?: number;
  /** A factor over virtual time (default: none, a constant level). */
  curve?: UsageCurve;
  /** The level is the whole workload's (pods with the same controller owner), split among its running pods. */
  shared?: boolean;
}

/** The usage section of a profile. */
export interface UsageProfile {
  /** Defaults for every container (under the pod's and container's annotations). */
  container: UsageSpec;
  /**
   * What a node's own processes use besides its pods (kubelet, runtime, system daemons), and
   * what its filesystem holds besides the pods' files (the OS, images: default 0) and how many
   * processes it runs besides the pods' (default 0).
   */
  nodeOverhead: { cpu: string; memory: string; 'ephemeral-storage'?: string; inodes?: number; pids?: number };
}

/** The usage model when a profile has no `usage` section: a quiet container, a small node overhead. */
export const DEFAULT_USAGE: UsageProfile = {
  container: { cpu: '1m', memory: '8Mi', noise: 0.1 },
  nodeOverhead: { cpu: '100m', memory: '512Mi' },
};

/** metrics-server's scrape interval (`--metric-resolution`, 15 s): samples are taken on this grid. */
export const SCRAPE_INTERVAL_MS = 15_000;

const SPEC_KEYS = new Set(['cpu', 'memory', 'ephemeral-storage', 'emptyDir', 'inodes', 'pids', 'noise', 'curve', 'shared']);

/** A count (inodes, processes): a whole number, 0 or more. */
function countProblem(value: unknown, what: string): string | undefined {
  if (value === undefined || (typeof value === 'number' && Number.isInteger(value) && value >= 0)) return undefined;
  return `"${what}" must be a whole number, 0 or more; got ${show(value)}`;
}

function show(value: unknown): string {
  return JSON.stringify(value) ?? String(value);
}

function levelProblem(value: unknown, what: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string' && /^\d+(\.\d+)?%$/.test(value)) return undefined;
  if ((typeof value === 'number' && value >= 0 && Number.isFinite(value)) || (typeof value === 'string' && isQuantity(value) && !value.trim().startsWith('-'))) return undefined;
  return `"${what}" must be a non-negative quantity (e.g. "250m", "64Mi") or a percentage of the request (e.g. "60%"); got ${show(value)}`;
}

function curveProblems(curve: unknown): string[] {
  if (curve === undefined) return [];
  if (curve === null || typeof curve !== 'object' || Array.isArray(curve)) return [`"curve" must be an object; got ${show(curve)}`];
  const c = curve as Record<string, unknown>;
  const factor = (v: unknown): boolean => typeof v === 'number' && Number.isFinite(v) && v >= 0;
  if (c.type === 'daily') {
    const problems: string[] = [];
    for (const k of Object.keys(c)) if (!['type', 'min', 'max', 'peakMs', 'periodMs'].includes(k)) problems.push(`unknown field "curve.${k}" (known: type, min, max, peakMs, periodMs)`);
    if (!factor(c.min) || !factor(c.max) || (c.min as number) > (c.max as number)) problems.push(`a daily curve needs factors "min" <= "max", both non-negative numbers; got min ${show(c.min)}, max ${show(c.max)}`);
    if (c.periodMs !== undefined && !(typeof c.periodMs === 'number' && c.periodMs > 0)) problems.push(`"curve.periodMs" must be a positive number of milliseconds; got ${show(c.periodMs)}`);
    if (c.peakMs !== undefined && !(typeof c.peakMs === 'number' && Number.isFinite(c.peakMs))) problems.push(`"curve.peakMs" must be a number of milliseconds; got ${show(c.peakMs)}`);
    return problems;
  }
  if (c.type === 'steps') {
    const problems: string[] = [];
    for (const k of Object.keys(c)) if (!['type', 'steps'].includes(k)) problems.push(`unknown field "curve.${k}" (known: type, steps)`);
    const steps = c.steps;
    if (!Array.isArray(steps) || steps.length === 0) return [...problems, `a steps curve needs a non-empty "steps" list of { "atMs", "factor" }; got ${show(steps)}`];
    let last = -Infinity;
    steps.forEach((s: unknown, i) => {
      const st = s as Record<string, unknown> | null;
      if (st === null || typeof st !== 'object' || typeof st.atMs !== 'number' || !factor(st.factor)) {
        problems.push(`"curve.steps[${i}]" must be { "atMs": <ms>, "factor": <non-negative number> }; got ${show(s)}`);
        return;
      }
      if (st.atMs < last) problems.push(`"curve.steps" must be in increasing "atMs" order; steps[${i}].atMs ${st.atMs} < ${last}`);
      last = st.atMs;
    });
    return problems;
  }
  return [`"curve.type" must be "daily" or "steps"; got ${show(c.type)}`];
}

/** The problems with a partial usage spec (empty when valid). */
export function usageProblems(spec: unknown): string[] {
  if (spec === null || typeof spec !== 'object' || Array.isArray(spec)) return [`a usage spec must be a JSON object; got ${show(spec)}`];
  const s = spec as Record<string, unknown>;
  const problems: string[] = [];
  for (const k of Object.keys(s)) if (!SPEC_KEYS.has(k)) problems.push(`unknown field "${k}" (known: ${[...SPEC_KEYS].join(', ')})`);
  for (const k of ['cpu', 'memory', 'ephemeral-storage'] as const) {
    const p = levelProblem(s[k], k);
    if (p) problems.push(p);
  }
  for (const k of ['inodes', 'pids'] as const) {
    const p = countProblem(s[k], k);
    if (p) problems.push(p);
  }
  if (s.emptyDir !== undefined) {
    if (s.emptyDir === null || typeof s.emptyDir !== 'object' || Array.isArray(s.emptyDir)) problems.push(`"emptyDir" must be an object of volume name to quantity (e.g. { "cache": "1Gi" }); got ${show(s.emptyDir)}`);
    else {
      for (const [volume, value] of Object.entries(s.emptyDir as Record<string, unknown>)) {
        if ((typeof value === 'number' && value >= 0 && Number.isFinite(value)) || (typeof value === 'string' && isQuantity(value) && !value.trim().startsWith('-'))) continue;
        problems.push(`"emptyDir.${volume}" must be a non-negative quantity (e.g. "1Gi"); got ${show(value)}`);
      }
    }
  }
  if (s.noise !== undefined && !(typeof s.noise === 'number' && s.noise >= 0 && s.noise <= 1)) problems.push(`"noise" must be a number from 0 to 1; got ${show(s.noise)}`);
  if (s.shared !== undefined && typeof s.shared !== 'boolean') problems.push(`"shared" must be true or false; got ${show(s.shared)}`);
  problems.push(...curveProblems(s.curve));
  return problems;
}

/** The problems with a profile's usage section (empty when valid). */
export function usageProfileProblems(usage: UsageProfile): string[] {
  const problems = usageProblems(usage.container).map((p) => `usage.container: ${p}`);
  for (const k of ['cpu', 'memory'] as const) {
    const v = usage.nodeOverhead?.[k];
    if (typeof v !== 'string' || !isQuantity(v)) problems.push(`usage.nodeOverhead.${k} must be a quantity; got ${show(v)}`);
  }
  const disk = usage.nodeOverhead?.['ephemeral-storage'];
  if (disk !== undefined && (typeof disk !== 'string' || !isQuantity(disk))) problems.push(`usage.nodeOverhead.ephemeral-storage must be a quantity; got ${show(disk)}`);
  for (const k of ['inodes', 'pids'] as const) {
    const p = countProblem(usage.nodeOverhead?.[k], k);
    if (p) problems.push(`usage.nodeOverhead: ${p}`);
  }
  return problems;
}

/**
 * Parses a usage annotation's value; throws an Error naming the annotation and the problems.
 * A container given as `60%` must have a request for that resource.
 */
export function parseUsageAnnotation(key: string, value: string): UsageSpec {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch (error) {
    throw new Error(`annotation ${key} must hold a JSON object: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
  const problems = usageProblems(parsed);
  if (problems.length > 0) throw new Error(`annotation ${key}: ${problems.join('; ')}`);
  return parsed as UsageSpec;
}

/**
 * What a load generator of the image catalog takes (`stress --vm 1 --vm-bytes 150M`, vish/stress
 * `-cpus 2`): its memory, and its CPU capped at the container's CPU limit (CFS throttles it there).
 */
function programDemand(pod: KubeObject, name: string): UsageSpec | undefined {
  const spec = (pod as { spec?: { containers?: Container[]; initContainers?: Container[] } }).spec;
  const container = [...(spec?.containers ?? []), ...(spec?.initContainers ?? [])].find((c) => c.name === name);
  if (!container) return undefined;
  const demand = containerDemand(container);
  if (!demand) return undefined;
  const out: UsageSpec = {};
  if (demand.memoryBytes !== undefined) out.memory = demand.memoryBytes;
  if (demand.milliCpu !== undefined) {
    const limit = cpuLimitOf(container);
    out.cpu = `${limit === undefined ? demand.milliCpu : Math.min(limit, demand.milliCpu)}m`;
  }
  return out;
}

/** The usage spec of one container: the profile's defaults, what its program demands, the pod's annotation, the container's. */
export function usageSpecOf(profile: UsageProfile, pod: KubeObject, container: string): UsageSpec {
  let spec: UsageSpec = profile.container;
  const demand = programDemand(pod, container);
  if (demand) spec = { ...spec, ...demand };
  const annotations = pod.metadata?.annotations;
  if (annotations) {
    const forPod = annotations[USAGE_ANNOTATION];
    if (forPod !== undefined) spec = { ...spec, ...parseUsageAnnotation(USAGE_ANNOTATION, forPod) };
    const key = usageAnnotation(container);
    const forContainer = annotations[key];
    if (forContainer !== undefined) spec = { ...spec, ...parseUsageAnnotation(key, forContainer) };
  }
  return spec;
}

/** The curve's factor at virtual time `now` (ms). */
export function curveFactor(curve: UsageCurve | undefined, now: number): number {
  if (!curve) return 1;
  if (curve.type === 'daily') {
    const period = curve.periodMs ?? 86_400_000;
    const peak = curve.peakMs ?? 14 * 3_600_000;
    const phase = (2 * Math.PI * (now - peak)) / period;
    return curve.min + ((curve.max - curve.min) * (1 + Math.cos(phase))) / 2;
  }
  let factor = 1;
  for (const step of curve.steps) if (step.atMs <= now) factor = step.factor;
  return factor;
}

function level(value: string | number | undefined, request: string | number | undefined, parse: (q: string | number) => number): number {
  if (value === undefined) return 0;
  if (typeof value === 'string' && value.endsWith('%')) {
    const pct = Number(value.slice(0, -1));
    return request === undefined ? 0 : (parse(request) * pct) / 100;
  }
  return parse(value);
}

/** One sample of a container's usage: CPU in nanocores, memory and local storage in bytes, inodes and processes (whole numbers). */
export interface ContainerUsage {
  cpuNanos: number;
  memoryBytes: number;
  /** Local storage, bytes: the writable layer and logs, and what it wrote into emptyDir volumes. */
  diskBytes: number;
  inodes: number;
  pids: number;
  /** Of `diskBytes`, what is in each emptyDir volume, by volume name (only when the spec names volumes). */
  volumeBytes?: Readonly<Record<string, number>>;
}

/** What a sample is computed from. */
export interface SampleInput {
  spec: UsageSpec;
  container: Pick<Container, 'resources'>;
  /** The scrape's virtual time, ms. */
  time: number;
  /** The kernel's metrics generator; a fork per (uid, container, scrape) gives the noise. */
  rng: Rng;
  /** The pod's uid (the noise stream's name). */
  uid: string;
  containerName: string;
  /** For `shared` specs: how many running pods share the load (at least 1). */
  sharers?: number;
  /** CPU the requests it served over the window took (cores; {@link servedCpu}); default 0. */
  servedCores?: number;
}

/**
 * One container's usage at one scrape: level × curve × noise (÷ sharers for a shared load).
 * A percentage level with no request for that resource is 0. Local storage, inodes and processes
 * follow the curve only: a container's own files and processes are neither shared with the
 * workload's other pods nor noisy (they draw nothing from the generator).
 */
export function sampleUsage(input: SampleInput): ContainerUsage {
  const { spec, container, time } = input;
  const requests = container.resources?.requests;
  const cpuCores = level(spec.cpu, requests?.cpu, (q) => parseQuantity(q));
  const memory = level(spec.memory, requests?.memory, (q) => quantityValue(q));
  const factor = curveFactor(spec.curve, time) / (spec.shared ? Math.max(1, input.sharers ?? 1) : 1);
  let cpuNoise = 1;
  let memNoise = 1;
  const noise = spec.noise ?? 0;
  if (noise > 0) {
    const rng = input.rng.fork(`${input.uid}/${input.containerName}/${Math.floor(time / SCRAPE_INTERVAL_MS)}`);
    cpuNoise = 1 + noise * (2 * rng.next() - 1);
    memNoise = 1 + noise * (2 * rng.next() - 1);
  }
  const disk = level(spec['ephemeral-storage'], requests?.['ephemeral-storage'], (q) => quantityValue(q));
  const own = curveFactor(spec.curve, time);
  let volumeBytes: Record<string, number> | undefined;
  let inVolumes = 0;
  if (spec.emptyDir) {
    volumeBytes = {};
    for (const volume of Object.keys(spec.emptyDir).sort()) {
      const bytes = Math.max(0, Math.round(level(spec.emptyDir[volume], undefined, (q) => quantityValue(q)) * own));
      volumeBytes[volume] = bytes;
      inVolumes += bytes;
    }
  }
  // the requests it serves fill the container up to its CPU limit
  const base = Math.max(0, cpuCores * factor * cpuNoise);
  const limit = cpuLimitOf(container);
  const served = Math.max(0, input.servedCores ?? 0);
  const cpu = base + (limit === undefined ? served : Math.min(served, Math.max(0, limit / 1000 - base)));
  return {
    cpuNanos: Math.round(cpu * 1e9),
    memoryBytes: Math.max(0, Math.round(memory * factor * memNoise)),
    diskBytes: Math.max(0, Math.round(disk * own)) + inVolumes,
    inodes: Math.max(0, Math.round((spec.inodes ?? 0) * own)),
    pids: Math.max(0, Math.round((spec.pids ?? 1) * own)),
    ...(volumeBytes ? { volumeBytes } : {}),
  };
}

/**
 * The CPU (cores) each server container spends on the requests of the steady flows reaching it
 * over the window `[fromMs, toMs)` (virtual ms): for
 * each flow, its requests per second to the container times the CPU a request costs, times the
 * share of the window it covers. Only the flows of a client for which `running(uid, container)`
 * holds count (a load generator stopped or deleted sends nothing). By `uid/container`.
 */
export function servedCpu(clients: readonly ClientFlows[], window: { fromMs: number; toMs: number }, running: (uid: string, container: string) => boolean): Map<string, number> {
  const out = new Map<string, number>();
  const span = window.toMs - window.fromMs;
  if (!(span > 0)) return out;
  const { fromMs: from, toMs: to } = window;
  for (const c of clients) {
    if (!running(c.client.uid, c.client.container)) continue;
    for (const flow of c.flows) {
      const overlap = Math.min(to, c.startMs + flow.toMs) - Math.max(from, c.startMs + flow.fromMs);
      if (!(overlap > 0)) continue;
      for (const { server, perSecond } of flow.servers) {
        const key = `${server.uid}/${server.container}`;
        out.set(key, (out.get(key) ?? 0) + (perSecond * server.cpuMsPerRequest * overlap) / span / 1000);
      }
    }
  }
  return out;
}
