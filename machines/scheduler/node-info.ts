/**
 * The scheduler's per-node and per-pod resource types, after kube-scheduler's
 * `pkg/scheduler/framework/types.go`: resource vectors and a pod's requests
 * (`computePodResourceRequest`), host ports, the record the cache keeps per pod, and the
 * {@link NodeInfo} the cache keeps per node.
 */
import type { Node, Pod, Taint } from '../../src/api/types.js';
import { milliCpu, quantityValue } from '../../src/api/quantity.js';
import { keyDefaultingNamespace } from '../../src/api/object-key.js';

/** CPU the scoring plugins assume for a container without a cpu request (`schedutil.DefaultMilliCPURequest`). */
const DEFAULT_MILLI_CPU_REQUEST = 100;

/** Memory the scoring plugins assume for a container without a memory request (`schedutil.DefaultMemoryRequest`, 200Mi). */
const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;

/** A vector of the resources the scheduler accounts for: cpu in millicores, bytes, and a pod count. */
export interface Resources {
  /** CPU in millicores. */
  milliCpu: number;
  /** Memory in bytes. */
  memory: number;
  /** Local ephemeral storage in bytes. */
  ephemeralStorage: number;
  /** Number of pods (for a node's allocatable: how many it accepts; for a pod's request: 1). */
  pods: number;
}

/** The cpu and memory the scoring plugins count, with the defaults for missing container requests. */
export interface NonZeroResources {
  /** CPU in millicores, 100m for each container that requests none. */
  milliCpu: number;
  /** Memory in bytes, 200Mi for each container that requests none. */
  memory: number;
}

/** A fresh all-zero resource vector. */
function emptyResources(): Resources {
  return { milliCpu: 0, memory: 0, ephemeralStorage: 0, pods: 0 };
}

type ResourceList = Readonly<Record<string, string | number>> | undefined;

interface ContainerLike {
  resources?: { requests?: ResourceList };
  restartPolicy?: string;
}

const SUPPORTED_POD_LEVEL = (name: string): boolean =>
  name === 'cpu' || name === 'memory' || name.startsWith('hugepages-');

/**
 * Adds one container's requests to `acc` = [cpu, memory, ephemeral, nonZeroCpu, nonZeroMemory],
 * the last two counting the defaults for a missing cpu / memory request.
 */
function addContainer(acc: number[], requests: ResourceList): void {
  const cpu = requests?.['cpu'];
  const mem = requests?.['memory'];
  const eph = requests?.['ephemeral-storage'];
  const c = cpu !== undefined ? milliCpu(cpu) : 0;
  const m = mem !== undefined ? quantityValue(mem) : 0;
  acc[0]! += c;
  acc[1]! += m;
  acc[2]! += eph !== undefined ? quantityValue(eph) : 0;
  acc[3]! += cpu !== undefined ? c : DEFAULT_MILLI_CPU_REQUEST;
  acc[4]! += mem !== undefined ? m : DEFAULT_MEMORY_REQUEST;
}

const SLOTS = 5;

/** [cpu, memory, ephemeral, nonZeroCpu, nonZeroMemory] of a pod, in one pass over its containers. */
function accumulateRequests(pod: Pod): number[] {
  const spec = pod.spec;
  const sum = [0, 0, 0, 0, 0];
  for (const c of (spec?.containers ?? []) as ContainerLike[]) addContainer(sum, c.resources?.requests);
  const initContainers = (spec?.initContainers ?? []) as ContainerLike[];
  if (initContainers.length > 0) {
    const sidecars = [0, 0, 0, 0, 0];
    const initMax = [0, 0, 0, 0, 0];
    for (const c of initContainers) {
      const own = [0, 0, 0, 0, 0];
      addContainer(own, c.resources?.requests);
      const sidecar = c.restartPolicy === 'Always';
      for (let i = 0; i < SLOTS; i++) {
        let use: number;
        if (sidecar) {
          sum[i]! += own[i]!;
          sidecars[i]! += own[i]!;
          use = sidecars[i]!;
        } else {
          use = own[i]! + sidecars[i]!;
        }
        if (use > initMax[i]!) initMax[i] = use;
      }
    }
    for (let i = 0; i < SLOTS; i++) if (initMax[i]! > sum[i]!) sum[i] = initMax[i]!;
  }
  const podLevel = spec?.resources?.requests;
  if (podLevel && Object.keys(podLevel).some(SUPPORTED_POD_LEVEL)) {
    if (podLevel['cpu'] !== undefined) sum[0] = sum[3] = milliCpu(podLevel['cpu']);
    if (podLevel['memory'] !== undefined) sum[1] = sum[4] = quantityValue(podLevel['memory']);
  }
  const overhead = spec?.overhead;
  if (overhead) {
    const oc = milliCpu(overhead['cpu']);
    const om = quantityValue(overhead['memory']);
    sum[0]! += oc;
    sum[3]! += oc;
    sum[1]! += om;
    sum[4]! += om;
    sum[2]! += quantityValue(overhead['ephemeral-storage']);
  }
  return sum;
}

/**
 * A pod's effective requests as kube-scheduler computes them (`resourcehelper.PodRequests`): the sum
 * of the app containers, raised to the largest init container (a sidecar — an init container with
 * `restartPolicy: Always` — is added to the sum and to every later init container), pod-level
 * `spec.resources.requests` for cpu and memory when set, plus `spec.overhead`.
 *
 * With `nonZero`, each container that has no cpu (memory) request counts 100m (200Mi), as the
 * scheduler's scoring does; filtering uses the plain requests.
 *
 * @returns a resource vector whose `pods` is 1.
 */
export function computePodRequests(pod: Pod, options: { nonZero?: boolean } = {}): Resources {
  const s = accumulateRequests(pod);
  return options.nonZero
    ? { milliCpu: s[3]!, memory: s[4]!, ephemeralStorage: s[2]!, pods: 1 }
    : { milliCpu: s[0]!, memory: s[1]!, ephemeralStorage: s[2]!, pods: 1 };
}

/** A node's allocatable resources (`status.allocatable`; the scheduler never looks at capacity). */
export function nodeAllocatable(node: Node): Resources {
  const a = node.status?.allocatable;
  return {
    milliCpu: milliCpu(a?.['cpu']),
    memory: quantityValue(a?.['memory']),
    ephemeralStorage: quantityValue(a?.['ephemeral-storage']),
    pods: quantityValue(a?.['pods']),
  };
}

/** A pod's priority (`spec.priority`, set by admission from its PriorityClass; 0 when unset). */
function podPriority(pod: Pod): number {
  return pod.spec?.priority ?? 0;
}

/** A host port a container asks for (`framework.HostPortInfo`'s key): ip `0.0.0.0` binds every address. */
export interface HostPort {
  /** `hostIP`, or `0.0.0.0` when unset. */
  readonly ip: string;
  /** `TCP`, `UDP` or `SCTP` (`TCP` when unset). */
  readonly protocol: string;
  /** `hostPort` (> 0). */
  readonly port: number;
}

/** The host ports of a pod's containers (`hostPort` > 0), or undefined when it asks for none. */
export function podHostPorts(pod: Pod): readonly HostPort[] | undefined {
  let out: HostPort[] | undefined;
  for (const c of pod.spec?.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (!p.hostPort || p.hostPort <= 0) continue;
      (out ??= []).push({ ip: p.hostIP || '0.0.0.0', protocol: p.protocol || 'TCP', port: p.hostPort });
    }
  }
  return out;
}

/** What the cache remembers of a pod on a node: enough to add or subtract it without re-parsing. */
export interface PodResourceRecord {
  /** {@link keyDefaultingNamespace} of the pod. */
  readonly key: string;
  /** Its requests, as filtering counts them. */
  readonly requests: Resources;
  /** Its cpu and memory, as scoring counts them. */
  readonly nonZero: NonZeroResources;
  /** Its priority, for preemption. */
  readonly priority: number;
  /** Its containers' host ports, when it asks for any (NodePorts). */
  readonly hostPorts?: readonly HostPort[];
  /** The claims its volumes use, as `namespace/name`, when it has any (`NodeInfo.PVCRefCounts`). */
  readonly pvcs?: readonly string[];
}

/** The `namespace/name` of the claims a pod's volumes use (generic ephemeral ones included); undefined for none. */
function podClaimKeys(pod: Pod): readonly string[] | undefined {
  const volumes = pod.spec?.volumes;
  if (!volumes) return undefined;
  let out: string[] | undefined;
  const ns = pod.metadata?.namespace ?? 'default';
  for (const v of volumes) {
    if (v.persistentVolumeClaim) (out ??= []).push(`${ns}/${v.persistentVolumeClaim.claimName}`);
    else if (v.ephemeral) (out ??= []).push(`${ns}/${pod.metadata?.name}-${v.name}`);
  }
  return out;
}

/** Builds the {@link PodResourceRecord} of a pod. */
export function podResourceRecord(pod: Pod): PodResourceRecord {
  const s = accumulateRequests(pod);
  const rec: PodResourceRecord = {
    key: keyDefaultingNamespace(pod),
    requests: { milliCpu: s[0]!, memory: s[1]!, ephemeralStorage: s[2]!, pods: 1 },
    nonZero: { milliCpu: s[3]!, memory: s[4]! },
    priority: podPriority(pod),
  };
  const hostPorts = podHostPorts(pod);
  const pvcs = podClaimKeys(pod);
  if (!hostPorts && !pvcs) return rec;
  return { ...rec, ...(hostPorts ? { hostPorts } : {}), ...(pvcs ? { pvcs } : {}) };
}

const NO_TAINTS: readonly Taint[] = Object.freeze([]);
const NO_LABELS: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The scheduler's view of one node (`framework.NodeInfo`): the node object, its allocatable
 * resources, the sum of the requests of the pods on it (assumed ones included) and their keys.
 * The cache updates it in place, one pod at a time.
 */
export class NodeInfo {
  /** The node's name. */
  readonly name: string;
  /** The node object; `undefined` while pods still reference a node the cache no longer has. */
  node: Node | undefined = undefined;
  /** `status.allocatable`, parsed. */
  readonly allocatable: Resources = emptyResources();
  /** Sum of the pods' requests; `requested.pods` is the number of pods. */
  readonly requested: Resources = emptyResources();
  /** Sum of the pods' cpu and memory with the scoring defaults for containers without requests. */
  readonly nonZeroRequested: NonZeroResources = { milliCpu: 0, memory: 0 };
  /** The {@link keyDefaultingNamespace}s of the pods on the node. */
  readonly pods: Set<string> = new Set();
  /** `spec.taints` of the node (empty when none), read once per node update. */
  taints: readonly Taint[] = NO_TAINTS;
  /** `spec.unschedulable` of the node. */
  unschedulable = false;
  /** `metadata.labels` of the node (empty when none). */
  labels: Readonly<Record<string, string>> = NO_LABELS;
  /** `status.images` by name → size in bytes (ImageLocality); undefined when the node reports none. */
  imageSizes: ReadonlyMap<string, number> | undefined = undefined;
  /** Bumped whenever a pod comes, goes or changes on the node (memoized per-node counts compare it). */
  generation = 0;
  /** The host ports in use on the node, by pod key; undefined while no pod uses one. */
  usedPorts: Map<string, readonly HostPort[]> | undefined = undefined;
  /** How many of the node's pods use each claim (`PVCRefCounts`, `namespace/name`); undefined while none does. */
  pvcRefCounts: Map<string, number> | undefined = undefined;

  /** An empty NodeInfo; pass the node to fill in its allocatable resources. */
  constructor(name: string, node?: Node) {
    this.name = name;
    if (node) this.setNode(node);
  }

  /** Number of pods on the node. */
  get podCount(): number {
    return this.pods.size;
  }

  /** Replaces the node object and re-reads its allocatable resources. */
  setNode(node: Node | undefined): void {
    this.node = node;
    const taints = node?.spec?.taints;
    this.taints = taints && taints.length > 0 ? taints : NO_TAINTS;
    this.unschedulable = node?.spec?.unschedulable === true;
    this.labels = (node?.metadata?.labels) ?? NO_LABELS;
    const images = node?.status?.images;
    let sizes: Map<string, number> | undefined;
    if (images && images.length > 0) {
      sizes = new Map();
      for (const img of images) for (const n of img.names ?? []) sizes.set(n, img.sizeBytes ?? 0);
    }
    this.imageSizes = sizes;
    const a = node ? nodeAllocatable(node) : emptyResources();
    this.allocatable.milliCpu = a.milliCpu;
    this.allocatable.memory = a.memory;
    this.allocatable.ephemeralStorage = a.ephemeralStorage;
    this.allocatable.pods = a.pods;
  }

  /** Counts a pod on this node. No-op when its key is already here. */
  addPod(rec: PodResourceRecord): void {
    if (this.pods.has(rec.key)) return;
    this.pods.add(rec.key);
    this.generation++;
    if (rec.hostPorts) (this.usedPorts ??= new Map()).set(rec.key, rec.hostPorts);
    if (rec.pvcs) {
      const counts = (this.pvcRefCounts ??= new Map());
      for (const k of rec.pvcs) counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    this.requested.milliCpu += rec.requests.milliCpu;
    this.requested.memory += rec.requests.memory;
    this.requested.ephemeralStorage += rec.requests.ephemeralStorage;
    this.requested.pods += 1;
    this.nonZeroRequested.milliCpu += rec.nonZero.milliCpu;
    this.nonZeroRequested.memory += rec.nonZero.memory;
  }

  /** Stops counting a pod on this node. No-op when its key is not here. */
  removePod(rec: PodResourceRecord): void {
    if (!this.pods.delete(rec.key)) return;
    this.generation++;
    if (this.usedPorts?.delete(rec.key) && this.usedPorts.size === 0) this.usedPorts = undefined;
    if (rec.pvcs && this.pvcRefCounts) {
      for (const k of rec.pvcs) {
        const n = (this.pvcRefCounts.get(k) ?? 0) - 1;
        if (n > 0) this.pvcRefCounts.set(k, n);
        else this.pvcRefCounts.delete(k);
      }
      if (this.pvcRefCounts.size === 0) this.pvcRefCounts = undefined;
    }
    this.requested.milliCpu -= rec.requests.milliCpu;
    this.requested.memory -= rec.requests.memory;
    this.requested.ephemeralStorage -= rec.requests.ephemeralStorage;
    this.requested.pods -= 1;
    this.nonZeroRequested.milliCpu -= rec.nonZero.milliCpu;
    this.nonZeroRequested.memory -= rec.nonZero.memory;
  }

  /** An independent copy (the preemption dry run removes pods from a copy). */
  clone(): NodeInfo {
    const c = new NodeInfo(this.name);
    c.node = this.node;
    c.taints = this.taints;
    c.unschedulable = this.unschedulable;
    c.labels = this.labels;
    c.generation = this.generation;
    c.imageSizes = this.imageSizes;
    if (this.usedPorts) c.usedPorts = new Map(this.usedPorts);
    if (this.pvcRefCounts) c.pvcRefCounts = new Map(this.pvcRefCounts);
    Object.assign(c.allocatable, this.allocatable);
    Object.assign(c.requested, this.requested);
    Object.assign(c.nonZeroRequested, this.nonZeroRequested);
    for (const k of this.pods) c.pods.add(k);
    return c;
  }
}
