/**
 * The scheduling framework's interfaces, after kube-scheduler's `pkg/scheduler/framework`
 * (interface.go, cycle_state.go): plugin statuses, the per-pod {@link CycleState} and the filter /
 * score / post-filter plugin interfaces. The resource vectors and the per-node NodeInfo the cache
 * keeps (framework/types.go) are in node-info.ts.
 *
 * Plugins are plain objects with a `name` and pure functions. Everything a plugin needs per pod
 * is parsed once into the {@link CycleState}, so a per-node `filter` or `score` call only reads
 * numbers and small arrays.
 */
import type { KubeObject, Pod, Toleration } from '../../src/api/types.js';
import { podResourceRecord, type NodeInfo, type NonZeroResources, type PodResourceRecord, type Resources } from './node-info.js';
import {
  compilePreferredSchedulingTerms,
  compileRequiredNodeAffinity,
  type PreferredSchedulingTerm,
  type RequiredNodeAffinity,
} from './node-selector.js';
import { EMPTY_SNAPSHOT, type Snapshot } from './snapshot.js';
import type { ClusterEventWithHint } from './events.js';

/** The highest score a score plugin may give a node after normalizing (`framework.MaxNodeScore`). */
export const MAX_NODE_SCORE = 100;

/**
 * A plugin's verdict (`framework.Status`). `Unschedulable` may be resolved by preemption;
 * `UnschedulableAndUnresolvable` may not; `Skip` (from a pre-filter / pre-score hook) means the
 * plugin has nothing to do for this pod; `Error` aborts the cycle.
 */
export type StatusCode = 'Success' | 'Unschedulable' | 'UnschedulableAndUnresolvable' | 'Skip' | 'Error';

/** A plugin status: a code and the reasons shown in the FailedScheduling message. */
export interface Status {
  /** The verdict. */
  readonly code: StatusCode;
  /** Human-readable reasons, e.g. `Insufficient cpu`. */
  readonly reasons: readonly string[];
}

/** The shared success status; filters return it (not a copy) so the hot path allocates nothing. */
export const SUCCESS: Status = Object.freeze({ code: 'Success', reasons: Object.freeze([]) });

/** The shared skip status of pre-filter hooks. */
export const SKIP: Status = Object.freeze({ code: 'Skip', reasons: Object.freeze([]) });

/** A status that preemption might resolve (e.g. `Insufficient cpu`). */
export function unschedulable(...reasons: string[]): Status {
  return { code: 'Unschedulable', reasons };
}

/** A status that no preemption resolves (e.g. an untolerated taint). */
export function unresolvable(...reasons: string[]): Status {
  return { code: 'UnschedulableAndUnresolvable', reasons };
}

/** True when the status rejects the node (`Unschedulable` or `UnschedulableAndUnresolvable`). */
export function isRejected(status: Status): boolean {
  return status.code === 'Unschedulable' || status.code === 'UnschedulableAndUnresolvable';
}

/**
 * Everything about the pod being scheduled that plugins need, computed once per scheduling cycle
 * (kube-scheduler's `CycleState` after the PreFilter / PreScore hooks of the built-in plugins).
 */
export interface CycleState {
  /** The pod. */
  readonly pod: Pod;
  /** Its {@link keyDefaultingNamespace}. */
  readonly keyDefaultingNamespace: string;
  /** Its requests as NodeResourcesFit filters them ({@link computePodRequests}). */
  readonly requests: Resources;
  /** Its cpu and memory with the defaults for containers without requests, for LeastAllocated. */
  readonly nonZeroRequests: NonZeroResources;
  /** Its priority. */
  readonly priority: number;
  /** `spec.tolerations` (empty when unset). */
  readonly tolerations: readonly Toleration[];
  /** The tolerations that can tolerate a `PreferNoSchedule` taint (effect empty or PreferNoSchedule). */
  readonly tolerationsPreferNoSchedule: readonly Toleration[];
  /** `spec.nodeName`, or undefined. */
  readonly nodeName: string | undefined;
  /** `spec.nodeSelector` plus required node affinity, compiled; undefined when the pod has neither. */
  readonly requiredAffinity: RequiredNodeAffinity | undefined;
  /** Preferred node-affinity terms, compiled (valid, non-empty, weight > 0); undefined when unset. */
  readonly preferredAffinity: readonly PreferredSchedulingTerm[] | undefined;
  /** The cluster as this cycle sees it: nodes, the pods on them, namespaces (see {@link Snapshot}). */
  readonly snapshot: Snapshot;
  /** Scratch space for plugins' `preFilter` / `preScore` hooks, keyed by plugin name. */
  readonly data: Map<string, unknown>;
}

/** Parses a pod into its {@link CycleState}; `snapshot` defaults to one without nodes or pods. */
export function createCycleState(pod: Pod, snapshot: Snapshot = EMPTY_SNAPSHOT): CycleState {
  const rec = podResourceRecord(pod);
  const tolerations = (pod.spec?.tolerations ?? []);
  const preferred = pod.spec?.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution;
  return {
    pod,
    keyDefaultingNamespace: rec.key,
    requests: rec.requests,
    nonZeroRequests: rec.nonZero,
    priority: rec.priority,
    tolerations,
    tolerationsPreferNoSchedule: tolerations.filter((t) => !t.effect || t.effect === 'PreferNoSchedule'),
    nodeName: pod.spec?.nodeName || undefined,
    requiredAffinity: compileRequiredNodeAffinity(pod),
    preferredAffinity: preferred ? compilePreferredSchedulingTerms(preferred) : undefined,
    snapshot,
    data: new Map(),
  };
}

/**
 * A copy of a cycle state whose plugin data can be changed without touching the original
 * (`CycleState.Clone`): entries with a `clone()` method are cloned, others shared.
 */
export function cloneCycleState(state: CycleState): CycleState {
  const data = new Map<string, unknown>();
  for (const [k, v] of state.data) {
    const c = v as { clone?: () => unknown } | null;
    data.set(k, c && typeof c === 'object' && typeof c.clone === 'function' ? c.clone() : v);
  }
  return { ...state, data };
}

/**
 * What a pre-filter hook may answer: a non-success `status` rejects the pod on every node before
 * any filter runs (`UnschedulableAndUnresolvable`) or lets preemption try (`Unschedulable`);
 * `SKIP` means the plugin's `filter` need not run for this pod; `nodeNames` restricts the nodes
 * considered (the results of several plugins are intersected).
 */
export interface PreFilterResult {
  /** A rejecting status, or {@link SKIP}; undefined or success to go on. */
  readonly status?: Status;
  /** The only nodes that may pass this plugin's filter. */
  readonly nodeNames?: ReadonlySet<string>;
}

/** A filter plugin: decides whether a pod can run on a node. */
export interface FilterPlugin {
  /** The plugin's name, shown in diagnostics. Unique among a profile's filters. */
  readonly name: string;
  /** Optional per-pod hook run once before any filter (kube's PreFilter). */
  preFilter?(pod: Pod, state: CycleState): PreFilterResult | undefined;
  /**
   * PreFilter extension: update the pre-filter state as if `other` were added to `nodeInfo`
   * (preemption's dry run, and nominated pods). Plugins whose filter reads only `nodeInfo` need none.
   */
  addPod?(state: CycleState, pod: Pod, other: Pod, nodeInfo: NodeInfo): void;
  /** PreFilter extension: update the pre-filter state as if `other` were removed from `nodeInfo`. */
  removePod?(state: CycleState, pod: Pod, other: Pod, nodeInfo: NodeInfo): void;
  /** The verdict for one node: {@link SUCCESS} or a rejecting status with reasons. */
  filter(pod: Pod, nodeInfo: NodeInfo, state: CycleState): Status;
  /**
   * Reserve extension point: the pod is assumed on `nodeName`; the plugin may assume what it
   * decided (VolumeBinding's volumes). A rejecting status fails the cycle.
   */
  reserve?(state: CycleState, pod: Pod, nodeName: string): Status;
  /** Unreserve: undoes `reserve` when the cycle fails after it. */
  unreserve?(state: CycleState, pod: Pod, nodeName: string): void;
  /** PreBind: API writes to make and a condition to wait for before the pod is bound. */
  preBind?(state: CycleState, pod: Pod, nodeName: string): PreBindPlan | undefined;
  /**
   * The cluster events that may make a pod this plugin rejected schedulable, with their queueing
   * hints (`EnqueueExtensions.EventsToRegister`). A plugin without them is offered every event.
   */
  readonly events?: readonly ClusterEventWithHint[];
}

/** One API update a pre-bind plan asks the scheduler to send. */
export interface PreBindWrite {
  /** The plural resource (`persistentvolumes`, `persistentvolumeclaims`). */
  readonly resource: string;
  /** The whole object to update (its resourceVersion guards the write). */
  readonly object: KubeObject;
}

/**
 * What a PreBind plugin needs done before the pod is bound: updates sent in order (the first that
 * fails fails the binding cycle), then `check` polled on every relevant informer event and
 * housekeeping tick until it answers `true` (bind the pod) or an error message (fail), or until
 * `timeoutMs` passes.
 */
export interface PreBindPlan {
  /** The updates, in order. */
  readonly writes: readonly PreBindWrite[];
  /** Polled with the objects the API server returned for the writes: true, false (wait) or an error. */
  check(written: readonly (KubeObject | undefined)[]): boolean | string;
  /** How long to wait for `check` (virtual ms). */
  readonly timeoutMs: number;
}

/** A score plugin: ranks the nodes that passed the filters. */
export interface ScorePlugin {
  /** The plugin's name. Unique among a profile's score plugins. */
  readonly name: string;
  /** Optional per-pod hook run once before scoring; returning `'skip'` leaves this plugin out for the pod. */
  preScore?(pod: Pod, state: CycleState, nodes: readonly NodeInfo[]): 'skip' | void;
  /** The raw score of one node. */
  score(pod: Pod, nodeInfo: NodeInfo, state: CycleState): number;
  /**
   * Optional batch form of `score`: pushes the raw score of each node, in order, onto `out`. It
   * must agree with `score`; the built-in plugins provide it so the per-node call stays
   * monomorphic (a measurable speed-up over thousands of nodes).
   */
  scoreNodes?(pod: Pod, nodes: readonly NodeInfo[], state: CycleState, out: number[]): void;
  /**
   * Rescales the raw scores of all feasible nodes in place to 0..{@link MAX_NODE_SCORE}. Without
   * it the raw scores must already lie in that range (the framework rejects others).
   */
  normalize?(scores: number[], state: CycleState): void;
}

/** A score plugin with the weight its normalized scores are multiplied by. */
export interface WeightedScorePlugin {
  /** The plugin. */
  readonly plugin: ScorePlugin;
  /** Its weight (a positive integer in kube-scheduler's configuration). */
  readonly weight: number;
}

/** A rejected node's status and the plugin that rejected it. */
export interface PluginStatus {
  /** The plugin that returned the status. */
  readonly plugin: string;
  /** The status. */
  readonly status: Status;
}

/**
 * Why a pod fits nowhere (`framework.Diagnosis` plus `NumAllNodes`): the status of each node that
 * was filtered out, and the status that stands for every node not in that map.
 */
export interface Diagnosis {
  /** Number of nodes in the cluster. */
  readonly numAllNodes: number;
  /** The status of each node that was evaluated and rejected. */
  readonly nodeStatuses: ReadonlyMap<string, PluginStatus>;
  /** The status of the nodes absent from `nodeStatuses` (a pre-filter rejection or restriction). */
  readonly absentStatus: PluginStatus | undefined;
  /** A pre-filter rejection's message; when set it replaces the per-node reasons in the message. */
  readonly preFilterMessage: string | undefined;
}

/** What a post-filter plugin (preemption) may answer. */
export interface PostFilterResult {
  /** Text appended to the FailedScheduling message (kube: `preemption: ...`); empty for none. */
  readonly message: string;
  /** Nodes where evicting lower-priority pods would let the pod fit. */
  readonly candidates?: readonly string[];
  /** The candidate chosen: the node to nominate (`status.nominatedNodeName`). */
  readonly nominatedNode?: string;
  /** The pods to evict on `nominatedNode`. */
  readonly victims?: readonly Pod[];
}

/** The read-only view of the scheduler's state a post-filter plugin gets. */
export interface PostFilterContext {
  /** All schedulable nodes, in the cache's order. */
  readonly nodes: readonly NodeInfo[];
  /** Looks up a schedulable node by name. */
  readonly nodeInfo: (name: string) => NodeInfo | undefined;
  /** Looks up a pod on a node by key. */
  readonly podRecord: (key: string) => (PodResourceRecord & { readonly pod: Pod }) | undefined;
  /** The filters that ran for this pod (pre-filter skips removed), in order. */
  readonly filters: readonly FilterPlugin[];
}

/** A post-filter plugin: runs when no node fits (kube's PostFilter, i.e. preemption). */
export interface PostFilterPlugin {
  /** The plugin's name. */
  readonly name: string;
  /** Examines the failure; its message is appended to the FailedScheduling message. */
  postFilter(pod: Pod, state: CycleState, diagnosis: Diagnosis, context: PostFilterContext): PostFilterResult;
}

/** Runs `filters` on one node in order and returns the first rejection, or undefined when all pass. */
export function runFilters(
  filters: readonly FilterPlugin[],
  pod: Pod,
  nodeInfo: NodeInfo,
  state: CycleState,
): PluginStatus | undefined {
  for (let i = 0; i < filters.length; i++) {
    const plugin = filters[i]!;
    const status = plugin.filter(pod, nodeInfo, state);
    if (status !== SUCCESS && status.code !== 'Success') return { plugin: plugin.name, status };
  }
  return undefined;
}

/**
 * kube-scheduler's `helper.DefaultNormalizeScore`: scales scores in place so the highest becomes
 * `maxPriority` (integer division), optionally reversed so the lowest raw score wins.
 */
export function defaultNormalizeScore(maxPriority: number, reverse: boolean, scores: number[]): void {
  let max = 0;
  for (const s of scores) if (s > max) max = s;
  if (max === 0) {
    if (reverse) scores.fill(maxPriority);
    return;
  }
  for (let i = 0; i < scores.length; i++) {
    let s = Math.trunc((maxPriority * scores[i]!) / max);
    if (reverse) s = maxPriority - s;
    scores[i] = s;
  }
}

/**
 * Go's `sort.Strings` order: byte-wise on UTF-8, which is code-point order (JavaScript's `<`
 * compares UTF-16 code units, which differs for characters beyond U+FFFF).
 */
export function compareGoStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(i)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    if (ca > 0xffff) i++;
  }
  return a.length - b.length;
}

/** One line of a FailedScheduling histogram: how many nodes a plugin rejected with a reason. */
export interface ReasonCount {
  /** The plugin that gave the reason. */
  readonly plugin: string;
  /** The reason, e.g. `Insufficient cpu`. */
  readonly reason: string;
  /** How many nodes it was given for. */
  readonly count: number;
}

/**
 * The reasons of a diagnosis with their node counts: every reason of every rejected node, plus the
 * absent status's reasons once for each node not in the map. Sorted as the message lists them.
 */
export function diagnosisReasons(d: Diagnosis): ReasonCount[] {
  const counts = new Map<string, { plugin: string; reason: string; count: number }>();
  const add = (plugin: string, reason: string, n: number): void => {
    const k = `${plugin}\u0000${reason}`;
    const e = counts.get(k);
    if (e) e.count += n;
    else counts.set(k, { plugin, reason, count: n });
  };
  for (const { plugin, status } of d.nodeStatuses.values()) for (const r of status.reasons) add(plugin, r, 1);
  const absent = d.numAllNodes - d.nodeStatuses.size;
  if (d.absentStatus && absent > 0) for (const r of d.absentStatus.status.reasons) add(d.absentStatus.plugin, r, absent);
  return [...counts.values()].sort(
    (x, y) => compareGoStrings(`${x.count} ${x.reason}`, `${y.count} ${y.reason}`) || compareGoStrings(x.plugin, y.plugin),
  );
}

/**
 * kube-scheduler's `FitError.Error()`, the FailedScheduling message:
 * `0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {k: v}.` followed
 * by the post-filter (preemption) message when there is one. Reasons are counted per node and the
 * `"<count> <reason>"` strings sorted as Go sorts strings; a pre-filter rejection's message stands
 * in for the per-node reasons.
 */
export function fitErrorMessage(d: Diagnosis, postFilterMessage = ''): string {
  let msg = `0/${d.numAllNodes} nodes are available:`;
  if (d.preFilterMessage) {
    msg += ` ${d.preFilterMessage}.`;
  } else {
    const byReason = new Map<string, number>();
    for (const { reason, count } of diagnosisReasons(d)) byReason.set(reason, (byReason.get(reason) ?? 0) + count);
    const lines = [...byReason].map(([reason, count]) => `${count} ${reason}`).sort(compareGoStrings);
    if (lines.length > 0) msg += ` ${lines.join(', ')}.`;
  }
  if (postFilterMessage) msg += ` ${postFilterMessage}`;
  return msg;
}
