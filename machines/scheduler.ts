/**
 * The scheduler (kube-scheduler): watches pods and nodes through the API server, keeps pods
 * without a node in a scheduling queue (with back-off, and a pool of unschedulable pods each
 * retried on the cluster events the plugins that rejected it registered, when their queueing
 * hints say so: see `scheduler/scheduling-queue.ts`), and runs one scheduling cycle at a time:
 * `filtering → scoring → binding`. It binds by sending a Binding to the API server; it never
 * writes etcd and never talks to a kubelet. A pod that fits nowhere gets a FailedScheduling
 * Event that says why, per plugin. With the input `cycle: 'fused'` each cycle's steps run in the
 * same order as the actions of one transition (same trace; fewer XState microsteps).
 *
 * The cycle's state changes only through `assign`: each step (`popPod`, `filter`, `score`) assigns
 * a new cycle object, `endCycle` clears it, the counters and the housekeeping grid are assigned, a
 * restart assigns a fresh context. What the actions change in place are the scheduler's caches
 * (the scheduler cache, the scheduling queue, the cycle records, the PreBind waiting pods, the
 * informers and the API client), objects created with the context that no step replaces. The
 * binding cycle's answers arrive later (`binding.finished`) and are counted by `countBinding`.
 */
import { assertEvent, assign, setup, type AnyActorRef } from 'xstate';
import type { KubeObject, Namespace, Pod, Node, PersistentVolume, PersistentVolumeClaim, StorageClass } from '../src/api/types.js';
import { findResource } from '../src/api/resources.js';
import type { SchedulerListers } from './scheduler/snapshot.js';
import type { Port } from '../src/kernel/port.js';
import type { ApiResponse, WatchClosed, WatchEvent } from './protocol.js';
import { ApiClient } from './client/api-client.js';
import { Informer, objectKey } from './client/informer.js';
import { EventRecorder, type EventLevel } from './client/events.js';
import { SchedulerCache } from './scheduler/cache.js';
import { defaultProfile, type SchedulerProfile } from './scheduler/registry.js';
import { findFeasibleNodes, scoreFeasibleNodes, type FeasibleNodes, type FilterOutcome, type ScheduleResult } from './scheduler/schedule-one.js';
import { CycleRecords } from './scheduler/cycle-record.js';
import type { CycleState } from './scheduler/framework.js';
import { bindPod, checkWaitingPod, isUnassigned, patchPodUnscheduled, type BindingOutcome, type WaitingPod } from './scheduler/binding-cycle.js';
import { createVolumeListers } from './scheduler/volume-listers.js';
import { apiClientTransitions } from './client/transitions.js';
import { armGrid, beginGrid, gridDueEarlier, gridWakeAt, UNARMED_GRID, type HousekeepingGrid } from './client/housekeeping-grid.js';
import { SchedulingQueue, queueingHintMap } from './scheduler/scheduling-queue.js';
import { ActionType, nodeSchedulingPropertiesChange, podSchedulingPropertiesChange, type ClusterEvent, type StorageEventResource } from './scheduler/events.js';

/** Input of the scheduler machine. */
export interface SchedulerInput {
  port: Port;
  /** Bearer token of `system:kube-scheduler`. */
  token: string;
  /** The scheduling profile (plugins, weights, percentageOfNodesToScore). */
  profile?: SchedulerProfile;
  /** Address of the API server. */
  apiServer?: string;
  /** `spec.schedulerName` this scheduler serves. Default `default-scheduler`. */
  schedulerName?: string;
  /** Back-off of a pod's first retry (`podInitialBackoffSeconds`), ms. Default 1,000. */
  podInitialBackoffMs?: number;
  /** Longest back-off (`podMaxBackoffSeconds`), ms. Default 10,000. */
  podMaxBackoffMs?: number;
  /** Which Events to record. Default all. */
  events?: EventLevel;
  /**
   * How many pods' last scheduling cycles to keep for the inspector's per-plugin view (each
   * Filter plugin's verdict and each Score plugin's scores per node; see
   * `scheduler/cycle-record.ts`). Default 100; 0 keeps none and skips copying the scores.
   */
  cycleRecords?: number;
  /**
   * How a scheduling cycle runs. `steps` (default): one state per step (`popping → filtering →
   * scoring → binding`), each a microstep XState's inspection reports. `fused`: the same steps,
   * in the same order, as one transition per pod; the trace is identical (for large simulations).
   */
  cycle?: 'steps' | 'fused';
}

/** Context of the scheduler machine. */
export interface SchedulerContext {
  /** The scheduler actor itself: where its binding cycles' answers are told (`binding.finished`). */
  self: AnyActorRef;
  port: Port;
  client: ApiClient;
  profile: SchedulerProfile;
  schedulerName: string;
  cache: SchedulerCache;
  queue: SchedulingQueue;
  pods: Informer<Pod>;
  nodes: Informer<Node>;
  /** Namespaces (InterPodAffinity's namespace selectors) and the objects PodTopologySpread's default constraints read. */
  others: Informer<KubeObject>[];
  /** The plugins' view of `others`. */
  listers: SchedulerListers;
  recorder: EventRecorder;
  /** Where the next cycle starts in the node list (round robin). */
  startIndex: number;
  /**
   * The pod of the cycle in progress: the nodes that passed filtering, then the result. Each step
   * assigns a new object (`popPod`, `filter`, `score`); `endCycle` clears it.
   */
  cycle: SchedulingCycle | undefined;
  /** The last scheduling cycle of the last pods tried (the inspector's per-plugin view). */
  records: CycleRecords;
  /** Claims, volumes and StorageClasses (VolumeBinding, VolumeRestrictions); each change may make a pod schedulable. */
  storage: Informer<KubeObject>[];
  /**
   * Pods reserved on a node whose PreBind plugins' writes and conditions are pending, by key (the
   * framework's waitingPods: a store the binding cycles share, changed only by the `bind`,
   * `onResponse` and `housekeeping` actions).
   */
  waiting: Map<string, WaitingPod>;
  /** Counters (assigned: a new object at each change). */
  stats: SchedulerStats;
  /** True when a cycle runs as one transition ({@link SchedulerInput.cycle}). */
  fused: boolean;
  /** No pod is scheduled before this time (set by a restart: `RESTART_HOLD_MS`). */
  notBefore: number;
  /** The queue's back-off (kept for a restart). */
  backoffMs: { readonly initial: number; readonly max: number };
  /** Housekeeping's one-second grid: when it last ran (or began) and when its timer fires. */
  housekeeping: HousekeepingGrid;
}

/** One scheduling cycle's state, a new object at each step. */
export interface SchedulingCycle {
  readonly pod: Pod;
  readonly feasible?: FeasibleNodes;
  readonly outcome?: FilterOutcome;
  readonly result?: ScheduleResult;
  readonly state?: CycleState;
}

/** The scheduler's counters. */
export interface SchedulerStats {
  readonly attempts: number;
  readonly scheduled: number;
  readonly unschedulable: number;
  readonly bindFailures: number;
}

/** The period of the scheduler's housekeeping (kube-scheduler flushes its back-off queue every second). */
const HOUSEKEEPING_MS = 1_000;

/**
 * The earliest time housekeeping has something to do (its timer fires at the grid's first tick at
 * or after it: see `gridWakeAt`): a request timing out, an informer's retry or silence, a pod
 * waiting in PreBind (checked every tick), the queue's next back-off expiry or its periodic
 * leftover flush.
 */
function housekeepingDueAt(context: SchedulerContext): number {
  let due = Math.min(context.client.nextDueAt(), context.pods.dueAt(), context.nodes.dueAt(), context.queue.dueAt());
  for (const i of context.others) due = Math.min(due, i.dueAt());
  for (const i of context.storage) due = Math.min(due, i.dueAt());
  return context.waiting.size > 0 ? -Infinity : due;
}

/**
 * How long a restarted scheduler waits before it schedules: bindings its previous incarnation
 * sent may still be on their way and land after its fresh informers listed the pods unbound (it
 * would place other pods on the same room). A restarted kube-scheduler waits as long for the
 * Lease its previous incarnation held to expire (leader election, 15 s).
 */
const RESTART_HOLD_MS = 15_000;

/** How many pods' last cycles the scheduler keeps by default ({@link SchedulerInput.cycleRecords}). */
const DEFAULT_CYCLE_RECORDS = 100;

/** The storage objects the volume plugins read: [resource, group]. */
const STORAGE_RESOURCES: readonly (readonly [string, string, StorageEventResource])[] = [
  ['persistentvolumeclaims', '', 'PersistentVolumeClaim'],
  ['persistentvolumes', '', 'PersistentVolume'],
  ['storageclasses', 'storage.k8s.io', 'storage.k8s.io/StorageClass'],
];

/** Events of the scheduler. */
export type SchedulerEvent =
  | ApiResponse
  | WatchEvent
  | WatchClosed
  | { type: 'scheduler.restart' }
  /** A binding cycle ended (told by its API answers): the pod was bound, or its binding failed. */
  | { type: 'binding.finished'; outcome: BindingOutcome };

/** The resources besides pods and nodes the scheduler's plugins read, with their API groups. */
const LISTED_RESOURCES: readonly (readonly [string, string])[] = [
  ['namespaces', ''],
  ['services', ''],
  ['replicationcontrollers', ''],
  ['replicasets', 'apps'],
  ['statefulsets', 'apps'],
];

function listersOf(byResource: ReadonlyMap<string, Informer<KubeObject>>): SchedulerListers {
  const store = (resource: string) => byResource.get(resource)?.store;
  return {
    namespace: (name) => store('namespaces')?.get(name) as Namespace | undefined,
    namespaces: () => (store('namespaces')?.values() ?? []) as Iterable<Namespace>,
    *list(resource, namespace) {
      for (const obj of store(resource)?.values() ?? []) if (obj.metadata?.namespace === namespace) yield obj;
    },
    get: (resource, namespace, name) => store(resource)?.get(`${namespace}/${name}`) as { spec?: unknown } | undefined,
  };
}

/**
 * What the informers' handlers change: the scheduler's caches (the cache, the queue, the cycle
 * records), objects created with the context that no `assign` replaces. The handlers run inside the
 * `onWatch` action.
 */
type InformerCaches = Pick<SchedulerContext, 'port' | 'cache' | 'queue' | 'records' | 'pods' | 'listers' | 'schedulerName'>;

function createContext(input: SchedulerInput, self: AnyActorRef): SchedulerContext {
  const client = new ApiClient(input.port, input.token, { apiServer: input.apiServer });
  const schedulerName = input.schedulerName ?? 'default-scheduler';
  // built field by field here; once the machine holds it, the context changes only through assign
  const ctx = {
    self,
    port: input.port,
    client,
    profile: input.profile ?? defaultProfile,
    schedulerName,
    cache: new SchedulerCache(),
    queue: new SchedulingQueue({
      hints: queueingHintMap((input.profile ?? defaultProfile).filters),
      initialBackoffMs: input.podInitialBackoffMs ?? 1_000,
      maxBackoffMs: input.podMaxBackoffMs ?? 10_000,
    }),
    backoffMs: { initial: input.podInitialBackoffMs ?? 1_000, max: input.podMaxBackoffMs ?? 10_000 },
    recorder: new EventRecorder(client, schedulerName, undefined, input.events ?? 'all'),
    startIndex: 0,
    cycle: undefined,
    records: new CycleRecords(input.cycleRecords ?? DEFAULT_CYCLE_RECORDS),
    stats: { attempts: 0, scheduled: 0, unschedulable: 0, bindFailures: 0 },
    fused: input.cycle === 'fused',
    notBefore: -Infinity,
    waiting: new Map(),
    housekeeping: UNARMED_GRID,
  } as Omit<SchedulerContext, 'pods' | 'nodes' | 'others' | 'listers' | 'storage'> as SchedulerContext;
  const caches: InformerCaches = ctx;
  const byResource = new Map<string, Informer<KubeObject>>();
  for (const [resource, group] of LISTED_RESOURCES) {
    // a resource this API server does not serve (yet) is not watched
    if (!findResource(resource)) continue;
    byResource.set(resource, new Informer<KubeObject>(client, { resource, group }));
  }
  ctx.others = [...byResource.values()];
  const storage = new Map<string, Informer<KubeObject>>();
  for (const [resource, group, eventResource] of STORAGE_RESOURCES) {
    if (!findResource(resource)) continue;
    storage.set(
      resource,
      new Informer<KubeObject>(client, { resource, group }, {
        onAdd: (obj) => moveOnEvent(caches, { resource: eventResource, actionType: ActionType.Add }, undefined, obj),
        onUpdate: (old, obj) => moveOnEvent(caches, { resource: eventResource, actionType: ActionType.Update }, old, obj),
      }),
    );
  }
  ctx.storage = [...storage.values()];
  ctx.listers = {
    ...listersOf(byResource),
    volumes: createVolumeListers(() => ({
      claims: storage.get('persistentvolumeclaims')?.store as ReadonlyMap<string, PersistentVolumeClaim> | undefined,
      volumes: storage.get('persistentvolumes')?.store as ReadonlyMap<string, PersistentVolume> | undefined,
      classes: storage.get('storageclasses')?.store as ReadonlyMap<string, StorageClass> | undefined,
    })),
  };
  ctx.pods = new Informer<Pod>(client, { resource: 'pods' }, {
    onAdd: (pod) => onPod(caches, undefined, pod),
    onUpdate: (old, pod) => onPod(caches, old, pod),
    onDelete: (pod) => {
      const key = objectKey(pod);
      caches.queue.delete(key);
      caches.records.delete(key);
      const cached = caches.cache.getPod(key);
      if (!caches.cache.removePod(pod) || !cached) return;
      // the cache's copy is bound (an assumed pod's informer copy is not yet)
      const deleted = pod.spec?.nodeName ? pod : { ...pod, spec: { ...pod.spec!, nodeName: cached.nodeName } };
      moveOnEvent(caches, ASSIGNED_POD_DELETE, deleted, undefined);
    },
  });
  ctx.nodes = new Informer<Node>(client, { resource: 'nodes' }, {
    onAdd: (node) => {
      caches.cache.addNode(node);
      moveOnEvent(caches, NODE_ADD, undefined, node);
    },
    onUpdate: (old, node) => {
      caches.cache.updateNode(node);
      if (caches.queue.unschedulable.size === 0) return;
      for (const event of nodeSchedulingPropertiesChange(node, old)) moveOnEvent(caches, event, old, node);
    },
    onDelete: (node) => {
      caches.cache.removeNode(node);
      moveOnEvent(caches, NODE_DELETE, node, undefined);
    },
  });
  return ctx;
}

// ---- the scheduling cycle's steps ----------------------------------------------------------------

/** A pod is ready to be scheduled, the caches are complete, and no restart hold is on. */
function hasPendingPod(context: SchedulerContext): boolean {
  return (
    context.queue.hasActive &&
    context.pods.synced &&
    context.nodes.synced &&
    context.others.every((i) => i.synced) &&
    context.storage.every((i) => i.synced) &&
    context.port.now() >= context.notBefore
  );
}

/**
 * Pops the next pod from the queue (the queue is a cache the `popPod` action changes) and starts
 * its cycle: undefined when the pod is gone, bound, or assumed meanwhile.
 */
function poppedCycle(context: SchedulerContext): SchedulingCycle | undefined {
  const key = context.queue.pop();
  const pod = key ? context.pods.store.get(key) : undefined;
  return pod && isUnassigned(pod, context.schedulerName) && !context.cache.getPod(key!) ? { pod } : undefined;
}

/** Filtering: a new cycle with the feasible nodes (or the decided result), the next start index, one attempt more. */
function filtered(context: SchedulerContext, cycle: SchedulingCycle): Pick<SchedulerContext, 'cycle' | 'startIndex' | 'stats'> {
  const phase = findFeasibleNodes(cycle.pod, context.cache, context.profile, { rng: context.port.rng, startIndex: context.startIndex, listers: context.listers });
  const next: SchedulingCycle =
    'done' in phase
      ? { ...cycle, outcome: phase.outcome, result: phase.done, state: phase.state }
      : { ...cycle, outcome: phase.outcome, feasible: phase, state: phase.state };
  return {
    cycle: next,
    startIndex: 'done' in phase ? phase.done.nextStartIndex : phase.nextStartIndex,
    stats: { ...context.stats, attempts: context.stats.attempts + 1 },
  };
}

/** Scoring: a new cycle with the result. */
function scored(context: SchedulerContext, cycle: SchedulingCycle): SchedulingCycle {
  return { ...cycle, result: scoreFeasibleNodes(cycle.pod, cycle.feasible!, context.profile, { rng: context.port.rng, startIndex: context.startIndex, recordScores: context.records.capacity > 0 }) };
}

/** Keeps the cycle's results for the inspector (bounded: the last `cycleRecords` pods). */
function recordCycle(context: SchedulerContext, cycle: SchedulingCycle): void {
  const { pod, outcome, result } = cycle;
  if (context.records.capacity <= 0 || !result) return;
  context.records.set(objectKey(pod), {
    pod,
    attempt: context.stats.attempts,
    time: context.port.now(),
    numAllNodes: context.cache.nodeCount,
    profileFilters: context.profile.filters,
    outcome,
    result,
  });
}

/** The binding cycle of a pod that fits (`scheduler/binding-cycle.ts`), in the pod's flow. */
function bind(context: SchedulerContext, cycle: SchedulingCycle): void {
  context.port.inFlowOf(cycle.pod.metadata?.uid, () => bindPod(context, cycle));
}

/** A pod that fits nowhere: park it, preempt, record FailedScheduling, in the pod's flow. */
function recordUnschedulable(context: SchedulerContext, cycle: SchedulingCycle): void {
  context.port.inFlowOf(cycle.pod.metadata?.uid, () => recordFailure(context, cycle));
}

function withUnschedulable(stats: SchedulerStats): SchedulerStats {
  return { ...stats, unschedulable: stats.unschedulable + 1 };
}

/**
 * Every ready pod's cycle as the `steps` states run them, one after the other (the `fused`
 * cycle): pop, filter, score (unless decided), bind or record. The same effects in the same order;
 * returns what the steps would have assigned.
 */
function scheduleAll(context: SchedulerContext): Pick<SchedulerContext, 'cycle' | 'startIndex' | 'stats'> {
  let ctx = context;
  while (hasPendingPod(ctx)) {
    const popped = poppedCycle(ctx);
    if (!popped) continue;
    ctx = { ...ctx, ...filtered(ctx, popped) };
    let cycle = ctx.cycle!;
    if (cycle.result === undefined) cycle = scored(ctx, cycle);
    recordCycle(ctx, cycle);
    if (cycle.result?.ok === true) {
      bind(ctx, cycle);
    } else {
      ctx = { ...ctx, stats: withUnschedulable(ctx.stats) };
      recordUnschedulable(ctx, cycle);
    }
  }
  return { cycle: undefined, startIndex: ctx.startIndex, stats: ctx.stats };
}

const NODE_ADD: ClusterEvent = { resource: 'Node', actionType: ActionType.Add };
const NODE_DELETE: ClusterEvent = { resource: 'Node', actionType: ActionType.Delete };
const ASSIGNED_POD_ADD: ClusterEvent = { resource: 'AssignedPod', actionType: ActionType.Add };
const ASSIGNED_POD_DELETE: ClusterEvent = { resource: 'AssignedPod', actionType: ActionType.Delete };

/** A cluster event: the scheduling queue moves the unschedulable pods it may make schedulable. */
function moveOnEvent(ctx: InformerCaches, event: ClusterEvent, oldObj: KubeObject | undefined, newObj: KubeObject | undefined): void {
  if (ctx.queue.unschedulable.size === 0) return;
  ctx.queue.moveOnEvent(event, oldObj, newObj, ctx.port.now(), (key) => ctx.pods.store.get(key), { listers: ctx.listers });
}

function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * A pod was added or updated. kube-scheduler watches bound pods without terminal ones: a pod that
 * gets bound is an AssignedPod Add event, a bound pod that changes is one AssignedPod update event
 * per kind of change, and a bound pod that terminates leaves the watch (an AssignedPod Delete).
 * A pending pod that changes is offered to the plugins that rejected it.
 */
function onPod(ctx: InformerCaches, old: Pod | undefined, pod: Pod): void {
  const key = objectKey(pod);
  if (pod.spec?.nodeName) {
    ctx.queue.delete(key);
    const before = old?.spec?.nodeName && !isTerminal(old) ? old : undefined;
    if (before || ctx.cache.getPod(key)) ctx.cache.updatePod(pod);
    else ctx.cache.addPod(pod);
    if (isTerminal(pod)) {
      if (before) moveOnEvent(ctx, ASSIGNED_POD_DELETE, pod, undefined);
    } else if (!before) {
      moveOnEvent(ctx, ASSIGNED_POD_ADD, undefined, pod);
    } else if (ctx.queue.unschedulable.size > 0) {
      for (const event of podSchedulingPropertiesChange(pod, before)) moveOnEvent(ctx, event, before, pod);
    }
  } else if (isUnassigned(pod, ctx.schedulerName)) {
    if (old && !old.spec?.nodeName) ctx.queue.podUpdated(key, old, pod, ctx.port.now(), { listers: ctx.listers });
    ctx.queue.add(key, pod.spec?.priority ?? 0);
  } else {
    ctx.queue.delete(key);
  }
}


/**
 * Preemption's `prepareCandidate`: each victim gets the DisruptionTarget condition (reason
 * PreemptionByScheduler), is deleted through the API server, and gets a `Preempted` event.
 */
function preempt(context: SchedulerContext, pod: Pod, node: string, victims: readonly Pod[]): void {
  for (const victim of victims) {
    const ns = victim.metadata!.namespace;
    const name = victim.metadata!.name;
    context.client.request({
      verb: 'patch',
      resource: 'pods',
      subresource: 'status',
      namespace: ns,
      name,
      query: { patchType: 'strategic' },
      body: {
        status: {
          conditions: [
            {
              type: 'DisruptionTarget',
              status: 'True',
              reason: 'PreemptionByScheduler',
              message: `${context.schedulerName}: preempting to accommodate a higher priority pod`,
              lastTransitionTime: context.port.timestamp(),
            },
          ],
        },
      },
    });
    context.client.request({ verb: 'delete', resource: 'pods', namespace: ns, name });
    context.recorder.record(victim, 'Normal', 'Preempted', `Preempted by pod ${pod.metadata?.uid} on node ${node}`, 'Preempting');
  }
}

/** The pod fits nowhere: park it, record FailedScheduling, set its PodScheduled condition. */
function recordFailure(context: SchedulerContext, cycle: SchedulingCycle): void {
  const { pod, result } = cycle;
  const failure = result as Extract<ScheduleResult, { ok: false }>;
  context.queue.parkUnschedulable(objectKey(pod), context.port.now(), failure.unschedulablePlugins);
  if (failure.nominatedNode) preempt(context, pod, failure.nominatedNode, failure.victims ?? []);
  context.recorder.record(pod, 'Warning', 'FailedScheduling', failure.message, 'Scheduling');
  patchPodUnscheduled(context, pod, 'Unschedulable', failure.message, failure.nominatedNode);
}

/** The context a restarted scheduler starts with: fresh caches and informers, the same configuration. */
function restartedContext(context: SchedulerContext): SchedulerContext {
  const fresh = createContext(
    {
      port: context.port,
      token: context.client.token,
      profile: context.profile,
      apiServer: context.client.apiServer,
      schedulerName: context.schedulerName,
      events: context.recorder.level,
      cycleRecords: context.records.capacity,
      cycle: context.fused ? 'fused' : 'steps',
      podInitialBackoffMs: context.backoffMs.initial,
      podMaxBackoffMs: context.backoffMs.max,
    },
    context.self,
  );
  return { ...fresh, notBefore: context.port.now() + RESTART_HOLD_MS };
}

/**
 * The scheduler machine. Its plugins come from the profile in its input (a mutant that ignores
 * capacity is the default profile without NodeResourcesFit).
 */
export const schedulerMachine = setup({
  types: {
    input: {} as SchedulerInput,
    context: {} as SchedulerContext,
    events: {} as SchedulerEvent,
  },
  delays: {
    /**
     * Until the next housekeeping tick with something to do (back-off flush, request timeouts,
     * watch health), on a one-second grid.
     */
    tick: ({ context }) => gridWakeAt(context.housekeeping.last, context.port.now(), housekeepingDueAt(context), HOUSEKEEPING_MS) - context.port.now(),
  },
  guards: {
    hasPendingPod: ({ context }) => hasPendingPod(context),
    fusedCycleWithPendingPod: ({ context }) => context.fused && hasPendingPod(context),
    podStillPending: ({ context }) => context.cycle !== undefined,
    fits: ({ context }) => context.cycle?.result?.ok === true,
    decided: ({ context }) => context.cycle?.result !== undefined,
    /** Something became due before the armed housekeeping tick (a pod backing off, a request sent). */
    housekeepingDueEarlier: ({ context }) => gridDueEarlier(context.housekeeping, context.port.now(), housekeepingDueAt(context), HOUSEKEEPING_MS),
  },
  actions: {
    startWatches: ({ context }) => {
      context.nodes.start(true);
      context.pods.start(true);
      for (const i of context.others) i.start(true);
      for (const i of context.storage) i.start(true);
    },
    stopWatches: ({ context }) => {
      context.pods.stop();
      context.nodes.stop();
      for (const i of context.others) i.stop();
      for (const i of context.storage) i.stop();
      context.client.reset();
    },
    onResponse: ({ context, event }) => {
      assertEvent(event, 'api.response');
      context.client.handle(event);
    },
    onWatch: ({ context, event }) => {
      assertEvent(event, ['watch.added', 'watch.modified', 'watch.deleted', 'watch.bookmark', 'watch.error', 'watch.closed']);
      if (context.pods.handle(event) || context.nodes.handle(event)) return;
      for (const i of context.others) if (i.handle(event)) return;
      for (const i of context.storage) if (i.handle(event)) return;
    },
    /** A binding cycle's end, counted. */
    countBinding: assign({
      stats: ({ context, event }) => {
        assertEvent(event, 'binding.finished');
        return event.outcome === 'scheduled'
          ? { ...context.stats, scheduled: context.stats.scheduled + 1 }
          : { ...context.stats, bindFailures: context.stats.bindFailures + 1 };
      },
    }),
    beginHousekeeping: assign({ housekeeping: ({ context }) => beginGrid(context.housekeeping, context.port.now()) }),
    armHousekeeping: assign({ housekeeping: ({ context }) => armGrid(context.housekeeping, context.port.now(), housekeepingDueAt(context), HOUSEKEEPING_MS) }),
    /** Requests timed out, informers' retries and silences, pods waiting in PreBind, the queue's back-off flushed. */
    housekeeping: ({ context }) => {
      context.client.sweep();
      context.pods.tick();
      context.nodes.tick();
      for (const i of context.others) i.tick();
      for (const i of context.storage) i.tick();
      for (const key of [...context.waiting.keys()]) checkWaitingPod(context, key);
      context.queue.flush(context.port.now());
    },
    /**
     * The cycle starts with the pod the queue pops (none when it is gone, bound or assumed
     * meanwhile). Popping changes the queue, one of the scheduler's caches.
     */
    popPod: assign({ cycle: ({ context }) => poppedCycle(context) }),
    filter: assign(({ context }) => filtered(context, context.cycle!)),
    score: assign({ cycle: ({ context }) => scored(context, context.cycle!) }),
    recordCycle: ({ context }) => recordCycle(context, context.cycle!),
    bind: ({ context }) => bind(context, context.cycle!),
    countUnschedulable: assign({ stats: ({ context }) => withUnschedulable(context.stats) }),
    recordUnschedulable: ({ context }) => recordUnschedulable(context, context.cycle!),
    endCycle: assign({ cycle: undefined }),
    /** The fused cycle: every ready pod's cycle in one action (as the `idle` state's steps would run them). */
    scheduleAll: assign(({ context }) => scheduleAll(context)),
    /** A restart: fresh caches and informers, and no pod scheduled for `RESTART_HOLD_MS`. */
    reset: assign(({ context }) => restartedContext(context)),
  },
}).createMachine({
  id: 'scheduler',
  context: ({ input, self }) => createContext(input, self),
  initial: 'running',
  on: {
    ...apiClientTransitions('onResponse', 'onWatch'),
    'scheduler.restart': { target: '.running', actions: ['stopWatches', 'reset'] },
    'binding.finished': { actions: 'countBinding' },
  },
  states: {
    running: {
      entry: 'startWatches',
      type: 'parallel',
      states: {
        cycle: {
          initial: 'idle',
          states: {
            idle: {
              always: [
                // fused: every ready pod's cycle in one (targetless) microstep
                { guard: 'fusedCycleWithPendingPod', actions: 'scheduleAll' },
                { guard: 'hasPendingPod', target: 'popping' },
              ],
            },
            popping: {
              entry: 'popPod',
              always: [{ guard: 'podStillPending', target: 'filtering' }, { target: 'idle' }],
            },
            filtering: {
              entry: 'filter',
              always: [{ guard: 'fits', target: 'binding' }, { guard: 'decided', target: 'unschedulable' }, { target: 'scoring' }],
            },
            scoring: {
              entry: 'score',
              always: [{ guard: 'fits', target: 'binding' }, { target: 'unschedulable' }],
            },
            binding: {
              entry: ['recordCycle', 'bind'],
              always: { target: 'idle', actions: 'endCycle' },
            },
            unschedulable: {
              entry: ['recordCycle', 'countUnschedulable', 'recordUnschedulable'],
              always: { target: 'idle', actions: 'endCycle' },
            },
          },
        },
        housekeeping: {
          entry: 'beginHousekeeping',
          initial: 'waiting',
          states: {
            waiting: {
              entry: 'armHousekeeping',
              always: { guard: 'housekeepingDueEarlier', target: 'waiting', reenter: true },
              after: { tick: { target: 'waiting', reenter: true, actions: ['beginHousekeeping', 'housekeeping'] } },
            },
          },
        },
      },
    },
  },
});
