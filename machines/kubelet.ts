/**
 * The kubelet, one per node: registers its Node (capacity, allocatable, addresses), renews its
 * Lease every 10 s and reports NodeStatus, watches the pods bound to its node (and only those),
 * admits each new pod against its node as kubelet admission does (resources, node affinity, NoExecute
 * taints: a pod that does not fit is reported Failed with `OutOfcpu`, `NodeAffinity`, ...),
 * runs one pod worker actor per admitted pod, reports each pod's status to the API server, and stops pods
 * gracefully (terminationGracePeriodSeconds) when they are deleted, then removes them.
 */
import { setup, type AnyActorLogic, type AnyActorRef } from 'xstate';
import type { Node, Pod, PodStatus, Taint } from '../src/api/types.js';
import { Port } from '../src/kernel/port.js';
import type { Profile } from '../src/profiles/profile.js';
import type { ApiResponse, PodEventReport, PodStatusReport, PodTerminated, WatchClosed, WatchEvent } from './protocol.js';
import { nodeAddress, podAddress, runtimeAddress } from './protocol.js';
import { ApiClient, isSuccess } from './client/api-client.js';
import { Informer, objectKey } from './client/informer.js';
import { EventRecorder, type EventLevel } from './client/events.js';
import { reportChildError, startComponent, stopComponent } from './client/components.js';
import { podMachine } from './pod.js';
import { apiClientTransitions } from './client/transitions.js';
import { podResourceRecord, type NodeInfo, type PodResourceRecord } from './scheduler/framework.js';
import { admissionNodeInfo, admitPod, rejectedStatus } from './kubelet/admission.js';
import { ClaimWaiter } from './kubelet/volumes.js';
import { configErrorStatus, configHold, ConfigSources, type ConfigData } from './kubelet/config-sources.js';

/** The machine a node is: its name, size, labels and taints. */
export interface NodeSpec {
  name: string;
  /** Capacity (`cpu: '4'`, `memory: '16Gi'`, `pods: '110'`, `ephemeral-storage`). */
  capacity: Record<string, string>;
  /** Allocatable; defaults to capacity less system reservations (100m cpu, 256Mi memory). */
  allocatable?: Record<string, string>;
  labels?: Record<string, string>;
  taints?: Taint[];
  /** The node's internal IP. */
  address: string;
  /** The pod CIDR (`10.244.1.0/24`); pod IPs come from it. */
  podCIDR: string;
  /** True for control-plane nodes (they get the control-plane role label and taint). */
  controlPlane?: boolean;
}

/** Input of the kubelet machine. */
export interface KubeletInput {
  port: Port;
  node: NodeSpec;
  /** Bearer token of `system:node:<name>`. */
  token: string;
  profile: Profile;
  apiServer?: string;
  events?: EventLevel;
  /** The pod worker logic (default: machines/pod.ts). */
  podLogic?: AnyActorLogic;
}

interface Worker {
  ref: AnyActorRef;
  uid: string;
  address: string;
  ip: string;
  /** Set once the kubelet asked it to stop. */
  killing: boolean;
  /** Its requests, counted in the kubelet's admission until the worker stops. */
  rec: PodResourceRecord;
  /** What the worker was last synced with (objects from the API are immutable, so identity tells a change). */
  spec: Pod['spec'];
  labels: unknown;
  annotations: unknown;
}

/** Context of the kubelet. */
export interface KubeletContext {
  port: Port;
  spec: NodeSpec;
  client: ApiClient;
  recorder: EventRecorder;
  profile: Profile;
  podLogic: AnyActorLogic;
  pods: Informer<Pod>;
  /** The kubelet's own Node as the API server has it (to notice when someone else marked it not ready). */
  node: Informer<Node>;
  workers: Map<string, Worker>;
  /** The node and the requests of the pods admitted on it (admission checks new pods against it). */
  admitted: NodeInfo;
  /** Uids of the pods admission rejected (reported Failed; never started). */
  rejected: Set<string>;
  /** Pods waiting for their PersistentVolumeClaims to be bound before they start. */
  volumes: ClaimWaiter;
  /** The ConfigMaps and Secrets the pods read, and the pods waiting for them (machines/kubelet/config-sources.ts). */
  configs: ConfigSources;
  /** Per pod, the last thing that held it back (warned once). */
  configHolds: Map<string, string>;
  /**
   * Last status reported per pod, and whether a report is in flight; `final` once the pod's
   * worker has stopped (its last status, then the pod's removal).
   */
  statuses: Map<string, { status: PodStatus; uid: string; sent?: PodStatus; inFlight: boolean; dirty: boolean; final?: boolean }>;
  registered: boolean;
  leaseExists: boolean;
  lastNodeStatus: number;
  usedIps: Set<string>;
  nextIp: number;
  /** The kubelet actor itself, parent of its pod workers (an object shared with the informer's handlers). */
  owner: { self: AnyActorRef | undefined; deleting: Set<string>; statusStale: boolean };
}

/** Events of the kubelet. */
export type KubeletEvent = ApiResponse | WatchEvent | WatchClosed | PodStatusReport | PodTerminated | PodEventReport;

const NODE_LEASE_NS = 'kube-node-lease';

/** The Node object the kubelet registers. */
export function nodeObject(spec: NodeSpec, now: string, ready = true): Node {
  const allocatable = spec.allocatable ?? spec.capacity;
  const labels: Record<string, string> = {
    'kubernetes.io/hostname': spec.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'beta.kubernetes.io/os': 'linux',
    'beta.kubernetes.io/arch': 'amd64',
    ...(spec.controlPlane ? { 'node-role.kubernetes.io/control-plane': '' } : {}),
    ...(spec.labels ?? {}),
  };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: spec.name, labels, annotations: { 'node.alpha.kubernetes.io/ttl': '0' } },
    spec: { podCIDR: spec.podCIDR, podCIDRs: [spec.podCIDR], ...(spec.taints && spec.taints.length > 0 ? { taints: spec.taints } : {}) },
    status: {
      capacity: spec.capacity,
      allocatable,
      conditions: nodeConditions(now, ready),
      addresses: [
        { type: 'InternalIP', address: spec.address },
        { type: 'Hostname', address: spec.name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        machineID: spec.name,
        systemUUID: spec.name,
        bootID: spec.name,
        kernelVersion: '6.1.0-kube-actors',
        osImage: 'kube-actors simulated node',
        containerRuntimeVersion: 'containerd://1.7.0-sim',
        kubeletVersion: 'v1.32.0-sim',
        kubeProxyVersion: 'v1.32.0-sim',
        operatingSystem: 'linux',
        architecture: 'amd64',
      },
    },
  };
}

function nodeConditions(now: string, ready: boolean) {
  const ok = (type: string, reason: string, message: string) => ({ type, status: 'False', lastHeartbeatTime: now, lastTransitionTime: now, reason, message });
  return [
    ok('MemoryPressure', 'KubeletHasSufficientMemory', 'kubelet has sufficient memory available'),
    ok('DiskPressure', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    ok('PIDPressure', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    {
      type: 'Ready',
      status: ready ? 'True' : 'False',
      lastHeartbeatTime: now,
      lastTransitionTime: now,
      reason: ready ? 'KubeletReady' : 'KubeletNotReady',
      message: ready ? 'kubelet is posting ready status' : 'container runtime is down',
    },
  ];
}

function allocateIp(ctx: KubeletContext): string {
  const base = ctx.spec.podCIDR.split('/')[0]!.split('.').slice(0, 3).join('.');
  for (let i = 0; i < 253; i++) {
    const n = 2 + ((ctx.nextIp + i) % 253);
    const ip = `${base}.${n}`;
    if (!ctx.usedIps.has(ip)) {
      ctx.nextIp = (ctx.nextIp + i + 1) % 253;
      ctx.usedIps.add(ip);
      return ip;
    }
  }
  return `${base}.255`;
}

function createContext(input: KubeletInput): KubeletContext {
  const client = new ApiClient(input.port, input.token, { apiServer: input.apiServer });
  const ctx = {
    port: input.port,
    spec: input.node,
    client,
    recorder: new EventRecorder(client, 'kubelet', input.node.name, input.events ?? 'all'),
    profile: input.profile,
    podLogic: input.podLogic ?? podMachine,
    workers: new Map(),
    admitted: admissionNodeInfo(nodeObject(input.node, input.port.timestamp())),
    rejected: new Set(),
    statuses: new Map(),
    registered: false,
    leaseExists: false,
    lastNodeStatus: -Infinity,
    usedIps: new Set(),
    nextIp: 0,
    owner: { self: undefined, deleting: new Set(), statusStale: false },
  } as Omit<KubeletContext, 'pods' | 'node' | 'volumes' | 'configs' | 'configHolds'> as KubeletContext;
  // as tryUpdateNodeStatus: when the server's copy says the node is not Ready (the node
  // lifecycle controller marked it Unknown during a partition), post the real status at the next beat
  const checkNode = (node: Node) => {
    const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
    if (ready?.status !== 'True') ctx.owner.statusStale = true;
  };
  ctx.node = new Informer<Node>(client, { resource: 'nodes', fieldSelector: `metadata.name=${input.node.name}` }, { onAdd: checkNode, onUpdate: (_old, node) => checkNode(node) });
  ctx.volumes = new ClaimWaiter(
    client,
    (key) => {
      const pod = ctx.pods.store.get(key);
      if (pod) syncPod(ctx, pod);
    },
    (key, _claim, message) => {
      const pod = ctx.pods.store.get(key);
      if (pod) ctx.recorder.record(pod, 'Warning', 'FailedMount', `Unable to attach or mount volumes: ${message}`);
    },
  );
  ctx.configs = new ConfigSources(client, (key) => {
    const pod = ctx.pods.store.get(key);
    if (pod) syncPod(ctx, pod);
  });
  ctx.configHolds = new Map();
  ctx.pods = new Informer<Pod>(client, { resource: 'pods', fieldSelector: `spec.nodeName=${input.node.name}` }, {
    onAdd: (pod) => syncPod(ctx, pod),
    onUpdate: (_old, pod) => syncPod(ctx, pod),
    onDelete: (pod) => forgetPod(ctx, pod),
  });
  return ctx;
}

/** The kubelet's pod sync: start a worker for a new pod, hand it updates, ask it to stop when deleted. */
function syncPod(ctx: KubeletContext, pod: Pod): void {
  const key = objectKey(pod);
  let worker = ctx.workers.get(key);
  if (worker && worker.uid !== pod.metadata?.uid) {
    // a new pod with the same name: the old worker goes
    stopWorker(ctx, key, worker);
    worker = undefined;
  }
  const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
  if (!worker) {
    if (pod.metadata?.deletionTimestamp) {
      // deleted before it started here: nothing runs, confirm the deletion
      finishDeletion(ctx, pod);
      return;
    }
    if (terminal || ctx.rejected.has(pod.metadata!.uid!)) return;
    // the volume manager: a pod starts once every claim it uses is bound (machines/kubelet/volumes.ts)
    if (!ctx.volumes.ready(pod)) return;
    // the configmap and secret managers: what the pod's env and volumes read (config-sources.ts)
    const configData = ctx.configs.dataFor(pod);
    if (!configData || holdForConfig(ctx, key, pod, configData)) return;
    // admission: the node as the API server has it (labels, taints), the pods already admitted
    const node = ctx.node.store.get(ctx.spec.name);
    if (node && node !== ctx.admitted.node) ctx.admitted.setNode(node);
    const verdict = admitPod(pod, ctx.admitted);
    if (!verdict.admit) {
      reject(ctx, key, pod, verdict.reason, verdict.message);
      return;
    }
    const rec = podResourceRecord(pod);
    ctx.admitted.addPod(rec);
    const address = podAddress(pod.metadata!.namespace!, pod.metadata!.name!);
    const ip = allocateIp(ctx);
    const ref = startComponent(ctx.port.kernel, ctx.owner.self!, ctx.podLogic, {
      address,
      host: ctx.spec.name,
      // one observer fewer per pod: the kubelet reports its workers' errors (`reportWorkerError`)
      errors: 'parent',
      input: {
        port: new Port(ctx.port.kernel, address, ctx.port.kernel.fork(`pod/${pod.metadata!.uid}`)),
        pod,
        node: ctx.spec.name,
        kubelet: ctx.port.address,
        runtime: runtimeAddress(ctx.spec.name),
        podIP: ip,
        hostIP: ctx.spec.address,
        profile: ctx.profile,
        events: ctx.recorder.level,
        configData,
      } as never,
    });
    worker = { ref, uid: pod.metadata!.uid!, address, ip, killing: false, rec, spec: pod.spec, labels: pod.metadata?.labels, annotations: pod.metadata?.annotations };
    ctx.workers.set(key, worker);
    ctx.port.send(address, { type: 'pod.sync', pod });
    return;
  }
  if (pod.metadata?.deletionTimestamp) {
    if (!worker.killing) {
      worker.killing = true;
      const grace = pod.metadata.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
      ctx.port.send(worker.address, { type: 'pod.kill', gracePeriodSeconds: grace, reason: 'deleted' });
    }
    return;
  }
  // a status-only change (often the kubelet's own report coming back) needs no sync
  if (pod.spec === worker.spec && pod.metadata?.labels === worker.labels && pod.metadata?.annotations === worker.annotations) return;
  worker.spec = pod.spec;
  worker.labels = pod.metadata?.labels;
  worker.annotations = pod.metadata?.annotations;
  ctx.port.send(worker.address, { type: 'pod.sync', pod });
}

/**
 * A pod whose ConfigMaps or Secrets do not resolve waits (asked for again on every tick): a volume
 * records FailedMount; an env reference puts the container in CreateContainerConfigError, with a
 * Failed event. Each distinct hold is told once. Returns true while the pod is held.
 */
function holdForConfig(ctx: KubeletContext, key: string, pod: Pod, data: ConfigData): boolean {
  const hold = configHold(pod, data);
  if (!hold) {
    ctx.configs.forget(key);
    ctx.configHolds.delete(key);
    return false;
  }
  ctx.configs.waitFor(pod);
  if (ctx.configHolds.get(key) === hold.message) return true;
  ctx.configHolds.set(key, hold.message);
  if (hold.kind === 'mount') {
    ctx.recorder.record(pod, 'Warning', 'FailedMount', hold.message);
    return true;
  }
  const init = pod.spec?.initContainers?.some((c) => c.name === hold.container);
  ctx.recorder.record(pod, 'Warning', 'Failed', `Error: ${hold.message}`, undefined, `${init ? 'spec.initContainers' : 'spec.containers'}{${hold.container}}`);
  ctx.statuses.set(key, { status: configErrorStatus(pod, hold, ctx.spec.address, ctx.port.timestamp()), uid: pod.metadata!.uid!, inFlight: false, dirty: true });
  pushStatus(ctx, key);
  return true;
}

/** Admission said no (`rejectPod`): a Warning event, and the pod is reported Failed without starting. */
function reject(ctx: KubeletContext, key: string, pod: Pod, reason: string, message: string): void {
  const uid = pod.metadata!.uid!;
  ctx.rejected.add(uid);
  ctx.recorder.record(pod, 'Warning', reason, message);
  ctx.statuses.set(key, { status: rejectedStatus(reason, message), uid, inFlight: false, dirty: true });
  pushStatus(ctx, key);
}

/** The pod is gone from the API (deleted for good): stop its worker at once if it still runs. */
function forgetPod(ctx: KubeletContext, pod: Pod): void {
  const key = objectKey(pod);
  const worker = ctx.workers.get(key);
  if (worker && worker.uid === pod.metadata?.uid) stopWorker(ctx, key, worker);
  ctx.rejected.delete(pod.metadata?.uid ?? '');
  ctx.volumes.forget(key);
  ctx.configs.forget(key);
  ctx.configHolds.delete(key);
  ctx.statuses.delete(key);
  ctx.owner.deleting.delete(pod.metadata?.uid ?? '');
}

function stopWorker(ctx: KubeletContext, key: string, worker: Worker): void {
  stopComponent(ctx.port.kernel, worker.address, worker.ref);
  ctx.admitted.removePod(worker.rec);
  ctx.usedIps.delete(worker.ip);
  ctx.workers.delete(key);
}

/** Removes a pod the kubelet has stopped: DELETE with grace 0 and the uid as precondition. */
function finishDeletion(ctx: KubeletContext, pod: Pod): void {
  const uid = pod.metadata!.uid!;
  if (ctx.owner.deleting.has(uid)) return;
  ctx.owner.deleting.add(uid);
  ctx.client.request({
    verb: 'delete',
    resource: 'pods',
    namespace: pod.metadata!.namespace,
    name: pod.metadata!.name,
    query: { gracePeriodSeconds: 0 },
    body: { apiVersion: 'v1', kind: 'DeleteOptions', gracePeriodSeconds: 0, preconditions: { uid } },
  }, (res) => {
    // gone (200 or 404): forget it; anything else: let the next sync try again
    if (res.code !== 200 && res.code !== 404) ctx.owner.deleting.delete(uid);
  });
}

function readyOf(status: PodStatus): string | undefined {
  return status.conditions?.find((c) => c.type === 'Ready')?.status;
}

/** The status manager: send the latest status of a pod, one request at a time per pod. */
function pushStatus(ctx: KubeletContext, key: string): void {
  const entry = ctx.statuses.get(key);
  if (!entry || entry.inFlight || !entry.dirty) return;
  const [namespace, name] = key.split('/');
  entry.inFlight = true;
  entry.dirty = false;
  let status = entry.status;
  // a pod's phase never goes back: a fresh worker (after the node restarted) computes Pending
  // while its containers start again, but the pod stays Running; terminal phases stay terminal.
  // Pending is never written: every pod starts Pending (the API server sets it), and the copy
  // of the pod at hand may be older than etcd's (a relist from a watch cache that lags after an
  // etcd outage), so writing it could take a Running pod back
  const server = ctx.pods.store.get(key)?.status?.phase;
  if ((server === 'Succeeded' || server === 'Failed') && status.phase !== server) status = { ...status, phase: server };
  else if (status.phase === 'Pending') {
    const { phase: _pending, ...rest } = status;
    status = rest;
  }
  ctx.client.request(
    { verb: 'patch', resource: 'pods', subresource: 'status', namespace, name, query: { patchType: 'merge' }, body: { metadata: { uid: entry.uid }, status } },
    (res) => {
      const current = ctx.statuses.get(key);
      if (!current) return;
      current.inFlight = false;
      if (isSuccess(res)) current.sent = status;
      else if (res.code !== 404) current.dirty = true; // try again on the next report or tick
      if (current.final && !current.dirty) {
        // the stopped pod's final status is written: remove the pod
        ctx.statuses.delete(key);
        const pod = ctx.pods.store.get(key);
        if (pod?.metadata?.uid === current.uid && pod.metadata.deletionTimestamp) finishDeletion(ctx, pod);
        return;
      }
      pushStatus(ctx, key);
    },
  );
}

/** The kubelet machine of one node (address `kubelet/<node>`): `registering`, then `running`. */
export const kubeletMachine = setup({
  types: {
    input: {} as KubeletInput,
    context: {} as KubeletContext,
    events: {} as KubeletEvent,
  },
  delays: {
    /** Node lease renewal (kubelet: 10 s). */
    leaseRenew: ({ context }) => context.profile.kubelet.leaseRenewMs,
    /** Retry of a failed registration. */
    registerRetry: 1_000,
  },
  guards: {
    registered: ({ context }) => context.registered,
  },
  actions: {
    registerNode: ({ context }) => {
      const node = nodeObject(context.spec, context.port.timestamp());
      context.client.request({ verb: 'create', resource: 'nodes', body: node }, (res) => {
        if (isSuccess(res)) {
          context.registered = true;
          context.lastNodeStatus = context.port.now();
        } else if (res.code === 409) {
          // already registered (a restart): update its status instead
          context.registered = true;
          context.lastNodeStatus = -Infinity;
        }
      });
    },
    startWatch: ({ context }) => {
      context.pods.start(true);
      context.node.start(true);
      // tell the node machine the kubelet is up and registered
      context.port.send(nodeAddress(context.spec.name), { type: 'kubelet.registered' });
    },
    onResponse: ({ context, event }) => {
      context.client.handle(event as ApiResponse);
    },
    onWatch: ({ context, event, self }) => {
      // pod workers started while handling this event join this kubelet's actor system
      context.owner.self = self;
      if (!context.pods.handle(event as WatchEvent | WatchClosed)) context.node.handle(event as WatchEvent | WatchClosed);
    },
    onPodStatus: ({ context, event }) => {
      const e = event as PodStatusReport;
      const key = `${e.namespace}/${e.name}`;
      const worker = context.workers.get(key);
      if (!worker || worker.uid !== e.uid) return;
      // a finished pod holds no resources any more (filterOutInactivePods)
      if (e.status.phase === 'Succeeded' || e.status.phase === 'Failed') context.admitted.removePod(worker.rec);
      const entry = context.statuses.get(key);
      if (entry) {
        entry.status = e.status;
        entry.dirty = true;
      } else {
        context.statuses.set(key, { status: e.status, uid: e.uid, inFlight: false, dirty: true });
      }
      pushStatus(context, key);
    },
    /** A pod worker's event (Pulling, Created, Started, Killing, BackOff, Unhealthy, ...), recorded about the pod. */
    onPodEvent: ({ context, event }) => {
      const e = event as PodEventReport;
      const pod = context.pods.store.get(`${e.namespace}/${e.name}`);
      if (!pod || pod.metadata?.uid !== e.uid) return;
      context.recorder.record(pod, e.eventType, e.reason, e.message, undefined, e.fieldPath);
    },
    onPodTerminated: ({ context, event }) => {
      const e = event as PodTerminated;
      const key = `${e.namespace}/${e.name}`;
      const worker = context.workers.get(key);
      if (!worker || worker.uid !== e.uid) return;
      const pod = context.pods.store.get(key);
      stopWorker(context, key, worker);
      if (pod && pod.metadata?.uid === e.uid) {
        // the final status first, then the removal (pushStatus). It waits for a report still in
        // flight: the client sends that one again when its answer is lost, which would otherwise
        // overwrite the final status (Failed → Pending)
        const entry = context.statuses.get(key);
        context.statuses.set(key, { status: e.status, uid: e.uid, sent: entry?.sent, inFlight: entry?.inFlight ?? false, dirty: true, final: true });
        pushStatus(context, key);
      } else context.statuses.delete(key);
    },
    heartbeat: ({ context }) => {
      const now = context.port.now();
      const spec = context.spec;
      const renew = context.port.timestamp();
      const lease = {
        apiVersion: 'coordination.k8s.io/v1',
        kind: 'Lease',
        metadata: { name: spec.name, namespace: NODE_LEASE_NS },
        spec: { holderIdentity: spec.name, leaseDurationSeconds: 40, renewTime: renew.replace('Z', '.000000Z') },
      };
      if (context.leaseExists) {
        context.client.request(
          { verb: 'patch', resource: 'leases', group: 'coordination.k8s.io', namespace: NODE_LEASE_NS, name: spec.name, query: { patchType: 'merge' }, body: { spec: lease.spec } },
          (res) => {
            if (res.code === 404) context.leaseExists = false;
          },
        );
      } else {
        context.client.request({ verb: 'create', resource: 'leases', group: 'coordination.k8s.io', namespace: NODE_LEASE_NS, body: lease }, (res) => {
          if (isSuccess(res) || res.code === 409) context.leaseExists = true;
        });
      }
      if (context.owner.statusStale || now - context.lastNodeStatus >= context.profile.kubelet.nodeStatusReportMs) {
        context.owner.statusStale = false;
        context.lastNodeStatus = now;
        const node = nodeObject(spec, renew);
        context.client.request({ verb: 'patch', resource: 'nodes', subresource: 'status', name: spec.name, query: { patchType: 'merge' }, body: { status: { conditions: node.status!.conditions } } });
      }
      // the status manager's reconcile: where the API server's copy of a pod disagrees with what
      // the worker last reported (someone else marked it not Ready), report it again
      for (const [key, entry] of context.statuses) {
        const server = context.pods.store.get(key)?.status;
        if (!entry.inFlight && server && (server.phase !== entry.status.phase || readyOf(server) !== readyOf(entry.status))) entry.dirty = true;
        pushStatus(context, key);
      }
      // a stopped pod whose final delete failed (etcd down, a timeout) is deleted again
      for (const [key, pod] of context.pods.store) {
        if (pod.metadata?.deletionTimestamp && !context.workers.has(key)) finishDeletion(context, pod);
      }
      context.client.sweep();
      context.pods.tick();
      context.node.tick();
      context.volumes.tick();
      context.configs.tick();
    },
    /** A pod worker failed: its error goes to the kernel under the worker's address. */
    reportWorkerError: ({ context, event }) => reportChildError(context.port.kernel, event as unknown as { type: string; error?: unknown }),
    stopAll: ({ context }) => {
      for (const [key, worker] of [...context.workers]) stopWorker(context, key, worker);
      context.pods.stop();
      context.node.stop();
    },
  },
}).createMachine({
  id: 'kubelet',
  context: ({ input }) => createContext(input),
  exit: 'stopAll',
  initial: 'registering',
  on: {
    ...apiClientTransitions('onResponse', 'onWatch'),
    'pod.status': { actions: 'onPodStatus' },
    'pod.terminated': { actions: 'onPodTerminated' },
    'pod.event': { actions: 'onPodEvent' },
    'xstate.error.actor.*': { actions: 'reportWorkerError' },
  },
  states: {
    registering: {
      entry: 'registerNode',
      always: { guard: 'registered', target: 'running' },
      after: { registerRetry: { target: 'registering', reenter: true } },
    },
    running: {
      entry: 'startWatch',
      initial: 'heartbeat',
      states: {
        heartbeat: {
          entry: 'heartbeat',
          after: { leaseRenew: { target: 'heartbeat', reenter: true } },
        },
      },
    },
  },
});
