/**
 * Runs a highly available cluster under faults and checks it: a register workload (for
 * linearizability) and a steady trickle of pods (for scheduling and binding) run while
 * control-plane nodes crash and restart, are partitioned off the network or only from their etcd
 * peers, and messages are lost; then every fault heals and the cluster must converge. The
 * properties of `properties.ts` and the linearizability of the workload's history are checked.
 */
import { createCluster, type Cluster, type ClusterOptions } from '../cluster/create-cluster.js';
import type { ControlPlaneOptions } from '../cluster/control-plane.js';
import { nodeAddress } from '../../machines/protocol.js';
import type { Pod } from '../api/types.js';
import { checkLinearizable, pruneRegisterHistory, registerModel, type CheckResult, type RegisterInput, type RegisterOutput } from './linearizability.js';
import { RegisterWorkload, type RegisterWorkloadOptions } from './workload.js';
import {
  HaObserver,
  checkAcknowledgedWrites,
  checkMembersAgree,
  checkOneLeaderPerLeaseTerm,
  checkPodsBoundOnce,
  checkResourceVersions,
  type HaViolation,
} from './properties.js';

/** A fault on the control plane, for a while. */
export type HaFault =
  /** The node crashes; it restarts when the fault ends. */
  | { kind: 'crash'; node: string; at: number; durationMs: number }
  /** The node is cut off the network (from everything). */
  | { kind: 'partition'; node: string; at: number; durationMs: number }
  /** The node is cut from the other control-plane nodes only (etcd's peers); clients still reach it. */
  | { kind: 'peer-partition'; node: string; at: number; durationMs: number }
  /** Messages between hosts are lost with this probability. */
  | { kind: 'loss'; rate: number; at: number; durationMs: number };

/** `node` may name the node of the etcd leader at the time of the fault. */
export const ETCD_LEADER_NODE = '<etcd-leader>';

/** Options of a run. */
export interface HaRunOptions {
  seed: number;
  /** Control-plane nodes. Default 3. */
  controlPlaneNodes?: number;
  /** Worker nodes. Default 2. */
  workers?: number;
  /** Faults (times from the start of the fault phase), or `random`. Default random. */
  faults?: readonly HaFault[] | 'random';
  /** Length of the fault phase (virtual ms). Default 40,000. */
  faultPhaseMs?: number;
  /** Virtual ms allowed to converge after every fault healed. Default 120,000. */
  convergeTimeoutMs?: number;
  /** A pod is created this often (virtual ms); 0 for none. Default 5,000. */
  podIntervalMs?: number;
  workload?: RegisterWorkloadOptions;
  /** Control-plane options (mutants: `raftRules`, `logic`). */
  controlPlane?: ControlPlaneOptions;
  /** More cluster options. */
  cluster?: Omit<ClusterOptions, 'seed' | 'nodes' | 'controlPlane'>;
  /** Leave the cluster running (for inspection); by default it is stopped. */
  keepCluster?: boolean;
}

/** What a run found. */
export interface HaRunResult {
  seed: number;
  violations: HaViolation[];
  faults: HaFault[];
  /** The workload's history and the checker's verdict. */
  operations: number;
  unknown: number;
  linearizability: CheckResult<RegisterInput, RegisterOutput>;
  /** Virtual ms from the heal to convergence (undefined when it did not converge). */
  convergedAfterMs?: number;
  stats: { pods: number; podsRunning: number; ackedWrites: number; reads: number; elections: number; virtualMs: number };
  cluster?: Cluster;
}

/** Random faults for a fault phase: one at a time, a few seconds each. */
function randomFaults(cluster: Cluster, phaseMs: number): HaFault[] {
  const rng = cluster.kernel.fork('ha-faults');
  const nodes = cluster.controlPlane?.nodes ?? [];
  const out: HaFault[] = [];
  let t = 2_000 + rng.int(2_000);
  while (t < phaseMs - 4_000) {
    const durationMs = 3_000 + rng.int(7_000);
    const roll = rng.next();
    const node = rng.next() < 0.5 ? ETCD_LEADER_NODE : rng.pick(nodes);
    if (roll < 0.3) out.push({ kind: 'crash', node, at: t, durationMs });
    else if (roll < 0.55) out.push({ kind: 'partition', node, at: t, durationMs });
    else if (roll < 0.8) out.push({ kind: 'peer-partition', node, at: t, durationMs });
    else out.push({ kind: 'loss', rate: 0.05 + rng.int(10) / 100, at: t, durationMs });
    t += durationMs + 1_000 + rng.int(4_000);
  }
  return out;
}

/** Cuts a control-plane node from the other control-plane nodes (clients and workers still reach it). */
export function partitionPeers(cluster: Cluster, node: string): void {
  const others = (cluster.controlPlane?.nodes ?? []).filter((n) => n !== node);
  cluster.kernel.network.partition([node], others);
}

/** Heals what `partitionPeers` cut. */
export function healPeers(cluster: Cluster, node: string): void {
  for (const other of cluster.controlPlane?.nodes ?? []) if (other !== node) cluster.kernel.network.healLink(node, other);
}

function resolveNode(cluster: Cluster, node: string): string {
  if (node !== ETCD_LEADER_NODE) return node;
  const cp = cluster.controlPlane!;
  const leader = cp.etcdLeader();
  return leader ? cp.nodeOf(leader)! : cp.nodes[0]!;
}

function nodeState(cluster: Cluster, node: string): string | undefined {
  const v = cluster.actor(nodeAddress(node))?.getSnapshot()?.value;
  return typeof v === 'string' ? v : undefined;
}

function applyFault(cluster: Cluster, fault: HaFault, applied: HaFault[]): void {
  if (fault.kind === 'loss') {
    cluster.faults.messageLoss(fault.rate);
    applied.push(fault);
    cluster.kernel.setTimer(() => cluster.faults.messageLoss(0), fault.durationMs);
    return;
  }
  const node = resolveNode(cluster, fault.node);
  if (nodeState(cluster, node) !== 'ready') return;
  applied.push({ ...fault, node });
  if (fault.kind === 'crash') {
    cluster.faults.crashNode(node);
    cluster.kernel.setTimer(() => {
      if (nodeState(cluster, node) === 'down') cluster.faults.restartNode(node);
    }, fault.durationMs);
  } else if (fault.kind === 'partition') {
    cluster.faults.partitionNode(node);
    cluster.kernel.setTimer(() => {
      if (nodeState(cluster, node) === 'partitioned') cluster.faults.healNode(node);
    }, fault.durationMs);
  } else {
    partitionPeers(cluster, node);
    cluster.kernel.setTimer(() => healPeers(cluster, node), fault.durationMs);
  }
}

/** Heals everything: partitions, message loss, crashed control-plane nodes. */
function healEverything(cluster: Cluster): void {
  cluster.faults.healAll();
  for (const node of cluster.controlPlane?.nodes ?? []) if (nodeState(cluster, node) === 'down') cluster.faults.restartNode(node);
}

/**
 * True when the control plane has converged: every control-plane node ready, one etcd leader that
 * every member follows with everything applied, every API server healthy behind the balancer,
 * and each Lease held by the one component acting under it.
 */
export function controlPlaneConverged(cluster: Cluster): boolean {
  const cp = cluster.controlPlane;
  if (!cp) return true;
  const status = cp.status();
  if (status.nodes.some((n) => n.state !== 'ready')) return false;
  const leader = status.etcd.members.find((m) => m.role === 'leader');
  if (!leader || status.etcd.members.filter((m) => m.role === 'leader').length !== 1) return false;
  if (status.etcd.members.some((m) => m.role !== 'leader' && (m.role !== 'follower' || m.leader !== leader.address || m.applied !== leader.applied))) return false;
  if (status.apiServers.some((a) => !a.healthy)) return false;
  for (const lease of status.leases) {
    if (lease.acting.length !== 1 || !lease.holderNode || !lease.acting[0]!.endsWith(`/${lease.holderNode}`)) return false;
  }
  return true;
}

function podSpec(name: string): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } };
}

/** Runs one scenario and checks it. */
export function runHa(options: HaRunOptions): HaRunResult {
  const cluster = createCluster({
    // the properties watch the trace live: nothing needs to be kept unless asked for
    trace: { enabled: false },
    ...(options.cluster ?? {}),
    seed: options.seed,
    nodes: options.workers ?? 2,
    controlPlane: { ...(options.controlPlane ?? {}), nodes: options.controlPlaneNodes ?? 3 },
  });
  const observer = new HaObserver(cluster);
  const cp = cluster.controlPlane!;
  const kernel = cluster.kernel;
  const violations: HaViolation[] = [];
  // let the nodes register and the leases be taken
  cluster.runUntil(() => controlPlaneConverged(cluster), { timeout: 30_000 });
  const workload = new RegisterWorkload(cluster, kernel.fork('ha-workload'), options.workload);
  const phaseMs = options.faultPhaseMs ?? 40_000;
  const faults = options.faults === undefined || options.faults === 'random' ? randomFaults(cluster, phaseMs) : [...options.faults];
  const applied: HaFault[] = [];
  for (const f of faults) kernel.setTimer(() => applyFault(cluster, f, applied), f.at);
  const pods: string[] = [];
  const podEvery = options.podIntervalMs ?? 5_000;
  if (podEvery > 0) {
    const kubectl = cluster.actor('kubectl')!;
    // (creations refused during the faults are retried after the heal)
    for (let t = podEvery, i = 1; t < phaseMs; t += podEvery, i++) {
      const name = `ha-pod-${i}`;
      kernel.setTimer(() => {
        pods.push(name);
        kubectl.send({ type: 'kubectl.request', spec: { verb: 'create', resource: 'pods', namespace: 'default', body: podSpec(name) }, onResponse: () => {} });
      }, t);
    }
  }
  workload.start();
  cluster.advance(phaseMs);
  workload.stop();
  healEverything(cluster);
  const healedAt = cluster.now();
  // in-flight operations end (kubectl gives up after 30 s)
  cluster.runUntil(() => workload.inFlight === 0, { timeout: 40_000 });
  workload.finish();
  // pods whose creation was refused during the faults are created again (every 2 s while missing)
  const kubectl = cluster.actor('kubectl')!;
  let converging = true;
  const recreate = (): void => {
    if (!converging) return;
    for (const name of pods) {
      if (!cluster.object('pods', name)) {
        kubectl.send({ type: 'kubectl.request', spec: { verb: 'create', resource: 'pods', namespace: 'default', body: podSpec(name) }, onResponse: () => {} });
      }
    }
    kernel.setTimer(recreate, 2_000);
  };
  recreate();
  const converged = cluster.runUntil(
    () => controlPlaneConverged(cluster) && pods.every((p) => (cluster.object<Pod>('pods', p)?.status?.phase as string | undefined) === 'Running'),
    { timeout: options.convergeTimeoutMs ?? 120_000 },
  );
  converging = false;
  const convergedAfterMs = converged ? cluster.now() - healedAt : undefined;
  if (!converged) {
    const st = cp.status();
    const notRunning = pods.filter((p) => (cluster.object<Pod>('pods', p)?.status?.phase as string | undefined) !== 'Running');
    violations.push({
      property: 'converges',
      message: `not converged ${options.convergeTimeoutMs ?? 120_000} ms after the faults healed: nodes ${st.nodes.map((n) => `${n.name}=${n.state}`).join(' ')}; etcd ${st.etcd.members.map((m) => `${m.node}:${m.role}@${m.term}/${m.applied}`).join(' ')}; api ${st.apiServers.map((a) => `${a.node}:${a.healthy ? 'up' : 'down'}`).join(' ')}; leases ${st.leases.map((l) => `${l.name}=${l.holderNode}[${l.acting.join(',')}]`).join(' ')}; pods not running: ${notRunning.join(', ') || 'none'}`,
    });
  } else {
    // a write after convergence succeeds
    const res = cluster.client.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'ha-canary' }, data: { ok: 'yes' } } });
    if (res.code !== 201) violations.push({ property: 'converges', message: `a write after convergence was answered ${res.code}` });
    cluster.advance(1_000);
  }
  const stores = new Map([...cp.disks].map(([m, d]) => [m, d.state]));
  violations.push(...checkAcknowledgedWrites(observer, stores));
  violations.push(...checkMembersAgree(stores, converged));
  violations.push(...checkOneLeaderPerLeaseTerm(observer));
  violations.push(...checkPodsBoundOnce(observer));
  violations.push(...checkResourceVersions(cp.store(), [...workload.acks, ...workload.reads]));
  for (const u of workload.unexpected) violations.push({ property: 'linearizable', message: `unexpected answer: ${u}` });
  const linearizability = checkLinearizable(registerModel, pruneRegisterHistory(workload.history), { maxSteps: 2_000_000 });
  if (!linearizability.ok) {
    const lines = (linearizability.counterexample ?? []).slice(0, 40).map((op) => registerModel.describe!(op));
    violations.push({
      property: 'linearizable',
      message: linearizability.inconclusive ? 'the linearizability search gave up (history too large)' : `the register history is not linearizable:\n  ${lines.join('\n  ')}`,
    });
  }
  observer.stop();
  let elections = 0;
  for (const m of cp.members) {
    const ctx = (cp.member(m)?.getSnapshot() as { context?: { raft?: { stats: { becameLeader: number } } } } | undefined)?.context;
    elections += ctx?.raft?.stats.becameLeader ?? 0;
  }
  const result: HaRunResult = {
    seed: options.seed,
    violations,
    faults: applied,
    operations: workload.history.length,
    unknown: workload.history.filter((o) => o.output.result === 'unknown').length,
    linearizability,
    ...(convergedAfterMs !== undefined ? { convergedAfterMs } : {}),
    stats: {
      pods: pods.length,
      podsRunning: pods.filter((p) => (cluster.object<Pod>('pods', p)?.status?.phase as string | undefined) === 'Running').length,
      ackedWrites: observer.acked.length,
      reads: workload.reads.length,
      elections,
      virtualMs: cluster.now(),
    },
  };
  if (options.keepCluster) result.cluster = cluster;
  else cluster.stop();
  return result;
}
