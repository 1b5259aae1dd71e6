/**
 * The resource metrics API (`metrics.k8s.io/v1beta1`) as metrics-server serves it: a PodMetrics
 * per pod with running containers and a NodeMetrics per Ready node, sampled on metrics-server's
 * 15 s scrape grid from the usage model (src/metrics/usage.ts). The simulation has no aggregation
 * layer: the API server answers these reads itself from its watch cache (machines/api-server),
 * with the same objects, timestamps, windows and NotFound errors metrics-server gives.
 *
 * Pods that are not running (Pending, finished, or whose containers have not started by the last
 * scrape) have no metrics, as with metrics-server, which only reports containers the kubelet has
 * sampled. A node's usage is the sum of its pods' usage plus the profile's node overhead.
 */
import type { KubeObject } from '../api/types.js';
import { milliCpu, quantityValue } from '../api/quantity.js';
import type { Rng } from '../kernel/rng.js';
import { SCRAPE_INTERVAL_MS, sampleUsage, servedCpu, usageSpecOf, type ContainerUsage, type UsageProfile } from './usage.js';
import type { ClientFlows } from '../cluster/traffic.js';
import { objectKey } from '../api/object-key.js';

/** The metrics API's group version. */
export const METRICS_API_VERSION = 'metrics.k8s.io/v1beta1';

/** What the metrics are computed from. */
export interface MetricsSource {
  /** The usage model (the profile's `usage` section). */
  usage: UsageProfile;
  /** The kernel's metrics generator (`kernel.fork('metrics')`). */
  rng: Rng;
  /** Virtual time now, ms. */
  now: number;
  /** A Kubernetes timestamp of virtual time `ms`. */
  timestampAt(ms: number): string;
  /** The virtual time (ms) of a Kubernetes timestamp (NaN when it does not parse). */
  timeOf(timestamp: string): number;
  /** The steady request flows of the cluster's client loops (the CPU their requests cost the servers); default none. */
  flows?: () => readonly ClientFlows[];
}

/** One container's usage in a PodMetrics. */
export interface ContainerMetrics {
  name: string;
  usage: { cpu: string; memory: string };
}

/** A `metrics.k8s.io/v1beta1` PodMetrics. */
export interface PodMetrics extends KubeObject {
  timestamp: string;
  window: string;
  containers: ContainerMetrics[];
}

/** A `metrics.k8s.io/v1beta1` NodeMetrics. */
export interface NodeMetrics extends KubeObject {
  timestamp: string;
  window: string;
  usage: { cpu: string; memory: string };
}

/** The time of the last scrape at or before `now` (the grid of metrics-server's resolution). */
function lastScrape(now: number): number {
  return Math.floor(now / SCRAPE_INTERVAL_MS) * SCRAPE_INTERVAL_MS;
}

/** CPU as metrics-server prints it (nanocores). */
function cpuQuantity(nanos: number): string {
  return `${nanos}n`;
}

/** Memory as metrics-server prints it (KiB, rounded down). */
function memoryQuantity(bytes: number): string {
  return `${Math.floor(bytes / 1024)}Ki`;
}

/** The names of a pod's containers that were running at time `at`. */
function runningContainers(pod: KubeObject, at: number, source: MetricsSource): string[] {
  const status = (pod as { status?: { phase?: string; containerStatuses?: { name: string; state?: { running?: { startedAt?: string } } }[] } }).status;
  if (status?.phase !== 'Running') return [];
  const out: string[] = [];
  for (const cs of status.containerStatuses ?? []) {
    const started = cs.state?.running?.startedAt;
    if (started === undefined) continue;
    if (!(source.timeOf(started) <= at)) continue;
    out.push(cs.name);
  }
  return out;
}

function controllerUid(pod: KubeObject): string | undefined {
  return pod.metadata?.ownerReferences?.find((r) => r.controller === true)?.uid;
}

/**
 * Usage of every pod with metrics, by `namespace/name`: the containers running at the last scrape
 * and their samples. `pods` must be every pod (a shared load is split among all the running pods
 * of a workload, whatever the request selects).
 */
export class MetricsSnapshot {
  /** The scrape time, ms. */
  readonly at: number;
  private readonly running = new Map<string, { pod: KubeObject; containers: string[] }>();
  private readonly sharers = new Map<string, number>();
  private readonly samples = new Map<string, { pod: KubeObject; usage: Map<string, ContainerUsage> }>();
  /** CPU of the requests each server container served over the scrape's window, by `uid/container` (computed once). */
  private served: Map<string, number> | undefined;

  constructor(
    private readonly source: MetricsSource,
    pods: readonly KubeObject[],
  ) {
    this.at = lastScrape(source.now);
    for (const pod of pods) {
      const containers = runningContainers(pod, this.at, source);
      if (containers.length === 0) continue;
      this.running.set(objectKey(pod), { pod, containers });
      const owner = controllerUid(pod);
      if (owner) this.sharers.set(owner, (this.sharers.get(owner) ?? 0) + 1);
    }
  }

  /**
   * The CPU of the requests each container served over the window that ends at the scrape (the
   * flows of the client containers running then), by `uid/container`.
   */
  private servedCores(): Map<string, number> {
    if (this.served) return this.served;
    const clients = this.source.flows?.() ?? [];
    if (clients.length === 0) return (this.served = new Map());
    const running = new Set<string>();
    for (const { pod, containers } of this.running.values()) for (const c of containers) running.add(`${pod.metadata?.uid}/${c}`);
    this.served = servedCpu(clients, { fromMs: this.at - SCRAPE_INTERVAL_MS, toMs: this.at }, (uid, container) => running.has(`${uid}/${container}`));
    return this.served;
  }

  /** The usage samples of one pod (undefined: no metrics). */
  usageOf(key: string): { pod: KubeObject; usage: Map<string, ContainerUsage> } | undefined {
    const cached = this.samples.get(key);
    if (cached) return cached;
    const entry = this.running.get(key);
    if (!entry) return undefined;
    const { pod, containers } = entry;
    const owner = controllerUid(pod);
    const usage = new Map<string, ContainerUsage>();
    const specs = (pod as { spec?: { containers?: { name: string; resources?: Record<string, unknown> }[] } }).spec?.containers ?? [];
    for (const name of containers) {
      const container = specs.find((c) => c.name === name);
      if (!container) continue;
      usage.set(
        name,
        sampleUsage({
          spec: usageSpecOf(this.source.usage, pod, name),
          container,
          time: this.at,
          rng: this.source.rng,
          uid: pod.metadata?.uid ?? objectKey(pod),
          containerName: name,
          sharers: owner ? this.sharers.get(owner) : 1,
          servedCores: this.servedCores().get(`${pod.metadata?.uid}/${name}`) ?? 0,
        }),
      );
    }
    const out = { pod, usage };
    this.samples.set(key, out);
    return out;
  }

  /** The PodMetrics of a pod (undefined: the pod has no metrics). */
  podMetrics(key: string): PodMetrics | undefined {
    const sampled = this.usageOf(key);
    if (!sampled) return undefined;
    const { pod, usage } = sampled;
    return {
      kind: 'PodMetrics',
      apiVersion: METRICS_API_VERSION,
      metadata: {
        name: pod.metadata?.name,
        namespace: pod.metadata?.namespace,
        creationTimestamp: this.source.timestampAt(this.source.now),
        ...(pod.metadata?.labels ? { labels: { ...pod.metadata.labels } } : {}),
      },
      timestamp: this.source.timestampAt(this.at),
      window: `${SCRAPE_INTERVAL_MS / 1000}s`,
      containers: [...usage].map(([name, u]) => ({ name, usage: { cpu: cpuQuantity(u.cpuNanos), memory: memoryQuantity(u.memoryBytes) } })),
    };
  }

  /** The keys of the pods with metrics, in key order. */
  podKeys(): string[] {
    return [...this.running.keys()].sort();
  }

  /** The NodeMetrics of a node (undefined when the node is not Ready: its kubelet cannot be scraped). */
  nodeMetrics(node: KubeObject): NodeMetrics | undefined {
    const conditions = (node as { status?: { conditions?: { type: string; status: string }[] } }).status?.conditions ?? [];
    if (!conditions.some((c) => c.type === 'Ready' && c.status === 'True')) return undefined;
    const name = node.metadata?.name;
    let cpu = milliCpu(this.source.usage.nodeOverhead.cpu) * 1e6;
    let memory = quantityValue(this.source.usage.nodeOverhead.memory);
    for (const key of this.podKeys()) {
      const { pod } = this.running.get(key)!;
      if ((pod as { spec?: { nodeName?: string } }).spec?.nodeName !== name) continue;
      for (const u of this.usageOf(key)!.usage.values()) {
        cpu += u.cpuNanos;
        memory += u.memoryBytes;
      }
    }
    return {
      kind: 'NodeMetrics',
      apiVersion: METRICS_API_VERSION,
      metadata: {
        name,
        creationTimestamp: this.source.timestampAt(this.source.now),
        ...(node.metadata?.labels ? { labels: { ...node.metadata.labels } } : {}),
      },
      timestamp: this.source.timestampAt(this.at),
      window: `${SCRAPE_INTERVAL_MS / 1000}s`,
      usage: { cpu: cpuQuantity(cpu), memory: memoryQuantity(memory) },
    };
  }
}
