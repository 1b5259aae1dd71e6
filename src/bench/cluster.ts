/**
 * Cluster scale benchmark: N nodes, P pods, every pod through the whole documented create-pod
 * flow (kubectl → api-server → etcd → scheduler → binding → kubelet → pod and container actors →
 * status → etcd), through the kernel's network, with no shortcut. Prints wall time, virtual time,
 * pods Running, pods/s, messages and messages/s, XState transitions, peak heap and RSS, and the
 * engine's cost per delivered message as a ratio to a raw XState transition measured in the same
 * run. Nothing here is asserted: the tests check the result's shape, not its speed.
 */
import { pathToFileURL } from 'node:url';
import { createActor, setup, assign, type InspectionEvent } from 'xstate';
import type { KubeObject, Pod } from '../api/types.js';
import type { MvccStore } from '../../machines/etcd/store.js';
import { createCluster } from '../cluster/create-cluster.js';
import { gcMeter, type GcFigures } from './gc.js';

/** One size of the benchmark. */
export interface ClusterBenchOptions {
  nodes: number;
  pods: number;
  /** Seed of the run. Default 1. */
  seed?: number;
  /**
   * Count XState transitions (snapshots after each processed event) with XState's inspection
   * callback. The inspection costs time, so it runs in a second, identical run of the same seed
   * (the runs are deterministic; the benchmark checks they delivered the same messages), and the
   * timed run has no inspection. Default true.
   */
  countTransitions?: boolean;
  /** Give up after this much virtual time (ms). Default 1 hour. */
  timeoutMs?: number;
  /** Pods created per batch before the simulation runs (kubectl's requests in flight). Default 500. */
  batch?: number;
  /** Called as pods are created and start running (for a progress bar). */
  onProgress?(progress: { created: number; running: number; pods: number }): void;
}

/** The figures of one size. */
export interface ClusterBenchResult {
  nodes: number;
  pods: number;
  running: number;
  wallMs: number;
  virtualMs: number;
  podsPerSec: number;
  messages: number;
  messagesPerSec: number;
  transitions: number;
  peakHeapBytes: number;
  peakRssBytes: number;
  /** Wall µs per delivered message. */
  usPerMessage: number;
  /** Wall µs per raw XState transition, measured in the same run. */
  rawUsPerTransition: number;
  /** usPerMessage / rawUsPerTransition: the engine's overhead per message (target ≤ 2). */
  rawXstateRatio: number;
  /** Wall ms of garbage collection during the timed run (V8's `gc` performance entries). */
  gcMs: number;
  /** Garbage collections during the timed run. */
  gcCount: number;
  /** gcMs / wallMs: the share of the timed run spent collecting garbage. */
  gcShare: number;
  node: string;
}

/** The cost of one raw XState transition: a minimal machine driven by `actor.send`. */
export function rawXstateMicros(transitions: number): number {
  const machine = setup({
    types: { context: {} as { n: number }, events: {} as { type: 'tick' } },
    guards: { even: ({ context }) => context.n % 2 === 0 },
  }).createMachine({
    id: 'raw',
    context: { n: 0 },
    initial: 'a',
    states: {
      a: { on: { tick: [{ guard: 'even', target: 'b', actions: assign({ n: ({ context }) => context.n + 1 }) }, { target: 'b' }] } },
      b: { on: { tick: { target: 'a', actions: assign({ n: ({ context }) => context.n + 1 }) } } },
    },
  });
  const actor = createActor(machine).start();
  for (let i = 0; i < 10_000; i++) actor.send({ type: 'tick' });
  const t0 = performance.now();
  for (let i = 0; i < transitions; i++) actor.send({ type: 'tick' });
  const us = ((performance.now() - t0) * 1000) / transitions;
  actor.stop();
  return us;
}

const PODS = '/registry/pods/default/';

/**
 * Counts the keys under `prefix` written from now on with a value `matches` accepts, reading
 * etcd's history from where the last call stopped (a range when it was compacted meanwhile).
 */
function keyCounter(store: MvccStore, prefix: string, matches: (value: KubeObject) => boolean): () => number {
  const seen = new Set<string>();
  // from the current revision: the boot's history is not read again in the timed run
  let cursor = store.revision;
  return () => {
    if (store.revision === cursor) return seen.size;
    const changes = store.changesSince(cursor + 1, prefix) ?? store.range(prefix).kvs.map((kv) => ({ change: { kind: 'put' as const, kv } }));
    cursor = store.revision;
    for (const { change } of changes) if (change.kind === 'put' && !seen.has(change.kv.key) && matches(change.kv.value)) seen.add(change.kv.key);
    return seen.size;
  };
}

function podManifest(i: number): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `bench-${i}`, namespace: 'default', labels: { app: 'bench' } },
    spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
  };
}

interface SizeRun {
  /** `performance.now()` at the start and end of the timed part. */
  window: [number, number];
  running: number;
  wallMs: number;
  virtualMs: number;
  messages: number;
  transitions: number;
  peakHeap: number;
  peakRss: number;
}

/** Runs one size (asynchronous only to collect V8's garbage-collection entries once the run is over). */
export async function benchCluster(options: ClusterBenchOptions): Promise<ClusterBenchResult> {
  const { nodes, pods } = options;
  // the raw baseline first, on a fresh heap (after the run, the cluster's garbage would slow it)
  const raw = rawXstateMicros(300_000);
  const gc = gcMeter();
  let timed: SizeRun;
  let gcFigures: GcFigures;
  try {
    timed = runSize(options, false);
    gcFigures = await gc.within(...timed.window);
  } finally {
    gc.stop();
  }
  let transitions = 0;
  if (options.countTransitions !== false) {
    const counted = runSize({ ...options, onProgress: undefined }, true);
    if (counted.messages !== timed.messages) {
      throw new Error(`the counting run of seed ${options.seed ?? 1} delivered ${counted.messages} messages, the timed run ${timed.messages}: the simulation is not deterministic`);
    }
    transitions = counted.transitions;
  }
  const { running, wallMs, virtualMs, messages, peakHeap, peakRss } = timed;
  const usPerMessage = (wallMs * 1000) / Math.max(1, messages);
  return {
    nodes,
    pods,
    running,
    wallMs: Math.round(wallMs),
    virtualMs: Math.round(virtualMs),
    podsPerSec: Math.round((running / wallMs) * 1000),
    messages,
    messagesPerSec: Math.round((messages / wallMs) * 1000),
    transitions,
    peakHeapBytes: peakHeap,
    peakRssBytes: peakRss,
    usPerMessage: Number(usPerMessage.toFixed(2)),
    rawUsPerTransition: Number(raw.toFixed(2)),
    rawXstateRatio: Number((usPerMessage / raw).toFixed(2)),
    gcMs: Math.round(gcFigures.gcMs),
    gcCount: gcFigures.gcCount,
    gcShare: Number((gcFigures.gcMs / Math.max(1, wallMs)).toFixed(3)),
    node: process.version,
  };
}

function runSize(options: ClusterBenchOptions, count: boolean): SizeRun {
  const { nodes, pods } = options;
  let transitions = 0;
  let counting = false;
  let peakHeap = 0;
  let peakRss = 0;
  const sample = () => {
    const m = process.memoryUsage();
    if (m.heapUsed > peakHeap) peakHeap = m.heapUsed;
    if (m.rss > peakRss) peakRss = m.rss;
  };
  const cluster = createCluster({
    seed: options.seed ?? 1,
    nodes,
    nodeCapacity: { pods: '110', cpu: '32', memory: '128Gi' },
    events: 'warnings',
    trace: { capacity: 10_000, payloads: false },
    // the API server's pipeline and the scheduler's cycle as one transition each: identical traces, less XState work
    pipelines: 'fused',
    ...(count ? { inspect: (e: InspectionEvent) => void (counting && e.type === '@xstate.snapshot' && transitions++) } : {}),
  });
  cluster.runUntil(() => cluster.count('nodes') === nodes, { timeout: 120_000 });
  counting = true;
  const t0 = performance.now();
  const startVirtual = cluster.now();
  const startMessages = cluster.kernel.stats.delivered;
  // Running pods are counted where the flow ends, in etcd, by reading its history from outside
  // the simulation (as an invariant checker does): a watch of our own would add its messages
  const countRunning = keyCounter(cluster.store, PODS, (pod) => (pod as Pod).status?.phase === 'Running');
  const batch = options.batch ?? 500;
  let created = 0;
  let failed = 0;
  const timeout = options.timeoutMs ?? 3_600_000;
  while (created < pods) {
    const n = Math.min(batch, pods - created);
    let answered = 0;
    for (let i = 0; i < n; i++) {
      cluster.client.submit({ verb: 'create', resource: 'pods', namespace: 'default', body: podManifest(created + i) }, (res) => {
        answered++;
        if (res.code >= 300) failed++;
      });
    }
    created += n;
    cluster.runUntil(() => answered === n, { timeout: 600_000 });
    sample();
    options.onProgress?.({ created, running: countRunning(), pods });
  }
  // wait for the rest, reporting every 1% of the pods
  const step = Math.max(1, Math.floor(pods / 100));
  const deadline = cluster.now() + timeout;
  while (countRunning() + failed < pods) {
    const target = Math.min(pods, countRunning() + failed + step);
    if (!cluster.runUntil(() => countRunning() + failed >= target, { timeout: deadline - cluster.now() })) break;
    options.onProgress?.({ created, running: countRunning(), pods });
  }
  const running = countRunning();
  sample();
  const t1 = performance.now();
  const wallMs = t1 - t0;
  const virtualMs = cluster.now() - startVirtual;
  const messages = cluster.kernel.stats.delivered - startMessages;
  cluster.stop();
  return { window: [t0, t1], running, wallMs, virtualMs, messages, transitions, peakHeap, peakRss };
}

/** Human lines for one result, with reference points beside the figures (references, not assertions). */
export function formatClusterBench(r: ClusterBenchResult): string {
  const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MiB`;
  return [
    `cluster ${r.nodes} nodes / ${r.pods} pods (Node ${r.node})`,
    `  pods Running        ${r.running} of ${r.pods}`,
    `  wall time           ${(r.wallMs / 1000).toFixed(2)} s`,
    `  virtual time        ${(r.virtualMs / 1000).toFixed(2)} s   (the simulated cluster's clock at the last pod Running: the fast profile's latencies, not wall time)`,
    `  pods/s              ${r.podsPerSec}   (references: kube-scheduler ~100 pods/s at 5,000 nodes (scheduler_perf), kwok ~20; project goal ≥ 5,000 at 5,000 nodes / 150,000 pods)`,
    `  messages            ${r.messages}   (${r.messagesPerSec}/s, ${(r.messages / Math.max(1, r.pods)).toFixed(1)} per pod)`,
    `  XState transitions  ${r.transitions || 'not counted (a second run of the same seed counts them; skipped for the largest size)'}`,
    `  peak heap / RSS     ${mb(r.peakHeapBytes)} / ${mb(r.peakRssBytes)}   (reference: project goal heap < 4 GiB at 150,000 pods)`,
    `  garbage collection  ${(r.gcMs / 1000).toFixed(2)} s, ${(r.gcShare * 100).toFixed(1)}% of the wall time (${r.gcCount} collections)`,
    `  per message         ${r.usPerMessage} µs; raw XState transition ${r.rawUsPerTransition} µs; ratio ${r.rawXstateRatio} (reference: project goal ≤ 2)`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const nodes = Number(process.argv[2] ?? 100);
  const pods = Number(process.argv[3] ?? nodes * 30);
  void benchCluster({ nodes, pods }).then((r) => console.log(formatClusterBench(r)));
}
