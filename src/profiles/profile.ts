/**
 * Profiles: the simulated timing and behaviour of containers and kubelets, as data (the idea of
 * kwok's "stages"). A profile says how long pulls, creation, start and readiness take, which
 * images behave how, and what named presets (`crash`, `oom`, ...) mean; a pod picks a preset or
 * spells out a behavior with the annotation `kube-actors.io/behavior` (per container:
 * `kube-actors.io/behavior.<container-name>`).
 *
 * `resolveBehavior(profile, pod, container, rng)` merges all of that into one
 * {@link ResolvedBehavior} for one container, drawing every `[min, max]` range from the seeded
 * generator it is given, so a run replays exactly from its seed.
 */
import type { Container, Pod } from '../api/types.js';
import type { NetworkOptions } from '../kernel/network.js';
import type { Rng } from '../kernel/rng.js';
import { catalogProblems, type ImageEntry } from './images.js';
import { usageProfileProblems, type UsageProfile } from '../metrics/usage.js';
import { kubeletConfiguration, KubeletConfigurationError } from '../../machines/kubelet/configuration.js';
import { keyDefaultingNamespace } from '../api/object-key.js';

/** A duration in milliseconds: a fixed number, or a `[min, max]` range drawn (uniformly, whole ms) per container. */
export type Millis = number | readonly [number, number];

/** How a simulated container behaves. Every duration is in virtual milliseconds. */
export interface ContainerBehavior {
  /** Time to pull the image when it is not cached on the node. */
  pullMs: Millis;
  /** Time to create the container (CreateContainer). */
  createMs: Millis;
  /** Time to start the process (StartContainer); the container is `running` after createMs + startMs. */
  startMs: Millis;
  /** Time from the process start until the readiness probe first succeeds. */
  readyAfterMs: Millis;
  /** The readiness probe never succeeds: Running, never Ready. */
  neverReady?: boolean;
  /** After running this long, the process exits with `code` (0: Completed, else Error). */
  exit?: { afterMs: Millis; code: number };
  /** The container cannot get its image: every pull fails (ErrImagePull, then ImagePullBackOff), even when another pod cached the same name on the node. */
  pullFails?: boolean;
  /** After running this long, the process is OOM-killed (reason OOMKilled, exit code 137). */
  oomAfterMs?: Millis;
  /** After running this long, the liveness probe fails: the kubelet kills the container (SIGTERM) and restarts it. */
  livenessFailsAfterMs?: Millis;
  /** Time the process takes to stop on SIGTERM. Capped by the grace period; past it, SIGKILL (exit code 137). */
  stopMs: Millis;
  /** Exit code of a process that stops by itself on SIGTERM within the grace period. Default 0. */
  stopExitCode?: number;
  /**
   * The process does not stop on SIGTERM: it runs until SIGKILL at the end of the grace period
   * (exit code 137). A shell or `sleep` run as PID 1 is such a process (PID 1 gets no default
   * signal handlers, and they install none); the interpreter sets it (machines/kubelet/process.ts).
   */
  ignoresSigterm?: boolean;
  /** `exit`, `oomAfterMs` and `livenessFailsAfterMs` stop applying once the container has restarted this many times. */
  restartsBeforeHealthy?: number;
}

/** A {@link ContainerBehavior} with every range drawn: what a container actually runs with. */
export interface ResolvedBehavior {
  pullMs: number;
  createMs: number;
  startMs: number;
  readyAfterMs: number;
  neverReady: boolean;
  exit?: { afterMs: number; code: number };
  pullFails: boolean;
  oomAfterMs?: number;
  livenessFailsAfterMs?: number;
  stopMs: number;
  stopExitCode: number;
  restartsBeforeHealthy?: number;
  /** It does not stop on SIGTERM (SIGKILL at the end of the grace period). */
  ignoresSigterm?: true;
}

/** A rule giving images whose name matches `match` a behavior (image size classes, known-bad images). */
export interface ImageRule {
  /**
   * A glob (`*` any run of characters, `?` one character) or an exact image reference. It is
   * matched against the image as written (`nginx:1.25`), its full reference
   * (`docker.io/library/nginx:1.25`) and its short name (`nginx:1.25`); any match counts.
   */
  match: string;
  behavior: Partial<ContainerBehavior>;
}

/** A fault a profile injects at random: each container gets `behavior` with probability `chance`. */
export interface RandomFault {
  /** A name for documentation and error messages (`crash`, `pull-failure`). */
  name: string;
  /** Probability in [0, 1], drawn per container from the seeded generator. */
  chance: number;
  /** A preset name of the profile, or a partial behavior. */
  behavior: string | Partial<ContainerBehavior>;
}

/** The kubelet's timings. Values named after the kubelet's own flags and constants. */
export interface KubeletBehavior {
  /** Node lease renewal interval (kubelet: 10 s). Used by the kubelet. */
  leaseRenewMs: number;
  /** How often the kubelet checks its node status and posts it when changed (nodeStatusUpdateFrequency: 10 s). Used by the kubelet. */
  nodeStatusUpdateMs: number;
  /** How often the kubelet posts its node status even when unchanged (nodeStatusReportFrequency: 5 min). Used by the kubelet. */
  nodeStatusReportMs: number;
  /** The kubelet status manager's reconcile period (syncBatch: 10 s). Used by the kubelet. */
  statusUpdateMs: number;
  /**
   * Time from a pod worker's start to its sandbox being ready (RunPodSandbox: pause container,
   * network, podIP). Consumed by the pod worker (machines/pod.ts), which waits this long before it
   * starts containers; the kubelet should not add it again.
   */
  podStartLatencyMs: Millis;
  /** How long an exited container shows as terminated before the kubelet acts on it (the PLEG relist period, 1 s); ErrImagePull shows this long before ImagePullBackOff. */
  plegRelistMs: number;
  /** First crash-loop back-off (kubelet: 10 s); the first restart after a crash is immediate, later ones wait this, doubling. */
  crashLoopBackOffMs: number;
  /** Crash-loop back-off ceiling (MaxContainerBackOff: 300 s). */
  maxCrashLoopBackOffMs: number;
  /** A container that ran this long since its last restart starts over with no back-off (2 × the ceiling: 10 min). */
  backOffResetMs: number;
  /** First image pull back-off (10 s), doubling after each failure. */
  imagePullBackOffMs: number;
  /** Image pull back-off ceiling (300 s). */
  maxImagePullBackOffMs: number;
  /** The kubelet never gives a container less than this to stop (minimumGracePeriodInSeconds: 2 s). */
  minGracePeriodMs: number;
  /**
   * How often a pod worker re-captures the network its network-using processes see (a Service
   * created later resolves from then on; default 5 s, the CoreDNS kubernetes plugin's default
   * TTL). Consumed by machines/pod.ts (`networkResync`).
   */
  networkResyncMs?: number;
  /**
   * How long a pod worker waits after a failed sync before it syncs again (pod_workers.go
   * backOffPeriod, 10 s; the real one adds up to 50 % jitter): a container in
   * CreateContainerConfigError is pulled and tried again this often.
   */
  syncBackOffMs?: number;
}

/**
 * A timing profile: simulated timing and behaviour as data (how long pulls, starts and probes take,
 * what containers do). Not the scheduler's profiles (`SchedulerProfile`, in the scheduler's
 * configuration).
 */
export interface TimingProfile {
  name: string;
  description: string;
  /** Defaults for every container. */
  container: ContainerBehavior;
  /**
   * What init containers do unless told otherwise, over `container` (by default they run to
   * completion: `{ exit: { afterMs, code: 0 } }`; without an `exit` they would block the pod).
   */
  initContainer?: Partial<ContainerBehavior>;
  /** Per-image behavior, applied in order (every matching rule; later ones override earlier ones). */
  images: ImageRule[];
  /** Named behaviors for the `kube-actors.io/behavior` annotation. */
  presets: Record<string, Partial<ContainerBehavior>>;
  /** Faults drawn at random per container (the chaos profile). */
  faults?: RandomFault[];
  /**
   * Images of the simulated registry besides the default catalog (src/profiles/images.ts): what
   * they run, which tags exist, their size. Entries here win over the default ones.
   */
  catalog?: ImageEntry[];
  /** The registry link: a catalog image's pull takes latencyMs + sizeMB / bandwidthMBps (over the image rules' pullMs). */
  registry?: { bandwidthMBps: number; latencyMs: number };
  /** The kubelet's timings. */
  kubelet: KubeletBehavior;
  /** The simulated network (the kernel's options). */
  network?: NetworkOptions;
  /**
   * The containers' simulated CPU and memory usage, which the metrics API (`kubectl top`, the
   * HorizontalPodAutoscaler) reports (src/metrics/usage.ts). Default `DEFAULT_USAGE`.
   */
  usage?: UsageProfile;
  /**
   * The kubelets' configuration: a `KubeletConfiguration` object (`kubelet.config.k8s.io/v1beta1`)
   * with the fields kube-actors models (`systemReserved`, `kubeReserved`, `evictionHard`,
   * `evictionPressureTransitionPeriod`; machines/kubelet/configuration.ts). Default: a kubeadm
   * node's kubelet (no reservations; memory.available<100Mi, nodefs.available<10%, ...).
   */
  kubeletConfiguration?: unknown;
}

/**
 * The old name of {@link TimingProfile}.
 *
 * @deprecated Use TimingProfile
 */
export type Profile = TimingProfile;

/** Annotation choosing a behavior for every container of a pod: a preset name or JSON of a partial behavior. */
export const BEHAVIOR_ANNOTATION = 'kube-actors.io/behavior';

/** Annotation choosing a behavior for one container: `kube-actors.io/behavior.<container-name>`. */
export const behaviorAnnotation = (container: string): string => `${BEHAVIOR_ANNOTATION}.${container}`;

/** The kubelet's own timings (Kubernetes 1.32 defaults). */
export const KUBELET_DEFAULTS: KubeletBehavior = {
  leaseRenewMs: 10_000,
  nodeStatusUpdateMs: 10_000,
  nodeStatusReportMs: 300_000,
  statusUpdateMs: 10_000,
  podStartLatencyMs: 0,
  plegRelistMs: 1_000,
  crashLoopBackOffMs: 10_000,
  maxCrashLoopBackOffMs: 300_000,
  backOffResetMs: 600_000,
  imagePullBackOffMs: 10_000,
  maxImagePullBackOffMs: 300_000,
  minGracePeriodMs: 2_000,
};

// ---- validation ----------------------------------------------------------------------------

const DURATION_KEYS = ['pullMs', 'createMs', 'startMs', 'readyAfterMs', 'oomAfterMs', 'livenessFailsAfterMs', 'stopMs'] as const;
const BOOLEAN_KEYS = ['neverReady', 'pullFails', 'ignoresSigterm'] as const;
const INTEGER_KEYS = ['stopExitCode', 'restartsBeforeHealthy'] as const;
const ALL_KEYS = new Set<string>([...DURATION_KEYS, ...BOOLEAN_KEYS, ...INTEGER_KEYS, 'exit']);
const REQUIRED_KEYS = ['pullMs', 'createMs', 'startMs', 'readyAfterMs', 'stopMs'] as const;

function show(value: unknown): string {
  if (value === undefined) return 'undefined';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

function checkMillis(value: unknown, what: string): string | undefined {
  if (typeof value === 'number') {
    return Number.isFinite(value) && value >= 0 ? undefined : `${what} must be a finite, non-negative number of milliseconds; got ${show(value)}`;
  }
  if (Array.isArray(value) && value.length === 2) {
    const [min, max] = value as unknown[];
    if (typeof min === 'number' && typeof max === 'number' && Number.isFinite(min) && Number.isFinite(max) && min >= 0 && min <= max) return undefined;
  }
  return `${what} must be a non-negative number of milliseconds or a [min, max] pair with min <= max; got ${show(value)}`;
}

/**
 * The problems with a partial behavior (empty when valid): unknown keys, negative or non-numeric
 * durations, bad ranges, exit codes outside 0–255.
 */
export function behaviorProblems(behavior: unknown): string[] {
  if (behavior === null || typeof behavior !== 'object' || Array.isArray(behavior)) return [`a behavior must be an object; got ${show(behavior)}`];
  const problems: string[] = [];
  const b = behavior as Record<string, unknown>;
  for (const key of Object.keys(b)) {
    if (!ALL_KEYS.has(key)) problems.push(`unknown field "${key}" (known: ${[...ALL_KEYS].join(', ')})`);
  }
  for (const key of DURATION_KEYS) {
    if (b[key] === undefined) continue;
    const p = checkMillis(b[key], `"${key}"`);
    if (p) problems.push(p);
  }
  for (const key of BOOLEAN_KEYS) {
    if (b[key] !== undefined && typeof b[key] !== 'boolean') problems.push(`"${key}" must be true or false; got ${show(b[key])}`);
  }
  for (const key of INTEGER_KEYS) {
    const v = b[key];
    if (v === undefined) continue;
    const max = key === 'stopExitCode' ? 255 : Number.MAX_SAFE_INTEGER;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > max) {
      problems.push(`"${key}" must be ${key === 'stopExitCode' ? 'an integer from 0 to 255' : 'a non-negative integer'}; got ${show(v)}`);
    }
  }
  if (b.exit !== undefined) {
    const exit = b.exit as Record<string, unknown> | null;
    if (exit === null || typeof exit !== 'object' || Array.isArray(exit)) problems.push(`"exit" must be { "afterMs": ..., "code": ... }; got ${show(b.exit)}`);
    else {
      for (const key of Object.keys(exit)) if (key !== 'afterMs' && key !== 'code') problems.push(`unknown field "exit.${key}" (known: afterMs, code)`);
      const p = checkMillis(exit.afterMs, '"exit.afterMs"');
      if (p) problems.push(p);
      const code = exit.code;
      if (typeof code !== 'number' || !Number.isInteger(code) || code < 0 || code > 255) problems.push(`"exit.code" must be an integer from 0 to 255; got ${show(code)}`);
    }
  }
  return problems;
}

/** Checks a whole profile (defaults complete and valid, every rule, preset and fault valid); throws an Error listing the problems. */
export function validateProfile(profile: TimingProfile): TimingProfile {
  const problems: string[] = [];
  const name = profile?.name ?? '(unnamed)';
  if (!profile || typeof profile !== 'object') throw new Error(`invalid profile: ${show(profile)}`);
  for (const key of REQUIRED_KEYS) if (profile.container?.[key] === undefined) problems.push(`container.${key} is required`);
  for (const p of behaviorProblems(profile.container)) problems.push(`container: ${p}`);
  if (profile.initContainer !== undefined) for (const p of behaviorProblems(profile.initContainer)) problems.push(`initContainer: ${p}`);
  (profile.images ?? []).forEach((rule, i) => {
    if (typeof rule?.match !== 'string' || rule.match.length === 0) problems.push(`images[${i}].match must be a non-empty string`);
    for (const p of behaviorProblems(rule?.behavior)) problems.push(`images[${i}] (${rule?.match}): ${p}`);
  });
  for (const [preset, behavior] of Object.entries(profile.presets ?? {})) {
    for (const p of behaviorProblems(behavior)) problems.push(`presets.${preset}: ${p}`);
  }
  (profile.faults ?? []).forEach((fault, i) => {
    if (!(typeof fault?.chance === 'number' && fault.chance >= 0 && fault.chance <= 1)) problems.push(`faults[${i}].chance must be a probability in [0, 1]; got ${show(fault?.chance)}`);
    if (typeof fault?.behavior === 'string') {
      if (!(fault.behavior in (profile.presets ?? {}))) problems.push(`faults[${i}] names unknown preset "${fault.behavior}"`);
    } else for (const p of behaviorProblems(fault?.behavior)) problems.push(`faults[${i}] (${fault?.name}): ${p}`);
  });
  if (profile.catalog !== undefined) problems.push(...catalogProblems(profile.catalog));
  if (profile.usage !== undefined) problems.push(...usageProfileProblems(profile.usage));
  if (profile.kubeletConfiguration !== undefined) {
    try {
      kubeletConfiguration(profile.kubeletConfiguration);
    } catch (error) {
      if (!(error instanceof KubeletConfigurationError)) throw error;
      problems.push(`kubeletConfiguration.${error.message}`);
    }
  }
  const k = profile.kubelet as unknown as Record<string, unknown> | undefined;
  if (!k) problems.push('kubelet is required');
  else {
    for (const key of Object.keys(KUBELET_DEFAULTS)) {
      const p = checkMillis(k[key], `kubelet.${key}`);
      if (p) problems.push(p);
    }
  }
  if (problems.length > 0) throw new Error(`invalid profile "${name}":\n  ${problems.join('\n  ')}`);
  return profile;
}

// ---- image names ---------------------------------------------------------------------------

/**
 * The full reference of an image as container runtimes print it: `nginx` →
 * `docker.io/library/nginx:latest`, `quay.io/x/y:1` unchanged, digests kept.
 */
export function normalizeImage(image: string): string {
  let name = image;
  let suffix = '';
  const at = name.indexOf('@');
  if (at >= 0) {
    suffix = name.slice(at);
    name = name.slice(0, at);
  }
  const slash = name.indexOf('/');
  const first = slash >= 0 ? name.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) name = `docker.io/${slash >= 0 ? name : `library/${name}`}`;
  const lastSlash = name.lastIndexOf('/');
  if (!suffix && !name.slice(lastSlash + 1).includes(':')) name += ':latest';
  return name + suffix;
}

/** The last path segment of an image with its tag: `registry.k8s.io/pause:3.9` → `pause:3.9`. */
function shortImageName(image: string): string {
  const slash = image.lastIndexOf('/');
  return slash >= 0 ? image.slice(slash + 1) : image;
}

/** The default pull policy Kubernetes gives a container: Always for `:latest` or untagged images, else IfNotPresent. */
export function defaultPullPolicy(image: string): 'Always' | 'IfNotPresent' {
  if (image.includes('@')) return 'IfNotPresent';
  const last = image.slice(image.lastIndexOf('/') + 1);
  const colon = last.indexOf(':');
  if (colon < 0) return 'Always';
  return last.slice(colon + 1) === 'latest' ? 'Always' : 'IfNotPresent';
}

const globCache = new Map<string, RegExp>();

/** True when `image` (as written, as a full reference or by short name) matches the glob. */
export function imageMatches(glob: string, image: string): boolean {
  let re = globCache.get(glob);
  if (!re) {
    const body = glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
    re = new RegExp(`^${body}$`);
    globCache.set(glob, re);
  }
  if (re.test(image)) return true;
  const full = normalizeImage(image);
  return re.test(full) || re.test(shortImageName(full)) || re.test(shortImageName(image));
}

// ---- commands --------------------------------------------------------------------------------

const SHELLS = new Set(['sh', '/bin/sh', 'bash', '/bin/bash', 'ash', '/bin/ash']);

function scriptBehavior(script: string): Partial<ContainerBehavior> | undefined {
  const s = script.trim();
  let m = /^(?:exit(?:\s+(\d+))?|(true|false|:))$/.exec(s);
  if (m) {
    const code = m[2] === 'false' ? 1 : m[2] ? 0 : Number(m[1] ?? 0);
    return code <= 255 ? { exit: { afterMs: 0, code } } : undefined;
  }
  m = /^sleep\s+(\d+(?:\.\d+)?|infinity)\s*(?:(?:;|&&)\s*(?:exit(?:\s+(\d+))?|(true|false)))?$/.exec(s);
  if (m) {
    if (m[1] === 'infinity') return {};
    const afterMs = Math.round(Number(m[1]) * 1000);
    const code = m[3] === 'false' ? 1 : m[3] ? 0 : Number(m[2] ?? 0);
    return code <= 255 ? { exit: { afterMs, code } } : undefined;
  }
  return undefined;
}

/**
 * The behavior implied by a container's command, when it is one of a few well-known ones:
 * `["true"]`, `["false"]`, `["sh", "-c", "exit 3"]`, `["sleep", "30"]`,
 * `["sh", "-c", "sleep 5; exit 1"]`. Anything else: undefined.
 */
export function commandBehavior(container: Pick<Container, 'command' | 'args'>): Partial<ContainerBehavior> | undefined {
  const argv = [...(container.command ?? []), ...(container.args ?? [])];
  if (argv.length === 0) return undefined;
  const [cmd, ...rest] = argv;
  const base = cmd!.slice(cmd!.lastIndexOf('/') + 1);
  if (rest.length === 0 && (base === 'true' || base === 'false')) return { exit: { afterMs: 0, code: base === 'true' ? 0 : 1 } };
  if (base === 'sleep' && rest.length === 1) return scriptBehavior(`sleep ${rest[0]}`);
  if (SHELLS.has(cmd!) && rest.length === 2 && rest[0] === '-c') return scriptBehavior(rest[1]!);
  return undefined;
}

// ---- resolution -------------------------------------------------------------------------------

/** A thrown Error about a bad behavior annotation. */
export class BehaviorAnnotationError extends Error {
  override name = 'BehaviorAnnotationError';
  constructor(
    /** The annotation key. */
    readonly annotation: string,
    /** `namespace/name` of the pod. */
    readonly pod: string,
    problem: string,
  ) {
    super(`invalid annotation ${annotation} on pod ${pod}: ${problem}`);
  }
}

const parsedAnnotations = new Map<string, Partial<ContainerBehavior> | string>();
const MAX_PARSED = 512;

function parseAnnotation(profile: TimingProfile, value: string, key: string, pod: string): Partial<ContainerBehavior> {
  const text = value.trim();
  if (!text.startsWith('{')) {
    const preset = profile.presets[text];
    if (!preset) {
      throw new BehaviorAnnotationError(key, pod, `unknown preset "${text}" in profile "${profile.name}" (known: ${Object.keys(profile.presets).sort().join(', ')}; or JSON of a behavior)`);
    }
    return preset;
  }
  let parsed = parsedAnnotations.get(text);
  if (typeof parsed === 'string') throw new BehaviorAnnotationError(key, pod, parsed);
  if (parsed === undefined) {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      const problem = `not valid JSON (${(error as Error).message})`;
      remember(text, problem);
      throw new BehaviorAnnotationError(key, pod, problem);
    }
    const { preset, ...rest } = json as Record<string, unknown>;
    const problems = behaviorProblems(rest);
    if (preset !== undefined && typeof preset !== 'string') problems.unshift(`"preset" must be a preset name; got ${show(preset)}`);
    if (problems.length > 0) {
      const problem = problems.join('; ');
      remember(text, problem);
      throw new BehaviorAnnotationError(key, pod, problem);
    }
    parsed = json as Partial<ContainerBehavior>;
    remember(text, parsed);
  }
  const { preset, ...rest } = parsed as Partial<ContainerBehavior> & { preset?: string };
  if (preset === undefined) return rest;
  const base = profile.presets[preset];
  if (!base) throw new BehaviorAnnotationError(key, pod, `unknown preset "${preset}" in profile "${profile.name}" (known: ${Object.keys(profile.presets).sort().join(', ')})`);
  return { ...base, ...rest };
}

function remember(text: string, value: Partial<ContainerBehavior> | string): void {
  if (parsedAnnotations.size >= MAX_PARSED) parsedAnnotations.delete(parsedAnnotations.keys().next().value!);
  parsedAnnotations.set(text, value);
}

const NO_RULES: Partial<ContainerBehavior> = Object.freeze({});
const imageCache = new WeakMap<TimingProfile, Map<string, Partial<ContainerBehavior>>>();

function imageBehavior(profile: TimingProfile, image: string): Partial<ContainerBehavior> {
  let cache = imageCache.get(profile);
  if (!cache) {
    cache = new Map();
    imageCache.set(profile, cache);
  }
  let merged = cache.get(image);
  if (!merged) {
    let found: Partial<ContainerBehavior> | undefined;
    for (const rule of profile.images) if (imageMatches(rule.match, image)) found = { ...found, ...rule.behavior };
    merged = found ?? NO_RULES;
    if (cache.size < 4096) cache.set(image, merged);
  }
  return merged;
}

/** Draws a duration: a number as is, a `[min, max]` range as a whole number of ms from the generator. */
export function drawMillis(value: Millis, rng: Rng): number {
  if (typeof value === 'number') return value;
  const [min, max] = value;
  if (min === max) return min;
  const lo = Math.ceil(min);
  const span = Math.floor(max) - lo;
  return span <= 0 ? min : lo + rng.int(span + 1);
}

/**
 * The behavior one container of a pod runs with. Layers, later ones winning: the profile's
 * container defaults, its `initContainer` defaults (for a container listed in
 * `spec.initContainers`), every matching image rule, the container's process (`fromProcess`: what
 * the kubelet's interpreter found it does, machines/kubelet/process.ts; without it, the few
 * commands `commandBehavior` knows: `true`, `exit 3`, `sleep 30`), the profile's random faults (drawn), the pod's `kube-actors.io/behavior`
 * annotation, the container's `kube-actors.io/behavior.<name>` annotation. Ranges are then drawn
 * from `rng` in a fixed order.
 *
 * @throws BehaviorAnnotationError when an annotation names an unknown preset or holds invalid JSON
 *   or an invalid behavior; the message names the annotation, the pod and the problem.
 *
 * @example
 * resolveBehavior(fast, pod, pod.spec.containers[0], port.rng) // { pullMs: 10, createMs: 2, ... }
 */
export function resolveBehavior(
  profile: TimingProfile,
  pod: Pod,
  container: Pick<Container, 'name' | 'image' | 'command' | 'args'>,
  rng: Rng,
  fromProcess?: Partial<ContainerBehavior>,
): ResolvedBehavior {
  let b: Partial<ContainerBehavior> = profile.container;
  if (profile.initContainer && pod.spec?.initContainers?.some((c) => c.name === container.name)) b = { ...b, ...profile.initContainer };
  const image = container.image ?? '';
  if (profile.images.length > 0 && image) {
    const fromImage = imageBehavior(profile, image);
    if (fromImage !== NO_RULES) b = { ...b, ...fromImage };
  }
  if (fromProcess) b = { ...b, ...fromProcess };
  else if (container.command || container.args) {
    const fromCommand = commandBehavior(container);
    if (fromCommand) b = { ...b, ...fromCommand };
  }
  if (profile.faults) {
    for (const fault of profile.faults) {
      if (!rng.chance(fault.chance)) continue;
      const fb = typeof fault.behavior === 'string' ? profile.presets[fault.behavior] : fault.behavior;
      if (fb) b = { ...b, ...fb };
    }
  }
  const annotations = pod.metadata?.annotations;
  if (annotations) {
    const podName = keyDefaultingNamespace(pod);
    const forPod = annotations[BEHAVIOR_ANNOTATION];
    if (forPod !== undefined) b = { ...b, ...parseAnnotation(profile, forPod, BEHAVIOR_ANNOTATION, podName) };
    const key = behaviorAnnotation(container.name);
    const forContainer = annotations[key];
    if (forContainer !== undefined) b = { ...b, ...parseAnnotation(profile, forContainer, key, podName) };
  }
  const full = b as ContainerBehavior;
  const resolved: ResolvedBehavior = {
    pullMs: drawMillis(full.pullMs, rng),
    createMs: drawMillis(full.createMs, rng),
    startMs: drawMillis(full.startMs, rng),
    readyAfterMs: drawMillis(full.readyAfterMs, rng),
    neverReady: full.neverReady ?? false,
    pullFails: full.pullFails ?? false,
    stopMs: drawMillis(full.stopMs, rng),
    stopExitCode: full.stopExitCode ?? 0,
  };
  if (full.exit) resolved.exit = { afterMs: drawMillis(full.exit.afterMs, rng), code: full.exit.code };
  if (full.oomAfterMs !== undefined) resolved.oomAfterMs = drawMillis(full.oomAfterMs, rng);
  if (full.livenessFailsAfterMs !== undefined) resolved.livenessFailsAfterMs = drawMillis(full.livenessFailsAfterMs, rng);
  if (full.restartsBeforeHealthy !== undefined) resolved.restartsBeforeHealthy = full.restartsBeforeHealthy;
  if (full.ignoresSigterm) resolved.ignoresSigterm = true;
  return resolved;
}

/**
 * Builds the standard presets of a profile from its time scale: `run-forever` (the default),
 * `complete` (exits 0), `crash` (exits 1), `fail-pull`, `oom`, `slow-start`, `never-ready`,
 * `liveness-fail`.
 */
export function standardPresets(t: {
  completeAfterMs: Millis;
  crashAfterMs: Millis;
  oomAfterMs: Millis;
  livenessFailsAfterMs: Millis;
  slowStartMs: Millis;
  slowReadyMs: Millis;
}): Record<string, Partial<ContainerBehavior>> {
  return {
    'run-forever': {},
    complete: { exit: { afterMs: t.completeAfterMs, code: 0 } },
    crash: { exit: { afterMs: t.crashAfterMs, code: 1 } },
    'fail-pull': { pullFails: true },
    oom: { oomAfterMs: t.oomAfterMs },
    'slow-start': { startMs: t.slowStartMs, readyAfterMs: t.slowReadyMs },
    'never-ready': { neverReady: true },
    'liveness-fail': { livenessFailsAfterMs: t.livenessFailsAfterMs },
  };
}
