/**
 * Cluster events and queueing hints (kube-scheduler `framework/events.go`, `framework/types.go`'s
 * `ClusterEvent`, `ClusterEventWithHint`, `QueueingHint`).
 *
 * Each filter plugin registers the cluster events that could make a pod it rejected schedulable
 * (`EnqueueExtensions.EventsToRegister`), each with an optional queueing hint that looks at the
 * event's old and new objects and answers `Queue` or `QueueSkip` for one pending pod. The
 * scheduling queue moves a pod out of the unschedulable pool only when a plugin that rejected it
 * registered the event and its hint says `Queue` (see `scheduling-queue.ts`).
 */
import type { KubeObject, Node, Pod } from '../../src/api/types.js';
import { deepEqual } from '../../src/api/json-values.js';
import { computePodRequests } from './node-info.js';
import type { SchedulerListers } from './snapshot.js';

/** `framework.ActionType`: bit flags, combined with `|` in a registration. */
export const ActionType = Object.freeze({
  Add: 1 << 0,
  Delete: 1 << 1,
  UpdateNodeAllocatable: 1 << 2,
  UpdateNodeLabel: 1 << 3,
  UpdateNodeTaint: 1 << 4,
  UpdateNodeCondition: 1 << 5,
  UpdateNodeAnnotation: 1 << 6,
  UpdatePodLabel: 1 << 7,
  UpdatePodScaleDown: 1 << 8,
  UpdatePodTolerations: 1 << 9,
  UpdatePodSchedulingGatesEliminated: 1 << 10,
  UpdatePodGeneratedResourceClaim: 1 << 11,
  /** `updatePodOther`: a pod update none of the specific pod update types describes. */
  UpdatePodOther: 1 << 12,
  /** Every update type. */
  Update: (1 << 13) - 1 - (1 << 0) - (1 << 1),
  /** Every action. */
  All: (1 << 13) - 1,
});

const ACTION_NAMES: readonly (readonly [number, string])[] = [
  [ActionType.All, 'All'],
  [ActionType.Update, 'Update'],
  [ActionType.Add, 'Add'],
  [ActionType.Delete, 'Delete'],
  [ActionType.UpdateNodeAllocatable, 'UpdateNodeAllocatable'],
  [ActionType.UpdateNodeLabel, 'UpdateNodeLabel'],
  [ActionType.UpdateNodeTaint, 'UpdateNodeTaint'],
  [ActionType.UpdateNodeCondition, 'UpdateNodeCondition'],
  [ActionType.UpdateNodeAnnotation, 'UpdateNodeAnnotation'],
  [ActionType.UpdatePodLabel, 'UpdatePodLabel'],
  [ActionType.UpdatePodScaleDown, 'UpdatePodScaleDown'],
  [ActionType.UpdatePodTolerations, 'UpdatePodTolerations'],
  [ActionType.UpdatePodSchedulingGatesEliminated, 'UpdatePodSchedulingGatesEliminated'],
  [ActionType.UpdatePodGeneratedResourceClaim, 'UpdatePodGeneratedResourceClaim'],
  [ActionType.UpdatePodOther, 'Update'],
];

/**
 * `framework.EventResource`: `Pod` in a registration matches both `AssignedPod` (a pod bound to a
 * node) and `UnschedulablePod` (a pod not bound yet) events; `*` matches everything.
 */
export type EventResource = 'Pod' | 'AssignedPod' | 'UnschedulablePod' | 'Node' | StorageEventResource | '*';

/** The storage objects the volume plugins read (an Add, or an Update with every update bit, as kube's generic handlers send). */
export type StorageEventResource = 'PersistentVolume' | 'PersistentVolumeClaim' | 'storage.k8s.io/StorageClass';

/** `framework.ClusterEvent`. */
export interface ClusterEvent {
  /** The kind of object the event is about. */
  readonly resource: EventResource;
  /** What happened (one flag for an incoming event; any combination in a registration). */
  readonly actionType: number;
  /** A special event's name (`UnschedulableTimeout`). */
  readonly label?: string;
}

/** `framework.QueueingHint`. */
export type QueueingHint = 'Queue' | 'QueueSkip';

/** What a hint may read besides the objects: the scheduler's listers (PodTopologySpread's default constraints). */
export interface HintContext {
  /** The scheduler's listers; undefined in tests without them. */
  readonly listers?: SchedulerListers;
}

/**
 * `framework.QueueingHintFn`: whether the event (its old and new objects: old undefined for an
 * Add, new undefined for a Delete) may make the pending pod schedulable.
 */
export type QueueingHintFn<T extends KubeObject> = (pod: Pod, oldObj: T | undefined, newObj: T | undefined, context: HintContext) => QueueingHint;

/** `framework.ClusterEventWithHint`: a registered event and its hint (none: always `Queue`). */
export type ClusterEventWithHint =
  | { readonly event: ClusterEvent & { readonly resource: 'Node' }; readonly hint?: QueueingHintFn<Node> }
  | { readonly event: ClusterEvent & { readonly resource: 'Pod' | 'AssignedPod' | 'UnschedulablePod' }; readonly hint?: QueueingHintFn<Pod> }
  | { readonly event: ClusterEvent & { readonly resource: StorageEventResource }; readonly hint?: QueueingHintFn<KubeObject> }
  | { readonly event: ClusterEvent & { readonly resource: '*' }; readonly hint?: undefined };

/**
 * What a plugin that does not register events gets (kube-scheduler's `allClusterEvents` for
 * plugins that do not implement `EnqueueExtensions`): every event, always `Queue`.
 */
export const ALL_EVENTS: readonly ClusterEventWithHint[] = Object.freeze([{ event: { resource: '*', actionType: ActionType.All } }]);

/** `EventUnschedulableTimeout`: a pod stayed in the unschedulable pool longer than podMaxInUnschedulablePodsDuration. */
export const EVENT_UNSCHEDULABLE_TIMEOUT: ClusterEvent = Object.freeze({ resource: '*', actionType: ActionType.All, label: 'UnschedulableTimeout' });

/** `ClusterEvent.IsWildCard`. */
export function isWildCard(e: ClusterEvent): boolean {
  return e.resource === '*' && e.actionType === ActionType.All;
}

/** `ClusterEvent.Match`: whether a registered event covers an incoming one. */
export function eventMatches(registered: ClusterEvent, incoming: ClusterEvent): boolean {
  if (isWildCard(registered)) return true;
  const resourceMatches =
    registered.resource === incoming.resource ||
    (registered.resource === 'Pod' && (incoming.resource === 'AssignedPod' || incoming.resource === 'UnschedulablePod'));
  return resourceMatches && (registered.actionType & incoming.actionType) !== 0;
}

/** `ClusterEvent.Label`: e.g. `NodeAdd`, `AssignedPodDelete`, `UnschedulableTimeout`. */
export function eventLabel(e: ClusterEvent): string {
  if (e.label) return e.label;
  const name = ACTION_NAMES.find(([bits]) => bits === e.actionType)?.[1] ?? String(e.actionType);
  return `${e.resource === '*' ? 'WildCard' : e.resource}${name}`;
}

function sameLabels(a: Readonly<Record<string, string>> | undefined, b: Readonly<Record<string, string>> | undefined): boolean {
  return deepEqual(a ?? {}, b ?? {});
}

/** Condition type → status, as `extractNodeConditionsChange` compares them (reasons and times ignored). */
function conditionStatuses(node: Node): Record<string, string> {
  const out: Record<string, string> = {};
  for (const c of node.status?.conditions ?? []) out[c.type] = c.status;
  return out;
}

/**
 * `NodeSchedulingPropertiesChange`: the `Node` update events one node update stands for, in
 * kube's order (a node made schedulable again counts as `UpdateNodeTaint`; nothing for a change
 * no plugin cares about, e.g. a heartbeat).
 */
export function nodeSchedulingPropertiesChange(newNode: Node, oldNode: Node): ClusterEvent[] {
  const events: ClusterEvent[] = [];
  const add = (actionType: number): void => void events.push({ resource: 'Node', actionType });
  const newUnschedulable = newNode.spec?.unschedulable === true;
  if (newUnschedulable !== (oldNode.spec?.unschedulable === true) && !newUnschedulable) add(ActionType.UpdateNodeTaint);
  if (!deepEqual(oldNode.status?.allocatable ?? null, newNode.status?.allocatable ?? null)) add(ActionType.UpdateNodeAllocatable);
  if (!sameLabels(newNode.metadata?.labels, oldNode.metadata?.labels)) add(ActionType.UpdateNodeLabel);
  if (!deepEqual(newNode.spec?.taints ?? null, oldNode.spec?.taints ?? null)) add(ActionType.UpdateNodeTaint);
  if (!deepEqual(conditionStatuses(oldNode), conditionStatuses(newNode))) add(ActionType.UpdateNodeCondition);
  if (!sameLabels(oldNode.metadata?.annotations, newNode.metadata?.annotations)) add(ActionType.UpdateNodeAnnotation);
  return events;
}

/**
 * `PodSchedulingPropertiesChange`: the pod update events one pod update stands for
 * (`AssignedPod` for a bound pod, `UnschedulablePod` otherwise); `updatePodOther` when none of
 * labels, a scale-down of requests, scheduling gates all removed, or tolerations changed.
 */
export function podSchedulingPropertiesChange(newPod: Pod, oldPod: Pod): ClusterEvent[] {
  const resource = newPod.spec?.nodeName ? 'AssignedPod' : 'UnschedulablePod';
  const events: ClusterEvent[] = [];
  const add = (actionType: number): void => void events.push({ resource, actionType });
  if (!sameLabels(newPod.metadata?.labels, oldPod.metadata?.labels)) add(ActionType.UpdatePodLabel);
  if (newPod.spec !== oldPod.spec && isScaleDown(newPod, oldPod)) add(ActionType.UpdatePodScaleDown);
  if ((newPod.spec?.schedulingGates?.length ?? 0) === 0 && (oldPod.spec?.schedulingGates?.length ?? 0) !== 0) {
    add(ActionType.UpdatePodSchedulingGatesEliminated);
  }
  if ((newPod.spec?.tolerations?.length ?? 0) !== (oldPod.spec?.tolerations?.length ?? 0)) add(ActionType.UpdatePodTolerations);
  if (events.length === 0) add(ActionType.UpdatePodOther);
  return events;
}

/** `extractPodScaleDown`: the pod's effective cpu, memory or ephemeral-storage request went down. */
function isScaleDown(newPod: Pod, oldPod: Pod): boolean {
  const now = computePodRequests(newPod);
  const before = computePodRequests(oldPod);
  return before.milliCpu > now.milliCpu || before.memory > now.memory || before.ephemeralStorage > now.ephemeralStorage;
}

/** Whether two objects are the same pod: same uid, or same namespace and name when either has no uid. */
export function isSamePod(a: Pod, b: Pod): boolean {
  const ua = a.metadata?.uid;
  const ub = b.metadata?.uid;
  if (ua && ub) return ua === ub;
  return (a.metadata?.namespace ?? 'default') === (b.metadata?.namespace ?? 'default') && a.metadata?.name === b.metadata?.name;
}
