/**
 * The scheduler cache (kube-scheduler `pkg/scheduler/backend/cache`): one {@link NodeInfo} per
 * node, kept up to date one event at a time, and the pods the scheduler has *assumed* onto a node
 * between deciding and the watch confirming the binding.
 *
 * Every update is O(1) (a Map lookup and a few additions) except removing a node, which marks the
 * node list for a rebuild on the next {@link SchedulerCache.nodeList} call (amortized O(1) per
 * removal as long as removals are not interleaved one-for-one with scheduling cycles).
 *
 * Node order is the order in which nodes were added (a removed and re-added node goes last), so a
 * simulation with the same events sees the same order. kube-scheduler's node tree interleaves
 * zones instead; that order is not modelled.
 */
import type { Node, Pod } from '../../src/api/types.js';
import { NodeInfo, podResourceRecord, type PodResourceRecord } from './node-info.js';
import { keyDefaultingNamespace } from '../../src/api/object-key.js';
import { hasPodAffinity } from './pod-affinity-terms.js';
import type { SchedulerListers, Snapshot } from './snapshot.js';

/** A pod the cache counts: its resources, its node, and whether it is only assumed. */
export interface CachedPod extends PodResourceRecord {
  /** The pod object last seen. */
  readonly pod: Pod;
  /** The node it is counted on. */
  readonly nodeName: string;
  /** True while the binding has not been confirmed by the watch. */
  readonly assumed: boolean;
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Incremental NodeInfo store. Feed it node events, assigned-pod events (pods with
 * `spec.nodeName`), and the scheduler's own `assume` / `forget`.
 */
export class SchedulerCache {
  /** Every NodeInfo, including placeholders for nodes that are gone but still have pods. */
  private readonly infos = new Map<string, NodeInfo>();
  /** NodeInfos whose node object exists, in insertion order. */
  private readonly listed = new Map<string, NodeInfo>();
  /** `listed` as an array; null after a removal until the next {@link nodeList}. */
  private list: NodeInfo[] | null = [];
  private readonly podStates = new Map<string, CachedPod>();
  private assumedCount = 0;
  /** Number of listed nodes that report `status.images`. */
  private imageNodes = 0;
  /** Keys of the counted pods with `podAffinity` or `podAntiAffinity`. */
  private readonly withAffinity = new Set<string>();

  /** Number of nodes (with a node object). */
  get nodeCount(): number {
    return this.listed.size;
  }

  /** Number of pods counted (assumed ones included). */
  get podCount(): number {
    return this.podStates.size;
  }

  /** Number of assumed, not yet confirmed pods. */
  get assumedPodCount(): number {
    return this.assumedCount;
  }

  /** Adds a node, or updates it when the cache already has it. */
  addNode(node: Node): NodeInfo {
    const name = node.metadata?.name;
    if (!name) throw new TypeError('a node needs metadata.name');
    let info = this.infos.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.infos.set(name, info);
    }
    const hadImages = this.listed.has(name) && info.imageSizes !== undefined;
    info.setNode(node);
    this.imageNodes += (info.imageSizes !== undefined ? 1 : 0) - (hadImages ? 1 : 0);
    if (!this.listed.has(name)) {
      this.listed.set(name, info);
      this.list?.push(info);
    }
    return info;
  }

  /** Replaces a node object (labels, taints, allocatable, unschedulable); adds it when unknown. */
  updateNode(node: Node): NodeInfo {
    return this.addNode(node);
  }

  /**
   * Removes a node. Its pods stay counted on a placeholder until they are removed, as in
   * kube-scheduler, but the node is no longer offered to the scheduler.
   * @returns false when the node was not in the cache.
   */
  removeNode(node: Node | string): boolean {
    const name = typeof node === 'string' ? node : node.metadata?.name ?? '';
    const info = this.infos.get(name);
    if (!info || !this.listed.delete(name)) return false;
    this.list = null;
    if (info.imageSizes !== undefined) this.imageNodes--;
    info.setNode(undefined);
    if (info.pods.size === 0) this.infos.delete(name);
    return true;
  }

  /** The NodeInfo of a node (also a placeholder for a removed node that still has pods). */
  getNodeInfo(name: string): NodeInfo | undefined {
    return this.infos.get(name);
  }

  /** The schedulable nodes in insertion order. The array is shared: do not mutate it. */
  nodeList(): readonly NodeInfo[] {
    if (this.list === null) this.list = [...this.listed.values()];
    return this.list;
  }

  /** The cached state of a pod, by object or {@link keyDefaultingNamespace}. */
  getPod(pod: Pod | string): CachedPod | undefined {
    return this.podStates.get(typeof pod === 'string' ? pod : keyDefaultingNamespace(pod));
  }

  /** Whether the pod is assumed and not yet confirmed. */
  isAssumed(pod: Pod | string): boolean {
    return this.getPod(pod)?.assumed ?? false;
  }

  private nodeInfoFor(name: string): NodeInfo {
    let info = this.infos.get(name);
    if (!info) {
      info = new NodeInfo(name);
      this.infos.set(name, info);
    }
    return info;
  }

  private place(pod: Pod, nodeName: string, assumed: boolean): CachedPod {
    const entry: CachedPod = { ...podResourceRecord(pod), pod, nodeName, assumed };
    this.nodeInfoFor(nodeName).addPod(entry);
    this.podStates.set(entry.key, entry);
    if (hasPodAffinity(pod)) this.withAffinity.add(entry.key);
    if (assumed) this.assumedCount++;
    return entry;
  }

  private unplace(entry: CachedPod): void {
    const info = this.infos.get(entry.nodeName);
    if (info) {
      info.removePod(entry);
      if (!info.node && info.pods.size === 0) this.infos.delete(entry.nodeName);
    }
    this.podStates.delete(entry.key);
    this.withAffinity.delete(entry.key);
    if (entry.assumed) this.assumedCount--;
  }

  /**
   * Counts a pod on `nodeName` before its binding is confirmed (`Cache.AssumePod`).
   * @throws {Error} when the pod is already in the cache (assumed or added).
   */
  assume(pod: Pod, nodeName: string): CachedPod {
    const key = keyDefaultingNamespace(pod);
    if (this.podStates.has(key)) throw new Error(`pod ${key} is in the cache, so can't be assumed`);
    return this.place(pod, nodeName, true);
  }

  /**
   * Stops counting an assumed pod whose binding failed (`Cache.ForgetPod`).
   * @returns false when the pod is not assumed (an added pod is left alone).
   */
  forget(pod: Pod | string): boolean {
    const entry = this.getPod(pod);
    if (!entry || !entry.assumed) return false;
    this.unplace(entry);
    return true;
  }

  /**
   * An assigned pod seen by the watch (`Cache.AddPod`): confirms an assumed pod (moving it if it
   * landed on another node), or adds or updates it. A pod without `spec.nodeName` is ignored; a
   * terminal pod (Succeeded / Failed), which kube-scheduler's informer filters out, is removed.
   */
  addPod(pod: Pod): void {
    const nodeName = pod.spec?.nodeName;
    if (!nodeName) return;
    const old = this.getPod(pod);
    if (old && !old.assumed && old.nodeName === nodeName && old.pod.spec === pod.spec && !isTerminal(pod)) {
      // a status or metadata change of a counted pod: same spec, same requests
      this.podStates.set(old.key, { ...old, pod });
      const info = this.infos.get(nodeName);
      if (info) info.generation++;
      return;
    }
    if (old) this.unplace(old);
    if (isTerminal(pod)) return;
    this.place(pod, nodeName, false);
  }

  /** An assigned pod changed (`Cache.UpdatePod`); same semantics as {@link addPod}. */
  updatePod(pod: Pod): void {
    this.addPod(pod);
  }

  /**
   * A pod was deleted (`Cache.RemovePod`), whatever its state.
   * @returns false when the cache did not count it.
   */
  removePod(pod: Pod | string): boolean {
    const entry = this.getPod(pod);
    if (!entry) return false;
    this.unplace(entry);
    return true;
  }

  /**
   * The cache as a scheduling cycle's {@link Snapshot} (a live view, not a copy: the scheduler
   * runs one cycle at a time and the cache does not change during it).
   */
  snapshot(listers?: SchedulerListers): Snapshot {
    return {
      nodes: this.nodeList(),
      nodeInfo: (name) => {
        const ni = this.infos.get(name);
        return ni?.node ? ni : undefined;
      },
      pod: (key) => this.podStates.get(key),
      affinityPods: this.withAffinity,
      nodesWithImages: this.imageNodes,
      listers,
    };
  }

  /** Every cached pod (assumed ones included), in insertion order. */
  pods(): IterableIterator<CachedPod> {
    return this.podStates.values();
  }
}
