/**
 * The highly available control plane: N control-plane nodes (`control-plane-1` … `control-plane-N`,
 * each its own host), each running an etcd member of one Raft cluster, an API server on its local
 * member, and a scheduler and a controller manager under leader election (Leases
 * `kube-system/kube-scheduler` and `kube-system/kube-controller-manager`); in front of the API
 * servers a load balancer at `api-server`, where every client and kubelet already sends.
 *
 * `createCluster({ controlPlane: { nodes: 3 } })` assembles it; `cluster.controlPlane.status()`
 * shows the nodes, the etcd members with their role, term and commit index, the API servers'
 * health as the balancer sees it, and who holds each Lease.
 */
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import type { Kernel } from '../kernel/kernel.js';
import type { MvccStore } from '../../machines/etcd/store.js';
import type { TokenEntry } from '../../machines/api-server/auth.js';
import type { ApiServerOptions } from '../../machines/api-server/core.js';
import { newDisk, type EtcdMemberContext, type EtcdMemberTimings } from '../../machines/etcd-member.js';
import type { RaftDisk, RaftRole, RaftRules } from '../../machines/etcd-member/raft.js';
import { cloneStore, type EtcdCommand } from '../../machines/etcd-member/service.js';
import { loadBalancerMachine, balancerStatus, type LoadBalancerContext, type ProbeTimings } from '../../machines/load-balancer.js';
import { electorStatus, type LeaderElectionTimings } from '../../machines/leader-elector.js';
import {
  apiServerAddress,
  controlPlaneNodeMachine,
  electorAddress,
  etcdMemberAddress,
  type ElectedSpec,
} from '../../machines/control-plane-node.js';
import { API_SERVER, CONTROLLER_MANAGER, ETCD, SCHEDULER, nodeAddress } from '../../machines/protocol.js';
import { decode } from '../../machines/api-server/watch-cache.js';

/** The host of the load balancer. */
export const LOAD_BALANCER_HOST = 'load-balancer';
/** The Leases of the control plane's elected components. */
export const SCHEDULER_LEASE = 'kube-scheduler';
export const CONTROLLER_MANAGER_LEASE = 'kube-controller-manager';

/** `scheduler/<node>` */
export const schedulerAddress = (node: string): string => `scheduler/${node}`;
/** `controller-manager/<node>` */
export const controllerManagerAddress = (node: string): string => `controller-manager/${node}`;
/** The name of control-plane node `i` (1-based). */
export const controlPlaneNodeName = (i: number): string => `control-plane-${i}`;

/** Options of a highly available control plane (`createCluster({ controlPlane })`). */
export interface ControlPlaneOptions {
  /** Number of control-plane nodes. Default 1 (the single control plane, not this assembly). */
  nodes?: number;
  /** etcd timings (election timeout 1 s, heartbeat 100 ms by default). */
  etcd?: EtcdMemberTimings;
  /** Raft's rules, for mutants (see `src/ha/mutants.ts`). */
  raftRules?: RaftRules;
  /** Leader election timings (lease 15 s, renew deadline 10 s, retry 2 s by default). */
  leaderElection?: LeaderElectionTimings;
  /** The balancer's health checks (every 1 s, out after 2 failures, back after 1 success). */
  loadBalancer?: ProbeTimings;
  /** Replacement logic (mutants). */
  logic?: { etcdMember?: AnyActorLogic; apiServer?: AnyActorLogic; leaderElector?: AnyActorLogic; loadBalancer?: AnyActorLogic };
}

/** What the cluster hands the assembly. */
export interface ControlPlaneHost {
  kernel: Kernel;
  /** Starts a long-lived actor the way the cluster starts its own (clock, inspection, registry). */
  start(address: string, logic: AnyActorLogic, host: string, input: Record<string, unknown>): AnyActorRef;
  /** Tokens of every user the API servers know (the per-node ones are added here). */
  tokens: readonly TokenEntry[];
  /** The bootstrapped store every member starts from. */
  bootStore: MvccStore;
  scheduler: { logic: AnyActorLogic; input: Record<string, unknown> };
  controllerManager: { logic: AnyActorLogic; input: Record<string, unknown> };
  apiServerOptions?: ApiServerOptions;
}

/** One etcd member as `status()` shows it. */
export interface EtcdMemberStatus {
  /** `etcd/control-plane-2` */
  address: string;
  /** `control-plane-2` */
  node: string;
  /** `leader`, `follower`, `candidate`, `unavailable` (the etcd.fail fault), or `down` (its node is). */
  role: RaftRole | 'unavailable' | 'down';
  /** Its current term (kept on its data directory, so also while down). */
  term: number;
  /** The leader it follows, if it knows one. */
  leader?: string;
  commitIndex: number;
  applied: number;
  lastIndex: number;
  /** The revision of its applied store. */
  revision: number;
}

/** Who holds a Lease (`kube-scheduler`, `kube-controller-manager`). */
export interface LeaseStatus {
  name: string;
  /** `control-plane-2_<uuid>`, as the Lease in etcd says. */
  holderIdentity?: string;
  /** The control-plane node of the holder. */
  holderNode?: string;
  renewTime?: string;
  leaseTransitions?: number;
  /** The components running under this Lease right now (their elector leads): `['scheduler/control-plane-2']`. */
  acting: string[];
}

/** The state of the highly available control plane. */
export interface ControlPlaneStatus {
  /** The control-plane nodes and their machine's state (`booting`, `ready`, `partitioned`, `down`). */
  nodes: { name: string; state: string; address: string }[];
  /** `leader`: the leader of the highest term among running members; `term`: the highest term of any member. */
  etcd: { leader?: string; term: number; members: EtcdMemberStatus[] };
  /** Each node's API server; `healthy` as the load balancer sees it, `state` its state value as JSON (absent while its node is down). */
  apiServers: { address: string; node: string; state?: string; healthy: boolean; watches: number }[];
  /** The load balancer at `api-server` (`balancing`, `noHealthyBackend`). */
  loadBalancer: { address: string; state?: string };
  leases: LeaseStatus[];
}

/** The assembled control plane of a cluster with several control-plane nodes. */
export class ControlPlane {
  /** Control-plane node names. */
  readonly nodes: string[];
  /** etcd member addresses. */
  readonly members: string[];
  /** Each member's data directory, by member address (they outlive crashes). */
  readonly disks = new Map<string, RaftDisk<EtcdCommand, MvccStore>>();
  /** Per-node tokens of the scheduler and controller manager (identify who acts), by token. */
  readonly componentTokens = new Map<string, { node: string; component: 'scheduler' | 'controller-manager' }>();
  /** The load balancer's probe user. */
  readonly probeUser: TokenEntry = { token: 'kube-actors-load-balancer-probe-token', username: 'system:kube-actors:load-balancer', groups: ['system:masters'] };
  private readonly actors = new Map<string, AnyActorRef>();

  constructor(
    private readonly host: ControlPlaneHost,
    readonly options: ControlPlaneOptions,
  ) {
    const n = options.nodes ?? 1;
    if (!Number.isInteger(n) || n < 1) throw new RangeError(`controlPlane.nodes must be a positive integer; got ${String(options.nodes)}`);
    this.nodes = Array.from({ length: n }, (_, i) => controlPlaneNodeName(i + 1));
    this.members = this.nodes.map(etcdMemberAddress);
    const tokens: TokenEntry[] = [...host.tokens, this.probeUser];
    const perNode = new Map<string, { scheduler: TokenEntry; cm: TokenEntry }>();
    for (const node of this.nodes) {
      const scheduler = { token: `kube-actors-scheduler-${node}-token`, username: 'system:kube-scheduler' };
      const cm = { token: `kube-actors-controller-manager-${node}-token`, username: 'system:kube-controller-manager' };
      tokens.push(scheduler, cm);
      perNode.set(node, { scheduler, cm });
      this.componentTokens.set(scheduler.token, { node, component: 'scheduler' });
      this.componentTokens.set(cm.token, { node, component: 'controller-manager' });
    }
    for (const node of this.nodes) {
      const member = etcdMemberAddress(node);
      this.disks.set(member, newDisk(cloneStore(host.bootStore)));
      const t = perNode.get(node)!;
      const electors: ElectedSpec[] = [
        {
          lease: SCHEDULER_LEASE,
          token: t.scheduler.token,
          component: { logic: host.scheduler.logic, address: schedulerAddress(node), input: { ...host.scheduler.input, token: t.scheduler.token } },
        },
        {
          lease: CONTROLLER_MANAGER_LEASE,
          token: t.cm.token,
          component: { logic: host.controllerManager.logic, address: controllerManagerAddress(node), input: { ...host.controllerManager.input, token: t.cm.token } },
        },
      ];
      const address = nodeAddress(node);
      this.actors.set(
        address,
        host.start(address, controlPlaneNodeMachine, node, {
          name: node,
          etcd: { members: this.members, disk: this.disks.get(member)!, rules: options.raftRules, timings: options.etcd },
          apiServer: { tokens, options: host.apiServerOptions },
          electors,
          leaderElection: options.leaderElection,
          logic: { etcdMember: options.logic?.etcdMember, apiServer: options.logic?.apiServer, leaderElector: options.logic?.leaderElector },
        }),
      );
    }
    this.actors.set(
      API_SERVER,
      host.start(API_SERVER, options.logic?.loadBalancer ?? loadBalancerMachine, LOAD_BALANCER_HOST, {
        backends: this.nodes.map(apiServerAddress),
        token: this.probeUser.token,
        timings: options.loadBalancer,
      }),
    );
  }

  /** The actor of an etcd member while its node is up. */
  member(address: string): AnyActorRef | undefined {
    return this.host.kernel.target(address) as AnyActorRef | undefined;
  }

  private memberContext(address: string): EtcdMemberContext | undefined {
    const snapshot = this.member(address)?.getSnapshot() as { context?: EtcdMemberContext; status?: string } | undefined;
    return snapshot?.status === 'active' ? snapshot.context : undefined;
  }

  /** The current etcd leader (the leader of the highest term among running members), if any. */
  etcdLeader(): string | undefined {
    let best: { address: string; term: number } | undefined;
    for (const m of this.members) {
      const raft = this.memberContext(m)?.raft;
      if (raft?.role === 'leader' && (!best || raft.term > best.term)) best = { address: m, term: raft.term };
    }
    return best?.address;
  }

  /** True once etcd has a leader and the balancer sees a healthy API server. */
  serving(): boolean {
    const lb = (this.actors.get(API_SERVER)?.getSnapshot() as { context?: LoadBalancerContext } | undefined)?.context;
    return this.etcdLeader() !== undefined && (lb?.lb.backends.some((b) => b.healthy) ?? false);
  }

  /**
   * The running actors behind a single control plane's address, for the fault injector: `etcd` is
   * every etcd member, `api-server` every API server, `scheduler` and `controller-manager` the
   * instances running now (under their Lease).
   */
  faultTargets(address: string): string[] {
    const kernel = this.host.kernel;
    const per: Record<string, (node: string) => string> = {
      [ETCD]: etcdMemberAddress,
      [API_SERVER]: apiServerAddress,
      [SCHEDULER]: schedulerAddress,
      [CONTROLLER_MANAGER]: controllerManagerAddress,
    };
    const of = per[address];
    if (!of) return [address];
    return this.nodes.map(of).filter((a) => kernel.has(a));
  }

  /** The control-plane node an address runs on (`etcd/control-plane-2` → `control-plane-2`). */
  nodeOf(address: string): string | undefined {
    return this.nodes.find((n) => address.endsWith(`/${n}`) || address === n);
  }

  /**
   * The store an observer reads (`cluster.store`, `cluster.objects`): the etcd leader's applied
   * store, or, without a leader, the most advanced member's.
   */
  store(): MvccStore {
    const leader = this.etcdLeader();
    if (leader) return this.disks.get(leader)!.state;
    let best = this.disks.get(this.members[0]!)!;
    for (const d of this.disks.values()) if (d.applied > best.applied) best = d;
    return best.state;
  }

  /** Nodes, etcd members (role, term, commit index), API servers' health, Lease holders. */
  status(): ControlPlaneStatus {
    const kernel = this.host.kernel;
    const stateOf = (ref: AnyActorRef | undefined): string | undefined => {
      const value = (ref?.getSnapshot() as { value?: unknown } | undefined)?.value;
      return typeof value === 'string' ? value : value && typeof value === 'object' ? JSON.stringify(value) : undefined;
    };
    const members: EtcdMemberStatus[] = this.members.map((address) => {
      const disk = this.disks.get(address)!;
      const ctx = this.memberContext(address);
      const value = (this.member(address)?.getSnapshot() as { value?: { raft?: unknown } } | undefined)?.value?.raft;
      const raft = ctx?.raft;
      return {
        address,
        node: this.nodeOf(address)!,
        role: !raft ? 'down' : value === 'unavailable' ? 'unavailable' : raft.role,
        term: disk.term,
        ...(raft?.leader ? { leader: raft.leader } : {}),
        commitIndex: raft?.commitIndex ?? disk.applied,
        applied: disk.applied,
        lastIndex: disk.log.lastIndex,
        revision: disk.state.revision,
      };
    });
    const leader = this.etcdLeader();
    const lb = this.actors.get(API_SERVER);
    const lbContext = (lb?.getSnapshot() as { context?: LoadBalancerContext } | undefined)?.context;
    const backends = lbContext ? balancerStatus(lbContext) : [];
    const store = this.store();
    const leases: LeaseStatus[] = [SCHEDULER_LEASE, CONTROLLER_MANAGER_LEASE].map((name) => {
      const kv = store.get(`/registry/leases/kube-system/${name}`);
      const spec = kv ? ((decode(kv) as { spec?: { holderIdentity?: string; renewTime?: string; leaseTransitions?: number } }).spec ?? {}) : {};
      const holder = spec.holderIdentity;
      const acting: string[] = [];
      for (const node of this.nodes) {
        const s = electorStatus(kernel.target(electorAddress(name, node)) as AnyActorRef | undefined);
        if (s?.leading && s.component) acting.push(s.component);
      }
      return {
        name,
        ...(holder ? { holderIdentity: holder, holderNode: holder.split('_')[0] } : {}),
        ...(spec.renewTime ? { renewTime: spec.renewTime } : {}),
        ...(spec.leaseTransitions !== undefined ? { leaseTransitions: spec.leaseTransitions } : {}),
        acting,
      };
    });
    return {
      nodes: this.nodes.map((name) => ({ name, address: nodeAddress(name), state: stateOf(this.actors.get(nodeAddress(name))) ?? 'unknown' })),
      etcd: { ...(leader ? { leader } : {}), term: Math.max(0, ...members.map((m) => m.term)), members },
      apiServers: this.nodes.map((node) => {
        const address = apiServerAddress(node);
        const b = backends.find((x) => x.address === address);
        const state = stateOf(kernel.target(address) as AnyActorRef | undefined);
        return { address, node, ...(state ? { state } : {}), healthy: b?.healthy ?? false, watches: b?.watches ?? 0 };
      }),
      loadBalancer: { address: API_SERVER, ...(stateOf(lb) ? { state: stateOf(lb) } : {}) },
      leases,
    };
  }
}
