/**
 * The kubelet, one per node, as a statechart of what the real kubelet does:
 *
 * - `registering`: it creates its Node (registerWithAPIServer), again every second until the API
 *   server accepts it (`registrationAccepted`) or says it exists (`alreadyRegistered`: a restart);
 * - `running`, in parallel regions, driven by one beat every `leaseRenew` (10 s, `kubelet.tick`):
 *   - `lease`: `creating` its Lease in kube-node-lease until it exists, then `renewing` it (back to
 *     `creating` when the Lease is gone: `leaseMissing`), as pkg/kubelet/nodelease does;
 *   - `nodeStatus`: the NodeStatus written when `nodeStatusDue` (every nodeStatusReportMs), and at
 *     once when the server's copy says the node is not Ready (`stale`: the node lifecycle
 *     controller marked it Unknown while it was unreachable), as tryUpdateNodeStatus;
 *   - `podWorkers`: the pods bound to its node (its informer turns watch events into `pod.added`,
 *     `pod.updated`, `pod.deleted`); `syncPod` admits a new pod (`podAdmitted`: resources, node
 *     affinity, NoExecute taints; a pod that does not fit is reported Failed, `OutOfcpu`, ...),
 *     starts its worker (machines/pod.ts: `syncing → terminating → terminated`, as pod_workers.go),
 *     hands it updates, tells it to terminate when the pod is deleted (`terminationRequested`,
 *     with the grace period), and removes it when it reports `pod.terminated`;
 *   - `statusManager`: per pod the latest status, one write in flight, the final status before the
 *     pod's deletion (machines/kubelet/status-manager.ts, as status_manager.go);
 *   - `housekeeping`: requests timed out, silent watches, volumes and config sources waited for;
 *   - `evictionManager` (pkg/kubelet/eviction): every `evictionMonitoringPeriod` (10 s) it
 *     observes memory.available, nodefs.available, nodefs.inodesFree, imagefs.available and
 *     pid.available (`synchronizing`, machines/kubelet/eviction.ts); each threshold met, hard or
 *     soft, raises `pressure.observed` for its node condition, and `memoryPressure`,
 *     `diskPressure`, `pidPressure` go `underPressure` (the condition True) until none was met
 *     for `evictionPressureTransitionPeriod` (5 min); pods above their ephemeral-storage limits
 *     are evicted first (`localStorageExceeded`, `evictForLocalStorage`); else when a threshold
 *     is met past its grace period (`resourceToReclaim`), it records EvictionThresholdMet and evicts one pod
 *     (`evictPod`), ranked for the starved resource as the kubelet ranks them: phase Failed,
 *     reason Evicted, an Evicted event, DisruptionTarget.
 *
 * Its context changes only through `assign`; its decisions are named guards and its effects named
 * actions, so a broken kubelet (src/verify/mutants.ts) is one `.provide()`. The helpers it holds
 * (API client, informers, the admission's NodeInfo, the volume and config-source waiters) are the
 * client-go style caches every component has; their callbacks only send the kubelet events.
 */
import { assertEvent, assign, enqueueActions, raise, setup } from 'xstate';
import type { Node, Pod, PodStatus } from '../src/api/types.js';
import { DEFAULT_USAGE } from '../src/metrics/usage.js';
import { nodeAddress, podAddress } from './protocol.js';
import { objectKey } from './client/informer.js';
import { apiClientTransitions } from './client/transitions.js';
import { podResourceRecord } from './scheduler/node-info.js';
import { admitPod, rejectedStatus } from './kubelet/admission.js';
import { configHold, type ConfigData, type ConfigHold } from './kubelet/config-sources.js';
import { createLeaseRequest, markedNotReady, nodeStatusRequest, registerRequest, renewLeaseRequest } from './kubelet/node-status.js';
import { nodeMachine } from './kubelet/node-spec.js';
import * as SM from './kubelet/status-manager.js';
import { networkUsers, usesNetwork } from './kubelet/network.js';
import { allocateIp, changedSince, gracePeriodOf, podFinished, startWorker, stopWorker, withItem, withWorker, type Worker } from './kubelet/pod-workers.js';
import { createContext, type KubeletContext, type KubeletEvent, type KubeletInput } from './kubelet/context.js';
import type { PodFiles } from './kubelet/container-files.js';
import * as EV from './kubelet/eviction.js';

export type { NodeSpec } from './kubelet/node-spec.js';
export { nodeObject } from './kubelet/node-status.js';
export { podInformer } from './kubelet/context.js';
export type { KubeletInput, KubeletContext, KubeletEvent } from './kubelet/context.js';

/**
 * Where a pod's containers write: its node's disk (layers, emptyDir, hostPath) and the
 * PersistentVolumes' storage, a claim resolved to the volume the kubelet saw it bound to.
 */
function podFiles(context: KubeletContext, pod: Pod): PodFiles {
  const namespace = pod.metadata?.namespace ?? 'default';
  const { volumes, storage } = context;
  return {
    disk: context.disk,
    storage,
    volumeOf: (claim) => {
      const name = volumes.volumeOf(`${namespace}/${claim}`);
      return name ? storage?.volume(name) : undefined;
    },
  };
}

/**
 * The kubelet's admit handlers in their order (canAdmitPod): the eviction manager's first (under a
 * node condition it holds, BestEffort pods are refused), then the predicate handler.
 */
function kubeletAdmit(context: KubeletContext, pod: Pod): ReturnType<typeof admitPod> {
  const underPressure = EV.admitUnderPressure(pod, EV.PRESSURE_CONDITIONS.filter((c) => context.pressure[c]?.status));
  return underPressure.admit ? admitPod(pod, context.admitted) : underPressure;
}

/** The pod an event is about: the watched object, or the cached one for a resync. */
function podOf(context: KubeletContext, event: KubeletEvent): Pod | undefined {
  if (event.type === 'pod.added' || event.type === 'pod.updated') return event.pod;
  if (event.type === 'pod.resync') return context.pods.store.get(event.key);
  return undefined;
}

/** The pod key of a worker's report. */
function reportKey(e: { namespace: string; name: string }): string {
  return `${e.namespace}/${e.name}`;
}

/** True when the report comes from the worker the kubelet runs for that pod (not an older one). */
function fromWorker(context: KubeletContext, event: KubeletEvent): boolean {
  if (event.type !== 'pod.status' && event.type !== 'pod.terminated') return false;
  return context.workers.get(reportKey(event))?.uid === event.uid;
}

/** A pod's status as the kubelet writes it: an evicted pod's is Failed/Evicted whatever its worker computes. */
function statusOf(context: KubeletContext, key: string, uid: string, status: PodStatus): PodStatus {
  const eviction = context.evictions.get(key);
  return eviction?.uid === uid ? EV.evictedStatus(status, eviction) : status;
}

/** The kubelet's node as the object of its events (the kubelet's nodeRef: kind Node, uid = the node's name). */
function nodeRef(context: KubeletContext): Node {
  return { apiVersion: 'v1', kind: 'Node', metadata: { name: context.spec.name, uid: context.spec.name } };
}

/** The kubelet's named actions that other actions enqueue, with their params. */
type Step =
  | { type: 'stopWorker'; params: { key: string } }
  | { type: 'startPodWorker'; params: { pod: Pod; configData: ConfigData } }
  | { type: 'updateWorker'; params: { pod: Pod } }
  | { type: 'terminateWorker'; params: { pod: Pod } }
  | { type: 'deletePod'; params: { pod: Pod } }
  | { type: 'holdPod'; params: { pod: Pod; hold: ConfigHold } }
  | { type: 'watchConfig'; params: { pod: Pod; hold: ConfigHold } }
  | { type: 'refreshWorkerConfig'; params: { pod: Pod } }
  | { type: 'releasePod'; params: { key: string } }
  | { type: 'rejectPod'; params: { pod: Pod } }
  | { type: 'writePodStatus'; params: { key: string } };

/** The kubelet's named guards that actions check, with their params. */
type Decision =
  | { type: 'podIsMine' | 'workerReplaced' | 'terminationRequested' | 'podInactive' | 'podAdmitted' | 'podChanged' | 'workerTerminating'; params: { pod: Pod } }
  | { type: 'statusNeedsWrite'; params: { entry: SM.PodStatusEntry | undefined } };

/**
 * `enqueue` and `check` of an `enqueueActions` typed with the kubelet's own named actions and
 * guards (inside `setup`, its actions cannot name each other in their types). They go by name, so
 * a `.provide()` replaces them here too.
 */
function named(args: { enqueue: unknown; check: unknown }): { run: (step: Step) => void; decide: (decision: Decision) => boolean } {
  return { run: args.enqueue as (step: Step) => void, decide: args.check as (decision: Decision) => boolean };
}

/**
 * The status manager takes a pod's new entry: written at once when the pod has no write in flight
 * (`statusNeedsWrite`), else kept until the answer. Called by the actions that change one pod's
 * entry (each assigns `statuses` once).
 */
function putStatus(
  context: KubeletContext,
  key: string,
  entry: SM.PodStatusEntry | undefined,
  enqueue: { assign: (values: Partial<KubeletContext>) => void },
  decide: (decision: Decision) => boolean,
): void {
  if (!entry) return;
  if (!decide({ type: 'statusNeedsWrite', params: { entry } })) {
    if (context.statuses.get(key) !== entry) enqueue.assign({ statuses: SM.withEntry(context.statuses, key, entry) });
    return;
  }
  const status = SM.statusToWrite(entry.status, context.pods.store.get(key)?.status?.phase);
  enqueue.assign({ statuses: SM.withEntry(context.statuses, key, { ...entry, state: 'sending', dirty: false }) });
  const self = context.self;
  context.client.request(SM.statusRequest(key, entry.uid, status), (res) => self.send({ type: 'status.answered', key, code: res.code, status }));
}

/**
 * evictPod, for each pod: an Evicted event; from now on its status is Failed/Evicted (with
 * DisruptionTarget for node pressure); its worker kills it with the grace period. One assign for all.
 */
function evict(
  context: KubeletContext,
  decide: Parameters<typeof putStatus>[4],
  enqueue: Parameters<typeof putStatus>[3],
  pods: readonly { pod: Pod; message: string; grace: number; disruptionTarget: boolean }[],
): void {
  const evictions = new Map(context.evictions);
  let workers = context.workers;
  for (const { pod, message, disruptionTarget } of pods) {
    const key = objectKey(pod);
    const worker = context.workers.get(key)!;
    evictions.set(key, { uid: worker.uid, message, disruptionTarget, at: context.port.timestamp() });
    workers = withWorker(workers, key, { ...worker, killing: true });
    context.recorder.record(pod, 'Warning', EV.EVICTED_REASON, message);
  }
  // each pod's status entry goes through the status manager in turn, the next seeing the last one's
  let statuses = context.statuses;
  const chain = { assign: (values: Partial<KubeletContext>) => void (statuses = values.statuses ?? statuses) };
  for (const { pod, grace } of pods) {
    const key = objectKey(pod);
    const worker = context.workers.get(key)!;
    const entry = statuses.get(key);
    if (entry?.uid === worker.uid) putStatus({ ...context, evictions, statuses }, key, SM.reported(entry, entry.uid, EV.evictedStatus(entry.status, evictions.get(key)!)), chain, decide);
    context.port.send(worker.address, { type: 'pod.kill', gracePeriodSeconds: grace, reason: 'evicted' });
  }
  enqueue.assign({ evictions, workers, statuses });
}

/** The kubelet machine of one node (address `kubelet/<node>`): `registering`, then `running`. */
export const kubeletMachine = setup({
  types: {
    input: {} as KubeletInput,
    context: {} as KubeletContext,
    events: {} as KubeletEvent,
  },
  delays: {
    /** The beat: node lease renewal (kubelet: 10 s), node status check, status manager's reconcile. */
    leaseRenew: ({ context }) => context.profile.kubelet.leaseRenewMs,
    /** Retry of a registration not answered yet or refused. */
    registerRetry: 1_000,
    /** The eviction manager's monitoring interval (kubelet.go: evictionMonitoringPeriod, 10 s). */
    evictionMonitoringPeriod: 10_000,
    /** How long a pressure condition stays after a threshold for it was last met (evictionPressureTransitionPeriod, 5 min). */
    evictionPressureTransitionPeriod: ({ context }) => context.config.evictionPressureTransitionPeriodMs,
  },
  guards: {
    /** The API server created the Node. */
    registrationAccepted: ({ event }) => event.type === 'registration.answered' && event.code >= 200 && event.code < 300,
    /** The Node exists already (the kubelet restarted): its status is written at the first beat. */
    alreadyRegistered: ({ event }) => event.type === 'registration.answered' && event.code === 409,
    /** The Lease was created, or exists already. */
    leaseAcquired: ({ event }) => event.type === 'lease.answered' && event.verb === 'create' && ((event.code >= 200 && event.code < 300) || event.code === 409),
    /** The Lease to renew is gone (deleted, or lost with etcd's data): create it again. */
    leaseMissing: ({ event }) => event.type === 'lease.answered' && event.verb === 'patch' && event.code === 404,
    /** nodeStatusReportMs have passed since the NodeStatus was last written. */
    nodeStatusDue: ({ context }) => context.port.now() - context.lastNodeStatus >= context.profile.kubelet.nodeStatusReportMs,
    /** The server's copy of the Node is not Ready: someone else marked it (the node lifecycle controller). */
    nodeMarkedNotReady: ({ event }) => (event.type === 'node.added' || event.type === 'node.updated') && markedNotReady(event.node),
    /** The pod is bound to this node (the informer's field selector already asks the API server for only those). */
    podIsMine: ({ context }, { pod }: { pod: Pod }) => pod.spec?.nodeName === context.spec.name,
    /** A worker runs for an older pod of the same name (deleted and created again): it goes. */
    workerReplaced: ({ context }, { pod }: { pod: Pod }) => {
      const worker = context.workers.get(objectKey(pod));
      return worker !== undefined && worker.uid !== pod.metadata?.uid;
    },
    /** The pod is being deleted (deletionTimestamp): its worker terminates, or it is removed at once if none runs. */
    terminationRequested: (_, { pod }: { pod: Pod }) => Boolean(pod.metadata?.deletionTimestamp),
    /** The pod is finished (Succeeded, Failed), was refused by admission or evicted: no worker starts for it. */
    podInactive: ({ context }, { pod }: { pod: Pod }) => podFinished(pod) || context.rejected.has(pod.metadata!.uid!) || context.evictions.get(objectKey(pod))?.uid === pod.metadata!.uid,
    /** Kubelet admission (canAdmitPod): the pod fits the node as the API server has it and the pods admitted so far. */
    podAdmitted: ({ context }, { pod }: { pod: Pod }) => kubeletAdmit(context, pod).admit,
    /** The pod's spec, labels or annotations changed since its worker's last sync (a status-only change is the kubelet's own report coming back). */
    podChanged: ({ context }, { pod }: { pod: Pod }) => {
      const worker = context.workers.get(objectKey(pod));
      return worker !== undefined && changedSince(worker, pod);
    },
    /** The worker was already told to terminate. */
    workerTerminating: ({ context }, { pod }: { pod: Pod }) => context.workers.get(objectKey(pod))?.killing === true,
    /** The report comes from the pod's current worker. */
    reportFromWorker: ({ context, event }) => fromWorker(context, event),
    /** The current worker reports its pod finished: it holds no resources any more (filterOutInactivePods). */
    workerFinished: ({ context, event }) => fromWorker(context, event) && event.type === 'pod.status' && (event.status.phase === 'Succeeded' || event.status.phase === 'Failed'),
    /** A worker's event is about the pod the kubelet has (same uid). */
    eventAboutKnownPod: ({ context, event }) => event.type === 'pod.event' && context.pods.store.get(reportKey(event))?.metadata?.uid === event.uid,
    /** The pod's status has something to write and no write in flight. */
    statusNeedsWrite: (_, { entry }: { entry: SM.PodStatusEntry | undefined }) => SM.needsWrite(entry),
    /** The last pass found pods above their local storage limits (localStorageEviction): they go, and nothing is reclaimed this pass. */
    localStorageExceeded: ({ context }) => (context.synchronized?.localStorage?.length ?? 0) > 0,
    /** The last pass found a threshold met past its grace period, with a resource to reclaim (getReclaimableThreshold). */
    resourceToReclaim: ({ context }) => context.synchronized?.reclaim !== undefined,
    /** The observed threshold calls for this region's node condition. */
    pressureOn: ({ event }, { condition }: { condition: EV.PressureConditionType }) => event.type === 'pressure.observed' && event.condition === condition,
    /** The final deletion was refused or not answered: the next beat tries again. */
    deletionFailed: ({ event }) => event.type === 'deletion.answered' && event.code !== 200 && event.code !== 404,
  },
  actions: {
    // ---- registration, lease, node status ------------------------------------------------------
    registerNode: ({ context }) => {
      const self = context.self;
      context.client.request(registerRequest(context.spec, context.port.timestamp()), (res) => self.send({ type: 'registration.answered', code: res.code }));
    },
    /** The Node was created just now with a fresh status. */
    noteNodeStatusWritten: assign({ lastNodeStatus: ({ context }) => context.port.now() }),
    /** The Node existed: write its status at the first beat. */
    noteNodeStatusUnwritten: assign({ lastNodeStatus: -Infinity }),
    watchPods: ({ context }) => context.pods.start(true),
    watchNode: ({ context }) => context.node.start(true),
    /** Tells the node machine the kubelet is up and registered. */
    announceRegistered: ({ context }) => context.port.send(nodeAddress(context.spec.name), { type: 'kubelet.registered' }),
    createLease: ({ context }) => {
      const self = context.self;
      context.client.request(createLeaseRequest(context.spec, context.port.timestamp()), (res) => self.send({ type: 'lease.answered', verb: 'create', code: res.code }));
    },
    renewLease: ({ context }) => {
      const self = context.self;
      context.client.request(renewLeaseRequest(context.spec, context.port.timestamp()), (res) => self.send({ type: 'lease.answered', verb: 'patch', code: res.code }));
    },
    reportNodeStatus: ({ context }) => {
      context.client.request(nodeStatusRequest(context.spec, context.port.timestamp(), context.pressure));
    },

    // ---- what comes in -------------------------------------------------------------------------
    handleResponse: ({ context, event }) => {
      if (event.type === 'api.response') context.client.handle(event);
    },
    handleWatch: ({ context, event }) => {
      assertEvent(event, ['watch.added', 'watch.modified', 'watch.deleted', 'watch.bookmark', 'watch.error', 'watch.closed']);
      if (!context.pods.handle(event)) context.node.handle(event);
    },
    /** The beat of the running kubelet: every region does its periodic part. */
    beat: raise({ type: 'kubelet.tick' }),

    // ---- pod workers ---------------------------------------------------------------------------
    /**
     * The kubelet's pod sync (HandlePodAdditions/Updates): a new pod that is the node's, not being
     * deleted, not finished, with its claims bound and its config sources read, and admitted, gets
     * a worker; a running worker gets the pod's changes, or is told to terminate.
     */
    syncPod: enqueueActions(({ context, event, enqueue, check }) => {
      const { run, decide } = named({ enqueue, check });
      const pod = podOf(context, event);
      if (!pod || !decide({ type: 'podIsMine', params: { pod } })) return;
      const key = objectKey(pod);
      if (decide({ type: 'workerReplaced', params: { pod } })) {
        // the old worker goes first; then the pod is synced again without it
        run({ type: 'stopWorker', params: { key } });
        enqueue.raise({ type: 'pod.resync', key });
        return;
      }
      if (context.workers.has(key)) {
        if (decide({ type: 'terminationRequested', params: { pod } })) {
          if (!decide({ type: 'workerTerminating', params: { pod } })) run({ type: 'terminateWorker', params: { pod } });
          return;
        }
        if (decide({ type: 'podChanged', params: { pod } })) run({ type: 'updateWorker', params: { pod } });
        // a container waits in CreateContainerConfigError: what its sources hold now goes to the worker
        if (context.configHolds.has(key)) run({ type: 'refreshWorkerConfig', params: { pod } });
        return;
      }
      if (decide({ type: 'terminationRequested', params: { pod } })) {
        // deleted before it started here: nothing runs, confirm the deletion
        run({ type: 'deletePod', params: { pod } });
        return;
      }
      if (decide({ type: 'podInactive', params: { pod } })) return;
      // the volume manager: a pod starts once every claim it uses is bound (machines/kubelet/volumes.ts)
      if (!context.volumes.ready(pod)) return;
      // the configmap and secret managers: what the pod's env and volumes read (config-sources.ts)
      const configData = context.configs.dataFor(pod);
      if (!configData) return;
      const hold = configHold(pod, configData);
      if (hold?.kind === 'mount') {
        run({ type: 'holdPod', params: { pod, hold } });
        return;
      }
      // an env reference that does not resolve does not hold the pod: its worker starts, the container fails to be created
      if (hold) run({ type: 'watchConfig', params: { pod, hold } });
      else if (context.configHolds.has(key)) run({ type: 'releasePod', params: { key } });
      else context.configs.forget(key);
      // admission: the node as the API server has it (labels, taints), the pods already admitted
      const node = context.node.store.get(context.spec.name);
      if (node && node !== context.admitted.node) context.admitted.setNode(node);
      if (decide({ type: 'podAdmitted', params: { pod } })) run({ type: 'startPodWorker', params: { pod, configData } });
      else run({ type: 'rejectPod', params: { pod } });
    }),
    /** Admission said yes: the pod's requests count on the node, it gets an IP and a worker, and its first sync. */
    startPodWorker: enqueueActions(({ context, enqueue }, { pod, configData }: { pod: Pod; configData: ConfigData }) => {
      const rec = podResourceRecord(pod);
      context.admitted.addPod(rec);
      // a hostNetwork pod (kube-proxy's) shares the node's network namespace: its IP is the node's
      const { ip, next } = pod.spec?.hostNetwork ? { ip: context.spec.address, next: context.nextIp } : allocateIp(context.spec.podCIDR, context.usedIps, context.nextIp);
      // the network its processes see: captured now, then refreshed by the pod worker (machines/kubelet/network.ts)
      const sourcesText = JSON.stringify(configData);
      const network = context.network && usesNetwork(pod, sourcesText) ? context.network.capture(pod, ip) : undefined;
      const ref = startWorker({ port: context.port, node: context.spec, kubelet: context.self, logic: context.podLogic, profile: context.profile, events: context.recorder.level, network: context.network, files: (p) => podFiles(context, p), logDirs: context.logDirs }, pod, ip, configData, network, network ? networkUsers(pod, sourcesText) : undefined);
      const worker: Worker = { ref, uid: pod.metadata!.uid!, address: podAddress(pod.metadata!.namespace!, pod.metadata!.name!), ip, killing: false, rec, spec: pod.spec, labels: pod.metadata?.labels, annotations: pod.metadata?.annotations };
      enqueue.assign({ workers: withWorker(context.workers, objectKey(pod), worker), usedIps: pod.spec?.hostNetwork ? context.usedIps : withItem(context.usedIps, ip, true), nextIp: next });
      context.port.send(worker.address, { type: 'pod.sync', pod });
    }),
    /** The pod changed (an image, labels, annotations): its worker syncs with it. */
    updateWorker: enqueueActions(({ context, enqueue }, { pod }: { pod: Pod }) => {
      const key = objectKey(pod);
      const worker = context.workers.get(key)!;
      enqueue.assign({ workers: withWorker(context.workers, key, { ...worker, spec: pod.spec, labels: pod.metadata?.labels, annotations: pod.metadata?.annotations }) });
      context.port.send(worker.address, { type: 'pod.sync', pod });
    }),
    /** The pod is being deleted: its worker terminates its containers with the grace period (once). */
    terminateWorker: enqueueActions(({ context, enqueue }, { pod }: { pod: Pod }) => {
      const key = objectKey(pod);
      const worker = context.workers.get(key)!;
      enqueue.assign({ workers: withWorker(context.workers, key, { ...worker, killing: true }) });
      context.port.send(worker.address, { type: 'pod.kill', gracePeriodSeconds: gracePeriodOf(pod), reason: 'deleted' });
    }),
    /** The worker stops (it terminated, or its pod is gone): its resources and IP are free. */
    stopWorker: enqueueActions(({ context, enqueue }, { key }: { key: string }) => {
      const worker = context.workers.get(key);
      if (!worker) return;
      stopWorker(context.port, worker);
      context.admitted.removePod(worker.rec);
      enqueue.assign({ workers: withWorker(context.workers, key, undefined), usedIps: withItem(context.usedIps, worker.ip, false) });
    }),
    /** A finished pod holds no resources any more (filterOutInactivePods). */
    releaseResources: ({ context, event }) => {
      if (event.type !== 'pod.status') return;
      const worker = context.workers.get(reportKey(event));
      if (worker) context.admitted.removePod(worker.rec);
    },
    /**
     * A pod whose volumes' ConfigMaps or Secrets do not resolve waits, its sandbox not created
     * (asked for again on every tick), with a FailedMount event for each distinct hold.
     */
    holdPod: enqueueActions(({ context, enqueue }, { pod, hold }: { pod: Pod; hold: ConfigHold }) => {
      const key = objectKey(pod);
      context.configs.waitFor(pod);
      if (context.configHolds.get(key) === hold.message) return;
      enqueue.assign({ configHolds: new Map(context.configHolds).set(key, hold.message) });
      context.recorder.record(pod, 'Warning', 'FailedMount', hold.message);
    }),
    /**
     * A container's env reference does not resolve: the pod starts (sandbox, pulls) and the
     * container waits in CreateContainerConfigError, retried at each sync of its worker; the
     * kubelet keeps reading the sources and hands the worker what they hold when they change.
     */
    watchConfig: enqueueActions(({ context, enqueue }, { pod, hold }: { pod: Pod; hold: ConfigHold }) => {
      const key = objectKey(pod);
      context.configs.waitFor(pod);
      if (context.configHolds.get(key) !== hold.message) enqueue.assign({ configHolds: new Map(context.configHolds).set(key, hold.message) });
    }),
    /** The sources of a pod whose container waits in CreateContainerConfigError were read again: its worker gets them. */
    refreshWorkerConfig: enqueueActions(({ context, enqueue, check }, { pod }: { pod: Pod }) => {
      const { run } = named({ enqueue, check });
      const configData = context.configs.dataFor(pod);
      if (!configData) return;
      const hold = configHold(pod, configData);
      if (hold) run({ type: 'watchConfig', params: { pod, hold } });
      else run({ type: 'releasePod', params: { key: objectKey(pod) } });
      context.port.send(context.workers.get(objectKey(pod))!.address, { type: 'pod.config', configData });
    }),
    /** What held the pod back resolved. */
    releasePod: enqueueActions(({ context, enqueue }, { key }: { key: string }) => {
      context.configs.forget(key);
      const holds = new Map(context.configHolds);
      holds.delete(key);
      enqueue.assign({ configHolds: holds });
    }),
    /** Admission said no (`rejectPod`): a Warning event, and the pod is reported Failed without starting. */
    rejectPod: enqueueActions(({ context, enqueue, check }, { pod }: { pod: Pod }) => {
      const { decide } = named({ enqueue, check });
      const verdict = kubeletAdmit(context, pod);
      const reason = verdict.admit ? 'UnexpectedAdmissionError' : verdict.reason;
      const message = verdict.admit ? 'admission changed its mind' : verdict.message;
      const uid = pod.metadata!.uid!;
      enqueue.assign({ rejected: withItem(context.rejected, uid, true) });
      context.recorder.record(pod, 'Warning', reason, message);
      putStatus(context, objectKey(pod), SM.fresh(uid, rejectedStatus(reason, message)), enqueue, decide);
    }),
    /** The pod is gone from the API (deleted for good): its worker stops at once if it still runs; the kubelet forgets it. */
    forgetPod: enqueueActions(({ context, event, enqueue, check }) => {
      const { run } = named({ enqueue, check });
      if (event.type !== 'pod.deleted') return;
      const pod = event.pod;
      const key = objectKey(pod);
      const uid = pod.metadata?.uid ?? '';
      if (context.workers.get(key)?.uid === uid) run({ type: 'stopWorker', params: { key } });
      context.volumes.forget(key);
      context.configs.forget(key);
      context.configs.forgetTokens(uid);
      // the kubelet removes the pod's directory (its emptyDir volumes) and the runtime its containers (their layers)
      context.disk.forgetPod(uid);
      // the container garbage collector removes the pod's log directory
      context.logDirs.removePod(uid);
      const holds = new Map(context.configHolds);
      holds.delete(key);
      const evictions = new Map(context.evictions);
      evictions.delete(key);
      enqueue.assign({ rejected: withItem(context.rejected, uid, false), configHolds: holds, evictions });
    }),
    /** A pod worker's event (Pulling, Created, Started, Killing, BackOff, Unhealthy, ...), recorded about the pod. */
    recordPodEvent: ({ context, event }) => {
      if (event.type !== 'pod.event') return;
      const pod = context.pods.store.get(reportKey(event))!;
      context.recorder.record(pod, event.eventType, event.reason, event.message, undefined, event.fieldPath);
    },

    // ---- the status manager --------------------------------------------------------------------
    /** The worker's latest status: it replaces whatever was not written yet. */
    recordPodStatus: enqueueActions(({ context, event, enqueue, check }) => {
      const { decide } = named({ enqueue, check });
      if (event.type !== 'pod.status') return;
      const key = reportKey(event);
      putStatus(context, key, SM.reported(context.statuses.get(key), event.uid, statusOf(context, key, event.uid, event.status)), enqueue, decide);
    }),
    /** The worker stopped: its final status is written (then the pod is deleted), if the pod is still there. */
    recordFinalStatus: enqueueActions(({ context, event, enqueue, check }) => {
      const { decide } = named({ enqueue, check });
      if (event.type !== 'pod.terminated') return;
      const key = reportKey(event);
      const pod = context.pods.store.get(key);
      if (pod?.metadata?.uid === event.uid) putStatus(context, key, SM.finalStatus(context.statuses.get(key), event.uid, statusOf(context, key, event.uid, event.status)), enqueue, decide);
      else if (context.statuses.has(key)) enqueue.assign({ statuses: SM.withEntry(context.statuses, key, undefined) });
    }),
    /** One write per pod at a time: the latest status, as a merge patch of pods/status. */
    writePodStatus: enqueueActions(({ context, enqueue, check }, { key }: { key: string }) => {
      const { decide } = named({ enqueue, check });
      putStatus(context, key, context.statuses.get(key), enqueue, decide);
    }),
    /** A write is answered: the next one goes, or, for the final status, the pod is deleted. */
    statusAnswered: enqueueActions(({ context, event, enqueue, check }) => {
      const { run, decide } = named({ enqueue, check });
      if (event.type !== 'status.answered') return;
      const current = context.statuses.get(event.key);
      if (!current) return;
      const entry = SM.answered(current, event.code, event.status);
      if (entry.final && !entry.dirty) {
        // the stopped pod's final status is written: remove the pod
        enqueue.assign({ statuses: SM.withEntry(context.statuses, event.key, undefined) });
        const pod = context.pods.store.get(event.key);
        if (pod?.metadata?.uid === entry.uid && pod.metadata.deletionTimestamp) run({ type: 'deletePod', params: { pod } });
        return;
      }
      putStatus(context, event.key, entry, enqueue, decide);
    }),
    /**
     * The status manager's reconcile at each beat: where the API server's copy of a pod disagrees
     * with what the worker last reported (someone else marked it not Ready), write it again.
     */
    reconcileStatuses: enqueueActions(({ context, enqueue, check }) => {
      const { run } = named({ enqueue, check });
      let statuses: Map<string, SM.PodStatusEntry> | undefined;
      for (const [key, entry] of context.statuses) {
        if (!entry.dirty && SM.disagrees(entry, context.pods.store.get(key)?.status)) (statuses ??= new Map(context.statuses)).set(key, { ...entry, dirty: true });
      }
      if (statuses) enqueue.assign({ statuses });
      for (const [key, entry] of statuses ?? context.statuses) if (SM.needsWrite(entry)) run({ type: 'writePodStatus', params: { key } });
    }),
    /** The pod is gone: the status manager forgets it. */
    forgetPodStatus: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'pod.deleted') return;
      const key = objectKey(event.pod);
      enqueue.assign({ statuses: SM.withEntry(context.statuses, key, undefined), deleting: withItem(context.deleting, event.pod.metadata?.uid ?? '', false) });
    }),
    /** Removes a pod the kubelet has stopped: DELETE with grace 0 and the uid as precondition (once at a time). */
    deletePod: enqueueActions(({ context, enqueue }, { pod }: { pod: Pod }) => {
      const uid = pod.metadata!.uid!;
      if (context.deleting.has(uid)) return;
      enqueue.assign({ deleting: withItem(context.deleting, uid, true) });
      const self = context.self;
      context.client.request(
        {
          verb: 'delete',
          resource: 'pods',
          namespace: pod.metadata!.namespace,
          name: pod.metadata!.name,
          query: { gracePeriodSeconds: 0 },
          body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } },
        },
        (res) => self.send({ type: 'deletion.answered', uid, code: res.code }),
      );
    }),
    /** The deletion failed: the next beat tries again. */
    forgetDeletion: assign({ deleting: ({ context, event }) => (event.type === 'deletion.answered' ? withItem(context.deleting, event.uid, false) : context.deleting) }),
    /** A stopped pod whose final delete failed (etcd down, a timeout) is deleted again. */
    retryDeletions: enqueueActions(({ context, enqueue, check }) => {
      const { run } = named({ enqueue, check });
      for (const [key, pod] of context.pods.store) {
        if (pod.metadata?.deletionTimestamp && !context.workers.has(key) && !context.deleting.has(pod.metadata.uid!)) run({ type: 'deletePod', params: { pod } });
      }
    }),

    // ---- the eviction manager ------------------------------------------------------------------
    /**
     * synchronize: the signals from the usage of the containers of the pods it runs
     * (makeSignalObservations), the thresholds met and since when, and `pressure.observed` for
     * each node condition they call for.
     */
    synchronize: enqueueActions(({ context, enqueue }) => {
      const active = [...context.workers.keys()].sort().flatMap((key) => context.pods.store.get(key) ?? []);
      const now = context.port.now();
      const observations = EV.observe(nodeMachine(context.spec), {
        usage: context.profile.usage ?? DEFAULT_USAGE,
        rng: context.metricsRng,
        now,
        timestampAt: (ms) => context.port.timestamp(ms - now),
        timeOf: (ts) => context.port.timeOf(ts),
      }, active);
      const sync = EV.synchronize(context.config, observations, context.evictionState, now);
      const localStorage = EV.localStorageViolations(EV.evictionCandidates(context), observations);
      const synchronized = localStorage.length > 0 ? { ...sync, localStorage } : sync;
      enqueue.assign({ observations, synchronized, evictionState: synchronized.state });
      for (const condition of synchronized.conditions) enqueue.raise({ type: 'pressure.observed', condition });
    }),
    /**
     * Evicts one pod for the starved resource (synchronize): an EvictionThresholdMet event on the
     * node, then the first of the active pods, in the ranking for the resource, that is not
     * critical and not already stopping. An Evicted event; from now on its status is
     * Failed/Evicted with DisruptionTarget; its worker kills it with the eviction grace period
     * (1 s for a hard threshold; for a soft one evictionMaxPodGracePeriod, or the pod's own if shorter).
     */
    evictPod: enqueueActions(({ context, enqueue, check }) => {
      const obs = context.observations!;
      const { reclaim, thresholds } = context.synchronized!;
      const { threshold, resource } = reclaim!;
      context.recorder.record(nodeRef(context), 'Warning', 'EvictionThresholdMet', `Attempting to reclaim ${resource}`);
      const pod = EV.rank(resource, EV.evictionCandidates(context), obs)[0];
      if (pod) evict(context, named({ enqueue, check }).decide, enqueue, [{ pod, message: EV.evictionMessage(resource, pod, thresholds, obs), grace: EV.evictionGracePeriod(context.config, threshold, pod), disruptionTarget: true }]);
    }),
    /** localStorageEviction: every pod above its local storage limit, with the hard-eviction grace period and no DisruptionTarget. */
    evictForLocalStorage: enqueueActions(({ context, enqueue, check }) => {
      const evictions = context.synchronized!.localStorage!.map(({ pod, message }) => ({ pod, message, grace: EV.IMMEDIATE_EVICTION_GRACE_PERIOD_SECONDS, disruptionTarget: false }));
      evict(context, named({ enqueue, check }).decide, enqueue, evictions);
    }),
    /** A pressure condition turns True (the node status setter records NodeHasInsufficientMemory, NodeHasDiskPressure, NodeHasInsufficientPID); the status is written at the next beat. */
    notePressure: enqueueActions(({ context, enqueue }, { condition }: { condition: EV.PressureConditionType }) => {
      enqueue.assign({ pressure: { ...context.pressure, [condition]: { status: true, since: context.port.timestamp() } }, lastNodeStatus: -Infinity });
      const reason = EV.PRESSURE_EVENTS[condition][0];
      context.recorder.record(nodeRef(context), 'Normal', reason, `Node ${context.spec.name} status is now: ${reason}`);
    }),
    /** No threshold for the condition met for the transition period: it turns False (NodeHasSufficientMemory, NodeHasNoDiskPressure, NodeHasSufficientPID). */
    notePressureRelieved: enqueueActions(({ context, enqueue }, { condition }: { condition: EV.PressureConditionType }) => {
      enqueue.assign({ pressure: { ...context.pressure, [condition]: { status: false, since: context.port.timestamp() } }, lastNodeStatus: -Infinity });
      const reason = EV.PRESSURE_EVENTS[condition][1];
      context.recorder.record(nodeRef(context), 'Normal', reason, `Node ${context.spec.name} status is now: ${reason}`);
    }),

    // ---- housekeeping --------------------------------------------------------------------------
    housekeeping: ({ context }) => {
      context.client.sweep();
      context.pods.tick();
      context.node.tick();
      context.volumes.tick();
      context.configs.tick((key) => context.pods.store.get(key));
    },
    /** A pod worker failed: its error goes to the kernel under the worker's address. */
    reportWorkerError: ({ context, event }) => context.port.reportChildError(event as unknown as { type: string; error?: unknown }),
    stopAll: ({ context }) => {
      for (const worker of [...context.workers.values()]) stopWorker(context.port, worker);
      context.pods.stop();
      context.node.stop();
    },
  },
}).createMachine({
  id: 'kubelet',
  context: ({ input, self }) => createContext(input, self),
  exit: 'stopAll',
  initial: 'registering',
  on: {
    ...apiClientTransitions('handleResponse', 'handleWatch'),
    'xstate.error.actor.*': { actions: 'reportWorkerError' },
  },
  states: {
    registering: {
      entry: 'registerNode',
      on: {
        'registration.answered': [
          { guard: 'registrationAccepted', target: 'running', actions: 'noteNodeStatusWritten' },
          { guard: 'alreadyRegistered', target: 'running', actions: 'noteNodeStatusUnwritten' },
        ],
      },
      after: { registerRetry: { target: 'registering', reenter: true } },
    },
    running: {
      type: 'parallel',
      entry: ['watchPods', 'watchNode', 'announceRegistered'],
      states: {
        heartbeat: {
          initial: 'beating',
          states: {
            beating: {
              entry: 'beat',
              after: { leaseRenew: { target: 'beating', reenter: true } },
            },
          },
        },
        lease: {
          initial: 'creating',
          states: {
            creating: {
              on: {
                'kubelet.tick': { actions: 'createLease' },
                'lease.answered': { guard: 'leaseAcquired', target: 'renewing' },
              },
            },
            renewing: {
              on: {
                'kubelet.tick': { actions: 'renewLease' },
                'lease.answered': { guard: 'leaseMissing', target: 'creating' },
              },
            },
          },
        },
        nodeStatus: {
          initial: 'current',
          states: {
            current: {
              on: {
                'kubelet.tick': { guard: 'nodeStatusDue', actions: ['reportNodeStatus', 'noteNodeStatusWritten'] },
                'node.added': { guard: 'nodeMarkedNotReady', target: 'stale' },
                'node.updated': { guard: 'nodeMarkedNotReady', target: 'stale' },
              },
            },
            stale: {
              on: { 'kubelet.tick': { target: 'current', actions: ['reportNodeStatus', 'noteNodeStatusWritten'] } },
            },
          },
        },
        podWorkers: {
          on: {
            'pod.added': { actions: 'syncPod' },
            'pod.updated': { actions: 'syncPod' },
            'pod.resync': { actions: 'syncPod' },
            'pod.deleted': { actions: 'forgetPod' },
            'pod.status': { guard: 'workerFinished', actions: 'releaseResources' },
            'pod.terminated': { guard: 'reportFromWorker', actions: { type: 'stopWorker', params: ({ event }) => ({ key: reportKey(event) }) } },
            'pod.event': { guard: 'eventAboutKnownPod', actions: 'recordPodEvent' },
          },
        },
        statusManager: {
          on: {
            'pod.status': { guard: 'reportFromWorker', actions: 'recordPodStatus' },
            'pod.terminated': { guard: 'reportFromWorker', actions: 'recordFinalStatus' },
            'pod.deleted': { actions: 'forgetPodStatus' },
            'status.answered': { actions: 'statusAnswered' },
            'deletion.answered': { guard: 'deletionFailed', actions: 'forgetDeletion' },
            'kubelet.tick': { actions: ['reconcileStatuses', 'retryDeletions'] },
          },
        },
        housekeeping: {
          on: { 'kubelet.tick': { actions: 'housekeeping' } },
        },
        evictionManager: {
          type: 'parallel',
          states: {
            monitoring: {
              initial: 'waiting',
              states: {
                waiting: { after: { evictionMonitoringPeriod: 'synchronizing' } },
                synchronizing: {
                  entry: 'synchronize',
                  always: [
                    { guard: 'localStorageExceeded', target: 'waiting', actions: 'evictForLocalStorage' },
                    { guard: 'resourceToReclaim', target: 'waiting', actions: 'evictPod' },
                    { target: 'waiting' },
                  ],
                },
              },
            },
            memoryPressure: EV.pressureRegion('MemoryPressure'),
            diskPressure: EV.pressureRegion('DiskPressure'),
            pidPressure: EV.pressureRegion('PIDPressure'),
          },
        },
      },
    },
  },
});
