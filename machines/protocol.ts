/**
 * The messages of the cluster: every event that crosses the kernel's network between two
 * components, named `noun.verb`, with canonical component addresses. The flows of the
 * architecture document are sequences of these.
 */
import type { ConfigData } from './kubelet/config-sources.js';
import type { Impersonation } from './api-server/impersonation.js';
import type { KubeObject, Pod, PodStatus, Status } from '../src/api/types.js';

// ---- addresses ------------------------------------------------------------------------------

/** Canonical address of the API server. */
export const API_SERVER = 'api-server';
/** Canonical address of etcd. */
export const ETCD = 'etcd';
/** Canonical address of the scheduler. */
export const SCHEDULER = 'scheduler';
/** Canonical address of the controller manager. */
export const CONTROLLER_MANAGER = 'controller-manager';
/** Canonical address of the kubectl client. */
export const KUBECTL = 'kubectl';
/** Canonical address of the fault injector (faults appear in the trace as its messages). */
export const FAULTS = 'faults';
/** The host the control-plane components run on (one control-plane node). */
export const CONTROL_PLANE_HOST = 'control-plane';

/** `kubelet/<node>` */
export const kubeletAddress = (node: string): string => `kubelet/${node}`;
/** `kube-proxy/<node>` */
export const kubeProxyAddress = (node: string): string => `kube-proxy/${node}`;
/** `node/<node>` */
export const nodeAddress = (node: string): string => `node/${node}`;
/** `container-runtime/<node>` */
export const runtimeAddress = (node: string): string => `container-runtime/${node}`;
/** `pod/<namespace>/<name>` */
export const podAddress = (namespace: string, name: string): string => `pod/${namespace}/${name}`;
/** `controller-manager/<controller>` */
export const controllerAddress = (controller: string): string => `${CONTROLLER_MANAGER}/${controller}`;

// ---- API: clients <-> api-server ----------------------------------------------------------

/** The verbs of the Kubernetes API. */
export type Verb = 'get' | 'list' | 'watch' | 'create' | 'update' | 'patch' | 'delete' | 'deletecollection';

/** Query parameters a request may carry (as on the real API's URLs). */
export interface ApiQuery {
  labelSelector?: string;
  fieldSelector?: string;
  resourceVersion?: string;
  resourceVersionMatch?: 'Exact' | 'NotOlderThan';
  limit?: number;
  continue?: string;
  /** Watch: send ADDED for every existing object first, then a bookmark (the WatchList protocol). */
  sendInitialEvents?: boolean;
  allowWatchBookmarks?: boolean;
  fieldManager?: string;
  fieldValidation?: 'Strict' | 'Warn' | 'Ignore';
  dryRun?: boolean;
  force?: boolean;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  gracePeriodSeconds?: number;
  /** Content type of a patch body. */
  patchType?: 'strategic' | 'merge' | 'json' | 'apply';
}

/** A request to the API server (what an HTTP request becomes). */
export interface ApiRequest {
  type: 'api.request';
  /** Unique per sender; the response and, for watches, the watch id carry it. */
  id: string;
  /** Where to answer (the sender's address). */
  from: string;
  /** Bearer token. */
  token: string;
  verb: Verb;
  /** Plural resource name (`pods`). */
  resource: string;
  /** API group (`apps`); '' for the core group. */
  group?: string;
  /** `binding`, `status`, `scale`, `finalize`, `eviction`. */
  subresource?: string;
  namespace?: string;
  name?: string;
  body?: unknown;
  query?: ApiQuery;
  /** Who the request asks to act as (the `Impersonate-*` headers; kubectl `--as`, `--as-group`, `--as-uid`). */
  impersonate?: Impersonation;
  /**
   * The API group the client addressed when another group's storage serves it (`events.k8s.io`
   * for the core Events): RBAC and a 403's message name it, as kube-apiserver authorizes the
   * request's own group.
   */
  requestGroup?: string;
  /**
   * Set for a non-resource request (`/api`, `/apis/apps/v1`, `/openapi/v2`): the path, which the
   * API server only authenticates and authorizes (verb `get`), answering 200 when allowed;
   * `resource` is then empty.
   */
  nonResourceURL?: string;
}

/** The API server's answer: the object, a list, or a Status. */
export interface ApiResponse {
  type: 'api.response';
  id: string;
  code: number;
  body: KubeObject | Status;
  warnings?: string[];
}

/** Watch event kinds as the Kubernetes watch protocol names them. */
export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK' | 'ERROR';

/** One event on a watch stream, `watch.added` etc. `seq` counts per watch, so a receiver can tell a gap. */
export interface WatchEvent {
  type: 'watch.added' | 'watch.modified' | 'watch.deleted' | 'watch.bookmark' | 'watch.error';
  watchId: string;
  seq: number;
  object: KubeObject;
}

/** A client ends one of its watches. */
export interface WatchCancel {
  type: 'watch.cancel';
  watchId: string;
}

/** The server ended a watch (it restarted: the connection was reset); the client resumes. */
export interface WatchClosed {
  type: 'watch.closed';
  watchId: string;
  reason: string;
}

/** Maps a protocol watch event type to the Kubernetes one. */
export const WATCH_TYPES: Record<WatchEvent['type'], WatchEventType> = {
  'watch.added': 'ADDED',
  'watch.modified': 'MODIFIED',
  'watch.deleted': 'DELETED',
  'watch.bookmark': 'BOOKMARK',
  'watch.error': 'ERROR',
};

/** Maps a Kubernetes watch event type to the protocol one. */
export const WATCH_EVENTS: Record<WatchEventType, WatchEvent['type']> = {
  ADDED: 'watch.added',
  MODIFIED: 'watch.modified',
  DELETED: 'watch.deleted',
  BOOKMARK: 'watch.bookmark',
  ERROR: 'watch.error',
};

// ---- etcd: api-server <-> etcd --------------------------------------------------------------

/** A stored key-value with its MVCC revisions. */
export interface KeyValue {
  key: string;
  value: KubeObject;
  createRevision: number;
  modRevision: number;
  version: number;
}

/** Create a key; fails with `KeyExists` when it exists. */
export interface EtcdCreate { type: 'etcd.create'; id: string; from: string; key: string; value: KubeObject }
/** Put a key, optionally only if its mod revision is `expectedModRevision` (compare-and-swap). */
export interface EtcdUpdate { type: 'etcd.update'; id: string; from: string; key: string; value: KubeObject; expectedModRevision?: number }
/** Delete a key, optionally only if its mod revision is `expectedModRevision`. */
export interface EtcdDelete { type: 'etcd.delete'; id: string; from: string; key: string; expectedModRevision?: number }
/** Read one key. */
export interface EtcdGet { type: 'etcd.get'; id: string; from: string; key: string }
/** Read the keys under a prefix (paged with `limit` and `startAfter`, at a past `revision` if given). */
export interface EtcdRange { type: 'etcd.range'; id: string; from: string; prefix: string; limit?: number; startAfter?: string; revision?: number }
/** Watch the keys under a prefix from a revision on. */
export interface EtcdWatch { type: 'etcd.watch'; id: string; from: string; prefix: string; fromRevision: number }
/** Cancel a watch. */
export interface EtcdCancelWatch { type: 'etcd.unwatch'; id: string; from: string }
/** Forget the history before a revision. */
export interface EtcdCompact { type: 'etcd.compact'; id: string; from: string; revision: number }

/** Faults of etcd: it stops serving (as without quorum or crashed) and comes back with its data. */
export type EtcdUnavailable = { type: 'etcd.fail' } | { type: 'etcd.recover' };

/** Every request etcd accepts. */
export type EtcdRequest = EtcdCreate | EtcdUpdate | EtcdDelete | EtcdGet | EtcdRange | EtcdWatch | EtcdCancelWatch | EtcdCompact;

/** etcd's error codes. */
export type EtcdError = 'KeyExists' | 'KeyNotFound' | 'Conflict' | 'Unavailable' | 'Compacted' | 'FutureRevision';

/** etcd's answer to a request. */
export interface EtcdResult {
  type: 'etcd.result';
  id: string;
  ok: boolean;
  /** The store's revision after the operation. */
  revision: number;
  kv?: KeyValue;
  kvs?: KeyValue[];
  /** True when a range was cut by `limit`. */
  more?: boolean;
  /** The current value, on a compare-and-swap conflict. */
  current?: KeyValue;
  error?: EtcdError;
}

/** One change in etcd, sent to watchers in revision order. */
export interface EtcdChange {
  kind: 'put' | 'delete';
  kv: KeyValue;
  prev?: KeyValue;
}

/** Changes on a watch; `revision` of consecutive messages on one watch of the whole keyspace has no gaps. */
export interface EtcdChanged {
  type: 'etcd.changed';
  watchId: string;
  revision: number;
  changes: EtcdChange[];
}

/** Periodic progress notification on a watch: "everything up to `revision` was sent". */
export interface EtcdProgress {
  type: 'etcd.progress';
  watchId: string;
  revision: number;
}

// ---- node-local: kubelet <-> pod <-> container-runtime --------------------------------------

/** The kubelet hands a pod worker the latest pod object (create or update). */
export interface PodSync { type: 'pod.sync'; pod: Pod }
/**
 * The ConfigMaps and Secrets a pod reads changed while one of its containers waits in
 * CreateContainerConfigError: the kubelet hands its worker what they hold now.
 */
export interface PodConfig { type: 'pod.config'; configData: ConfigData }
/** The kubelet asks a pod worker to stop the pod (deleted, evicted, or the node is going down). */
export interface PodKill { type: 'pod.kill'; gracePeriodSeconds: number; reason?: string }
/** A pod worker reports the pod's status to its kubelet. */
export interface PodStatusReport { type: 'pod.status'; namespace: string; name: string; uid: string; status: PodStatus }
/** A pod worker has stopped everything: the kubelet may forget it. */
export interface PodTerminated { type: 'pod.terminated'; namespace: string; name: string; uid: string; status: PodStatus }

/** A pod asks its node's runtime to pull an image. */
export interface RuntimePull {
  type: 'runtime.pull';
  /** The pod's address, to answer to. */
  from: string;
  container: string;
  image: string;
  policy: 'Always' | 'IfNotPresent' | 'Never';
  /** How long the pull takes (from the container's behavior in the profile). */
  pullMs: number;
  /** The pull fails (ErrImagePull), as the behavior says. */
  fails?: boolean;
  /** Tell the pod when the pull starts (`runtime.pulling`, for the kubelet's Pulling event). */
  notify?: boolean;
}
/** The runtime answers a pull. */
export interface RuntimePulled {
  type: 'runtime.pulled';
  container: string;
  image: string;
  ok: boolean;
  reason?: string;
  message?: string;
  /** Set when the image was pulled (not found in the cache): the pull's own time and the time since it was asked for (ms). */
  pulled?: { pullMs: number; totalMs: number };
}
/** The runtime starts pulling an image the node does not have (the kubelet's `Pulling` event). */
export interface RuntimePulling {
  type: 'runtime.pulling';
  container: string;
  image: string;
}
/** A pod worker asks its kubelet to record an event about the pod (`fieldPath`: the container). */
export interface PodEventReport {
  type: 'pod.event';
  namespace: string;
  name: string;
  uid: string;
  eventType: 'Normal' | 'Warning';
  reason: string;
  message: string;
  fieldPath?: string;
}

/** The kubelet tells its node machine that it is up and has registered the Node. */
export interface KubeletRegistered {
  type: 'kubelet.registered';
}

// ---- faults ---------------------------------------------------------------------------------

/** Faults injected into a node. */
export type NodeFault =
  | { type: 'node.crash' }
  | { type: 'node.restart' }
  | { type: 'node.partition' }
  | { type: 'node.heal' };

/** Any message of the protocol. */
export type ClusterMessage =
  | ApiRequest
  | ApiResponse
  | WatchEvent
  | WatchCancel
  | WatchClosed
  | EtcdRequest
  | EtcdResult
  | EtcdChanged
  | EtcdProgress
  | PodSync
  | PodKill
  | PodStatusReport
  | PodTerminated
  | RuntimePull
  | RuntimePulled
  | RuntimePulling
  | PodEventReport
  | KubeletRegistered
  | NodeFault
  | EtcdUnavailable;

/** The short summary the trace shows for a message of the protocol. */
export function summarizeMessage(event: { readonly type: string }): string {
  const e = event as unknown as ClusterMessage;
  switch (e.type) {
    case 'api.request': {
      const name = e.name ?? (e.body as KubeObject | undefined)?.metadata?.name;
      const target = [e.namespace, name].filter(Boolean).join('/');
      const res = e.subresource ? `${e.resource}/${e.subresource}` : e.resource;
      return `${e.verb} ${res}${target ? ' ' + target : ''}`;
    }
    case 'api.response': {
      const body = e.body as KubeObject & { reason?: string; items?: unknown[] };
      if (body?.kind === 'Status') return `${e.code} ${body.reason ?? ''}`.trim();
      if (Array.isArray(body?.items)) return `${e.code} ${body.kind} (${body.items.length})`;
      return `${e.code} ${body?.kind ?? ''} ${objectName(body)}`.trim();
    }
    case 'watch.added':
    case 'watch.modified':
    case 'watch.deleted':
    case 'watch.bookmark':
    case 'watch.error':
      return `${WATCH_TYPES[e.type]} ${e.object?.kind ?? ''} ${objectName(e.object)} rv=${e.object?.metadata?.resourceVersion ?? ''}`.trim();
    case 'watch.cancel':
      return `cancel ${e.watchId}`;
    case 'watch.closed':
      return `closed ${e.watchId}: ${e.reason}`;
    case 'etcd.create':
    case 'etcd.update':
    case 'etcd.delete':
    case 'etcd.get':
      return `${e.type.slice(5)} ${e.key}`;
    case 'etcd.range':
      return `range ${e.prefix}`;
    case 'etcd.watch':
      return `watch ${e.prefix} from ${e.fromRevision}`;
    case 'etcd.unwatch':
      return `unwatch ${e.id}`;
    case 'etcd.compact':
      return `compact ${e.revision}`;
    case 'etcd.result':
      return e.ok ? `ok rev=${e.revision}${e.kvs ? ` (${e.kvs.length})` : ''}` : `${e.error} rev=${e.revision}`;
    case 'etcd.changed':
      return e.changes.map((c) => `${c.kind} ${c.kv.key}`).join(', ') + ` rev=${e.revision}`;
    case 'etcd.progress':
      return `progress rev=${e.revision}`;
    case 'pod.sync':
      return `sync ${objectName(e.pod)}`;
    case 'pod.kill':
      return `kill grace=${e.gracePeriodSeconds}s${e.reason ? ' ' + e.reason : ''}`;
    case 'pod.status':
      return `${e.namespace}/${e.name} ${e.status.phase ?? ''}`;
    case 'pod.terminated':
      return `${e.namespace}/${e.name} ${e.status.phase ?? ''}`;
    case 'runtime.pull':
      return `pull ${e.image} (${e.container})`;
    case 'kubelet.registered':
      return 'registered';
    case 'runtime.pulled':
      return `${e.ok ? 'pulled' : 'failed'} ${e.image} (${e.container})`;
    case 'runtime.pulling':
      return `pulling ${e.image} (${e.container})`;
    case 'pod.event':
      return `${e.reason} ${e.namespace}/${e.name}${e.fieldPath ? ` ${e.fieldPath}` : ''}`;
    default:
      return '';
  }
}

function objectName(obj: KubeObject | undefined): string {
  const m = obj?.metadata;
  if (!m) return '';
  return m.namespace ? `${m.namespace}/${m.name ?? ''}` : m.name ?? '';
}
