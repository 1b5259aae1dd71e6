/**
 * The scheduling cycle alone at 5,000 nodes (`npm run bench -- --only scheduler`): kube-scheduler's
 * `schedulePod` (filtering and scoring, `machines/scheduler/schedule-one.ts`) over a cache of
 * 5,000 nodes in three zones holding 30 pods each, without the rest of the cluster. It compares
 * the default profile with a profile of the older plugins only (NodeUnschedulable, NodeName,
 * TaintToleration, NodeAffinity, NodeResourcesFit), and shows what the precomputation in
 * PreFilter / PreScore buys for pods with topology spread constraints and pod anti-affinity: the
 * one pass over the cluster's pods each of those plugins makes per cycle, timed alone, against
 * what the cycle would cost if every evaluated node redid it.
 */
import { performance } from 'node:perf_hooks';
import type { Node, Pod } from '../api/types.js';
import { Rng } from '../kernel/rng.js';
import { SchedulerCache } from '../../machines/scheduler/cache.js';
import { createCycleState } from '../../machines/scheduler/framework.js';
import { createProfile, defaultProfile, type SchedulerProfile } from '../../machines/scheduler/registry.js';
import { schedulePod } from '../../machines/scheduler/schedule-one.js';
import { NodeAffinity } from '../../machines/scheduler/plugins/node-affinity.js';
import { NodeName } from '../../machines/scheduler/plugins/node-name.js';
import { NodeResourcesFit } from '../../machines/scheduler/plugins/node-resources-fit.js';
import { NodeUnschedulable } from '../../machines/scheduler/plugins/node-unschedulable.js';
import { TaintToleration } from '../../machines/scheduler/plugins/taint-toleration.js';
import { PodTopologySpread } from '../../machines/scheduler/plugins/pod-topology-spread.js';
import { InterPodAffinity } from '../../machines/scheduler/plugins/inter-pod-affinity.js';

/** Options of {@link benchScheduler}. */
export interface SchedulerBenchOptions {
  /** Nodes in the cache. Default 5,000. */
  readonly nodes?: number;
  /** Pods already bound per node. Default 30. */
  readonly podsPerNode?: number;
  /** Pods scheduled per measured batch, and batches (after one warm-up batch). Default 200 × 5 for plain pods; constrained pods: an eighth of the batch, at most 3 batches. */
  readonly batch?: number;
  readonly batches?: number;
}

/** One workload under one profile. */
export interface SchedulerBenchRun {
  readonly workload: 'plain' | 'spread+anti-affinity';
  readonly profile: 'default' | 'older plugins';
  /** Median over batches of the wall time of one `schedulePod` (with `cache.assume`), µs. */
  readonly medianUs: number;
  /** The same as pods per second. */
  readonly podsPerSecond: number;
  /** Nodes the filters ran on per pod (the adaptive percentageOfNodesToScore: 500 at 5,000 nodes). */
  readonly evaluatedNodes: number;
}

/** What PreFilter / PreScore precompute for a constrained pod, timed alone (µs per cycle). */
export interface PrecomputationCost {
  readonly plugin: string;
  /** PreFilter: one pass over every node's pods (matching pods per topology domain / per term). */
  readonly preFilterUs: number;
  /** PreScore over the evaluated nodes. */
  readonly preScoreUs: number;
}

/** Result of {@link benchScheduler}. */
export interface SchedulerBenchResult {
  readonly nodes: number;
  readonly podsPerNode: number;
  readonly runs: readonly SchedulerBenchRun[];
  readonly precomputation: readonly PrecomputationCost[];
  /** Peak heap after building the cache and running, MiB. */
  readonly heapMiB: number;
  readonly wallMs: number;
}

const ZONE = 'topology.kubernetes.io/zone';
const HOSTNAME = 'kubernetes.io/hostname';
const APPS = 50;
/** The nodes PreScore gets in {@link precomputation} (the feasible nodes of a cycle at 5,000 nodes). */
const SCORED_NODES = 500;

/** kube-scheduler's filters and scores before the plugins of issue 19 (resources, node selection, taints). */
const OLDER_PLUGINS: SchedulerProfile = createProfile({
  filters: [NodeUnschedulable, NodeName, TaintToleration, NodeAffinity, NodeResourcesFit],
  scores: [
    { plugin: TaintToleration, weight: 3 },
    { plugin: NodeAffinity, weight: 2 },
    { plugin: NodeResourcesFit, weight: 1 },
  ],
});

function node(i: number): Node {
  const name = `node-${i}`;
  const allocatable = { cpu: '64', memory: '256Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { [HOSTNAME]: name, [ZONE]: `zone-${i % 3}` } },
    spec: {},
    status: { allocatable, capacity: allocatable },
  };
}

function pod(name: string, cpu: string, memory: string, extra: { nodeName?: string; app?: string; constrained?: boolean } = {}): Pod {
  const app = extra.app;
  const selector = app ? { matchLabels: { app } } : undefined;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: name, ...(app ? { labels: { app } } : {}) },
    spec: {
      containers: [{ name: 'c', image: 'busybox', resources: { requests: { cpu, memory } } }],
      nodeName: extra.nodeName,
      ...(extra.constrained && selector
        ? {
            topologySpreadConstraints: [
              { maxSkew: 1, topologyKey: ZONE, whenUnsatisfiable: 'DoNotSchedule', labelSelector: selector },
              { maxSkew: 1, topologyKey: HOSTNAME, whenUnsatisfiable: 'ScheduleAnyway', labelSelector: selector },
            ],
            affinity: {
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: HOSTNAME, labelSelector: selector } }],
              },
            },
          }
        : {}),
    },
    status: { phase: extra.nodeName ? 'Running' : 'Pending' },
  };
}

function buildCache(nodes: number, podsPerNode: number): SchedulerCache {
  const cache = new SchedulerCache();
  for (let i = 0; i < nodes; i++) cache.addNode(node(i));
  for (let i = 0; i < nodes * podsPerNode; i++) {
    cache.addPod(pod(`run-${i}`, `${100 + (i % 7) * 50}m`, `${128 + (i % 5) * 64}Mi`, { nodeName: `node-${i % nodes}`, app: `app-${i % APPS}` }));
  }
  return cache;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)]!;
}

function measure(
  cache: SchedulerCache,
  profile: SchedulerProfile,
  make: (i: number) => Pod,
  batch: number,
  batches: number,
): { medianUs: number; evaluatedNodes: number } {
  const rng = new Rng(99);
  let startIndex = 0;
  let evaluated = 0;
  const perBatch: number[] = [];
  const warm = batch;
  for (let b = -1; b < batches; b++) {
    const t0 = performance.now();
    for (let k = 0; k < (b < 0 ? warm : batch); k++) {
      const p = make(b * batch + k);
      const r = schedulePod(p, cache, profile, { rng, startIndex });
      if (!r.ok) throw new Error(`bench pod ${p.metadata!.name} did not fit: ${r.message}`);
      startIndex = r.nextStartIndex;
      if (b >= 0) evaluated += r.evaluatedNodes;
      cache.assume(p, r.node);
    }
    if (b >= 0) perBatch.push(((performance.now() - t0) / batch) * 1000);
  }
  return { medianUs: median(perBatch), evaluatedNodes: Math.round(evaluated / (batch * batches)) };
}

/** PreFilter and PreScore of the two plugins that precompute over the whole cluster, timed alone. */
function precomputation(cache: SchedulerCache, make: (i: number) => Pod, samples: number): PrecomputationCost[] {
  const out: PrecomputationCost[] = [];
  const nodes = cache.nodeList();
  const evaluated = nodes.slice(0, SCORED_NODES);
  for (const plugin of [PodTopologySpread, InterPodAffinity]) {
    let pre = 0;
    let score = 0;
    for (let i = 0; i < samples; i++) {
      const p = make(1_000_000 + i);
      const state = createCycleState(p, cache.snapshot());
      const t0 = performance.now();
      plugin.preFilter?.(p, state);
      const t1 = performance.now();
      plugin.preScore?.(p, state, evaluated);
      const t2 = performance.now();
      pre += t1 - t0;
      score += t2 - t1;
    }
    out.push({ plugin: plugin.name, preFilterUs: (pre / samples) * 1000, preScoreUs: (score / samples) * 1000 });
  }
  return out;
}

/** Runs the scheduler benchmark. */
export function benchScheduler(options: SchedulerBenchOptions = {}): SchedulerBenchResult {
  const t0 = performance.now();
  const nodes = options.nodes ?? 5_000;
  const podsPerNode = options.podsPerNode ?? 30;
  const batch = options.batch ?? 200;
  const batches = options.batches ?? 5;
  const runs: SchedulerBenchRun[] = [];
  let heap = 0;
  const plain = (i: number) => pod(`plain-${i}`, '200m', '256Mi');
  const constrained = (i: number) => pod(`spread-${i}`, '200m', '256Mi', { app: `new-${i % 10}`, constrained: true });
  // constrained pods cost a pass over every pod of the cluster per cycle: fewer of them, to stay within two minutes
  for (const [workload, make, size, count] of [
    ['plain', plain, batch, batches],
    ['spread+anti-affinity', constrained, Math.max(1, Math.floor(batch / 8)), Math.min(batches, 3)],
  ] as const) {
    for (const [name, profile] of [
      ['older plugins', OLDER_PLUGINS],
      ['default', defaultProfile],
    ] as const) {
      // a fresh cache per run: each run assumes its pods
      const cache = buildCache(nodes, podsPerNode);
      const r = measure(cache, profile, make, size, count);
      heap = Math.max(heap, process.memoryUsage().heapUsed);
      runs.push({ workload, profile: name, medianUs: r.medianUs, podsPerSecond: 1e6 / r.medianUs, evaluatedNodes: r.evaluatedNodes });
    }
  }
  const cache = buildCache(nodes, podsPerNode);
  const pre = precomputation(cache, constrained, 20);
  heap = Math.max(heap, process.memoryUsage().heapUsed);
  return { nodes, podsPerNode, runs, precomputation: pre, heapMiB: heap / 2 ** 20, wallMs: performance.now() - t0 };
}

/** The benchmark's figures as text. */
export function formatSchedulerBench(r: SchedulerBenchResult): string {
  const lines = [`scheduler: one scheduling cycle (schedulePod + cache.assume) at ${r.nodes.toLocaleString('en-US')} nodes × ${r.podsPerNode} pods`];
  for (const run of r.runs) {
    lines.push(
      `  ${run.workload.padEnd(21)} ${run.profile.padEnd(14)} ${run.medianUs.toFixed(1).padStart(8)} µs per pod  ${Math.round(run.podsPerSecond).toLocaleString('en-US').padStart(7)} pods/s  (${run.evaluatedNodes} nodes evaluated)`,
    );
  }
  const constrained = r.runs.find((x) => x.workload === 'spread+anti-affinity' && x.profile === 'default');
  for (const p of r.precomputation) {
    // without the precomputation: PreFilter's pass in every evaluated node's Filter, PreScore's in every scored node's Score
    const filterMs = constrained ? (p.preFilterUs * constrained.evaluatedNodes) / 1000 : 0;
    const scoreMs = (p.preScoreUs * SCORED_NODES) / 1000;
    lines.push(
      `  precomputation ${p.plugin.padEnd(18)} PreFilter ${p.preFilterUs.toFixed(0)} µs, PreScore ${p.preScoreUs.toFixed(0)} µs per cycle ` +
        `(redone per node: ~${filterMs.toFixed(0)} ms in Filter, ~${scoreMs.toFixed(0)} ms in Score per pod)`,
    );
  }
  lines.push(`  peak heap ${r.heapMiB.toFixed(0)} MiB; wall time ${(r.wallMs / 1000).toFixed(1)} s`);
  return lines.join('\n');
}
