/**
 * The pod garbage collector (`pkg/controller/podgc`, kube-controller-manager's
 * `pod-garbage-collector-controller`). Every `gcCheckPeriodMs` (20 s) it looks at every pod, as
 * `gc` does, in the real order:
 *
 * - **gcTerminated.** When more than `terminatedPodThreshold` (`--terminated-pod-gc-threshold`,
 *   12,500) pods are Succeeded or Failed, the oldest of them (evicted pods first, then by creation
 *   time, then name) are deleted down to the threshold.
 * - **gcTerminating.** A terminating pod on a node that is not Ready and carries the
 *   `node.kubernetes.io/out-of-service` taint is marked Failed and force-deleted.
 * - **gcOrphaned.** A pod bound to a node the informer does not know puts that node in quarantine
 *   for `quarantineMs` (40 s); a node still missing afterwards is read from the API server, and if
 *   it answers 404, its pods get `phase: Failed` and the condition `DisruptionTarget`
 *   (`DeletionByPodGC`, "PodGC: node no longer exists") and are force-deleted (grace period 0).
 * - **gcUnscheduledTerminating.** A terminating pod that was never scheduled is marked Failed and
 *   force-deleted.
 *
 * The real controller runs every period whatever happens; here the pod and node handlers queue the
 * one key `@gc` only when a pod or node gives the collector something to look at, and `sync` waits
 * for the next tick of the 20 s grid that started with the controller, so an idle cluster arms no
 * timer while the collector acts at the moments the real one would.
 */
import type { Node, Pod, PodCondition } from '../../src/api/types.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';

/** The controller's name (address `controller-manager/podgc`). */
const PODGC_CONTROLLER = 'podgc';
/** The one work-queue key: a pass over every pod (`gc`). It cannot be a pod key (those hold a `/`) nor a name. */
const GC_KEY = '@gc';
/** The taint an operator puts on a node that is shut down for good (`v1.TaintNodeOutOfService`). */
const OUT_OF_SERVICE_TAINT = 'node.kubernetes.io/out-of-service';
/** The value of the pods' `byTermination` index for Succeeded and Failed pods. */
const TERMINATED = 'terminated';

/** Options of the pod GC (kube-controller-manager's flags and constants, in ms). */
export interface PodGcOptions {
  /** `--terminated-pod-gc-threshold`: how many terminated pods may stay (≤ 0: no limit). Default 12,500. */
  terminatedPodThreshold: number;
  /** `gcCheckPeriod`: how often the collector looks. Default 20 s. */
  gcCheckPeriodMs: number;
  /** `quarantineTime`: how long a missing node is waited for before its pods count as orphans. Default 40 s. */
  quarantineMs: number;
}

/** The collector's memory. */
export interface PodGcState {
  /** When the first pass ran (the origin of the 20 s grid); undefined before. */
  origin: number | undefined;
  /** The nodes in quarantine and when each comes out (`nodeQueue.AddAfter`: the earliest time wins). */
  quarantine: Map<string, number>;
}

type GcWatches = {
  pods: ReturnType<typeof watch<Pod>>;
  nodes: ReturnType<typeof watch<Node>>;
};
type GcCtx = SyncContext<GcWatches & Watches, PodGcState, PodGcOptions>;

/** `isPodTerminated`: a phase other than Pending, Running and Unknown. */
export function isPodTerminated(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase !== 'Pending' && phase !== 'Running' && phase !== 'Unknown';
}

/** `eviction.PodIsEvicted`: Failed with reason Evicted. */
function isEvicted(pod: Pod): boolean {
  return pod.status?.phase === 'Failed' && pod.status?.reason === 'Evicted';
}

/** `byEvictionAndCreationTimestamp`: evicted pods first, then the oldest, then by name. */
export function byEvictionAndCreation(a: Pod, b: Pod): number {
  const ea = isEvicted(a);
  const eb = isEvicted(b);
  if (ea !== eb) return ea ? -1 : 1;
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  const na = a.metadata?.name ?? '';
  const nb = b.metadata?.name ?? '';
  return na < nb ? -1 : na > nb ? 1 : 0;
}

function isNodeReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

function outOfService(node: Node | undefined): boolean {
  return !!node && !isNodeReady(node) && (node.spec?.taints ?? []).some((t) => t.key === OUT_OF_SERVICE_TAINT);
}

/** Whether a pod gives the collector something to do (its handlers queue the pass only then). */
function interesting(pod: Pod, nodeOf: (name: string) => Node | undefined): boolean {
  const nodeName = pod.spec?.nodeName;
  if (pod.metadata?.deletionTimestamp && (!nodeName || outOfService(nodeOf(nodeName)))) return true;
  if (nodeName && !nodeOf(nodeName)) return true;
  return isPodTerminated(pod);
}

/**
 * `markFailedAndDeletePodWithCondition`: a pod not yet terminal is patched to Failed (with the
 * condition, if any) first, so that an orphan does not stay Running for ever; then it is
 * deleted with grace period 0.
 */
function markFailedAndDelete(ctx: GcCtx, pod: Pod, condition?: PodCondition): void {
  const { namespace, name, uid } = pod.metadata!;
  const forceDelete = () => ctx.client.delete('pods', namespace, name!, { gracePeriodSeconds: 0, uid, ignore: [404, 409] });
  const phase = pod.status?.phase;
  if (phase === 'Succeeded' || phase === 'Failed') {
    forceDelete();
    return;
  }
  const status: Record<string, unknown> = { phase: 'Failed' };
  if (condition) status.conditions = [{ ...condition, lastTransitionTime: ctx.timestamp() }];
  ctx.client.patch('pods', namespace, name!, { metadata: { uid }, status }, {
    subresource: 'status',
    patchType: 'strategic',
    ignore: [404, 409],
    onResponse: (res) => {
      if (res.code >= 200 && res.code < 300) forceDelete();
    },
  });
}

function gcTerminated(ctx: GcCtx, pods: Pod[]): void {
  const threshold = ctx.options.terminatedPodThreshold;
  if (threshold <= 0) return;
  const terminated = pods.filter((p) => isPodTerminated(p) && !p.metadata?.deletionTimestamp);
  const excess = terminated.length - threshold;
  if (excess <= 0) return;
  terminated.sort(byEvictionAndCreation);
  for (const pod of terminated.slice(0, excess)) markFailedAndDelete(ctx, pod);
}

function gcTerminating(ctx: GcCtx, pods: Pod[]): void {
  const doomed = pods.filter((p) => p.metadata?.deletionTimestamp && p.spec?.nodeName && outOfService(ctx.get('nodes', p.spec.nodeName)));
  doomed.sort(byEvictionAndCreation);
  for (const pod of doomed) markFailedAndDelete(ctx, pod);
}

function gcOrphaned(ctx: GcCtx, pods: Pod[], now: number): void {
  const { quarantine } = ctx.state;
  const missing = new Set<string>();
  for (const pod of pods) {
    const nodeName = pod.spec?.nodeName;
    if (nodeName && !ctx.get('nodes', nodeName)) missing.add(nodeName);
  }
  for (const name of missing) if (!quarantine.has(name)) quarantine.set(name, now + ctx.options.quarantineMs);
  // `discoverDeletedNodes`: the nodes whose quarantine is over leave it; those the informer still
  // does not know are read from the API server, and a 404 makes their pods orphans
  for (const [name, until] of [...quarantine].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (until > now) continue;
    quarantine.delete(name);
    if (!missing.has(name)) continue;
    ctx.client.get('nodes', undefined, name, {
      ignore: true,
      onResponse: (res) => {
        if (res.code !== 404) return;
        const orphans = ctx.list('pods', (p) => p.spec?.nodeName === name);
        for (const pod of orphans) {
          markFailedAndDelete(ctx, pod, { type: 'DisruptionTarget', status: 'True', reason: 'DeletionByPodGC', message: 'PodGC: node no longer exists' });
        }
      },
    });
  }
}

function gcUnscheduledTerminating(ctx: GcCtx, pods: Pod[]): void {
  for (const pod of pods) if (pod.metadata?.deletionTimestamp && !pod.spec?.nodeName) markFailedAndDelete(ctx, pod);
}

/** `gc`, on the 20 s grid; the pass is queued again while anything is left to look at. */
function sync(key: string, ctx: GcCtx): void {
  if (key !== GC_KEY) return;
  const now = ctx.now();
  const period = ctx.options.gcCheckPeriodMs;
  const state = ctx.state;
  if (state.origin === undefined) state.origin = now;
  const due = state.origin + Math.ceil((now - state.origin) / period) * period;
  if (due > now) {
    ctx.requeueAfter(due - now);
    return;
  }
  const pods = ctx.list('pods');
  gcTerminated(ctx, pods);
  gcTerminating(ctx, pods);
  gcOrphaned(ctx, pods, now);
  gcUnscheduledTerminating(ctx, pods);
  const nodeOf = (name: string) => ctx.get('nodes', name);
  const pending = state.quarantine.size > 0 || pods.some((p) => (p.metadata?.deletionTimestamp || (p.spec?.nodeName && !nodeOf(p.spec.nodeName))) && interesting(p, nodeOf));
  const overThreshold = ctx.options.terminatedPodThreshold > 0 && ctx.countIndex('pods', 'byTermination', TERMINATED) > ctx.options.terminatedPodThreshold;
  if (pending || overThreshold) ctx.requeueAfter(period);
}

/** The pod garbage collector's machine. */
export const podGcController: ControllerMachine = defineController({
  name: PODGC_CONTROLLER,
  component: 'pod-garbage-collector',
  state: (): PodGcState => ({ origin: undefined, quarantine: new Map() }),
  options: { terminatedPodThreshold: 12_500, gcCheckPeriodMs: 20_000, quarantineMs: 40_000 },
  watches: {
    pods: watch<Pod>({
      resource: 'pods',
      indexes: { byTermination: (pod) => (isPodTerminated(pod) ? TERMINATED : undefined) },
      enqueue: ({ type, object }, ctx) => {
        if (type === 'deleted') return undefined;
        if (!interesting(object, (name) => ctx.get('nodes', name) as Node | undefined)) return undefined;
        // terminated pods matter only above the threshold
        if (isPodTerminated(object) && !object.metadata?.deletionTimestamp && object.spec?.nodeName && ctx.get('nodes', object.spec.nodeName)) {
          const threshold = (ctx.options as PodGcOptions).terminatedPodThreshold;
          if (threshold <= 0 || ctx.countIndex('pods', 'byTermination', TERMINATED) <= threshold) return undefined;
        }
        return GC_KEY;
      },
    }),
    nodes: watch<Node>({
      resource: 'nodes',
      // a deleted node may leave orphans; an out-of-service node may hold terminating pods
      enqueue: ({ type, object }) => (type === 'deleted' || outOfService(object) ? GC_KEY : undefined),
    }),
  },
  sync: (key, ctx) => sync(key, ctx as unknown as GcCtx),
});
