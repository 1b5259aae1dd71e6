/**
 * Faults the simulation can inject, from the library and the command line: crash and restart a
 * node, partition a node from the control plane and heal it, make etcd unavailable, restart the
 * API server, the scheduler or the controller manager, and turn on message loss, duplication and
 * reordering. Each fault is delivered by the fault injector (`faults` in the trace) at once, from
 * outside the simulated network, and can also be scheduled for a later virtual time.
 */
import type { AnyActorRef, AnyMachineSnapshot } from 'xstate';
import type { Kernel } from '../kernel/kernel.js';
import { API_SERVER, CONTROLLER_MANAGER, ETCD, FAULTS, SCHEDULER, nodeAddress, type NodeFault } from '../../machines/protocol.js';

/** A fault, as data (for schedules, the command line and property tests). */
export type Fault =
  | { kind: 'crash-node'; node: string }
  | { kind: 'restart-node'; node: string }
  | { kind: 'partition-node'; node: string }
  | { kind: 'heal-node'; node: string }
  | { kind: 'etcd-outage' }
  | { kind: 'etcd-recover' }
  | { kind: 'restart-api-server' }
  | { kind: 'restart-scheduler' }
  | { kind: 'restart-controller-manager' }
  | { kind: 'message-loss'; rate: number }
  | { kind: 'message-duplication'; rate: number }
  | { kind: 'message-reorder'; enabled: boolean }
  | { kind: 'heal-all' };

/** The fault injector of a cluster. */
export class Faults {
  /** Faults injected so far, with their virtual time. */
  readonly history: { time: number; fault: Fault }[] = [];

  constructor(
    private readonly kernel: Kernel,
    private readonly nodes: () => readonly string[],
    /**
     * The running actors behind a component's canonical address (`etcd` → every etcd member of a
     * highly available control plane); by default the address itself.
     */
    private readonly targets: (address: string) => readonly string[] = (address) => [address],
  ) {}

  private checkNode(node: string): void {
    if (!this.nodes().includes(node)) throw new RangeError(`unknown node "${node}"; the cluster has ${this.nodes().join(', ') || 'no nodes'}`);
  }

  /** Applies a fault now. */
  apply(fault: Fault): void {
    switch (fault.kind) {
      case 'crash-node':
        return this.crashNode(fault.node);
      case 'restart-node':
        return this.restartNode(fault.node);
      case 'partition-node':
        return this.partitionNode(fault.node);
      case 'heal-node':
        return this.healNode(fault.node);
      case 'etcd-outage':
        return this.etcdOutage();
      case 'etcd-recover':
        return this.etcdRecover();
      case 'restart-api-server':
        return this.restartApiServer();
      case 'restart-scheduler':
        return this.restartScheduler();
      case 'restart-controller-manager':
        return this.restartControllerManager();
      case 'message-loss':
        return this.messageLoss(fault.rate);
      case 'message-duplication':
        return this.messageDuplication(fault.rate);
      case 'message-reorder':
        return this.messageReorder(fault.enabled);
      case 'heal-all':
        return this.healAll();
    }
  }

  /** Applies a fault at a later virtual time (ms from now). */
  schedule(afterMs: number, fault: Fault): void {
    this.kernel.setTimer(() => this.apply(fault), afterMs);
  }

  private note(fault: Fault): void {
    this.history.push({ time: this.kernel.now(), fault });
  }

  /** The node crashes: its kubelet, kube-proxy, runtime and pods are gone (a partitioned node's network is healed first). */
  crashNode(node: string): void {
    this.checkNode(node);
    this.note({ kind: 'crash-node', node });
    if (this.nodeIn(node, 'partitioned')) this.kernel.network.heal(node);
    this.kernel.inject(FAULTS, nodeAddress(node), { type: 'node.crash' });
  }

  /** A crashed node boots again. */
  restartNode(node: string): void {
    this.checkNode(node);
    this.note({ kind: 'restart-node', node });
    this.kernel.inject(FAULTS, nodeAddress(node), { type: 'node.restart' });
  }

  /**
   * The node is cut off the network (from the control plane and every other node). The injector
   * cuts the network and tells the node's machine (`node.partition`), whose chart then shows it
   * `partitioned`; a node that cannot be partitioned now (crashed, already partitioned) is left
   * as it is.
   */
  partitionNode(node: string): void {
    this.checkNode(node);
    this.note({ kind: 'partition-node', node });
    if (this.nodeCan(node, { type: 'node.partition' })) this.kernel.network.isolate(node);
    this.kernel.inject(FAULTS, nodeAddress(node), { type: 'node.partition' });
  }

  /** The node's network comes back (if it was partitioned), and its machine is told (`node.heal`). */
  healNode(node: string): void {
    this.checkNode(node);
    this.note({ kind: 'heal-node', node });
    if (this.nodeIn(node, 'partitioned')) this.kernel.network.heal(node);
    this.kernel.inject(FAULTS, nodeAddress(node), { type: 'node.heal' });
  }

  /** The machine of a node (`node/<name>`, a worker or a control-plane node). */
  private nodeMachine(node: string): AnyActorRef | undefined {
    const target = this.kernel.target(nodeAddress(node)) as Partial<AnyActorRef> | undefined;
    return typeof target?.getSnapshot === 'function' ? (target as AnyActorRef) : undefined;
  }

  /** The node's machine is in `state`. */
  private nodeIn(node: string, state: string): boolean {
    const snapshot = this.nodeMachine(node)?.getSnapshot() as AnyMachineSnapshot | undefined;
    return snapshot?.status === 'active' && snapshot.matches(state);
  }

  /** The node's machine would take `event` (a transition is enabled for it in its current state). */
  private nodeCan(node: string, event: NodeFault): boolean {
    const snapshot = this.nodeMachine(node)?.getSnapshot() as AnyMachineSnapshot | undefined;
    return snapshot?.status === 'active' && snapshot.can(event);
  }

  /** etcd stops serving (as without quorum); it keeps its data. */
  etcdOutage(): void {
    this.note({ kind: 'etcd-outage' });
    for (const to of this.targets(ETCD)) this.kernel.inject(FAULTS, to, { type: 'etcd.fail' });
  }

  /** etcd serves again. */
  etcdRecover(): void {
    this.note({ kind: 'etcd-recover' });
    for (const to of this.targets(ETCD)) this.kernel.inject(FAULTS, to, { type: 'etcd.recover' });
  }

  /** The API server restarts: its watches are reset and it reloads its cache from etcd. */
  restartApiServer(): void {
    this.note({ kind: 'restart-api-server' });
    for (const to of this.targets(API_SERVER)) this.kernel.inject(FAULTS, to, { type: 'api-server.restart' });
  }

  /**
   * The scheduler restarts: it resumes from fresh watches and schedules again 15 s later (a
   * restarted kube-scheduler waits as long for the Lease its previous incarnation held).
   */
  restartScheduler(): void {
    this.note({ kind: 'restart-scheduler' });
    for (const to of this.targets(SCHEDULER)) this.kernel.inject(FAULTS, to, { type: 'scheduler.restart' });
  }

  /** The controller manager restarts its controllers. */
  restartControllerManager(): void {
    this.note({ kind: 'restart-controller-manager' });
    for (const to of this.targets(CONTROLLER_MANAGER)) this.kernel.inject(FAULTS, to, { type: 'controller-manager.restart' });
  }

  /** Messages between hosts are lost with this probability. */
  messageLoss(rate: number): void {
    this.note({ kind: 'message-loss', rate });
    this.kernel.network.configure({ remote: { dropRate: rate } });
  }

  /** Messages between hosts are delivered twice with this probability. */
  messageDuplication(rate: number): void {
    this.note({ kind: 'message-duplication', rate });
    this.kernel.network.configure({ remote: { duplicateRate: rate } });
  }

  /** Messages between hosts may overtake each other. */
  messageReorder(enabled: boolean): void {
    this.note({ kind: 'message-reorder', enabled });
    this.kernel.network.configure({ remote: { reorder: enabled } });
  }

  /** Heals every partition and turns message faults off (nodes that crashed stay down). */
  healAll(): void {
    this.note({ kind: 'heal-all' });
    for (const node of this.nodes()) {
      const { isolated } = this.kernel.network.partitions();
      if (!isolated.includes(node)) continue;
      if (this.nodeIn(node, 'partitioned')) this.kernel.network.heal(node);
      this.kernel.inject(FAULTS, nodeAddress(node), { type: 'node.heal' });
    }
    this.kernel.network.heal();
    this.kernel.network.configure({ remote: { dropRate: 0, duplicateRate: 0, reorder: false } });
  }
}
