/**
 * The pod workers the kubelets run, as the kernel's registry and the actors' snapshots show
 * them: `pod/<namespace>/<name>` actors, the host (node) each is registered on, the uid of the pod
 * it runs and the phase it last reported.
 */
import type { AnyActorRef } from 'xstate';
import type { Pod, PodStatus } from '../api/types.js';
import type { Cluster } from '../cluster/create-cluster.js';

/** One running pod worker. */
export interface PodWorker {
  /** `pod/<namespace>/<name>` */
  address: string;
  /** `<namespace>/<name>` */
  name: string;
  /** The node it runs on (its host on the kernel's network). */
  host: string;
  /** The uid of the pod it runs (undefined when its snapshot does not say). */
  uid?: string;
  /** The phase it last reported to its kubelet. */
  phase?: string;
  /** The pod's terminationGracePeriodSeconds as the worker knows it. */
  graceSeconds?: number;
}

interface WorkerContext {
  uid?: string;
  env?: { uid?: string };
  pod?: Pod;
  lastStatus?: PodStatus;
}

/**
 * Every pod worker that is active (a worker that reached its final state is not counted): those
 * registered at their address, and those the kubelets hold that another worker's registration at
 * the same address shadows (a kubelet that runs a pod of another node starts its worker at the
 * address the rightful kubelet's worker takes; on a real cluster they would be two processes).
 */
export function podWorkers(cluster: Cluster): PodWorker[] {
  const kernel = cluster.kernel;
  const out: PodWorker[] = [];
  const seen = new Set<AnyActorRef>();
  const add = (address: string, ref: AnyActorRef | undefined, host: string) => {
    const snapshot = ref?.getSnapshot?.();
    if (snapshot && snapshot.status !== 'active') return;
    if (ref) seen.add(ref);
    const context = (snapshot?.context ?? {}) as WorkerContext;
    const uid = context.pod?.metadata?.uid ?? context.env?.uid ?? context.uid;
    const worker: PodWorker = { address, name: address.slice('pod/'.length), host };
    if (uid) worker.uid = uid;
    if (context.lastStatus?.phase) worker.phase = context.lastStatus.phase;
    const grace = context.pod?.spec?.terminationGracePeriodSeconds;
    if (grace !== undefined) worker.graceSeconds = grace;
    out.push(worker);
  };
  const addresses = kernel.addresses();
  for (const address of addresses) {
    if (address.startsWith('pod/')) add(address, kernel.target(address) as AnyActorRef | undefined, kernel.hostOf(address) ?? '?');
  }
  for (const address of addresses) {
    if (!address.startsWith(KUBELET)) continue;
    const kubelet = (kernel.target(address) as AnyActorRef | undefined)?.getSnapshot?.();
    if (!kubelet || kubelet.status !== 'active') continue;
    const workers = (kubelet.context as { workers?: ReadonlyMap<string, { ref: AnyActorRef; address: string }> }).workers;
    for (const w of workers?.values() ?? []) if (!seen.has(w.ref)) add(w.address, w.ref, address.slice(KUBELET.length));
  }
  return out;
}

const KUBELET = 'kubelet/';
