/**
 * The kubelet's eviction manager (pkg/kubelet/eviction: eviction_manager.go, helpers.go), the
 * parts its chart region decides with:
 *
 * - the signals (`observe`, makeSignalObservations): memory.available (capacity − the node's
 *   working set), nodefs.available and nodefs.inodesFree (the node's filesystem: its
 *   `ephemeral-storage` capacity and inodes, less what the node itself and the pods' containers
 *   hold), imagefs.available (the same filesystem: a simulated node has no dedicated image
 *   filesystem) and pid.available (the node's pid_max less the processes running). The pods'
 *   part comes from the usage model's samples of the node's running containers (src/metrics: the
 *   samples metrics-server and `kubectl top` report, and the containers' `ephemeral-storage`,
 *   `inodes` and `pids`); the node's own from the usage profile's `nodeOverhead`. The images the
 *   runtime holds are not counted (their size lives in the runtime's actor), so the node-level
 *   reclaim the kubelet tries first (deleting unused containers and images) frees nothing here;
 * - `synchronize`: thresholdsMet (operator LessThan; the thresholds met at the last pass stay met
 *   until their `evictionMinimumReclaim` is reclaimed), thresholdsFirstObservedAt,
 *   nodeConditions (MemoryPressure, DiskPressure, PIDPressure: from the thresholds met, grace
 *   period or not), thresholdsMetGracePeriod (a soft threshold drives eviction once it has been
 *   met for its `evictionSoftGracePeriod`), byEvictionPriority and getReclaimableThreshold;
 * - the rankings (`rank`): rankMemoryPressure, rankDiskPressureFunc (for a node without an
 *   imagefs: images, rootfs, logs and local volumes, i.e. a container's `ephemeral-storage`),
 *   rankPIDPressure;
 * - the eviction message (`evictionMessage`), the grace period (`evictionGracePeriod`), and the
 *   status of an evicted pod (phase Failed, reason Evicted, DisruptionTarget TerminationByKubelet);
 * - localStorageEviction (`localStorageViolations`): a pod whose local storage exceeds its
 *   `ephemeral-storage` limit, or a container its own, is evicted whatever the thresholds;
 * - the eviction manager's admit handler (`admitUnderPressure`).
 *
 * Where the real kubelet iterates a Go map (the order of the thresholds met, of the node
 * conditions), kube-actors takes a fixed order: hard thresholds before soft ones, each in signal
 * name order; conditions Memory, Disk, PID.
 */
import type { Pod, PodStatus } from '../../src/api/types.js';
import { addQuantities, compareQuantities, formatQuantity, parseExact, ZERO, type Quantity } from '../../src/api/quantity-math.js';
import { quantityValue } from '../../src/api/quantity.js';
import { MetricsSnapshot, type MetricsSource } from '../../src/metrics/metrics-api.js';
import { evictionThresholds, thresholdQuantity, type EvictionSignal, type EvictionThreshold, type KubeletConfig, type ThresholdValue } from './configuration.js';
import { tolerationsTolerateTaint } from '../scheduler/plugins/taint-toleration.js';
import type { KubeletContext } from './context.js';
import { objectKey } from '../../src/api/object-key.js';

/** The reason of an evicted pod's status and of its event (eviction.Reason). */
export const EVICTED_REASON = 'Evicted';

/** The grace period of a pod evicted for a hard threshold (immediateEvictionGracePeriodSeconds). */
export const IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS = 1;

/** SystemCriticalPriority: pods at or above it are critical, never evicted (kubelettypes.IsCriticalPod). */
const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

/** The node conditions the eviction manager reports, in the order kube-actors lists them. */
export const PRESSURE_CONDITIONS = ['MemoryPressure', 'DiskPressure', 'PIDPressure'] as const;
export type PressureConditionType = (typeof PRESSURE_CONDITIONS)[number];

/** signalToNodeCondition. */
const SIGNAL_CONDITION: Record<EvictionSignal, PressureConditionType> = {
  'memory.available': 'MemoryPressure',
  'nodefs.available': 'DiskPressure',
  'nodefs.inodesFree': 'DiskPressure',
  'imagefs.available': 'DiskPressure',
  'pid.available': 'PIDPressure',
};

/** The resource a signal starves (signalToResource): memory, ephemeral-storage, inodes, pids. */
export type StarvedResource = 'memory' | 'ephemeral-storage' | 'inodes' | 'pids';
const SIGNAL_RESOURCE: Record<EvictionSignal, StarvedResource> = {
  'memory.available': 'memory',
  'nodefs.available': 'ephemeral-storage',
  'nodefs.inodesFree': 'inodes',
  'imagefs.available': 'ephemeral-storage',
  'pid.available': 'pids',
};

/** One signal's observation (signalObservation): what is available and the capacity it is out of (bytes, or a count). */
export interface SignalObservation {
  readonly available: number;
  readonly capacity: number;
}

/** One container's stats as the eviction manager reads them (summary API: working set, rootfs + logs, inodes, processes). */
export interface ContainerStats {
  readonly name: string;
  /** Working set, bytes. */
  readonly bytes: number;
  /** Local storage written (rootfs + logs + local volumes), bytes. */
  readonly diskBytes: number;
  readonly inodes: number;
  readonly pids: number;
  /** Of `diskBytes`, what is in each emptyDir volume of the pod, by volume name. */
  readonly volumeBytes?: Readonly<Record<string, number>>;
}

/** The signals observed at one pass, and the stats of each pod with running containers (by pod key). */
export interface Observations {
  readonly signals: Partial<Record<EvictionSignal, SignalObservation>>;
  readonly pods: ReadonlyMap<string, readonly ContainerStats[]>;
}

/** The node's filesystem and process table (what cAdvisor reads of the machine). */
export interface NodeMachine {
  /** The node's capacity (`memory`, `ephemeral-storage`). */
  readonly capacity: Readonly<Record<string, string>>;
  /** Inodes of the node's filesystem. */
  readonly inodes: number;
  /** The kernel's pid_max. */
  readonly pidMax: number;
}

const ki = (bytes: number): number => Math.floor(bytes / 1024) * 1024;

/**
 * makeSignalObservations: the containers' usage from the usage model at the last scrape (memory
 * in whole KiB, as cAdvisor reads cgroup memory), the node's own from the usage profile's node
 * overhead.
 */
export function observe(machine: NodeMachine, source: MetricsSource, pods: readonly Pod[]): Observations {
  const overhead = source.usage.nodeOverhead;
  const snapshot = new MetricsSnapshot(source, pods);
  let memory = ki(quantityValue(overhead.memory));
  let disk = overhead['ephemeral-storage'] === undefined ? 0 : quantityValue(overhead['ephemeral-storage']);
  let inodes = overhead.inodes ?? 0;
  let pids = overhead.pids ?? 0;
  const out = new Map<string, ContainerStats[]>();
  for (const key of snapshot.podKeys()) {
    const containers = [...snapshot.usageOf(key)!.usage].map(([name, u]) => ({ name, bytes: ki(u.memoryBytes), diskBytes: u.diskBytes, inodes: u.inodes, pids: u.pids, ...(u.volumeBytes ? { volumeBytes: u.volumeBytes } : {}) }));
    for (const c of containers) {
      memory += c.bytes;
      disk += c.diskBytes;
      inodes += c.inodes;
      pids += c.pids;
    }
    out.set(key, containers);
  }
  const of = (capacity: number, used: number): SignalObservation => ({ capacity, available: Math.max(0, capacity - used) });
  const fsCapacity = quantityValue(machine.capacity['ephemeral-storage'] ?? '0');
  const nodefs = of(fsCapacity, disk);
  return {
    signals: {
      'memory.available': of(quantityValue(machine.capacity['memory'] ?? '0'), memory),
      'nodefs.available': nodefs,
      'nodefs.inodesFree': of(machine.inodes, inodes),
      'imagefs.available': nodefs,
      'pid.available': of(machine.pidMax, pids),
    },
    pods: out,
  };
}

const asQuantity = (n: number): Quantity => ({ nanos: BigInt(n) * 1_000_000_000n, format: 'BinarySI' });
const valueOf = (q: Quantity): number => Number(q.nanos / 1_000_000_000n);

/** A threshold's quantity against an observation's capacity, as a number. */
function thresholdAmount(t: ThresholdValue, obs: SignalObservation): number {
  return valueOf(thresholdQuantity(t, asQuantity(obs.capacity)));
}

/** thresholdsMet: the thresholds whose signal is below them (with `enforceMinReclaim`, below them plus their minimum reclaim). */
export function thresholdsMet(thresholds: readonly EvictionThreshold[], obs: Observations, enforceMinReclaim: boolean): EvictionThreshold[] {
  return thresholds.filter((t) => {
    const o = obs.signals[t.signal];
    if (!o) return false;
    let quantity = thresholdAmount(t, o);
    if (enforceMinReclaim && t.minReclaim) quantity += thresholdAmount(t.minReclaim, o);
    return quantity > o.available;
  });
}

/** A threshold's identity (the key of thresholdsObservedAt). */
function thresholdKey(t: EvictionThreshold): string {
  return `${t.signal}<${t.text}/${t.gracePeriodMs ?? 0}`;
}

/** isHardEvictionThreshold. */
function isHard(t: EvictionThreshold): boolean {
  return (t.gracePeriodMs ?? 0) === 0;
}

/** What the eviction manager keeps between passes. */
export interface EvictionState {
  /** thresholdsFirstObservedAt: per threshold met (grace period or not), since when (virtual ms). */
  readonly firstObservedAt: ReadonlyMap<string, number>;
  /** thresholdsMet: the thresholds met past their grace period at the last pass, not yet resolved. */
  readonly met: readonly EvictionThreshold[];
}

export const INITIAL_EVICTION_STATE: EvictionState = { firstObservedAt: new Map(), met: [] };

/** What one pass of synchronize decided. */
export interface Synchronized {
  readonly state: EvictionState;
  /** The node conditions the thresholds met (grace period or not) call for. */
  readonly conditions: readonly PressureConditionType[];
  /** The thresholds past their grace period, in eviction priority order (memory first). */
  readonly thresholds: readonly EvictionThreshold[];
  /** The threshold to reclaim for and its resource (getReclaimableThreshold), if any. */
  readonly reclaim?: { readonly threshold: EvictionThreshold; readonly resource: StarvedResource };
  /** The pods above their local storage limits (localStorageEviction): evicted instead of reclaiming. */
  readonly localStorage?: readonly { readonly pod: Pod; readonly message: string }[];
}

/** synchronize's decisions: the thresholds met, since when, the node conditions, what to reclaim. */
export function synchronize(config: KubeletConfig, obs: Observations, state: EvictionState, now: number): Synchronized {
  const met = thresholdsMet(evictionThresholds(config), obs, false);
  for (const t of thresholdsMet(state.met, obs, true)) if (!met.some((m) => thresholdKey(m) === thresholdKey(t))) met.push(t);
  const firstObservedAt = new Map(met.map((t) => [thresholdKey(t), state.firstObservedAt.get(thresholdKey(t)) ?? now]));
  const conditions = PRESSURE_CONDITIONS.filter((c) => met.some((t) => SIGNAL_CONDITION[t.signal] === c));
  const pastGrace = met.filter((t) => now - firstObservedAt.get(thresholdKey(t))! >= (t.gracePeriodMs ?? 0));
  // byEvictionPriority: memory before the other resources
  const thresholds = [...pastGrace.filter((t) => t.signal === 'memory.available'), ...pastGrace.filter((t) => t.signal !== 'memory.available')];
  const first = thresholds[0];
  return {
    state: { firstObservedAt, met: pastGrace },
    conditions,
    thresholds,
    ...(first ? { reclaim: { threshold: first, resource: SIGNAL_RESOURCE[first.signal] } } : {}),
  };
}

/** GetResourceRequestQuantity: the pod's containers' requests summed, or its largest init container's if more. */
function podRequest(pod: Pod, resource: string): number {
  const req = (c: { resources?: { requests?: Record<string, string | number> } }) => {
    const r = c.resources?.requests?.[resource];
    return r === undefined ? 0 : quantityValue(r);
  };
  const containers = (pod.spec?.containers ?? []).reduce((sum, c) => sum + req(c), 0);
  const init = (pod.spec?.initContainers ?? []).reduce((max, c) => Math.max(max, req(c)), 0);
  return Math.max(containers, init);
}

const priorityOf = (pod: Pod): number => pod.spec?.priority ?? 0;

/** nodeConditionMessageFmt of the eviction manager's admission. */
const NODE_CONDITION_MESSAGE = (conditions: readonly string[]) => `The node had condition: [${conditions.join(' ')}]. `;

/**
 * The eviction manager's admit handler (managerImpl.Admit), the kubelet's first: with no node
 * condition the eviction manager holds, every pod is admitted; a critical pod always is; under
 * MemoryPressure alone a pod that is not BestEffort, or tolerates the
 * `node.kubernetes.io/memory-pressure:NoSchedule` taint, is; any other pod (under DiskPressure or
 * PIDPressure, every pod) is rejected with the reason Evicted and `The node had condition: [...]. `.
 */
export function admitUnderPressure(pod: Pod, conditions: readonly string[]): { admit: true } | { admit: false; reason: string; message: string } {
  if (conditions.length === 0 || isCriticalPod(pod)) return { admit: true };
  if (conditions.length === 1 && conditions[0] === 'MemoryPressure') {
    if (pod.status?.qosClass !== 'BestEffort') return { admit: true };
    if (tolerationsTolerateTaint(pod.spec?.tolerations ?? [], { key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' })) return { admit: true };
  }
  return { admit: false, reason: EVICTED_REASON, message: NODE_CONDITION_MESSAGE(conditions) };
}

/** True for pods the eviction manager never evicts (critical: priority at or above system-cluster-critical's). */
function isCriticalPod(pod: Pod): boolean {
  return priorityOf(pod) >= SYSTEM_CRITICAL_PRIORITY;
}

type Cmp = (a: Pod, b: Pod) => number;

/** cmpBool: true first. */
const cmpBool = (a: boolean, b: boolean): number => (a === b ? 0 : a ? -1 : 1);

/** A comparator over the pods' stats: pods without stats first (cmpBool(!p1Found, !p2Found)), else `f`. */
function withStats(obs: Observations, f: (a: readonly ContainerStats[], b: readonly ContainerStats[], pa: Pod, pb: Pod) => number): Cmp {
  return (pa, pb) => {
    const a = obs.pods.get(objectKey(pa));
    const b = obs.pods.get(objectKey(pb));
    if (!a || !b) return cmpBool(!a, !b);
    return f(a, b, pa, pb);
  };
}

const sum = (stats: readonly ContainerStats[], f: (c: ContainerStats) => number): number => stats.reduce((s, c) => s + f(c), 0);

/** priority: the lower priority first. */
const byPriority: Cmp = (a, b) => priorityOf(a) - priorityOf(b);

/** orderedBy(...).Sort: the first comparator that tells the pods apart decides (stable: equal pods keep their order). */
const orderedBy = (pods: readonly Pod[], ...cmps: Cmp[]): Pod[] =>
  [...pods].sort((a, b) => {
    for (const cmp of cmps) {
      const r = cmp(a, b);
      if (r !== 0) return r;
    }
    return 0;
  });

/** What a pod uses of a starved resource (working set, local storage, inodes, processes). */
function usageOf(resource: StarvedResource): (c: ContainerStats) => number {
  if (resource === 'memory') return (c) => c.bytes;
  if (resource === 'ephemeral-storage') return (c) => c.diskBytes;
  if (resource === 'inodes') return (c) => c.inodes;
  return (c) => c.pids;
}

/**
 * The pods in the order the kubelet evicts them for a starved resource (signalToRankFunc):
 * - memory (rankMemoryPressure): exceedMemoryRequests, priority, memory above the request;
 * - ephemeral-storage and inodes (rankDiskPressureFunc): exceedDiskRequests, priority, disk use
 *   above the request (for inodes, as the kubelet does it, the inodes used less the pod's
 *   ephemeral-storage request);
 * - pids (rankPIDPressure): priority, then the larger process count.
 */
export function rank(resource: StarvedResource, pods: readonly Pod[], obs: Observations): Pod[] {
  if (resource === 'pids') return orderedBy(pods, byPriority, withStats(obs, (a, b) => sum(b, (c) => c.pids) - sum(a, (c) => c.pids)));
  const use = usageOf(resource);
  const exceeds = withStats(obs, (a, b, pa, pb) => cmpBool(sum(a, use) > podRequest(pa, resource), sum(b, use) > podRequest(pb, resource)));
  const requestOf = (p: Pod) => podRequest(p, resource === 'memory' ? 'memory' : 'ephemeral-storage');
  const above = withStats(obs, (a, b, pa, pb) => sum(b, use) - requestOf(pb) - (sum(a, use) - requestOf(pa)));
  return orderedBy(pods, exceeds, byPriority, above);
}

/** A count or byte quantity as the kubelet prints it (`resource.NewQuantity(n, BinarySI|DecimalSI).String()`). */
function printed(resource: StarvedResource, n: number): string {
  return formatQuantity({ nanos: BigInt(n) * 1_000_000_000n, format: resource === 'memory' || resource === 'ephemeral-storage' ? 'BinarySI' : 'DecimalSI' });
}

/**
 * evictionMessage: the starved resource, the quantity and availability of the first threshold
 * for it, and for memory and ephemeral-storage each container (app or init) whose usage exceeds
 * its request.
 */
export function evictionMessage(resource: StarvedResource, pod: Pod, thresholds: readonly EvictionThreshold[], obs: Observations): string {
  let message = `The node was low on resource: ${resource}. `;
  const t = thresholds.find((x) => SIGNAL_RESOURCE[x.signal] === resource);
  const o = t && obs.signals[t.signal];
  if (t && o) message += `Threshold quantity: ${formatQuantity(thresholdQuantity(t, asQuantity(o.capacity)))}, available: ${printed(resource, o.available)}. `;
  const stats = obs.pods.get(objectKey(pod));
  if (!stats || (resource !== 'memory' && resource !== 'ephemeral-storage')) return message;
  const use = usageOf(resource);
  const containers = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const s of stats) {
    const container = containers.find((c) => c.name === s.name);
    if (!container) continue;
    const request = container.resources?.requests?.[resource];
    const requestValue = request === undefined ? 0 : quantityValue(request);
    if (use(s) > requestValue) message += `Container ${s.name} was using ${printed(resource, use(s))}, request is ${request === undefined ? '0' : formatQuantity(parseExact(request))}, has larger consumption of ${resource}. `;
  }
  return message;
}

/**
 * The grace period of a pod evicted for a threshold: immediateEvictionGracePeriodSeconds for a
 * hard one; for a soft one `evictionMaxPodGracePeriod`, or the pod's own
 * terminationGracePeriodSeconds when shorter (Kubernetes 1.32, AllowOverwriteTerminationGracePeriodSeconds off).
 */
export function evictionGracePeriod(config: KubeletConfig, threshold: EvictionThreshold, pod: Pod): number {
  if (isHard(threshold)) return IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS;
  const own = pod.spec?.terminationGracePeriodSeconds;
  return own === undefined || own === null ? config.evictionMaxPodGracePeriodSeconds : Math.min(config.evictionMaxPodGracePeriodSeconds, own);
}

/**
 * localStorageEviction (LocalStorageCapacityIsolation, on by default): per pod with stats, first
 * each emptyDir volume's usage (the sum of what the pod's containers wrote into it) against its
 * `sizeLimit` (emptyDirLimitEviction: `Usage of EmptyDir volume "cache" exceeds the limit
 * "1Gi". `), then the pod's total local storage against the sum of its containers'
 * `ephemeral-storage` limits (the largest init container's if more; `Pod ephemeral local storage
 * usage exceeds the total limit of containers 2Gi. `), then each container's against its own
 * limit (`Container app exceeded its local ephemeral storage limit "1Gi". `).
 */
export function localStorageViolations(pods: readonly Pod[], obs: Observations): { pod: Pod; message: string }[] {
  const out: { pod: Pod; message: string }[] = [];
  for (const pod of pods) {
    const stats = obs.pods.get(objectKey(pod));
    if (!stats) continue;
    const overVolume = emptyDirOverLimit(pod, stats);
    if (overVolume) {
      out.push({ pod, message: overVolume });
      continue;
    }
    const limitOf = (c: { resources?: { limits?: Record<string, string | number> } }) => c.resources?.limits?.['ephemeral-storage'];
    let podLimit: Quantity | undefined;
    for (const c of pod.spec?.containers ?? []) {
      const l = limitOf(c);
      if (l !== undefined) podLimit = addQuantities(podLimit ?? ZERO, parseExact(l));
    }
    for (const c of pod.spec?.initContainers ?? []) {
      const l = limitOf(c);
      if (l !== undefined && (podLimit === undefined || compareQuantities(parseExact(l), podLimit) > 0)) podLimit = parseExact(l);
    }
    if (podLimit !== undefined && sum(stats, (c) => c.diskBytes) > quantityValue(formatQuantity(podLimit))) {
      out.push({ pod, message: `Pod ephemeral local storage usage exceeds the total limit of containers ${formatQuantity(podLimit)}. ` });
      continue;
    }
    for (const s of stats) {
      const l = (pod.spec?.containers ?? []).find((c) => c.name === s.name)?.resources?.limits?.['ephemeral-storage'];
      if (l === undefined || quantityValue(l) === 0 || s.diskBytes <= quantityValue(l)) continue;
      out.push({ pod, message: `Container ${s.name} exceeded its local ephemeral storage limit "${formatQuantity(parseExact(l))}". ` });
      break;
    }
  }
  return out;
}

/** emptyDirLimitEviction: the first emptyDir volume (in spec order) whose usage is over its positive `sizeLimit`, as its message. */
function emptyDirOverLimit(pod: Pod, stats: readonly ContainerStats[]): string | undefined {
  for (const volume of pod.spec?.volumes ?? []) {
    const limit = volume.emptyDir?.sizeLimit;
    if (limit === undefined || limit === null) continue;
    const size = parseExact(limit);
    const limitBytes = quantityValue(formatQuantity(size));
    if (limitBytes <= 0) continue;
    let used: number | undefined;
    for (const s of stats) {
      const bytes = s.volumeBytes?.[volume.name];
      if (bytes !== undefined) used = (used ?? 0) + bytes;
    }
    if (used !== undefined && used > limitBytes) return `Usage of EmptyDir volume "${volume.name}" exceeds the limit "${formatQuantity(size)}". `;
  }
  return undefined;
}

/** What the kubelet decided about a pod it evicts: the status its writes carry from then on. */
export interface Eviction {
  readonly uid: string;
  readonly message: string;
  /** Whether the status carries DisruptionTarget (node-pressure evictions; not local storage limit ones). */
  readonly disruptionTarget: boolean;
  /** When it was evicted (the DisruptionTarget condition's lastTransitionTime). */
  readonly at: string;
}

/** A status of an evicted pod: phase Failed, reason Evicted, the message, and DisruptionTarget=True (TerminationByKubelet). */
export function evictedStatus(status: PodStatus, eviction: Eviction): PodStatus {
  if (!eviction.disruptionTarget) return { ...status, phase: 'Failed', reason: EVICTED_REASON, message: eviction.message };
  const condition = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: eviction.at, reason: 'TerminationByKubelet', message: eviction.message };
  const conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition] as PodStatus['conditions'];
  return { ...status, phase: 'Failed', reason: EVICTED_REASON, message: eviction.message, conditions };
}

// ---- the kubelet chart's parts --------------------------------------------------------------

/** The pods the eviction manager may evict (activePods, less critical ones and those already stopping), in key order. */
export function evictionCandidates(context: Pick<KubeletContext, 'workers' | 'evictions' | 'pods'>): Pod[] {
  return [...context.workers.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .filter(([key, w]) => !w.killing && !context.evictions.has(key))
    .flatMap(([key]) => context.pods.store.get(key) ?? [])
    .filter((pod) => !isCriticalPod(pod));
}

/** The node events of the pressure conditions' setters (pkg/kubelet/nodestatus): turning True, turning False. */
export const PRESSURE_EVENTS: Record<PressureConditionType, readonly [string, string]> = {
  MemoryPressure: ['NodeHasInsufficientMemory', 'NodeHasSufficientMemory'],
  DiskPressure: ['NodeHasDiskPressure', 'NodeHasNoDiskPressure'],
  PIDPressure: ['NodeHasInsufficientPID', 'NodeHasSufficientPID'],
};

/**
 * One pressure condition's region: `underPressure` from the first `pressure.observed` for it,
 * re-entered by each one after, back to `noPressure` when none came for the transition period
 * (nodeConditionsLastObservedAt, nodeConditionsObservedSince).
 */
export function pressureRegion(condition: PressureConditionType) {
  return {
    initial: 'noPressure' as const,
    states: {
      noPressure: { on: { 'pressure.observed': { guard: { type: 'pressureOn' as const, params: { condition } }, target: 'underPressure' as const, actions: { type: 'notePressure' as const, params: { condition } } } } },
      underPressure: {
        on: { 'pressure.observed': { guard: { type: 'pressureOn' as const, params: { condition } }, target: 'underPressure' as const, reenter: true } },
        after: { evictionPressureTransitionPeriod: { target: 'noPressure' as const, actions: { type: 'notePressureRelieved' as const, params: { condition } } } },
      },
    },
  };
}
