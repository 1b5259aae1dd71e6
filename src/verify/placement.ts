/**
 * A replay of the pod and node writes etcd made, for the scheduling invariants
 * (`pod-anti-affinity-respected`, `topology-spread-respected`, `host-ports-unique`): for each pod
 * the revisions between which it ran on its node, so that a binding is judged against the pods the
 * scheduler had to count when it bound it, not against what happened later (a pod deleted after
 * a binding may leave a spread skewed, legitimately).
 *
 * What the scheduler saw is not known exactly (its informers lag etcd), so each invariant counts
 * conservatively: pods that surely were on a node when a pod was bound (bound before, still there),
 * against limits computed from every pod that may still have been in the scheduler's cache.
 */
import type { Node, Pod } from '../api/types.js';
import { findResource } from '../api/resources.js';
import type { History } from './history.js';

const PODS_PREFIX = findResource('pods')!.etcdPrefix;
const NODES_PREFIX = findResource('nodes')!.etcdPrefix;

/** What the replay knows of one pod. */
export interface PodRecord {
  /** Its uid. */
  readonly uid: string;
  /** `namespace/name`. */
  readonly name: string;
  /** Its latest version. */
  pod: Pod;
  /** Revision of its first write. */
  readonly created: number;
  /** Revision it was bound to a node (undefined while unbound). */
  boundAt?: number;
  /** Revision since which it no longer runs: deleted, terminating or terminal. */
  goneAt?: number;
}

/** One binding the scheduler made: the pod's first write with a node after writes without one. */
export interface Binding {
  readonly record: PodRecord;
  /** The node. */
  readonly node: string;
  /** The revision of the binding. */
  readonly revision: number;
}

/** The replay's state (kept in the history's scratch space, one per invariant). */
export interface PlacementModel {
  cursor: number;
  /** Pods by uid (pods gone long ago are pruned). */
  readonly pods: Map<string, PodRecord>;
  /** Nodes by name, with the revision of their first write and of their deletion. */
  readonly nodes: Map<string, { node: Node; created: number; deletedAt?: number }>;
}

/** A fresh model. */
export function newPlacementModel(): PlacementModel {
  return { cursor: 0, pods: new Map(), nodes: new Map() };
}

function gone(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return !!pod.metadata?.deletionTimestamp || phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Replays the changes since the model's cursor, then hands each binding found to `visit`, with
 * the model up to date (so the pods bound just after it, or gone since, are known).
 */
export function replayBindings(history: History, model: PlacementModel, visit: (binding: Binding) => void): void {
  const { changes } = history;
  const bindings: Binding[] = [];
  for (let i = model.cursor; i < changes.length; i++) {
    const { change, revision } = changes[i]!;
    const key = change.kv.key;
    if (key.startsWith(NODES_PREFIX)) {
      const name = key.slice(NODES_PREFIX.length);
      const before = model.nodes.get(name);
      if (change.kind === 'delete') {
        if (before) before.deletedAt ??= revision;
      } else if (before && before.deletedAt === undefined) {
        before.node = change.kv.value as Node;
      } else {
        model.nodes.set(name, { node: change.kv.value as Node, created: revision });
      }
      continue;
    }
    if (!key.startsWith(PODS_PREFIX)) continue;
    const pod = change.kv.value as Pod;
    const uid = pod.metadata?.uid ?? key;
    let rec = model.pods.get(uid);
    if (change.kind === 'delete') {
      if (rec) rec.goneAt ??= revision;
      continue;
    }
    const node = pod.spec?.nodeName;
    if (!rec) {
      rec = { uid, name: key.slice(PODS_PREFIX.length), pod, created: revision };
      // created with its node: the scheduler never placed it
      if (node) rec.boundAt = revision;
      model.pods.set(uid, rec);
    } else {
      rec.pod = pod;
      if (node && rec.boundAt === undefined) {
        rec.boundAt = revision;
        bindings.push({ record: rec, node, revision });
      }
    }
    if (gone(pod)) rec.goneAt ??= revision;
  }
  model.cursor = changes.length;
  for (const b of bindings) visit(b);
  // a pod gone before every unbound pod was created can no longer matter
  let oldestPending = Infinity;
  for (const rec of model.pods.values()) if (rec.boundAt === undefined && rec.goneAt === undefined && rec.created < oldestPending) oldestPending = rec.created;
  for (const [uid, rec] of model.pods) if (rec.goneAt !== undefined && rec.goneAt < oldestPending) model.pods.delete(uid);
}

/** True when the pod surely ran on its node at `revision`: bound at or before it, not gone by then. */
export function ranAt(rec: PodRecord, revision: number): boolean {
  return rec.boundAt !== undefined && rec.boundAt <= revision && (rec.goneAt === undefined || rec.goneAt > revision);
}

/** The labels of a node the model knows (empty when unknown). */
export function nodeLabels(model: PlacementModel, name: string | undefined): Readonly<Record<string, string>> | undefined {
  return name ? model.nodes.get(name)?.node.metadata?.labels ?? undefined : undefined;
}
