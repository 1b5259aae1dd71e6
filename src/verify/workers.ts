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

/** Every pod worker that is registered and active (a worker that reached its final state is not counted). */
export function podWorkers(cluster: Cluster): PodWorker[] {
  const kernel = cluster.kernel;
  const out: PodWorker[] = [];
  for (const address of kernel.addresses()) {
    if (!address.startsWith('pod/')) continue;
    const snapshot = (kernel.target(address) as AnyActorRef | undefined)?.getSnapshot?.();
    if (snapshot && snapshot.status !== 'active') continue;
    const context = (snapshot?.context ?? {}) as WorkerContext;
    const uid = context.pod?.metadata?.uid ?? context.env?.uid ?? context.uid;
    const worker: PodWorker = { address, name: address.slice('pod/'.length), host: kernel.hostOf(address) ?? '?' };
    if (uid) worker.uid = uid;
    if (context.lastStatus?.phase) worker.phase = context.lastStatus.phase;
    const grace = context.pod?.spec?.terminationGracePeriodSeconds;
    if (grace !== undefined) worker.graceSeconds = grace;
    out.push(worker);
  }
  return out;
}
