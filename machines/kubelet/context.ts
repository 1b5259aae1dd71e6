/**
 * The kubelet's input, context and events, and the context it starts with: the client-go style
 * helpers it holds (API client, informers, the admission's NodeInfo, the volume and config-source
 * waiters), whose callbacks only send the kubelet events.
 */
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import type { Node, Pod, PodStatus } from '../../src/api/types.js';
import type { Port } from '../../src/kernel/port.js';
import type { Rng } from '../../src/kernel/rng.js';
import type { TimingProfile } from '../../src/profiles/profile.js';
import type { ApiResponse, PodEventReport, PodStatusReport, PodTerminated, WatchClosed, WatchEvent } from '../protocol.js';
import { ApiClient } from '../client/api-client.js';
import { Informer, type InformerSpec } from '../client/informer.js';
import { EventRecorder, type EventLevel } from '../client/events.js';
import { podMachine } from '../pod.js';
import type { NodeInfo } from '../scheduler/node-info.js';
import { admissionNodeInfo } from './admission.js';
import { ClaimWaiter } from './volumes.js';
import { ConfigSources } from './config-sources.js';
import { NodeDisk, type VolumeStorage } from './container-files.js';
import type { NetworkSource } from './network.js';
import { ContainerLogDirs } from './log-dirs.js';
import type { NodeSpec } from './node-spec.js';
import { nodeObject, type NodePressure } from './node-status.js';
import type * as SM from './status-manager.js';
import type { Worker } from './pod-workers.js';
import { DEFAULT_KUBELET_CONFIG, type KubeletConfig } from './configuration.js';
import { INITIAL_EVICTION_STATE, type Eviction, type EvictionState, type Observations, type Synchronized } from './eviction.js';

/** Input of the kubelet machine. */
export interface KubeletInput {
  port: Port;
  node: NodeSpec;
  /** Bearer token of `system:node:<name>`. */
  token: string;
  profile: TimingProfile;
  apiServer?: string;
  events?: EventLevel;
  /** The pod worker logic (default: machines/pod.ts). */
  podLogic?: AnyActorLogic;
  /** The network its pods' processes see (default: none: wget, curl and nslookup find no names). */
  network?: NetworkSource;
  /** Its machine's disk (machines/node.ts; default: a disk of its own). */
  disk?: NodeDisk;
  /** The node's container log directories, which outlive the kubelet (default: its own). */
  logDirs?: ContainerLogDirs;
  /** The storage backend of the PersistentVolumes (default: none: what a pod's command writes in a claim's volume is not kept). */
  storage?: VolumeStorage;
}

/** Context of the kubelet. */
export interface KubeletContext {
  readonly port: Port;
  readonly spec: NodeSpec;
  readonly client: ApiClient;
  readonly recorder: EventRecorder;
  readonly profile: TimingProfile;
  readonly podLogic: AnyActorLogic;
  /** Where the network its pods see comes from (machines/kubelet/network.ts). */
  readonly network: NetworkSource | undefined;
  /** The node's container log directories (restart counts after a reboot). */
  readonly logDirs: ContainerLogDirs;
  /** The kubelet actor itself: parent of its pod workers, and where its helpers' callbacks send events. */
  readonly self: AnyActorRef;
  /** The pods bound to this node. */
  readonly pods: Informer<Pod>;
  /** The kubelet's own Node as the API server has it (to notice when someone else marked it not ready). */
  readonly node: Informer<Node>;
  /** The node and the requests of the pods admitted on it (admission checks new pods against it). */
  readonly admitted: NodeInfo;
  /** Pods waiting for their PersistentVolumeClaims to be bound before they start. */
  readonly volumes: ClaimWaiter;
  /** The ConfigMaps and Secrets the pods read, and the pods waiting for them (machines/kubelet/config-sources.ts). */
  readonly configs: ConfigSources;
  /** Its machine's disk: what its pods' containers wrote in their layers and emptyDir volumes (machines/kubelet/container-files.ts). */
  readonly disk: NodeDisk;
  /** The storage backend of the PersistentVolumes its pods mount. */
  readonly storage: VolumeStorage | undefined;
  /** When the NodeStatus was last written (-Infinity: write it at the next beat). */
  readonly lastNodeStatus: number;
  /** The pod workers, by pod key. */
  readonly workers: ReadonlyMap<string, Worker>;
  /** Uids of the pods admission rejected (reported Failed; never started). */
  readonly rejected: ReadonlySet<string>;
  /** Per pod, the last thing that held it back (warned once). */
  readonly configHolds: ReadonlyMap<string, string>;
  /** Pod IPs in use, and where the next search starts. */
  readonly usedIps: ReadonlySet<string>;
  readonly nextIp: number;
  /** The status manager: per pod, its latest status and whether a write is in flight. */
  readonly statuses: SM.PodStatuses;
  /** Uids of the pods whose final deletion is in flight. */
  readonly deleting: ReadonlySet<string>;
  /** The kubelet's configuration (reservations, hard eviction thresholds). */
  readonly config: KubeletConfig;
  /** The usage model's generator (`kernel.fork('metrics')`, the one the metrics API samples with). */
  readonly metricsRng: Rng;
  /** The eviction manager's last observations and decisions (synchronize). */
  readonly observations: Observations | undefined;
  readonly synchronized: Synchronized | undefined;
  /** What the eviction manager keeps between passes: when each threshold was first met, the thresholds met past their grace period. */
  readonly evictionState: EvictionState;
  /** The pressure conditions as the eviction manager last set them (a missing one: never under pressure). */
  readonly pressure: NodePressure;
  /** The pods the eviction manager evicted, by pod key: every status written for them from then on is Failed/Evicted. */
  readonly evictions: ReadonlyMap<string, Eviction>;
}

/** What the kubelet's helpers tell it: the informers' changes, the API server's answers, its beat. */
export type KubeletOwnEvent =
  | { type: 'pod.added'; pod: Pod }
  | { type: 'pod.updated'; pod: Pod }
  | { type: 'pod.deleted'; pod: Pod }
  /** The claims or config sources a pod waited for are answered: sync it again. */
  | { type: 'pod.resync'; key: string }
  | { type: 'node.added'; node: Node }
  | { type: 'node.updated'; node: Node }
  | { type: 'registration.answered'; code: number }
  | { type: 'lease.answered'; verb: 'create' | 'patch'; code: number }
  | { type: 'status.answered'; key: string; code: number; status: PodStatus }
  | { type: 'deletion.answered'; uid: string; code: number }
  | { type: 'kubelet.tick' }
  /** The eviction manager observed a threshold met that calls for this node condition (nodeConditions). */
  | { type: 'pressure.observed'; condition: 'MemoryPressure' | 'DiskPressure' | 'PIDPressure' };

/** Events of the kubelet. */
export type KubeletEvent = ApiResponse | WatchEvent | WatchClosed | PodStatusReport | PodTerminated | PodEventReport | KubeletOwnEvent;

type Tell = (event: KubeletOwnEvent) => void;

/** The informer of the pods a kubelet runs: its handlers only tell the kubelet. */
export function podInformer(client: ApiClient, spec: InformerSpec, kubelet: AnyActorRef): Informer<Pod> {
  const tell: Tell = (e) => kubelet.send(e);
  return new Informer<Pod>(client, spec, {
    onAdd: (pod) => tell({ type: 'pod.added', pod }),
    onUpdate: (_old, pod) => tell({ type: 'pod.updated', pod }),
    onDelete: (pod) => tell({ type: 'pod.deleted', pod }),
  });
}

export function createContext(input: KubeletInput, self: AnyActorRef): KubeletContext {
  const client = new ApiClient(input.port, input.token, { apiServer: input.apiServer });
  const tell: Tell = (e) => self.send(e);
  const recorder = new EventRecorder(client, 'kubelet', input.node.name, input.events ?? 'all');
  const pods = podInformer(client, { resource: 'pods', fieldSelector: `spec.nodeName=${input.node.name}` }, self);
  return {
    port: input.port,
    spec: input.node,
    client,
    recorder,
    profile: input.profile,
    podLogic: input.podLogic ?? podMachine,
    network: input.network,
    logDirs: input.logDirs ?? new ContainerLogDirs(),
    self,
    pods,
    node: new Informer<Node>(client, { resource: 'nodes', fieldSelector: `metadata.name=${input.node.name}` }, {
      onAdd: (node) => tell({ type: 'node.added', node }),
      onUpdate: (_old, node) => tell({ type: 'node.updated', node }),
    }),
    admitted: admissionNodeInfo(nodeObject(input.node, input.port.timestamp())),
    volumes: new ClaimWaiter(
      client,
      (key) => tell({ type: 'pod.resync', key }),
      (key, _claim, message) => {
        const pod = pods.store.get(key);
        if (pod) recorder.record(pod, 'Warning', 'FailedMount', `Unable to attach or mount volumes: ${message}`);
      },
    ),
    configs: new ConfigSources(client, (key) => tell({ type: 'pod.resync', key }), () => Date.parse(input.port.timestamp())),
    disk: input.disk ?? new NodeDisk(),
    storage: input.storage,
    lastNodeStatus: -Infinity,
    workers: new Map(),
    rejected: new Set(),
    configHolds: new Map(),
    usedIps: new Set(),
    nextIp: 0,
    statuses: new Map(),
    deleting: new Set(),
    config: input.node.kubelet ?? DEFAULT_KUBELET_CONFIG,
    metricsRng: input.port.fork('metrics'),
    observations: undefined,
    synchronized: undefined,
    evictionState: INITIAL_EVICTION_STATE,
    pressure: {},
    evictions: new Map(),
  };
}

