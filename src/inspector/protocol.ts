/**
 * The inspector's WebSocket protocol (version 1), shared by the server (src/inspector/server.ts),
 * the page (src/inspector/page/*.js) and the tests. docs/inspector.md describes it for people.
 *
 * - Server → browser: every text frame is a JSON **array** of messages (the server batches what
 *   happened in the last 50 ms into one frame). Messages are idempotent: a browser may receive an
 *   `actor added` for an actor it already has, or a `snapshot` equal to what it shows.
 * - Browser → server: every text frame is one JSON **object**, a request. A request may carry an
 *   `id` (any string or number); the answer to it (`result`, `statechart`, `payload`, `error`)
 *   carries the same `id`.
 * - Trace messages (`message`) are numbered by the kernel's trace sequence (`seq`: 0, 1, 2, …
 *   without gaps). A browser subscribes with `since` (the first seq it wants) and receives every
 *   message from there, in order, exactly once per subscription; after a reconnect it subscribes
 *   with the seq after the last one it has and loses nothing, unless the server's bounded buffer
 *   no longer holds them: then it gets an `overflow` message naming the seqs it missed.
 * - Everything else (actors, their state values, the kubectl tables, the status, and with a highly
 *   available control plane its status) is state: a (re)connecting browser gets all of it in
 *   `hello`, then changes.
 * - Additions within version 1 are optional fields and new message types: a browser ignores
 *   message types it does not know.
 */
import type { ControlPlaneStatus } from '../cluster/control-plane.js';
import type { CycleRecordJSON } from '../../machines/scheduler/cycle-record.js';

/** The protocol version `hello` announces. */
export const PROTOCOL_VERSION = 1;

// ---- shared shapes --------------------------------------------------------------------------

/**
 * What an actor is in the cluster's architecture (for the actor tree). With a highly available
 * control plane the etcd members (`etcd/control-plane-i`), API servers (`api-server/control-plane-i`),
 * schedulers and controller managers keep the kinds of their single counterparts;
 * `control-plane-node` is `node/control-plane-i`, `leader-elector` a
 * `leader-elector/<lease>/control-plane-i`, and `load-balancer` the balancer at `api-server`.
 */
export type ActorKind =
  | 'kubectl'
  | 'api-server'
  | 'etcd'
  | 'scheduler'
  | 'controller-manager'
  | 'controller'
  | 'control-plane-node'
  | 'leader-elector'
  | 'load-balancer'
  | 'node'
  | 'kubelet'
  | 'kube-proxy'
  | 'container-runtime'
  | 'pod'
  | 'container'
  | 'actor';

/** One actor as the tree shows it. */
export interface ActorNode {
  /** Stable key: the kernel address (`kubelet/node-1`, `pod/default/nginx`), or `<parent key>/<id>` for a child without an address (a pod's containers). */
  key: string;
  kind: ActorKind;
  /** The key of the actor that created it (a pod's kubelet, a container's pod), if any. */
  parent?: string;
  /** The worker node it belongs to (`node-1`), or `control-plane` (the single control plane), or the kernel host (`control-plane-2`, `load-balancer`). */
  host?: string;
  /** The machine's id (`pod`, `kubelet`), when the actor runs a state machine. */
  machine?: string;
  /** The current state value (`'ready'`, `{ syncing: 'containers' }`); absent for non-machine logic. */
  value?: unknown;
  /** XState status: `active`, `done`, `error`, `stopped`. */
  status: string;
}

/** One trace entry, without its payload (ask for it with `payload`). */
export interface MessageEntry {
  seq: number;
  /** Virtual time (ms) of delivery or drop. */
  time: number;
  /** Virtual time (ms) it was sent. */
  sent: number;
  /** The message's own id; a duplicate shares its original's. */
  msg: number;
  from: string;
  to: string;
  /** Event type, `noun.verb`. */
  type: string;
  summary: string;
  status: 'delivered' | 'dropped';
  /** Why it was dropped (`partition`, `loss`, `unreachable`, `unknown address`, `not running`), or `injected` for a fault. */
  reason?: string;
  duplicate?: boolean;
  /** The request (flow) that caused it: `create pods default/nginx`. */
  flow?: string;
}

/** The driver's state. */
export interface SimStatus {
  /** Virtual time in ms since the cluster started. */
  time: number;
  /** Virtual time as a Kubernetes timestamp. */
  timestamp: string;
  paused: boolean;
  /** Virtual ms per wall ms. */
  speed: number;
  /** The next trace seq (how many messages so far). */
  seq: number;
  /** Messages in flight and timers armed. */
  pending: { messages: number; timers: number };
  /** Errors actors threw so far. */
  errors: number;
  /** The error that stopped the driver, if any. */
  error?: string;
  /** The last error an actor threw (its address, virtual time and message), if any. */
  lastActorError?: { address: string; time: number; message: string };
}

/** One `kubectl get` table: column names (upper case as kubectl prints them), rows of cell text. */
export interface ClusterTable {
  /** `kubectl get pods -o wide` */
  command: string;
  columns: string[];
  /** 0 for default columns, 1 for `-o wide` ones. */
  priorities: number[];
  rows: string[][];
}

/** A `metav1.Status` as the API server returns it (the fields the page shows). */
export interface StatusLike {
  kind?: string;
  status?: string;
  code?: number;
  reason?: string;
  message?: string;
  details?: { name?: string; kind?: string; group?: string; causes?: { reason?: string; message?: string; field?: string }[] };
}

/** A state node of a machine definition, as `statechart` sends it. */
export interface StateNodeJSON {
  /** The state node's id (`pod.syncing.containers`). */
  id: string;
  key: string;
  /** Path from the root, joined with `.` (`syncing.containers`; `''` for the root). */
  path: string;
  type: 'atomic' | 'compound' | 'parallel' | 'final' | 'history';
  /** Ids of the initial child state(s). */
  initial?: string[];
  /** Child states in document order. */
  states: StateNodeJSON[];
  /** Outgoing transitions (including `always` and `after`). */
  transitions: TransitionJSON[];
  entry: string[];
  exit: string[];
  /** Invoked actors (`src`). */
  invoke: string[];
  tags: string[];
  description?: string;
}

/** One transition. */
export interface TransitionJSON {
  /** The event type (`pod.sync`); `''` for an eventless (`always`) transition; `xstate.after.…` for a delay. */
  event: string;
  /** Human label: the event, `always`, or `after 5000ms` / `after sandboxTime`. */
  label: string;
  /** Target state ids; empty for a targetless transition (actions only). */
  targets: string[];
  guard?: string;
  actions: string[];
  reenter: boolean;
}

/** A machine definition: its root state node. */
export interface StatechartJSON {
  id: string;
  root: StateNodeJSON;
}

/** A leader elector of a control-plane node. */
export interface ElectorView {
  /** `leader-elector/kube-scheduler/control-plane-1` */
  address: string;
  /** The Lease it competes for: `kube-scheduler`. */
  lease: string;
  node: string;
  /** It leads and runs its component. */
  leading: boolean;
  /** The component it runs while it leads: `scheduler/control-plane-1`. */
  component: string;
}

/**
 * A highly available control plane, from `cluster.controlPlane.status()` (src/cluster/control-plane.ts)
 * with each node's leader electors added.
 */
export interface ControlPlaneView extends Omit<ControlPlaneStatus, 'etcd'> {
  etcd: ControlPlaneStatus['etcd'] & {
    /** The etcd leader's node (`control-plane-2`). */
    leaderNode?: string;
  };
  electors: ElectorView[];
}

// ---- server → browser -----------------------------------------------------------------------

/** The first message on every connection. */
export interface HelloMessage {
  type: 'hello';
  protocol: number;
  /** `controlPlaneNodes`: the control-plane nodes' names (`control-plane-1` …), empty for the single control plane. */
  cluster: { seed: number; profile: string; nodes: string[]; controlPlaneNodes: string[]; epoch: number };
  actors: ActorNode[];
  status: SimStatus;
  /** Seqs of the trace messages the server's buffer holds: [oldest, next). */
  buffer: { oldest: number; next: number; capacity: number };
  tables: Record<string, ClusterTable>;
  /** The highly available control plane's status; absent for the single control plane. */
  controlPlane?: ControlPlaneView;
}

/** An actor started or stopped. */
export type ActorMessage = { type: 'actor'; op: 'added'; actor: ActorNode } | { type: 'actor'; op: 'stopped'; key: string; status: string };

/** An actor's state value (or status) changed. */
export interface SnapshotMessage {
  type: 'snapshot';
  key: string;
  value?: unknown;
  status: string;
}

/** A trace entry; its event type is in `event` (the protocol's `type` is `message`). */
export type MessageMessage = Omit<MessageEntry, 'type'> & {
  type: 'message';
  /** The event type (`api.request`). */
  event: string;
};

/** Trace messages a subscriber asked for that the bounded buffer no longer holds. */
export interface OverflowMessage {
  type: 'overflow';
  /** First missed seq. */
  from: number;
  /** First seq that follows (the oldest the buffer still holds). */
  to: number;
  message: string;
}

/** The cluster as `kubectl get` prints it. */
export interface ClusterMessage {
  type: 'cluster';
  time: number;
  tables: Record<string, ClusterTable>;
}

/**
 * The highly available control plane changed: sent at once when a node's state, an etcd role,
 * term or leader, an API server's health, a Lease holder or an elector's leadership changed, and
 * at most every 500 ms when only indexes, revisions, watch counts or renew times moved.
 */
export interface ControlPlaneMessage {
  type: 'control-plane';
  /** Virtual time (ms) of the status. */
  time: number;
  controlPlane: ControlPlaneView;
}

/** The driver's state changed (virtual time, paused, speed). */
export interface StatusMessage extends SimStatus {
  type: 'status';
}

/** The answer to `statechart`. */
export interface StatechartMessage {
  type: 'statechart';
  id?: string | number;
  key: string;
  /** null when the actor's logic is not a state machine (or the actor is unknown). */
  definition: StatechartJSON | null;
  value?: unknown;
  status?: string;
  error?: string;
}

/** The answer to `payload`. */
export interface PayloadMessage {
  type: 'payload';
  id?: string | number;
  seq: number;
  /** The event as JSON (functions and internal objects left out), or null when no longer kept. */
  event: unknown;
  entry?: MessageEntry;
  error?: string;
}

/**
 * The answer to `scheduling`: the pod's last scheduling cycle, per plugin and node, as
 * kube-scheduler-simulator shows it (each Filter plugin's verdict with its reason, each Score
 * plugin's raw, normalised and weighted score, the totals, the chosen node or the FailedScheduling
 * message); null when the scheduler keeps none for the pod.
 */
export interface SchedulingMessage {
  type: 'scheduling';
  id?: string | number;
  /** `namespace/name` */
  pod: string;
  cycle: CycleRecordJSON | null;
  error?: string;
}

/**
 * The answer to `logs`: a container's log lines from line `from` on (each with its RFC 3339
 * virtual time prefix, as `kubectl logs --timestamps` prints them), `next` to ask from next time
 * (the log pane follows by asking again as virtual time goes on), `ended` once the run is over.
 */
export interface LogsMessage {
  type: 'logs';
  id?: string | number;
  /** `namespace/name` */
  pod: string;
  container: string;
  /** Every container of the pod (containers, init containers, ephemeral containers), for the pane's choice. */
  containers: string[];
  from: number;
  lines: string[];
  next: number;
  ended: boolean;
  /** The kubelet's refusal (`container "web" in pod "web" is waiting to start: ContainerCreating`). */
  error?: string;
}

/** One object of an `apply`. */
export interface ApplyItem {
  /** `pod/nginx`, `deployment.apps/nginx-deployment` */
  ref: string;
  ok: boolean;
  /** `created`, `configured`, `unchanged` */
  action?: string;
  /** The API server's Status when it refused. */
  status?: StatusLike;
  /** The flow its requests (and everything they caused) belong to: `apply deployments default/web`. */
  flow?: string;
}

/** The answer to `apply`, `create-pod`, `fault`, `control`. */
export interface ResultMessage {
  type: 'result';
  id?: string | number;
  request: 'apply' | 'create-pod' | 'fault' | 'control' | 'subscribe';
  ok: boolean;
  /** What happened, one line per object (`pod/nginx created`). */
  message?: string;
  /** apply: one item per document. */
  items?: ApplyItem[];
  /** The Status of a failure (create-pod, or a manifest that did not parse). */
  status?: StatusLike;
  /** create-pod: the flow of its messages (`create pods default/pod-1`); the pod's actor key is `pod/<ns>/<name>`. */
  flow?: string;
  /** create-pod: the pod's name. */
  name?: string;
  /** control `step`: the trace seqs of the messages it delivered (one per step; none when nothing was due). */
  seqs?: number[];
  error?: string;
}

/** A malformed request. */
export interface ErrorMessage {
  type: 'error';
  id?: string | number;
  message: string;
}

/** Everything the server sends. */
export type ServerMessage =
  | HelloMessage
  | ActorMessage
  | SnapshotMessage
  | MessageMessage
  | OverflowMessage
  | ClusterMessage
  | ControlPlaneMessage
  | StatusMessage
  | StatechartMessage
  | PayloadMessage
  | SchedulingMessage
  | LogsMessage
  | ResultMessage
  | ErrorMessage;

// ---- browser → server -----------------------------------------------------------------------

interface Request {
  id?: string | number;
}

/** Start (or resume) receiving trace messages from seq `since` (default: the next one). */
export interface SubscribeRequest extends Request {
  type: 'subscribe';
  since?: number;
}

/** Drive virtual time. */
export interface ControlRequest extends Request {
  type: 'control';
  action: 'pause' | 'resume' | 'step' | 'speed' | 'jump';
  /** speed: virtual ms per wall ms (0.01 to 10,000). */
  speed?: number;
  /** jump: virtual ms to jump ahead. */
  ms?: number;
  /** step: how many messages (default 1). */
  count?: number;
}

/** `kubectl apply -f -` with YAML (one or many documents) or JSON. */
export interface ApplyRequest extends Request {
  type: 'apply';
  manifest: string;
}

/** `kubectl run`: create a one-container pod. */
export interface CreatePodRequest extends Request {
  type: 'create-pod';
  name?: string;
  image?: string;
  namespace?: string;
}

/** Inject a fault. */
export interface FaultRequest extends Request {
  type: 'fault';
  kind: 'crash-node' | 'restart-node' | 'partition-node' | 'heal-node' | 'etcd-outage' | 'etcd-recover';
  /** The node of a node fault: a worker (`node-2`) or a control-plane node (`control-plane-1`). */
  node?: string;
}

/** Ask for an actor's machine definition. */
export interface StatechartRequest extends Request {
  type: 'statechart';
  key: string;
}

/** Ask for a trace message's payload. */
export interface PayloadRequest extends Request {
  type: 'payload';
  seq: number;
}

/** Ask for a pod's last scheduling cycle (`namespace/name`, or a name in `default`). */
export interface SchedulingRequest extends Request {
  type: 'scheduling';
  pod: string;
}

/** Ask for a container's log lines (`namespace/name`; `container` as `kubectl logs -c`), from line `from` (default 0). */
export interface LogsRequest extends Request {
  type: 'logs';
  pod: string;
  container?: string;
  from?: number;
}

/** Everything the browser sends. */
export type ClientRequest = SubscribeRequest | ControlRequest | ApplyRequest | CreatePodRequest | FaultRequest | StatechartRequest | PayloadRequest | SchedulingRequest | LogsRequest;
