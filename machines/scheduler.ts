/**
 * The scheduler (kube-scheduler): watches pods and nodes through the API server, keeps pods
 * without a node in a scheduling queue (with back-off, and a pool of unschedulable pods each
 * retried on the cluster events the plugins that rejected it registered, when their queueing
 * hints say so: see `scheduler/scheduling-queue.ts`), and runs one scheduling cycle at a time:
 * `filtering → scoring → binding`. It binds by sending a Binding to the API server; it never
 * writes etcd and never talks to a kubelet. A pod that fits nowhere gets a FailedScheduling
 * Event that says why, per plugin. With the input `cycle: 'fused'` each cycle's steps run in the
 * same order as the actions of one transition (same trace; fewer XState microsteps).
 */
import { setup } from 'xstate';
import type { KubeObject, Namespace, Pod, Node, PersistentVolume, PersistentVolumeClaim, StorageClass } from '../src/api/types.js';
import { findResource } from '../src/api/resources.js';
import type { SchedulerListers } from './scheduler/snapshot.js';
import type { Port } from '../src/kernel/port.js';
import type { ApiResponse, WatchClosed, WatchEvent } from './protocol.js';
import { ApiClient } from './client/api-client.js';
import { Informer, objectKey } from './client/informer.js';
import { EventRecorder, type EventLevel } from './client/events.js';
import { SchedulerCache } from './scheduler/cache.js';
import { defaultProfile, type Profile } from './scheduler/registry.js';
import { findFeasibleNodes, scoreFeasibleNodes, type FeasibleNodes, type FilterOutcome, type ScheduleResult } from './scheduler/schedule-one.js';
import { CycleRecords } from './scheduler/cycle-record.js';
import type { CycleState } from './scheduler/framework.js';
import { bindPod, checkWaitingPod, isUnassigned, patchPodUnscheduled, type WaitingPod } from './scheduler/binding-cycle.js';
import { createVolumeListers } from './scheduler/volume-listers.js';
import { apiClientTransitions } from './client/transitions.js';
import { gridWakeAt } from './client/housekeeping-grid.js';
import { SchedulingQueue, queueingHintMap } from './scheduler/scheduling-queue.js';
import { ActionType, nodeSchedulingPropertiesChange, podSchedulingPropertiesChange, type ClusterEvent, type StorageEventResource } from './scheduler/events.js';

/** Input of the scheduler machine. */
export interface SchedulerInput {
  port: Port;
  /** Bearer token of `system:kube-scheduler`. */
  token: string;
  /** The scheduling profile (plugins, weights, percentageOfNodesToScore). */
  profile?: Profile;
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
  port: Port;
  client: ApiClient;
  profile: Profile;
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
  /** The pod of the cycle in progress: the nodes that passed filtering, then the result. */
  cycle: { pod: Pod; feasible?: FeasibleNodes; outcome?: FilterOutcome; result?: ScheduleResult; state?: CycleState } | undefined;
  /** The last scheduling cycle of the last pods tried (the inspector's per-plugin view). */
  records: CycleRecords;
  /** Claims, volumes and StorageClasses (VolumeBinding, VolumeRestrictions); each change may make a pod schedulable. */
  storage: Informer<KubeObject>[];
  /** Pods reserved on a node whose PreBind plugins' writes and conditions are pending, by key. */
  waiting: Map<string, WaitingPod>;
  /** Counters. */
  stats: { attempts: number; scheduled: number; unschedulable: number; bindFailures: number };
  /** True when a cycle runs as one transition ({@link SchedulerInput.cycle}). */
  fused: boolean;
  /** No pod is scheduled before this time (set by a restart: `RESTART_HOLD_MS`). */
  notBefore: number;
  /** The queue's back-off (kept for a restart). */
  backoffMs: { readonly initial: number; readonly max: number };
  /** Housekeeping's one-second grid: when it last ran (or began) and when its timer fires. */
  housekeeping: { last: number; armedAt: number };
}

/** The period of the scheduler's housekeeping (kube-scheduler flushes its back-off queue every second). */
const HOUSEKEEPING_MS = 1_000;

/**
 * The tick at which housekeeping next has something to do (see `gridWakeAt`): a request timing
 * out, an informer's retry or silence, a pod waiting in PreBind (checked every tick), the queue's
 * next back-off expiry or its periodic leftover flush.
 */
function housekeepingWakeAt(context: SchedulerContext): number {
  let due = Math.min(context.client.nextDueAt(), context.pods.dueAt(), context.nodes.dueAt(), context.queue.dueAt());
  for (const i of context.others) due = Math.min(due, i.dueAt());
  for (const i of context.storage) due = Math.min(due, i.dueAt());
  if (context.waiting.size > 0) due = -Infinity;
  return gridWakeAt(context.housekeeping.last, context.port.now(), due, HOUSEKEEPING_MS);
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
export type SchedulerEvent = ApiResponse | WatchEvent | WatchClosed | { type: 'scheduler.restart' };

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

function createContext(input: SchedulerInput): SchedulerContext {
  const client = new ApiClient(input.port, input.token, { apiServer: input.apiServer });
  const schedulerName = input.schedulerName ?? 'default-scheduler';
  const ctx = {
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
    housekeeping: { last: 0, armedAt: Infinity },
  } as Omit<SchedulerContext, 'pods' | 'nodes' | 'others' | 'listers' | 'storage'> as SchedulerContext;
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
        onAdd: (obj) => moveOnEvent(ctx, { resource: eventResource, actionType: ActionType.Add }, undefined, obj),
        onUpdate: (old, obj) => moveOnEvent(ctx, { resource: eventResource, actionType: ActionType.Update }, old, obj),
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
    onAdd: (pod) => onPod(ctx, undefined, pod),
    onUpdate: (old, pod) => onPod(ctx, old, pod),
    onDelete: (pod) => {
      const key = objectKey(pod);
      ctx.queue.delete(key);
      ctx.records.delete(key);
      const cached = ctx.cache.getPod(key);
      if (!ctx.cache.removePod(pod) || !cached) return;
      // the cache's copy is bound (an assumed pod's informer copy is not yet)
      const deleted = pod.spec?.nodeName ? pod : { ...pod, spec: { ...pod.spec!, nodeName: cached.nodeName } };
      moveOnEvent(ctx, ASSIGNED_POD_DELETE, deleted, undefined);
    },
  });
  ctx.nodes = new Informer<Node>(client, { resource: 'nodes' }, {
    onAdd: (node) => {
      ctx.cache.addNode(node);
      moveOnEvent(ctx, NODE_ADD, undefined, node);
    },
    onUpdate: (old, node) => {
      ctx.cache.updateNode(node);
      if (ctx.queue.unschedulable.size === 0) return;
      for (const event of nodeSchedulingPropertiesChange(node, old)) moveOnEvent(ctx, event, old, node);
    },
    onDelete: (node) => {
      ctx.cache.removeNode(node);
      moveOnEvent(ctx, NODE_DELETE, node, undefined);
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

function popPod(context: SchedulerContext): void {
  const key = context.queue.pop();
  const pod = key ? context.pods.store.get(key) : undefined;
  context.cycle = pod && isUnassigned(pod, context.schedulerName) && !context.cache.getPod(key!) ? { pod } : undefined;
}

function filter(context: SchedulerContext): void {
  const cycle = context.cycle!;
  context.stats.attempts++;
  const phase = findFeasibleNodes(cycle.pod, context.cache, context.profile, { rng: context.port.rng, startIndex: context.startIndex, listers: context.listers });
  cycle.outcome = phase.outcome;
  if ('done' in phase) {
    cycle.result = phase.done;
    cycle.state = phase.state;
  } else {
    cycle.feasible = phase;
    cycle.state = phase.state;
  }
  context.startIndex = 'done' in phase ? phase.done.nextStartIndex : phase.nextStartIndex;
}

function score(context: SchedulerContext): void {
  const cycle = context.cycle!;
  cycle.result = scoreFeasibleNodes(cycle.pod, cycle.feasible!, context.profile, { rng: context.port.rng, startIndex: context.startIndex, recordScores: context.records.capacity > 0 });
}

/** Keeps the cycle's results for the inspector (bounded: the last `cycleRecords` pods). */
function recordCycle(context: SchedulerContext): void {
  const { pod, outcome, result } = context.cycle!;
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

function bind(context: SchedulerContext): void {
  recordCycle(context);
  const { pod } = context.cycle!;
  context.port.inFlowOf(pod.metadata?.uid, () => bindPod(context));
}

function recordUnschedulable(context: SchedulerContext): void {
  recordCycle(context);
  const { pod } = context.cycle!;
  context.port.inFlowOf(pod.metadata?.uid, () => recordFailure(context));
}

/** One whole cycle, as the `steps` states run it: pop, filter, score (unless decided), bind or record. */
function scheduleOne(context: SchedulerContext): void {
  popPod(context);
  const cycle = context.cycle;
  if (!cycle) return;
  filter(context);
  if (cycle.result === undefined) score(context);
  if (cycle.result?.ok === true) bind(context);
  else recordUnschedulable(context);
}

const NODE_ADD: ClusterEvent = { resource: 'Node', actionType: ActionType.Add };
const NODE_DELETE: ClusterEvent = { resource: 'Node', actionType: ActionType.Delete };
const ASSIGNED_POD_ADD: ClusterEvent = { resource: 'AssignedPod', actionType: ActionType.Add };
const ASSIGNED_POD_DELETE: ClusterEvent = { resource: 'AssignedPod', actionType: ActionType.Delete };

/** A cluster event: the scheduling queue moves the unschedulable pods it may make schedulable. */
function moveOnEvent(ctx: SchedulerContext, event: ClusterEvent, oldObj: KubeObject | undefined, newObj: KubeObject | undefined): void {
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
function onPod(ctx: SchedulerContext, old: Pod | undefined, pod: Pod): void {
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
function recordFailure(context: SchedulerContext): void {
  const { pod, result } = context.cycle!;
  const failure = result as Extract<ScheduleResult, { ok: false }>;
  context.stats.unschedulable++;
  context.queue.parkUnschedulable(objectKey(pod), context.port.now(), failure.unschedulablePlugins);
  if (failure.nominatedNode) preempt(context, pod, failure.nominatedNode, failure.victims ?? []);
  context.recorder.record(pod, 'Warning', 'FailedScheduling', failure.message, 'Scheduling');
  patchPodUnscheduled(context, pod, 'Unschedulable', failure.message, failure.nominatedNode);
  context.cycle = undefined;
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
    tick: ({ context }) => housekeepingWakeAt(context) - context.port.now(),
  },
  guards: {
    hasPendingPod: ({ context }) => hasPendingPod(context),
    fusedCycleWithPendingPod: ({ context }) => context.fused && hasPendingPod(context),
    podStillPending: ({ context }) => context.cycle !== undefined,
    fits: ({ context }) => context.cycle?.result?.ok === true,
    decided: ({ context }) => context.cycle?.result !== undefined,
    /** Something became due before the armed housekeeping tick (a pod backing off, a request sent). */
    housekeepingDueEarlier: ({ context }) => housekeepingWakeAt(context) < context.housekeeping.armedAt,
  },
  actions: {
    startWatches: ({ context }) => {
      context.nodes.start(true);
      context.pods.start(true);
      for (const i of context.others) i.start(true);
      for (const i of context.storage) i.start(true);
    },
    onResponse: ({ context, event }) => {
      context.client.handle(event as ApiResponse);
    },
    onWatch: ({ context, event }) => {
      const e = event as WatchEvent | WatchClosed;
      if (context.pods.handle(e) || context.nodes.handle(e)) return;
      for (const i of context.others) if (i.handle(e)) return;
      for (const i of context.storage) if (i.handle(e)) return;
    },
    beginHousekeeping: ({ context }) => {
      context.housekeeping.last = context.port.now();
    },
    armHousekeeping: ({ context }) => {
      context.housekeeping.armedAt = housekeepingWakeAt(context);
    },
    housekeeping: ({ context }) => {
      context.housekeeping.last = context.port.now();
      context.client.sweep();
      context.pods.tick();
      context.nodes.tick();
      for (const i of context.others) i.tick();
      for (const i of context.storage) i.tick();
      for (const key of [...context.waiting.keys()]) checkWaitingPod(context, key);
      context.queue.flush(context.port.now());
    },
    popPod: ({ context }) => popPod(context),
    filter: ({ context }) => filter(context),
    score: ({ context }) => score(context),
    bind: ({ context }) => bind(context),
    recordUnschedulable: ({ context }) => recordUnschedulable(context),
    scheduleAll: ({ context }) => {
      // as the stepwise cycle's `idle` state does: a cycle per pod while one is ready
      while (hasPendingPod(context)) scheduleOne(context);
    },
    reset: ({ context }) => {
      context.pods.stop();
      context.nodes.stop();
      for (const i of context.others) i.stop();
      for (const i of context.storage) i.stop();
      context.client.reset();
      const fresh = createContext({ port: context.port, token: context.client.token, profile: context.profile, apiServer: context.client.apiServer, schedulerName: context.schedulerName, events: context.recorder.level, cycleRecords: context.records.capacity, cycle: context.fused ? 'fused' : 'steps', podInitialBackoffMs: context.backoffMs.initial, podMaxBackoffMs: context.backoffMs.max });
      Object.assign(context, fresh);
      context.notBefore = context.port.now() + RESTART_HOLD_MS;
    },
  },
}).createMachine({
  id: 'scheduler',
  context: ({ input }) => createContext(input),
  initial: 'running',
  on: {
    ...apiClientTransitions('onResponse', 'onWatch'),
    'scheduler.restart': { target: '.running', actions: 'reset' },
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
              entry: 'bind',
              always: 'idle',
            },
            unschedulable: {
              entry: 'recordUnschedulable',
              always: 'idle',
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
              after: { tick: { target: 'waiting', reenter: true, actions: 'housekeeping' } },
            },
          },
        },
      },
    },
  },
});
