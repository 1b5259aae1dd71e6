/**
 * What the verifier records of a run, for the invariants: every client call and its answer,
 * every change etcd made (read from the store's own history, so none is missed between two
 * checks), the faults injected and whether any is active, and a scratch space where invariants
 * keep what they need between checks.
 */
import type { Cluster } from '../cluster/create-cluster.js';
import type { Fault } from '../cluster/faults.js';
import type { KubeObject, Pod, Status } from '../api/types.js';
import { findResource } from '../api/resources.js';
import type { EtcdChange } from '../../machines/protocol.js';
import type { RequestSpec } from '../../machines/client/api-client.js';
import { ETCD, nodeAddress } from '../../machines/protocol.js';

/** Who sent a call: the admin, an authenticated user without the rights, or nobody known. */
export type CallUser = 'admin' | 'guest' | 'viewer' | 'anonymous';

/** What a call is known to deserve when it is sent. */
export type CallExpectation = 'unauthenticated' | 'forbidden' | 'invalid';

/** One request a client of the verifier sent, and what came back. */
export interface ClientCall {
  /** 1, 2, 3, ... in sending order. */
  id: number;
  /** The step that sent it (0-based); -1 outside the steps. */
  step: number;
  user: CallUser;
  spec: RequestSpec;
  /** The kernel flow of the request (unique per call): every message it causes carries it. */
  flow: string;
  /** The etcd key of the object the call targets, when it targets one. */
  key?: string;
  /** Set for requests that must be refused. */
  expect?: CallExpectation;
  /** The resourceVersion an update carried. */
  sentResourceVersion?: string;
  /** The target key's modRevision in etcd when the call was sent (undefined when missing). */
  keyRevisionAtSend?: number;
  /** Labels the call writes (`key → value`, each value unique to the call). */
  labels?: Record<string, string>;
  /** Virtual time it was sent. */
  sentAt: number;
  /** The answer (a 504 when kubectl gave up waiting). */
  response?: { code: number; body: KubeObject | Status };
  /** Virtual time of the answer. */
  answeredAt?: number;
}

/** One change etcd made, with the virtual time the verifier first saw it (at or after it happened). */
export interface ObservedChange {
  revision: number;
  change: EtcdChange;
  /** Virtual time the verifier read it from the store (the end of the step it happened in, or earlier). */
  seenAt: number;
}

/** The phase of a run. */
export type RunPhase = 'steps' | 'converging' | 'done';

/** The record of one run. */
export class History {
  /** Client calls in sending order. */
  readonly calls: ClientCall[] = [];
  /** Calls by flow. */
  readonly callsByFlow = new Map<string, ClientCall>();
  /** Every etcd change since the cluster started (bootstrap included), in revision order. */
  readonly changes: ObservedChange[] = [];
  /** Faults injected, with their virtual time and step. */
  readonly faults: { time: number; step: number; fault: Fault }[] = [];
  /** The step being run (0-based), -1 before the first. */
  step = -1;
  phase: RunPhase = 'steps';
  /** Virtual time the convergence phase started (faults healed). */
  healedAt: number | undefined;
  /**
   * Virtual time since which no fault has been active (no node down or partitioned, etcd up, no
   * message faults) and no component was restarted; undefined while a fault is active.
   */
  quietSince: number | undefined = 0;
  private lastRevision = 0;
  private readonly scratchSpace = new Map<string, unknown>();
  private nextCall = 1;

  constructor(readonly cluster: Cluster) {}

  /** Per-invariant state kept for the run (created by `init` on first use). */
  scratch<T>(name: string, init: () => T): T {
    let value = this.scratchSpace.get(name) as T | undefined;
    if (value === undefined) {
      value = init();
      this.scratchSpace.set(name, value);
    }
    return value;
  }

  /** Records a call about to be sent and gives it its id and flow. */
  openCall(call: Omit<ClientCall, 'id' | 'flow' | 'sentAt' | 'step'>, label: string): ClientCall {
    const id = this.nextCall++;
    const full: ClientCall = { ...call, id, step: this.step, flow: `verify#${id} ${label}`, sentAt: this.cluster.now() };
    this.calls.push(full);
    this.callsByFlow.set(full.flow, full);
    return full;
  }

  /** Records a fault the run injected. */
  noteFault(fault: Fault): void {
    this.faults.push({ time: this.cluster.now(), step: this.step, fault });
    this.quietSince = undefined;
  }

  /** Reads the changes etcd made since the last call, and updates `quietSince`. */
  pull(): void {
    const store = this.cluster.store;
    if (store.revision > this.lastRevision) {
      const found = store.changesSince(this.lastRevision + 1, '/');
      const now = this.cluster.now();
      if (found) for (const { revision, change } of found) this.changes.push({ revision, change, seenAt: now });
      this.lastRevision = store.revision;
    }
    if (faultActive(this.cluster)) this.quietSince = undefined;
    else this.quietSince ??= this.cluster.now();
  }

  /** Changes with index >= `from` in `changes` (invariants keep their own cursor). */
  changesFrom(from: number): ObservedChange[] {
    return from >= this.changes.length ? [] : this.changes.slice(from);
  }
}

const PODS_PREFIX = findResource('pods')!.etcdPrefix;

/** A write etcd made to a pod, as `forEachPodChange` hands it over. */
export interface PodChange {
  /** The pod as written. */
  pod: Pod;
  /** Its uid (its etcd key when it has none). */
  uid: string;
  /** Its etcd key. */
  key: string;
  /** `namespace/name`. */
  name: string;
  /** The revision of the write. */
  revision: number;
  /** Virtual time the verifier first saw it. */
  seenAt: number;
}

/**
 * Replays, for an invariant, every change etcd made since its `cursor`, in revision order, then
 * moves the cursor past the last change.
 */
export function forEachChange(history: History, state: { cursor: number }, visit: (observed: ObservedChange) => void): void {
  const { changes } = history;
  for (let i = state.cursor; i < changes.length; i++) visit(changes[i]!);
  state.cursor = changes.length;
}

/**
 * Replays, for an invariant, the changes etcd made to pods since its `cursor`, then moves the
 * cursor past the last change: `visit` gets every write, in revision order; a deleted pod's uid
 * is removed from `forget` (the invariant's record of it), and `visit` does not see deletions.
 */
export function forEachPodChange(history: History, state: { cursor: number }, visit: (change: PodChange) => void, forget?: { delete(uid: string): unknown }): void {
  forEachChange(history, state, ({ change, revision, seenAt }) => {
    const key = change.kv.key;
    if (!key.startsWith(PODS_PREFIX)) return;
    const pod = change.kv.value as Pod;
    const uid = pod.metadata?.uid ?? key;
    if (change.kind === 'delete') forget?.delete(uid);
    else visit({ pod, uid, key, name: key.slice(PODS_PREFIX.length), revision, seenAt });
  });
}

/** True while a fault is active: a node down or partitioned, etcd unavailable, or message faults on. */
export function faultActive(cluster: Cluster): boolean {
  const remote = cluster.kernel.network.defaults.remote;
  if (remote.dropRate > 0 || remote.duplicateRate > 0 || remote.reorder) return true;
  if (stateOf(cluster, ETCD) === 'unavailable') return true;
  for (const node of cluster.nodes) {
    const state = stateOf(cluster, nodeAddress(node));
    if (state === 'down' || state === 'partitioned') return true;
  }
  return false;
}

/** The top-level state of a component's actor (`ready`, `down`, `unavailable`, ...), or undefined. */
export function stateOf(cluster: Cluster, address: string): string | undefined {
  const value = cluster.actor(address)?.getSnapshot()?.value;
  return typeof value === 'string' ? value : value && typeof value === 'object' ? Object.keys(value)[0] : undefined;
}
