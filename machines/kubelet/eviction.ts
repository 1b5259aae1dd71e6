/**
 * The kubelet's eviction manager (pkg/kubelet/eviction), the parts its chart region decides with:
 *
 * - the memory.available signal, observed as the real one is (capacity − the node's working set):
 *   the working set is the usage model's samples of the node's running containers (the samples
 *   metrics-server and `kubectl top` report, src/metrics) plus the node's own overhead;
 * - whether a hard threshold is met (`thresholdsMet`, operator LessThan);
 * - the ranking of the pods for memory pressure (`rankMemoryPressure`: pods whose usage exceeds
 *   their requests first, then lower priority, then the larger usage above requests);
 * - the eviction message (`evictionMessage`) and the status of an evicted pod (phase Failed,
 *   reason Evicted, the DisruptionTarget condition with reason TerminationByKubelet).
 *
 * Only memory is observed: the simulation has no disk usage, so nodefs/imagefs thresholds reserve
 * allocatable but never fire.
 */
import type { Pod, PodStatus } from '../../src/api/types.js';
import { formatQuantity, parseExact, type Quantity } from '../../src/api/quantity-math.js';
import { quantityValue } from '../../src/api/quantity.js';
import { MetricsSnapshot, type MetricsSource } from '../../src/metrics/metrics-api.js';
import { thresholdQuantity, type EvictionThreshold, type KubeletConfig } from './configuration.js';
import { tolerationsTolerateTaint } from '../scheduler/plugins/taint-toleration.js';

/** The reason of an evicted pod's status and of its event (eviction.Reason). */
export const EVICTED_REASON = 'Evicted';

/** The grace period of a pod evicted for a hard threshold (immediateEvictionGracePeriodSeconds). */
export const IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS = 1;

/** SystemCriticalPriority: pods at or above it are critical, never evicted (kubelettypes.IsCriticalPod). */
const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

/** One observation of memory.available on a node (signalObservations[memory.available]). */
export interface MemoryObservation {
  /** The node's memory capacity, bytes. */
  readonly capacityBytes: number;
  /** capacity − working set, bytes. */
  readonly availableBytes: number;
  /** The working set of each pod with stats (running containers), by pod key: per container, bytes. */
  readonly pods: ReadonlyMap<string, readonly { readonly name: string; readonly bytes: number }[]>;
}

const bytesOf = (q: Quantity): number => Number(q.nanos / 1_000_000_000n);

/** A byte count as the kubelet prints it (`resource.NewQuantity(n, BinarySI).String()`). */
function binary(bytes: number): string {
  return formatQuantity({ nanos: BigInt(bytes) * 1_000_000_000n, format: 'BinarySI' });
}

/**
 * Observes memory.available on the node (makeSignalObservations): the containers' working sets
 * come from the usage model at the last scrape (whole KiB, as cAdvisor reads cgroup memory); the
 * node's own processes add the usage profile's node overhead.
 */
export function observeMemory(capacity: Readonly<Record<string, string>>, source: MetricsSource, pods: readonly Pod[]): MemoryObservation {
  const capacityBytes = quantityValue(capacity['memory'] ?? '0');
  const snapshot = new MetricsSnapshot(source, pods);
  let workingSet = Math.floor(quantityValue(source.usage.nodeOverhead.memory) / 1024) * 1024;
  const out = new Map<string, { name: string; bytes: number }[]>();
  for (const key of snapshot.podKeys()) {
    const containers = [...snapshot.usageOf(key)!.usage].map(([name, u]) => ({ name, bytes: Math.floor(u.memoryBytes / 1024) * 1024 }));
    for (const c of containers) workingSet += c.bytes;
    out.set(key, containers);
  }
  return { capacityBytes, availableBytes: Math.max(0, capacityBytes - workingSet), pods: out };
}

/** The memory.available hard threshold, when the observation is below it (thresholdsMet). */
export function memoryThresholdMet(config: KubeletConfig, obs: MemoryObservation): EvictionThreshold | undefined {
  const t = config.evictionHard.find((x) => x.signal === 'memory.available');
  if (!t) return undefined;
  const capacity: Quantity = { nanos: BigInt(obs.capacityBytes) * 1_000_000_000n, format: 'BinarySI' };
  return obs.availableBytes < bytesOf(thresholdQuantity(t, capacity)) ? t : undefined;
}

/** The memory a pod requests (eviction's podRequest: its containers' sum, or its largest init container's if more). */
function podMemoryRequest(pod: Pod): number {
  const req = (c: { resources?: { requests?: Record<string, string | number> } }) => {
    const r = c.resources?.requests?.['memory'];
    return r === undefined ? 0 : quantityValue(r);
  };
  const containers = (pod.spec?.containers ?? []).reduce((sum, c) => sum + req(c), 0);
  const init = (pod.spec?.initContainers ?? []).reduce((max, c) => Math.max(max, req(c)), 0);
  return Math.max(containers, init);
}

const podKey = (pod: Pod): string => `${pod.metadata?.namespace}/${pod.metadata?.name}`;
const priorityOf = (pod: Pod): number => pod.spec?.priority ?? 0;

/** nodeConditionMessageFmt of the eviction manager's admission. */
const NODE_CONDITION_MESSAGE = (conditions: readonly string[]) => `The node had condition: [${conditions.join(' ')}]. `;

/**
 * The eviction manager's admit handler (managerImpl.Admit), the kubelet's first: with no node
 * condition the eviction manager holds, every pod is admitted; a critical pod always is; under
 * MemoryPressure alone a pod that is not BestEffort, or tolerates the
 * `node.kubernetes.io/memory-pressure:NoSchedule` taint, is; any other pod is rejected with the
 * reason Evicted and `The node had condition: [MemoryPressure]. `.
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
export function isCriticalPod(pod: Pod): boolean {
  return priorityOf(pod) >= SYSTEM_CRITICAL_PRIORITY;
}

/**
 * rankMemoryPressure: orderedBy(exceedMemoryRequests, priority, memory). Pods without stats come
 * first (as the comparators put them), then pods whose usage exceeds their memory request, then
 * lower priority, then the larger usage above the request. Stable: equal pods keep their order.
 */
export function rankForMemory(pods: readonly Pod[], obs: MemoryObservation): Pod[] {
  const usage = (p: Pod): number | undefined => obs.pods.get(podKey(p))?.reduce((s, c) => s + c.bytes, 0);
  return [...pods].sort((a, b) => {
    const ua = usage(a);
    const ub = usage(b);
    if (ua === undefined || ub === undefined) return ua === ub ? 0 : ua === undefined ? -1 : 1;
    const ea = ua > podMemoryRequest(a);
    const eb = ub > podMemoryRequest(b);
    if (ea !== eb) return ea ? -1 : 1;
    if (priorityOf(a) !== priorityOf(b)) return priorityOf(a) - priorityOf(b);
    return ub - podMemoryRequest(b) - (ua - podMemoryRequest(a));
  });
}

/**
 * evictionMessage for memory: the starved resource, the threshold and what was available, and
 * each container whose usage exceeds its request.
 */
export function evictionMessage(pod: Pod, threshold: EvictionThreshold, obs: MemoryObservation): string {
  const capacity: Quantity = { nanos: BigInt(obs.capacityBytes) * 1_000_000_000n, format: 'BinarySI' };
  let message = `The node was low on resource: memory. Threshold quantity: ${formatQuantity(thresholdQuantity(threshold, capacity))}, available: ${binary(obs.availableBytes)}. `;
  const stats = obs.pods.get(podKey(pod));
  if (!stats) return message;
  for (const s of stats) {
    const container = pod.spec?.containers?.find((c) => c.name === s.name);
    if (!container) continue;
    const request = container.resources?.requests?.['memory'];
    const requestBytes = request === undefined ? 0 : quantityValue(request);
    if (s.bytes > requestBytes) message += `Container ${s.name} was using ${binary(s.bytes)}, request is ${request === undefined ? '0' : formatQuantity(parseExact(request))}, has larger consumption of memory. `;
  }
  return message;
}

/** What the kubelet decided about a pod it evicts: the status its writes carry from then on. */
export interface Eviction {
  readonly uid: string;
  readonly message: string;
  /** When it was evicted (the DisruptionTarget condition's lastTransitionTime). */
  readonly at: string;
}

/** A status of an evicted pod: phase Failed, reason Evicted, the message, and DisruptionTarget=True (TerminationByKubelet). */
export function evictedStatus(status: PodStatus, eviction: Eviction): PodStatus {
  const condition = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: eviction.at, reason: 'TerminationByKubelet', message: eviction.message };
  const conditions = [...(status.conditions ?? []).filter((c) => c.type !== 'DisruptionTarget'), condition] as PodStatus['conditions'];
  return { ...status, phase: 'Failed', reason: EVICTED_REASON, message: eviction.message, conditions };
}
