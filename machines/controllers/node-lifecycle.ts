/**
 * The node lifecycle controller (`pkg/controller/nodelifecycle`) with its taint-based eviction
 * (`pkg/controller/tainteviction`):
 *
 * - **Health.** A node's kubelet renews its Lease in `kube-node-lease` (every 10 s) and posts its
 *   status; every `nodeMonitorPeriodMs` (5 s) the controller looks at every node, as
 *   `monitorNodeHealth` does, and notes, on its own clock, when it last saw either change (a
 *   restarted controller starts every node afresh). Lease renewals only update the informer's
 *   store: they queue nothing, so an idle cluster costs one health check per period, not one sync
 *   per renewal. A node not heard of within `nodeMonitorGracePeriodMs` (50 s, the default since
 *   1.29; `nodeStartupGracePeriodMs`, 60 s, for a node that never posted a Ready condition) gets
 *   Ready — and MemoryPressure, DiskPressure, PIDPressure — `Unknown` with reason
 *   `NodeStatusUnknown`, "Kubelet stopped posting node status." (`NodeStatusNeverUpdated`, "Kubelet
 *   never posted node status.", when it never did), at the first health check at or past the
 *   deadline: between the grace period and the grace period plus one monitor period after the
 *   renewal (noticed at the health check following it, as `tryUpdateNodeHealth` does).
 * - **Taints.** Ready `Unknown` → `node.kubernetes.io/unreachable:NoExecute`, Ready `False` →
 *   `node.kubernetes.io/not-ready:NoExecute` (with `timeAdded`), Ready `True` → neither; plus the
 *   NoSchedule taints of TaintNodesByCondition (not-ready, unreachable, memory/disk/pid-pressure,
 *   network-unavailable, unschedulable). A node whose kubelet posts Ready again is untainted.
 * - **Pods.** When a node stops being Ready, its pods' Ready condition is set to False (and kept
 *   False while the node is unreachable), with a `NodeNotReady` event.
 * - **Eviction.** Pods on a node with NoExecute taints are deleted (after a `DisruptionTarget`
 *   condition, reason `DeletionByTaintManager`) at once when a taint is not tolerated, otherwise when
 *   the shortest `tolerationSeconds` of the tolerations used has passed since the controller first
 *   saw the pod there (the API server's defaults give every pod 300 s for not-ready and unreachable);
 *   a toleration without `tolerationSeconds` tolerates for ever.
 *
 * - **Zones.** A node's NoExecute taint is not put on at once but through its zone's rate-limited
 *   queue (node-lifecycle-zones.ts): one node per 10 s (`--node-eviction-rate` 0.1) in a Normal
 *   zone; in a PartialDisruption zone (at least 55 % of more than 2 nodes not Ready) the secondary
 *   rate (0.01) if the zone has more than 50 nodes, none otherwise; when every zone is in
 *   FullDisruption (no node Ready anywhere: the control plane has most likely lost the network),
 *   "master disruption mode": every NoExecute taint is taken off and none is put on, so nothing is
 *   evicted, until a node is Ready again (then every node's health clock restarts).
 *
 * Pods on deleted nodes are the pod GC's (podgc.ts).
 */
import type { KubeObject, Lease, Node, NodeCondition, Pod, Taint, Toleration } from '../../src/api/types.js';
import { defineController, watch, type ControllerMachine, type HandlerContext, type SyncContext, type Watches } from './controller.js';
import { clone, isPodReady, type Obj } from './util.js';
import { computeZoneState, msUntilToken, newTainter, swapRate, tryAccept, zoneKey, zoneName, zoneRate, type ZoneRateOptions, type ZoneState, type ZoneTainter } from './node-lifecycle-zones.js';

/** The controller's name (address `controller-manager/node-lifecycle`). */
const NODE_LIFECYCLE_CONTROLLER = 'node-lifecycle';
/** The namespace of the nodes' leases. */
const NODE_LEASE_NAMESPACE = 'kube-node-lease';

/** Taint keys the controller manages. */
const TaintKeys = {
  notReady: 'node.kubernetes.io/not-ready',
  unreachable: 'node.kubernetes.io/unreachable',
  memoryPressure: 'node.kubernetes.io/memory-pressure',
  diskPressure: 'node.kubernetes.io/disk-pressure',
  pidPressure: 'node.kubernetes.io/pid-pressure',
  networkUnavailable: 'node.kubernetes.io/network-unavailable',
  unschedulable: 'node.kubernetes.io/unschedulable',
} as const;

const MANAGED = new Set<string>(Object.values(TaintKeys));

/** Options of the node lifecycle controller (kube-controller-manager's flags, in ms). */
export interface NodeLifecycleOptions extends ZoneRateOptions {
  /** `--node-monitor-grace-period`: how long a node may go unheard before it is Unknown. Default 50 s. */
  nodeMonitorGracePeriodMs: number;
  /** `--node-startup-grace-period`: the same for a node that never posted Ready. Default 60 s. */
  nodeStartupGracePeriodMs: number;
  /** Taint-based eviction on (default) or off. */
  taintEviction: boolean;
  /** `--node-monitor-period`: how often every node's health is checked. Default 5 s. */
  nodeMonitorPeriodMs: number;
}

/**
 * The work-queue key of the periodic health check of every node (`monitorNodeHealth`). It cannot
 * be a node's name: names are DNS subdomains.
 */
const MONITOR_KEY = '@monitor';
/** The work-queue key of a pass over the zones' taint queues (`doNoExecuteTaintingPass`). */
const TAINT_KEY = '@taint';

/** What the controller knows of a node's health (`nodeHealthData`). */
interface NodeHealth {
  /** When the controller last saw the kubelet's lease or status change (its own clock). */
  probeTime: number;
  heartbeat: string | undefined;
  renew: string | undefined;
  /** The Ready status at the last sync (to see a True → not True transition). */
  ready: string | undefined;
}

/** The controller's memory. */
export interface NodeLifecycleState {
  health: Map<string, NodeHealth>;
  /** When the eviction countdown of a pod (by uid) started. */
  evictionStart: Map<string, number>;
  /** Each zone's state at the last health check. */
  zoneStates: Map<string, ZoneState>;
  /** Each zone's queue of nodes waiting for their NoExecute taint. */
  tainters: Map<string, ZoneTainter>;
}

/** `ToleratesTaint`. */
export function toleratesTaint(t: Toleration, taint: Taint): boolean {
  if (t.effect && t.effect !== taint.effect) return false;
  if (t.key && t.key !== taint.key) return false;
  if (t.operator === 'Exists') return true;
  if (t.operator && t.operator !== 'Equal') return false;
  return (t.value ?? '') === (taint.value ?? '');
}

/** `getMatchingTolerations`: whether every taint is tolerated, and the tolerations used. */
export function matchingTolerations(taints: readonly Taint[], tolerations: readonly Toleration[]): { all: boolean; used: Toleration[] } {
  const used: Toleration[] = [];
  for (const taint of taints) {
    const t = tolerations.find((x) => toleratesTaint(x, taint));
    if (!t) return { all: false, used: [] };
    used.push(t);
  }
  return { all: true, used };
}

/** `getMinTolerationTime` in ms: 0 for none, -1 for "for ever". */
export function minTolerationMs(used: readonly Toleration[]): number {
  if (used.length === 0) return 0;
  let min = Infinity;
  for (const t of used) {
    if (t.tolerationSeconds === undefined || t.tolerationSeconds === null) continue;
    if (t.tolerationSeconds <= 0) return 0;
    min = Math.min(min, t.tolerationSeconds);
  }
  return min === Infinity ? -1 : min * 1000;
}

type NlWatches = {
  nodes: ReturnType<typeof watch<Node>>;
  leases: ReturnType<typeof watch<Lease>>;
  pods: ReturnType<typeof watch<Pod>>;
};
type NlCtx = SyncContext<NlWatches & Watches, NodeLifecycleState, NodeLifecycleOptions>;

/**
 * The controller's named guards: decisions a variant of the controller may replace
 * ({@link provideNodeLifecycleController}, as XState's `.provide()` replaces a machine's guards).
 */
export interface NodeLifecycleGuards {
  /**
   * `allAreFullyDisrupted` of `handleDisruption`: every zone (by its new state) is in
   * FullDisruption, so the controller enters (or stays in) "master disruption mode". True when
   * there is no zone at all, as kube's loop starts from true.
   */
  allZonesFullyDisrupted(states: readonly ZoneState[]): boolean;
}

const NODE_LIFECYCLE_GUARDS: NodeLifecycleGuards = {
  allZonesFullyDisrupted: (states) => states.every((s) => s === 'FullDisruption'),
};

function condition(node: Node, type: string): NodeCondition | undefined {
  return node.status?.conditions?.find((c) => c.type === type);
}

function hasNoExecute(node: Node | undefined): boolean {
  return (node?.spec?.taints ?? []).some((t) => t.effect === 'NoExecute');
}

/** The taints a node should have from its conditions (managed keys only). */
function desiredTaints(node: Node): { key: string; effect: 'NoSchedule' | 'NoExecute' }[] {
  const out: { key: string; effect: 'NoSchedule' | 'NoExecute' }[] = [];
  const ready = condition(node, 'Ready')?.status;
  if (ready === 'False') out.push({ key: TaintKeys.notReady, effect: 'NoExecute' }, { key: TaintKeys.notReady, effect: 'NoSchedule' });
  if (ready === 'Unknown') out.push({ key: TaintKeys.unreachable, effect: 'NoExecute' }, { key: TaintKeys.unreachable, effect: 'NoSchedule' });
  if (condition(node, 'MemoryPressure')?.status === 'True') out.push({ key: TaintKeys.memoryPressure, effect: 'NoSchedule' });
  if (condition(node, 'DiskPressure')?.status === 'True') out.push({ key: TaintKeys.diskPressure, effect: 'NoSchedule' });
  if (condition(node, 'PIDPressure')?.status === 'True') out.push({ key: TaintKeys.pidPressure, effect: 'NoSchedule' });
  if (condition(node, 'NetworkUnavailable')?.status === 'True') out.push({ key: TaintKeys.networkUnavailable, effect: 'NoSchedule' });
  if (node.spec?.unschedulable) out.push({ key: TaintKeys.unschedulable, effect: 'NoSchedule' });
  return out;
}

/** Whether a taint is one of the NoExecute taints of a node's Ready condition (not-ready, unreachable). */
function isReadinessNoExecute(t: { key: string; effect?: string }): boolean {
  return t.effect === 'NoExecute' && (t.key === TaintKeys.notReady || t.key === TaintKeys.unreachable);
}

/**
 * The node's taints with the managed ones brought in line; undefined when nothing changes. With
 * `noExecuteNow` false, a missing NoExecute taint of the Ready condition is left for the zone's
 * taint queue, unless the node has the other one (which is swapped at once, as
 * `SwapNodeControllerTaint` does).
 */
export function reconcileTaints(node: Node, timestamp: string, noExecuteNow = true): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const swapping = current.some(isReadinessNoExecute);
  const want = desiredTaints(node).filter((w) => noExecuteNow || swapping || !isReadinessNoExecute(w));
  const next: Taint[] = [];
  for (const t of current) {
    if (!MANAGED.has(t.key)) next.push(t);
    else if (want.some((w) => w.key === t.key && w.effect === t.effect)) next.push(t);
  }
  for (const w of want) {
    if (current.some((t) => t.key === w.key && t.effect === w.effect)) continue;
    next.push(w.effect === 'NoExecute' ? { key: w.key, effect: w.effect, timeAdded: timestamp } : { key: w.key, effect: w.effect });
  }
  const same = next.length === current.length && next.every((t, i) => t === current[i]);
  return same ? undefined : next;
}

/**
 * `tryUpdateNodeHealth`'s bookkeeping: notes the time the kubelet's lease renewal or status
 * heartbeat was last seen to change, and returns the node's health and the time past which it is
 * overdue.
 */
function observe(ctx: NlCtx, name: string, node: Node, now: number): { h: NodeHealth; ready: NodeCondition | undefined; deadline: number } {
  const lease = ctx.get('leases', `${NODE_LEASE_NAMESPACE}/${name}`);
  const ready = condition(node, 'Ready');
  let h = ctx.state.health.get(name);
  if (!h) {
    h = { probeTime: now, heartbeat: ready?.lastHeartbeatTime, renew: lease?.spec?.renewTime, ready: ready?.status };
    ctx.state.health.set(name, h);
  }
  if (ready?.lastHeartbeatTime !== h.heartbeat) {
    h.heartbeat = ready?.lastHeartbeatTime;
    h.probeTime = now;
  }
  if (lease?.spec?.renewTime !== h.renew) {
    h.renew = lease?.spec?.renewTime;
    h.probeTime = now;
  }
  const grace = ready ? ctx.options.nodeMonitorGracePeriodMs : ctx.options.nodeStartupGracePeriodMs;
  return { h, ready, deadline: h.probeTime + grace };
}

/**
 * `nc.now().After(probeTimestamp + gracePeriod)`, checked at a health check. The real controller's
 * checks run `wait.Until` with a sliding period (each starts 5 s after the previous one ended), so
 * the check that falls on the deadline in virtual time runs just past it in a real one: it counts.
 * A node is thus Unknown between the grace period and the grace period plus one monitor period
 * after the renewal was seen, not a period later.
 */
function overdueAt(now: number, deadline: number): boolean {
  return now >= deadline;
}

/**
 * `monitorNodeHealth`: every period, looks at every node's lease and heartbeat and queues the
 * nodes that are overdue and not yet marked Unknown (their sync marks them).
 */
function monitorNodeHealth(ctx: NlCtx, guards: NodeLifecycleGuards): void {
  const now = ctx.now();
  const nodes = ctx.list('nodes');
  const overdue = new Set<string>();
  for (const node of nodes) {
    const name = node.metadata!.name!;
    const { ready, deadline } = observe(ctx, name, node, now);
    if (overdueAt(now, deadline)) overdue.add(name);
    if (overdueAt(now, deadline) && ready?.status !== 'Unknown') ctx.enqueue(name);
  }
  // a node overdue now counts as not Ready, as the Unknown its sync is about to set
  handleDisruption(ctx, nodes, (node) => !overdue.has(node.metadata!.name!) && condition(node, 'Ready')?.status === 'True', now, guards);
  ctx.requeueAfter(ctx.options.nodeMonitorPeriodMs);
}

/** `markNodeForTainting`: the node joins its zone's taint queue (once). */
function markForTainting(ctx: NlCtx, zone: string, name: string): void {
  const t = tainterOf(ctx, zone);
  if (t.queue.includes(name)) return;
  t.queue.push(name);
  ctx.enqueue(TAINT_KEY);
}

/** The node leaves its zone's taint queue (`zoneNoExecuteTainter[zone].Remove`). */
function untaintQueue(ctx: NlCtx, zone: string, name: string): void {
  const t = ctx.state.tainters.get(zone);
  if (!t) return;
  const i = t.queue.indexOf(name);
  if (i >= 0) t.queue.splice(i, 1);
}

function tainterOf(ctx: NlCtx, zone: string): ZoneTainter {
  let t = ctx.state.tainters.get(zone);
  if (!t) ctx.state.tainters.set(zone, (t = newTainter(ctx.options.nodeEvictionRate, ctx.now())));
  return t;
}

/**
 * `doNoExecuteTaintingPass`: each zone's queue, as far as its token bucket allows; a node that is
 * gone or Ready again leaves the queue untainted (its token is spent all the same, as
 * `RateLimitedTimedQueue.Try` spends it). Queued again when a zone waits for a token.
 */
function taintingPass(ctx: NlCtx): void {
  const now = ctx.now();
  let wait = Infinity;
  for (const zone of [...ctx.state.tainters.keys()].sort()) {
    const t = ctx.state.tainters.get(zone)!;
    while (t.queue.length > 0 && tryAccept(t, now)) {
      const name = t.queue.shift()!;
      const node = ctx.get('nodes', name);
      const ready = node && condition(node, 'Ready')?.status;
      if (!node || (ready !== 'False' && ready !== 'Unknown')) continue;
      swapNodeControllerTaint(ctx, node, ctx.timestamp(), 5);
    }
    if (t.queue.length > 0) wait = Math.min(wait, msUntilToken(t, now));
  }
  if (wait < Infinity) ctx.requeueAfter(Math.max(1, wait));
}

/**
 * `SwapNodeControllerTaint` for a node popped from its zone's queue: puts the NoExecute taint of its
 * Ready condition on (taking the other off), reading the node again and retrying on a conflict
 * (`RetryOnConflict`) within the same token. The taint's `timeAdded` is the time of the decision,
 * kept through the retries (`SwapNodeControllerTaint` stamps the taints once, before retrying).
 */
function swapNodeControllerTaint(ctx: NlCtx, node: Node, stamp: string, attempts: number): void {
  const ready = condition(node, 'Ready')?.status;
  if (ready !== 'False' && ready !== 'Unknown') return;
  const taints = reconcileTaints(node, stamp, true);
  if (!taints) return;
  const copy = clone(node);
  copy.spec = { ...(copy.spec ?? {}), taints };
  ctx.client.update('nodes', copy, {
    ignore: [404, 409],
    onResponse: (res) => {
      if (res.code !== 409 || attempts <= 1) return;
      ctx.client.get('nodes', undefined, node.metadata!.name!, {
        ignore: [404],
        onResponse: (fresh) => {
          if (fresh.code === 200) swapNodeControllerTaint(ctx, fresh.body as Node, stamp, attempts - 1);
        },
      });
    },
  });
}

/**
 * `handleDisruption`: each zone's new state from its nodes' readiness; entering "master disruption
 * mode" when every zone is fully disrupted (NoExecute taints off, no tainting), leaving it when a
 * node is Ready again (every node's health clock restarts), and each zone's tainting rate set by
 * its state otherwise.
 */
function handleDisruption(ctx: NlCtx, nodes: readonly Node[], readyOf: (node: Node) => boolean, now: number, guards: NodeLifecycleGuards): void {
  const counts = new Map<string, { ready: number; notReady: number }>();
  for (const node of nodes) {
    const zone = zoneKey(node);
    const c = counts.get(zone) ?? { ready: 0, notReady: 0 };
    if (readyOf(node)) c.ready++;
    else c.notReady++;
    counts.set(zone, c);
  }
  const { zoneStates } = ctx.state;
  const newStates = new Map<string, ZoneState>();
  for (const [zone, c] of [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    newStates.set(zone, computeZoneState(c.ready, c.notReady, ctx.options.unhealthyZoneThreshold));
    if (!zoneStates.has(zone)) zoneStates.set(zone, 'Initial');
  }
  const allAreFullyDisrupted = guards.allZonesFullyDisrupted([...newStates.values()]);
  let allWasFullyDisrupted = true;
  for (const [zone, state] of [...zoneStates]) {
    if (!counts.has(zone)) {
      zoneStates.delete(zone);
      ctx.state.tainters.delete(zone);
      continue;
    }
    if (state !== 'FullDisruption') allWasFullyDisrupted = false;
  }
  if (allAreFullyDisrupted && allWasFullyDisrupted) return;
  if (allAreFullyDisrupted) {
    // "Controller detected that all Nodes are not-Ready. Entering master disruption mode"
    for (const node of nodes) markNodeAsReachable(ctx, node);
    for (const zone of zoneStates.keys()) {
      swapRate(tainterOf(ctx, zone), 0, now);
      zoneStates.set(zone, 'FullDisruption');
    }
    return;
  }
  if (allWasFullyDisrupted) {
    // "Controller detected that some Nodes are Ready. Exiting master disruption mode"
    for (const h of ctx.state.health.values()) h.probeTime = now;
  }
  for (const [zone, state] of [...zoneStates]) {
    const next = newStates.get(zone)!;
    if (state === next && !allWasFullyDisrupted) continue;
    swapRate(tainterOf(ctx, zone), zoneRate(next, counts.get(zone)!.ready + counts.get(zone)!.notReady, ctx.options), now);
    zoneStates.set(zone, next);
  }
  if ([...ctx.state.tainters.values()].some((t) => t.queue.length > 0)) ctx.enqueue(TAINT_KEY);
}

/** `markNodeAsReachable`: the NoExecute taints of the Ready condition come off, and the node leaves its zone's queue. */
function markNodeAsReachable(ctx: NlCtx, node: Node): void {
  untaintQueue(ctx, zoneKey(node), node.metadata!.name!);
  const taints = node.spec?.taints ?? [];
  if (!taints.some(isReadinessNoExecute)) return;
  const copy = clone(node);
  const kept = taints.filter((t) => !isReadinessNoExecute(t));
  copy.spec = { ...(copy.spec ?? {}), taints: kept };
  if (kept.length === 0) delete copy.spec.taints;
  ctx.client.update('nodes', copy, { ignore: [404, 409] });
}

/** Each zone's state, for people (`zone` as `region/zone`). */
export function zoneStatesOf(state: NodeLifecycleState): Record<string, ZoneState> {
  return Object.fromEntries([...state.zoneStates].map(([k, v]) => [zoneName(k), v]));
}

function syncNode(name: string, ctx: NlCtx, guards: NodeLifecycleGuards): void {
  if (name === MONITOR_KEY) return monitorNodeHealth(ctx, guards);
  if (name === TAINT_KEY) return taintingPass(ctx);
  const { health, evictionStart } = ctx.state;
  const node = ctx.get('nodes', name) as (Node & Obj) | undefined;
  const pods = ctx.byIndex('pods', 'byNode', name);
  if (!node) {
    health.delete(name);
    for (const p of pods) evictionStart.delete(p.metadata!.uid!);
    return;
  }
  const now = ctx.now();
  const stamp = ctx.timestamp();
  const { h, ready, deadline } = observe(ctx, name, node, now);
  const zone = zoneKey(node);

  // 1. health: mark Unknown when the kubelet has not been heard of in time
  if (overdueAt(now, deadline)) {
    const status = clone(node.status ?? {}) as Obj;
    const conditions = ((status.conditions as NodeCondition[] | undefined) ?? []) as (NodeCondition & Obj)[];
    let changed = false;
    const r = conditions.find((c) => c.type === 'Ready');
    if (!r) {
      conditions.push({
        type: 'Ready',
        status: 'Unknown',
        reason: 'NodeStatusNeverUpdated',
        message: 'Kubelet never posted node status.',
        lastHeartbeatTime: node.metadata?.creationTimestamp,
        lastTransitionTime: stamp,
      });
      changed = true;
    }
    for (const type of ['Ready', 'MemoryPressure', 'DiskPressure', 'PIDPressure']) {
      const c = conditions.find((x) => x.type === type);
      if (!c || c.status === 'Unknown') continue;
      c.status = 'Unknown';
      c.reason = 'NodeStatusUnknown';
      c.message = 'Kubelet stopped posting node status.';
      c.lastTransitionTime = stamp;
      changed = true;
    }
    if (changed) {
      status.conditions = conditions;
      ctx.client.updateStatus('nodes', { ...node, status } as KubeObject, {
        ignore: [404],
        onResponse: (res) => {
          if (res.code >= 200 && res.code < 300) ctx.recordEvent(node, 'Normal', 'NodeNotReady', `Node ${name} status is now: NodeNotReady`);
        },
      });
      return; // the update brings the node back, with its new conditions
    }
  }

  // 2. taints from conditions; a NoExecute taint of the Ready condition waits in the zone's queue
  const wantsNoExecute = desiredTaints(node).some(isReadinessNoExecute);
  const hasNoExecuteTaint = (node.spec?.taints ?? []).some(isReadinessNoExecute);
  if (wantsNoExecute && !hasNoExecuteTaint) markForTainting(ctx, zone, name);
  else if (!wantsNoExecute) untaintQueue(ctx, zone, name);
  const taints = reconcileTaints(node, stamp, false);
  if (taints) {
    const copy = clone(node);
    copy.spec = { ...(copy.spec ?? {}), taints };
    if (taints.length === 0) delete copy.spec.taints;
    ctx.client.update('nodes', copy, { ignore: [404] });
    return; // the update brings the node back, with its new taints
  }

  // 3. pods of a node that is not ready
  const readyStatus = ready?.status;
  const wasReady = h.ready === 'True';
  h.ready = readyStatus;
  if (readyStatus !== 'True' && readyStatus !== undefined && (readyStatus === 'Unknown' || wasReady)) {
    for (const pod of pods) {
      if (!isPodReady(pod) || pod.metadata?.deletionTimestamp) continue;
      const copy = clone(pod);
      const c = copy.status!.conditions!.find((x) => x.type === 'Ready')!;
      c.status = 'False';
      c.lastTransitionTime = stamp;
      ctx.client.updateStatus('pods', copy, {
        ignore: [404],
        onResponse: (res) => {
          if (res.code >= 200 && res.code < 300) ctx.recordEvent(pod, 'Warning', 'NodeNotReady', 'Node is not ready');
        },
      });
    }
  }

  // 4. taint-based eviction
  if (!ctx.options.taintEviction) return;
  const noExecute = (node.spec?.taints ?? []).filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) {
    for (const p of pods) evictionStart.delete(p.metadata!.uid!);
    return;
  }
  let next = Infinity;
  for (const pod of pods) {
    const uid = pod.metadata!.uid!;
    if (pod.metadata?.deletionTimestamp) continue;
    const { all, used } = matchingTolerations(noExecute, pod.spec?.tolerations ?? []);
    let due: number;
    if (!all) due = now;
    else {
      const min = minTolerationMs(used);
      if (min < 0) {
        evictionStart.delete(uid);
        continue; // tolerated for ever
      }
      let start = evictionStart.get(uid);
      if (start === undefined) evictionStart.set(uid, (start = now));
      due = start + min;
    }
    if (due <= now) evict(ctx, pod);
    else next = Math.min(next, due);
  }
  if (next < Infinity) ctx.requeueAfter(next - now);
}

/** Deletes a pod for the NoExecute taints of its node (after marking it a disruption target). */
function evict(ctx: NlCtx, pod: Pod): void {
  const { namespace, name, uid } = pod.metadata!;
  ctx.recordEvent(pod, 'Normal', 'TaintManagerEviction', `Marking for deletion Pod ${namespace}/${name}`);
  const status = clone(pod.status ?? {}) as Obj;
  const conditions = ((status.conditions as Obj[] | undefined) ?? []).filter((c) => c.type !== 'DisruptionTarget');
  conditions.push({ type: 'DisruptionTarget', status: 'True', reason: 'DeletionByTaintManager', message: 'Taint manager: deleting due to NoExecute taint', lastTransitionTime: ctx.timestamp() });
  status.conditions = conditions;
  ctx.client.patch('pods', namespace, name!, { status }, {
    subresource: 'status',
    ignore: true,
    onResponse: () => {
      ctx.client.delete('pods', namespace, name!, { uid, ignore: [404, 409] });
      ctx.state.evictionStart.delete(uid!);
    },
  });
}

type Reader = HandlerContext<Watches, NodeLifecycleState, NodeLifecycleOptions>;

/**
 * The node lifecycle controller's machine with some of its guards replaced (a variant for the
 * verifier's mutants); the others are the real ones.
 */
export function provideNodeLifecycleController(guards: Partial<NodeLifecycleGuards>): ControllerMachine {
  return defineNodeLifecycleController({ ...NODE_LIFECYCLE_GUARDS, ...guards });
}

/** The node lifecycle controller's machine. */
export const nodeLifecycleController: ControllerMachine = defineNodeLifecycleController(NODE_LIFECYCLE_GUARDS);

function defineNodeLifecycleController(guards: NodeLifecycleGuards): ControllerMachine {
  return defineController({
    name: NODE_LIFECYCLE_CONTROLLER,
    component: 'node-controller',
    state: (): NodeLifecycleState => ({ health: new Map(), evictionStart: new Map(), zoneStates: new Map(), tainters: new Map() }),
    options: {
      nodeMonitorGracePeriodMs: 50_000,
      nodeStartupGracePeriodMs: 60_000,
      taintEviction: true,
      nodeMonitorPeriodMs: 5_000,
      nodeEvictionRate: 0.1,
      secondaryNodeEvictionRate: 0.01,
      largeClusterSizeThreshold: 50,
      unhealthyZoneThreshold: 0.55,
    },
    watches: {
      // a new node also starts the periodic health check (the queue keeps one copy of the key)
      nodes: watch<Node>({ resource: 'nodes', enqueue: ({ type, object }) => (type === 'added' ? [object.metadata!.name!, MONITOR_KEY] : object.metadata?.name) }),
      // cluster-wide, as kube-controller-manager's shared lease informer, so the controller manager
      // keeps one Lease watch for this controller and the garbage collector; only node leases count
      leases: watch<Lease>({
        resource: 'leases',
        group: 'coordination.k8s.io',
        // renewals only update the store: the periodic health check reads it
        enqueue: () => undefined,
      }),
      pods: watch<Pod>({
        resource: 'pods',
        indexes: { byNode: (pod) => pod.spec?.nodeName },
        enqueue: ({ type, object: pod, old }, ctx) => {
          const state = (ctx as Reader).state;
          if (type === 'deleted') {
            state.evictionStart.delete(pod.metadata?.uid ?? '');
            return undefined;
          }
          const nodeName = pod.spec?.nodeName;
          if (!nodeName) return undefined;
          const node = ctx.get('nodes', nodeName) as Node | undefined;
          // only pods of tainted or not-ready nodes need looking at
          if (!hasNoExecute(node) && (!node || condition(node, 'Ready')?.status === 'True')) return undefined;
          if (type === 'modified' && old && old.metadata?.resourceVersion === pod.metadata?.resourceVersion) return undefined;
          return nodeName;
        },
      }),
    },
    sync: (key, ctx) => syncNode(key, ctx as unknown as NlCtx, guards),
  });
}
