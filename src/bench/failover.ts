/**
 * Failover benchmark of the highly available control plane (3 control-plane nodes): how long, in
 * virtual time, from a kill to the first successful write and to the next scheduled pod, over
 * many seeds (median and worst), beside Kubernetes' defaults.
 *
 * Two kills:
 * - `etcd-leader`: the etcd leader's process dies (`etcd.fail`; the rest of its node stays up):
 *   the members elect a new leader after an election timeout; the API server on that node
 *   stops passing its readiness probes; a scheduler or controller manager on that node cannot
 *   renew its Lease through its local API server and steps down after the renew deadline;
 * - `leading-node`: the control-plane node whose scheduler holds the `kube-scheduler` Lease
 *   crashes (etcd member, API server, scheduler and controller manager together): a new
 *   scheduler takes over once the Lease has expired.
 *
 * A client writes a ConfigMap every 100 ms from the kill on (each try waits at most 1 s), and a
 * pod is created right after the kill (again until the create succeeds); the figures are the
 * virtual time from the kill to the first acknowledged write, and to the pod's binding.
 *
 * Run alone: `npx tsx src/bench/failover.ts [seeds] [workers]`.
 */
import { pathToFileURL } from 'node:url';
import type { AnyActorRef } from 'xstate';
import type { Pod } from '../api/types.js';
import { createCluster, type Cluster } from '../cluster/create-cluster.js';
import { Port } from '../kernel/port.js';
import { FAULTS, KUBECTL } from '../../machines/protocol.js';
import { kubectlMachine } from '../../machines/kubectl.js';
import { startComponent } from '../kernel/components.js';
import type { ApiResponse } from '../../machines/protocol.js';
import { controlPlaneConverged } from '../ha/scenario.js';

/** What is killed. */
export type FailoverKill = 'etcd-leader' | 'leading-node';

/** Options of the benchmark. */
export interface FailoverBenchOptions {
  /** Seeds 1..N. Default 20. */
  seeds?: number;
  /** Which kills to measure. Default both. */
  kills?: readonly FailoverKill[];
  /** Worker nodes. Default 2. */
  workers?: number;
  /** Give up on one measurement after this much virtual time. Default 120 s. */
  timeoutMs?: number;
}

/** One measurement. */
export interface FailoverSample {
  seed: number;
  kill: FailoverKill;
  /** What was killed (`etcd/control-plane-2`, `node/control-plane-1`). */
  target: string;
  /** Virtual ms from the kill to the first acknowledged write (undefined: none within the timeout). */
  firstWriteMs?: number;
  /** Virtual ms from the kill to the next pod's binding. */
  scheduledMs?: number;
}

/** Median and worst of one figure. */
export interface FailoverFigure {
  median: number;
  worst: number;
  /** Samples without a value (timed out). */
  missing: number;
}

/** The benchmark's result. */
export interface FailoverBenchResult {
  samples: FailoverSample[];
  summary: Record<FailoverKill, { firstWrite: FailoverFigure; scheduled: FailoverFigure } | undefined>;
  wallMs: number;
}

/** Kubernetes' and etcd's defaults the figures depend on. */
export const KUBERNETES_DEFAULTS = {
  leaseDurationMs: 15_000,
  renewDeadlineMs: 10_000,
  retryPeriodMs: 2_000,
  etcdElectionTimeoutMs: 1_000,
  etcdHeartbeatMs: 100,
} as const;

function figure(values: (number | undefined)[]): FailoverFigure {
  const present = values.filter((v): v is number => v !== undefined).sort((a, b) => a - b);
  const median = present.length === 0 ? NaN : present.length % 2 === 1 ? present[(present.length - 1) >> 1]! : (present[present.length / 2 - 1]! + present[present.length / 2]!) / 2;
  return { median, worst: present.length === 0 ? NaN : present[present.length - 1]!, missing: values.length - present.length };
}

function ready(seed: number, workers: number): Cluster {
  const cluster = createCluster({ seed, nodes: workers, controlPlane: { nodes: 3 }, trace: { enabled: false } });
  cluster.runUntil(() => controlPlaneConverged(cluster), { timeout: 60_000 });
  // a first pod runs, so that every component is warm
  cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'warm-up' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } as Pod);
  cluster.runUntil(() => (cluster.object<Pod>('pods', 'warm-up')?.status?.phase as string | undefined) === 'Running', { timeout: 60_000 });
  cluster.advance(5_000);
  return cluster;
}

/** Measures one kill on one seed. */
export function measureFailover(seed: number, kill: FailoverKill, options: { workers?: number; timeoutMs?: number } = {}): FailoverSample {
  const cluster = ready(seed, options.workers ?? 2);
  const cp = cluster.controlPlane!;
  const kernel = cluster.kernel;
  let target: string;
  if (kill === 'etcd-leader') {
    target = cp.etcdLeader() ?? cp.members[0]!;
    kernel.inject(FAULTS, target, { type: 'etcd.fail' });
  } else {
    const holder = cp.status().leases.find((l) => l.name === 'kube-scheduler')?.holderNode ?? cp.nodes[0]!;
    target = `node/${holder}`;
    cluster.faults.crashNode(holder);
  }
  const killedAt = cluster.now();
  const sample: FailoverSample = { seed, kill, target };
  // the writer: a ConfigMap update every 100 ms, each waiting at most 1 s
  const writer: AnyActorRef = startComponent(kernel, cluster.actor(KUBECTL)!, kubectlMachine, {
    address: 'kubectl/failover-writer',
    host: KUBECTL,
    input: { port: new Port(kernel, 'kubectl/failover-writer'), token: cluster.users.admin.token, timeoutMs: 1_000 },
  });
  let n = 0;
  const write = (): void => {
    if (sample.firstWriteMs !== undefined) return;
    const body = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `failover-${++n}` }, data: { n: String(n) } };
    writer.send({
      type: 'kubectl.request',
      spec: { verb: 'create', resource: 'configmaps', namespace: 'default', body },
      onResponse: (res: ApiResponse) => {
        if (res.code === 201 && sample.firstWriteMs === undefined) sample.firstWriteMs = cluster.now() - killedAt;
      },
    });
    kernel.setTimer(write, 100);
  };
  write();
  // the next pod: created until the create succeeds
  const pod = { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'after-failover' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } as Pod;
  let created = false;
  const create = (): void => {
    if (created) return;
    writer.send({
      type: 'kubectl.request',
      spec: { verb: 'create', resource: 'pods', namespace: 'default', body: pod },
      onResponse: (res: ApiResponse) => {
        if (res.code === 201 || res.code === 409) created = true;
      },
    });
    kernel.setTimer(create, 500);
  };
  create();
  const bound = (): boolean => {
    for (const m of cp.members) {
      if (m === target) continue;
      const kv = cp.disks.get(m)!.state.get('/registry/pods/default/after-failover');
      if ((kv?.value as Pod | undefined)?.spec?.nodeName) return true;
    }
    return false;
  };
  cluster.runUntil(
    () => {
      if (sample.scheduledMs === undefined && bound()) sample.scheduledMs = cluster.now() - killedAt;
      return sample.scheduledMs !== undefined && sample.firstWriteMs !== undefined;
    },
    { timeout: options.timeoutMs ?? 120_000 },
  );
  cluster.stop();
  return sample;
}

/** Runs the benchmark. */
export function benchFailover(options: FailoverBenchOptions = {}): FailoverBenchResult {
  const started = performance.now();
  const kills = options.kills ?? ['etcd-leader', 'leading-node'];
  const samples: FailoverSample[] = [];
  for (const kill of kills) {
    for (let seed = 1; seed <= (options.seeds ?? 20); seed++) samples.push(measureFailover(seed, kill, options));
  }
  const summary = {} as FailoverBenchResult['summary'];
  for (const kill of ['etcd-leader', 'leading-node'] as const) {
    const of = samples.filter((s) => s.kill === kill);
    summary[kill] = of.length === 0 ? undefined : { firstWrite: figure(of.map((s) => s.firstWriteMs)), scheduled: figure(of.map((s) => s.scheduledMs)) };
  }
  return { samples, summary, wallMs: performance.now() - started };
}

const s = (ms: number): string => (Number.isNaN(ms) ? '—' : `${(ms / 1000).toFixed(2)} s`);

/** The result as a table, with Kubernetes' defaults. */
export function formatFailover(result: FailoverBenchResult): string {
  const seeds = new Set(result.samples.map((x) => x.seed)).size;
  const lines = [
    `Failover of a 3-node control plane, virtual time over ${seeds} seeds (wall ${Math.round(result.wallMs)} ms)`,
    '',
    '| kill | first write: median | worst | next pod bound: median | worst |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const kill of ['etcd-leader', 'leading-node'] as const) {
    const f = result.summary[kill];
    if (!f) continue;
    const miss = (x: FailoverFigure) => (x.missing > 0 ? ` (${x.missing} timed out)` : '');
    lines.push(`| ${kill} | ${s(f.firstWrite.median)} | ${s(f.firstWrite.worst)}${miss(f.firstWrite)} | ${s(f.scheduled.median)} | ${s(f.scheduled.worst)}${miss(f.scheduled)} |`);
  }
  const d = KUBERNETES_DEFAULTS;
  lines.push(
    '',
    `Defaults: Lease duration ${d.leaseDurationMs / 1000} s, renew deadline ${d.renewDeadlineMs / 1000} s, retry period ${d.retryPeriodMs / 1000} s; ` +
      `etcd election timeout ${d.etcdElectionTimeoutMs / 1000} s (drawn in [1 s, 2 s)), heartbeat ${d.etcdHeartbeatMs} ms; balancer probes every 1 s, out after 2 failures.`,
  );
  return lines.join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatFailover(benchFailover({ seeds: Number(process.argv[2] ?? 20), workers: Number(process.argv[3] ?? 2) })));
}
