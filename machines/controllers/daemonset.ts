/**
 * The DaemonSet controller (`pkg/controller/daemon`): one daemon pod on every node that should
 * run it.
 *
 * Each sync, as `syncDaemonSet`:
 * 1. history (`constructHistory`): the ControllerRevision whose data is the current template (a
 *    patch replacing `spec.template`, named `<ds>-<hash>`, labelled `controller-revision-hash`) is
 *    found or created with the next revision number; the others are old;
 * 2. `manage`: for each node, `NodeShouldRunDaemonPod` (template nodeName, nodeSelector and
 *    required node affinity, taints against the template's tolerations plus the ones the
 *    controller adds: not-ready and unreachable `NoExecute`, disk-, memory-, pid-pressure and
 *    unschedulable `NoSchedule`, network-unavailable for hostNetwork pods) says whether a pod
 *    should run there and whether a running one may stay; missing pods are created (slow start
 *    1, 2, 4, ...), failed pods and pods on nodes that no longer want them are deleted, extra pods
 *    on a node are deleted keeping the oldest (or, with surge, the oldest new and the oldest old
 *    while the new one is not ready). Pods are created unbound, with a required node affinity
 *    `matchFields metadata.name In [node]` (`ReplaceDaemonSetPodNodeNameNodeAffinity`), so the
 *    scheduler places them; expectations keep a sync from acting twice;
 * 3. `RollingUpdate` (`rollingUpdate`): without surge, old pods are deleted while fewer than
 *    `maxUnavailable` (rounded up, default 1) pods are unavailable (an unavailable old pod is
 *    always replaced); with `maxSurge` a new pod is created beside the old one on up to maxSurge
 *    nodes and the old one deleted once the new one is available. `OnDelete` replaces only pods
 *    the user deleted;
 * 4. old revisions beyond `revisionHistoryLimit` that no pod uses are deleted;
 * 5. status: desiredNumberScheduled, currentNumberScheduled, numberMisscheduled, numberReady,
 *    updatedNumberScheduled, numberAvailable, numberUnavailable, observedGeneration.
 *
 * One deliberate difference: a sync that created or deleted pods in `manage` leaves the rolling
 * update to the next sync (after the informer has seen its changes), where the real controller
 * runs both on the same cache.
 */
import type { DaemonSet, Node, Pod, Toleration } from '../../src/api/types.js';
import { type LabelSelectorMatcher } from '../../src/api/selectors.js';
import { labelSelectorFromObject } from '../../src/api/label-selector.js';
import { compileRequiredNodeAffinity, nodeLabels } from '../scheduler/node-selector.js';
import { findUntoleratedTaint } from '../scheduler/plugins/taint-toleration.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { Expectations } from './replicaset.js';
import { valueFromIntOrPercent } from './deployment/util.js';
import { CONTROLLER_REVISION_HASH_LABEL, equalRevision, hashRevisionData, newRevision, nextRevision, sortRevisions, templatePatch, type ControllerRevision } from './history.js';
import { clone, controllerRefOf, isPodAvailable, isPodReady, newControllerRef, type Obj } from './util.js';
import { objectKey } from '../../src/api/object-key.js';

/** The controller's name (address `controller-manager/daemonset`). */
const DAEMONSET_CONTROLLER = 'daemonset';
/** The deprecated label with the DaemonSet's generation, still set on its pods. */
const POD_TEMPLATE_GENERATION_LABEL = 'pod-template-generation';
/** Most pods created or deleted per sync (`BurstReplicas`). */
const BURST_REPLICAS = 250;

/** The tolerations the controller adds to every daemon pod (`AddOrUpdateDaemonPodTolerations`). */
export function daemonPodTolerations(hostNetwork: boolean): Toleration[] {
  const t: Toleration[] = [
    { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute' },
    { key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/pid-pressure', operator: 'Exists', effect: 'NoSchedule' },
    { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
  ];
  if (hostNetwork) t.push({ key: 'node.kubernetes.io/network-unavailable', operator: 'Exists', effect: 'NoSchedule' });
  return t;
}

function addTolerations(existing: readonly Toleration[] | undefined, added: readonly Toleration[]): Toleration[] {
  const out = [...(existing ?? [])];
  for (const t of added) {
    const i = out.findIndex((o) => o.key === t.key && o.effect === t.effect && (o.operator ?? 'Equal') === t.operator);
    if (i >= 0) out[i] = t;
    else out.push(t);
  }
  return out;
}

/** The node a daemon pod is for: its nodeName, or the node its required affinity names (`GetTargetNodeName`). */
export function targetNodeName(pod: Pod): string | undefined {
  if (pod.spec?.nodeName) return pod.spec.nodeName;
  for (const term of pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) {
    for (const f of term.matchFields ?? []) {
      if (f.key === 'metadata.name' && f.operator === 'In' && f.values?.length === 1) return f.values[0];
    }
  }
  return undefined;
}

/** `ReplaceDaemonSetPodNodeNameNodeAffinity`: the pod's required node affinity becomes "this node". */
function nodeNameAffinity(affinity: Obj | undefined, nodeName: string): Obj {
  const term = { matchFields: [{ key: 'metadata.name', operator: 'In', values: [nodeName] }] };
  const a: Obj = clone(affinity ?? {});
  const na: Obj = (a.nodeAffinity ??= {});
  const req: Obj = (na.requiredDuringSchedulingIgnoredDuringExecution ??= {});
  req.nodeSelectorTerms = [term];
  return a;
}

/** The pod the DaemonSet would run on a node (`NewPod`: the template with the added tolerations). */
function newDaemonPod(ds: DaemonSet, nodeName: string): Pod {
  const spec = clone(ds.spec?.template?.spec ?? { containers: [] }) as Pod['spec'] & Obj;
  spec.tolerations = addTolerations(spec.tolerations, daemonPodTolerations(spec.hostNetwork === true));
  return { apiVersion: 'v1', kind: 'Pod', metadata: { labels: { ...(ds.spec?.template?.metadata?.labels ?? {}) } }, spec: { ...spec, nodeName } };
}

/**
 * `NodeShouldRunDaemonPod`: whether a daemon pod should run on the node, and whether one that runs
 * there may continue (a NoSchedule taint stops new pods but not running ones; NoExecute stops both).
 */
export function nodeShouldRunDaemonPod(node: Node, ds: DaemonSet): { shouldRun: boolean; shouldContinueRunning: boolean } {
  const name = node.metadata!.name!;
  const templateNode = ds.spec?.template?.spec?.nodeName;
  if (templateNode && templateNode !== name) return { shouldRun: false, shouldContinueRunning: false };
  const pod = newDaemonPod(ds, name);
  const affinity = compileRequiredNodeAffinity(pod);
  if (affinity && !affinity.matches(nodeLabels(node), name)) return { shouldRun: false, shouldContinueRunning: false };
  const taints = (node.spec?.taints ?? []);
  const tolerations = pod.spec!.tolerations ?? [];
  if (findUntoleratedTaint(taints, tolerations)) {
    const noExecute = taints.filter((t) => t.effect === 'NoExecute');
    return { shouldRun: false, shouldContinueRunning: !findUntoleratedTaint(noExecute, tolerations) };
  }
  return { shouldRun: true, shouldContinueRunning: true };
}

/** `IsPodUpdated`: the pod carries the current hash (or the current template generation). */
function isPodUpdated(pod: Pod, hash: string, generation: number | undefined): boolean {
  const labels = pod.metadata?.labels ?? {};
  const byGeneration = generation !== undefined && labels[POD_TEMPLATE_GENERATION_LABEL] === String(generation);
  return byGeneration || labels[CONTROLLER_REVISION_HASH_LABEL] === hash;
}

/** `podByCreationTimestampAndPhase`: running before not running, then oldest first, then by name. */
function byCreationAndPhase(a: Pod, b: Pod): number {
  const ra = a.status?.phase === 'Running' ? 0 : 1;
  const rb = b.status?.phase === 'Running' ? 0 : 1;
  if (ra !== rb) return ra - rb;
  const ta = a.metadata?.creationTimestamp ?? '';
  const tb = b.metadata?.creationTimestamp ?? '';
  if (ta !== tb) return ta < tb ? -1 : 1;
  return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
}

/** `findUpdatedPodsOnNode`: the node's new and old pod; `ok` false when there are two of either. */
function findUpdatedPodsOnNode(pods: readonly Pod[], hash: string, generation: number | undefined): { newPod?: Pod; oldPod?: Pod; ok: boolean } {
  let newPod: Pod | undefined;
  let oldPod: Pod | undefined;
  for (const pod of pods) {
    if (pod.metadata?.deletionTimestamp) continue;
    if (isPodUpdated(pod, hash, generation)) {
      if (newPod) return { ok: false };
      newPod = pod;
    } else {
      if (oldPod) return { ok: false };
      oldPod = pod;
    }
  }
  return { newPod, oldPod, ok: true };
}

/** The DaemonSet controller's memory. */
export interface DaemonSetState {
  expectations: Expectations;
}

type DsWatches = {
  daemonsets: ReturnType<typeof watch<DaemonSet, DaemonSetState>>;
  pods: ReturnType<typeof watch<Pod, DaemonSetState>>;
  nodes: ReturnType<typeof watch<Node, DaemonSetState>>;
  controllerrevisions: ReturnType<typeof watch<ControllerRevision, DaemonSetState>>;
};
type DsCtx = SyncContext<DsWatches & Watches, DaemonSetState, Record<string, unknown>>;


function selectorOf(ds: DaemonSet): LabelSelectorMatcher | undefined {
  try {
    return labelSelectorFromObject(ds.spec?.selector);
  } catch {
    return undefined;
  }
}

function generationOf(ds: DaemonSet): number | undefined {
  return ds.metadata?.generation;
}

/** The pods of a DaemonSet grouped by the node they are for (`getNodesToDaemonPods`), without deleted or finished ones unless asked. */
function nodesToDaemonPods(ctx: DsCtx, ds: DaemonSet, includeTerminal: boolean): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  const selector = selectorOf(ds);
  for (const pod of ctx.byIndex('pods', 'byController', ds.metadata!.uid!)) {
    if (selector && !selector.matches(pod.metadata?.labels)) continue;
    const terminal = pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
    if (!includeTerminal && (terminal || pod.metadata?.deletionTimestamp)) continue;
    const node = targetNodeName(pod);
    if (!node) continue;
    const list = out.get(node) ?? [];
    list.push(pod);
    out.set(node, list);
  }
  return out;
}

/** What `constructHistory` found: the current revision's hash and the old revisions. */
interface History {
  hash: string;
  current?: ControllerRevision;
  old: ControllerRevision[];
}

function constructHistory(ctx: DsCtx, ds: DaemonSet): History | 'pending' {
  const revisions = sortRevisions(ctx.byIndex('controllerrevisions', 'byOwner', ds.metadata!.uid!));
  const data = templatePatch(ds.spec?.template);
  const collisionCount = (ds.status as Obj | undefined)?.collisionCount as number | undefined;
  const probe = newRevision(ds, 'apps/v1', 'DaemonSet', ds.spec?.template?.metadata?.labels, data, nextRevision(revisions), collisionCount);
  const matching = revisions.filter((r) => equalRevision(r, probe));
  const old = revisions.filter((r) => !matching.includes(r));
  if (matching.length === 0) {
    ctx.client.create({ resource: 'controllerrevisions', group: 'apps' }, ds.metadata!.namespace, probe, { ignore: [409] });
    return 'pending';
  }
  const current = matching[matching.length - 1]!;
  const max = nextRevision(revisions) - 1;
  if ((current.revision ?? 0) < max) {
    // a rollback to an older template: that revision becomes the newest
    ctx.client.update({ resource: 'controllerrevisions', group: 'apps' }, { ...clone(current), revision: max + 1 } as ControllerRevision);
    return 'pending';
  }
  return { hash: current.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? hashRevisionData(data, collisionCount), current, old };
}

/** `podsShouldBeOnNode`: which nodes need a pod, which pods go. */
function podsShouldBeOnNode(
  ds: DaemonSet,
  node: Node,
  pods: readonly Pod[],
  hash: string,
  surge: boolean,
  out: { create: string[]; remove: Pod[] },
): void {
  const { shouldRun, shouldContinueRunning } = nodeShouldRunDaemonPod(node, ds);
  const name = node.metadata!.name!;
  const live = pods.filter((p) => !p.metadata?.deletionTimestamp);
  if (shouldRun && live.length === 0) {
    out.create.push(name);
    return;
  }
  if (!shouldContinueRunning) {
    out.remove.push(...live);
    return;
  }
  const running: Pod[] = [];
  for (const pod of live) {
    if (pod.status?.phase === 'Failed') out.remove.push(pod); // replaced on a later sync
    else if (pod.status?.phase !== 'Succeeded') running.push(pod);
  }
  if (running.length <= 1) return;
  running.sort(byCreationAndPhase);
  if (!surge) {
    out.remove.push(...running.slice(1));
    return;
  }
  let oldestNew: Pod | undefined;
  let oldestOld: Pod | undefined;
  for (const pod of running) {
    if (pod.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] === hash) {
      if (!oldestNew) {
        oldestNew = pod;
        continue;
      }
    } else if (!oldestOld) {
      oldestOld = pod;
      continue;
    }
    out.remove.push(pod);
  }
  if (oldestNew && oldestOld && (!isPodReady(oldestOld) || isPodReady(oldestNew))) out.remove.push(oldestOld);
}

function surgeAndUnavailable(ds: DaemonSet, desired: number): { surge: number; unavailable: number } {
  const ru = ds.spec?.updateStrategy?.type === 'RollingUpdate' ? ds.spec.updateStrategy.rollingUpdate : undefined;
  const surge = valueFromIntOrPercent(ru?.maxSurge, desired, true);
  let unavailable = valueFromIntOrPercent(ru?.maxUnavailable, desired, true);
  if (desired > 0 && surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

/** `syncNodes`: creates pods for nodes and deletes pods, with expectations; slow start for creates. */
function syncNodes(ctx: DsCtx, ds: DaemonSet, remove: readonly Pod[], create: readonly string[], hash: string): void {
  const key = objectKey(ds);
  const exp = ctx.state.expectations;
  const now = ctx.now();
  const creates = create.slice(0, BURST_REPLICAS);
  const deletes = remove.slice(0, BURST_REPLICAS);
  if (creates.length === 0 && deletes.length === 0) return;
  exp.expectCreations(key, creates.length, now);
  for (const pod of deletes) exp.get(key)!.del.add(objectKey(pod));
  const generation = generationOf(ds);
  const template = ds.spec?.template ?? {};
  let created = 0;
  const batch = (size: number): void => {
    const n = Math.min(size, creates.length - created);
    let failed = false;
    for (let i = 0; i < n; i++) {
      const nodeName = creates[created + i]!;
      const spec = clone(template.spec ?? { containers: [] }) as Pod['spec'] & Obj;
      spec.tolerations = addTolerations(spec.tolerations, daemonPodTolerations(spec.hostNetwork === true));
      (spec as Obj).affinity = nodeNameAffinity(spec.affinity as Obj | undefined, nodeName);
      const labels: Record<string, string> = { ...(template.metadata?.labels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash };
      if (generation !== undefined) labels[POD_TEMPLATE_GENERATION_LABEL] = String(generation);
      const meta: Obj = { generateName: `${ds.metadata!.name}-`, namespace: ds.metadata!.namespace, labels, ownerReferences: [newControllerRef(ds, 'apps/v1', 'DaemonSet')] };
      if (template.metadata?.annotations) meta.annotations = { ...template.metadata.annotations };
      ctx.client.create('pods', ds.metadata!.namespace, { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec } as Pod, {
        ignore: true,
        onResponse: (res) => {
          if (res.code >= 300) {
            exp.creationObserved(key);
            failed = true;
            ctx.recordEvent(ds, 'Warning', 'FailedCreate', `Error creating: ${(res.body as { message?: string })?.message ?? res.code}`);
            ctx.fail(`create pod: ${res.code}`);
          } else ctx.recordEvent(ds, 'Normal', 'SuccessfulCreate', `Created pod: ${(res.body as Pod).metadata?.name}`);
        },
      });
    }
    created += n;
    if (created < creates.length) {
      ctx.afterRequests(() => {
        if (failed) {
          for (let i = created; i < creates.length; i++) exp.creationObserved(key);
          return;
        }
        batch(size * 2);
      });
    }
  };
  batch(1);
  for (const pod of deletes) {
    ctx.client.delete('pods', pod.metadata!.namespace, pod.metadata!.name!, {
      ignore: [404],
      onResponse: (res) => {
        if (res.code === 404) exp.deletionObserved(key, objectKey(pod));
        else if (res.code < 300) ctx.recordEvent(ds, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.metadata!.name}`);
      },
    });
  }
}

/** `rollingUpdate`: which old pods to delete and which nodes get a surge pod. */
export function rollingUpdatePlan(
  ds: DaemonSet,
  nodes: readonly Node[],
  byNode: ReadonlyMap<string, Pod[]>,
  hash: string,
  now: number,
  timeOf: (ts: string) => number,
): { remove: Pod[]; create: string[] } {
  const generation = generationOf(ds);
  const minReady = ds.spec?.minReadySeconds ?? 0;
  const available = (p: Pod) => isPodAvailable(p, minReady, now, timeOf);
  let desired = 0;
  for (const n of nodes) if (nodeShouldRunDaemonPod(n, ds).shouldRun) desired++;
  const { surge, unavailable } = surgeAndUnavailable(ds, desired);
  const nodeNames = [...byNode.keys()].sort();
  if (surge === 0) {
    let numUnavailable = 0;
    const allowed: Pod[] = [];
    const candidates: Pod[] = [];
    for (const name of nodeNames) {
      const { newPod, oldPod, ok } = findUpdatedPodsOnNode(byNode.get(name)!, hash, generation);
      if (!ok) {
        numUnavailable++;
        continue;
      }
      if ((!oldPod && !newPod) || (oldPod && newPod)) numUnavailable++;
      else if (newPod) {
        if (!available(newPod)) numUnavailable++;
      } else if (oldPod) {
        if (!available(oldPod)) allowed.push(oldPod);
        else if (numUnavailable >= unavailable) continue;
        else candidates.push(oldPod);
      }
    }
    const remaining = Math.min(Math.max(unavailable - numUnavailable, 0), candidates.length);
    return { remove: [...allowed, ...candidates.slice(0, remaining)], create: [] };
  }
  const nodeByName = new Map(nodes.map((n) => [n.metadata!.name!, n]));
  const remove: Pod[] = [];
  const candidateNew: string[] = [];
  const allowedNew: string[] = [];
  let numSurge = 0;
  for (const name of nodeNames) {
    const { newPod, oldPod, ok } = findUpdatedPodsOnNode(byNode.get(name)!, hash, generation);
    if (!ok) {
      numSurge++;
      continue;
    }
    if (!oldPod) continue;
    if (!newPod) {
      const node = nodeByName.get(name);
      if (!node || !nodeShouldRunDaemonPod(node, ds).shouldRun) continue;
      if (!available(oldPod)) allowedNew.push(name);
      else if (numSurge >= surge) continue;
      else candidateNew.push(name);
    } else if (!available(newPod)) numSurge++;
    else remove.push(oldPod);
  }
  const remaining = Math.min(Math.max(surge - numSurge, 0), candidateNew.length);
  return { remove, create: [...allowedNew, ...candidateNew.slice(0, remaining)] };
}

function cleanupHistory(ctx: DsCtx, ds: DaemonSet, history: History, byNode: ReadonlyMap<string, Pod[]>): void {
  const limit = ds.spec?.revisionHistoryLimit ?? 10;
  if (history.old.length <= limit) return;
  const live = new Set<string>();
  for (const pods of byNode.values()) for (const p of pods) {
    const h = p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
    if (h) live.add(h);
  }
  let toKill = history.old.length - limit;
  for (const r of history.old) {
    if (toKill <= 0) break;
    if (live.has(r.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '')) continue;
    ctx.client.delete({ resource: 'controllerrevisions', group: 'apps' }, r.metadata!.namespace, r.metadata!.name!, { ignore: [404] });
    toKill--;
  }
}

/** The status `updateDaemonSetStatus` computes. */
function daemonSetStatus(ds: DaemonSet, nodes: readonly Node[], byNode: ReadonlyMap<string, Pod[]>, hash: string, now: number, timeOf: (ts: string) => number): Obj {
  let desired = 0;
  let current = 0;
  let misscheduled = 0;
  let ready = 0;
  let available = 0;
  let updated = 0;
  const generation = generationOf(ds);
  for (const node of nodes) {
    const { shouldRun } = nodeShouldRunDaemonPod(node, ds);
    const pods = byNode.get(node.metadata!.name!) ?? [];
    const scheduled = pods.length > 0;
    if (shouldRun) {
      desired++;
      if (!scheduled) continue;
      current++;
      const pod = [...pods].sort(byCreationAndPhase)[0]!;
      if (isPodReady(pod)) {
        ready++;
        if (isPodAvailable(pod, ds.spec?.minReadySeconds ?? 0, now, timeOf)) available++;
      }
      if (isPodUpdated(pod, hash, generation)) updated++;
    } else if (scheduled) misscheduled++;
  }
  const status: Obj = { currentNumberScheduled: current, numberMisscheduled: misscheduled, desiredNumberScheduled: desired, numberReady: ready };
  if (ds.metadata?.generation !== undefined) status.observedGeneration = ds.metadata.generation;
  if (updated) status.updatedNumberScheduled = updated;
  if (available) status.numberAvailable = available;
  if (desired - available) status.numberUnavailable = desired - available;
  const old = (ds.status ?? {}) as Obj;
  if (old.collisionCount !== undefined) status.collisionCount = old.collisionCount;
  if (old.conditions !== undefined) status.conditions = old.conditions;
  return status;
}

function syncDaemonSet(key: string, ctx: DsCtx): void {
  const ds = ctx.get('daemonsets', key);
  const exp = ctx.state.expectations;
  if (!ds) {
    exp.delete(key);
    return;
  }
  if (!selectorOf(ds) || ds.metadata?.deletionTimestamp) return;
  const history = constructHistory(ctx, ds);
  if (history === 'pending') return; // the revision's event brings the DaemonSet back
  const nodes = ctx.list('nodes');
  const now = ctx.now();
  const timeOf = (ts: string) => ctx.timeOf(ts);
  const byNode = nodesToDaemonPods(ctx, ds, false);
  if (exp.satisfied(key, now)) {
    const surge = surgeAndUnavailable(ds, nodes.length).surge > 0;
    const plan = { create: [] as string[], remove: [] as Pod[] };
    // failed pods are looked at too (they are replaced)
    const withFailed = nodesToDaemonPods(ctx, ds, true);
    for (const node of nodes) podsShouldBeOnNode(ds, node, (withFailed.get(node.metadata!.name!) ?? []).filter((p) => !p.metadata?.deletionTimestamp && p.status?.phase !== 'Succeeded'), history.hash, surge, plan);
    // pods for nodes that no longer exist
    const known = new Set(nodes.map((n) => n.metadata!.name!));
    for (const [name, pods] of byNode) if (!known.has(name)) plan.remove.push(...pods);
    if (plan.create.length > 0 || plan.remove.length > 0) syncNodes(ctx, ds, plan.remove, plan.create, history.hash);
    else if (ds.spec?.updateStrategy?.type === 'RollingUpdate') {
      const update = rollingUpdatePlan(ds, nodes, byNode, history.hash, now, timeOf);
      syncNodes(ctx, ds, update.remove, update.create, history.hash);
    }
    cleanupHistory(ctx, ds, history, byNode);
  }
  const status = daemonSetStatus(ds, nodes, byNode, history.hash, now, timeOf);
  const old = (ds.status ?? {}) as Obj;
  const same = Object.keys(status).length === Object.keys(old).filter((k) => old[k] !== undefined).length && Object.keys(status).every((k) => JSON.stringify(status[k]) === JSON.stringify(old[k]));
  if (!same) ctx.client.updateStatus({ resource: 'daemonsets', group: 'apps' }, { ...ds, status } as DaemonSet, { ignore: [404, 409] });
  // pods that are ready but not yet available for minReadySeconds: look again when they are
  const minReady = ds.spec?.minReadySeconds ?? 0;
  if (minReady > 0) {
    for (const pods of byNode.values()) for (const p of pods) {
      if (isPodReady(p) && !isPodAvailable(p, minReady, now, timeOf)) ctx.requeueAfter(minReady * 1000);
    }
  }
}

function resolveDs(ctx: { get(w: 'daemonsets', key: string): DaemonSet | undefined }, pod: Pod): DaemonSet | undefined {
  const ref = controllerRefOf(pod);
  if (!ref || ref.kind !== 'DaemonSet') return undefined;
  const ds = ctx.get('daemonsets', `${pod.metadata?.namespace}/${ref.name}`);
  return ds && ds.metadata?.uid === ref.uid ? ds : undefined;
}

function nodeChanged(old: Node | undefined, node: Node): boolean {
  if (!old) return true;
  const ready = (n: Node) => JSON.stringify(n.status?.conditions?.map((c) => [c.type, c.status]) ?? []);
  return (
    JSON.stringify(old.metadata?.labels ?? {}) !== JSON.stringify(node.metadata?.labels ?? {}) ||
    JSON.stringify(old.spec?.taints ?? []) !== JSON.stringify(node.spec?.taints ?? []) ||
    ready(old) !== ready(node)
  );
}

/** The DaemonSet controller's machine. */
export const daemonSetController: ControllerMachine = defineController({
  name: DAEMONSET_CONTROLLER,
  component: 'daemonset-controller',
  state: (): DaemonSetState => ({ expectations: new Expectations() }),
  watches: {
    daemonsets: watch<DaemonSet, DaemonSetState>({
      resource: 'daemonsets',
      group: 'apps',
      enqueue: ({ type, object }, ctx) => {
        if (type === 'deleted') ctx.state.expectations.delete(objectKey(object));
        return objectKey(object);
      },
    }),
    controllerrevisions: watch<ControllerRevision, DaemonSetState>({
      resource: 'controllerrevisions',
      group: 'apps',
      indexes: { byOwner: (r) => (controllerRefOf(r)?.kind === 'DaemonSet' ? controllerRefOf(r)!.uid : undefined) },
      enqueue: ({ object }) => {
        const ref = controllerRefOf(object);
        return ref?.kind === 'DaemonSet' ? `${object.metadata?.namespace}/${ref.name}` : undefined;
      },
    }),
    nodes: watch<Node, DaemonSetState>({
      resource: 'nodes',
      enqueue: ({ type, object, old }, ctx) => {
        if (type === 'modified' && !nodeChanged(old, object)) return undefined;
        if (type === 'resync') return undefined;
        return (ctx as unknown as { list(w: 'daemonsets'): DaemonSet[] }).list('daemonsets').map(objectKey);
      },
    }),
    pods: watch<Pod, DaemonSetState>({
      resource: 'pods',
      indexes: { byController: (pod) => (controllerRefOf(pod)?.kind === 'DaemonSet' ? controllerRefOf(pod)!.uid : undefined) },
      enqueue: ({ type, object: pod, old }, ctx) => {
        const reader = ctx as unknown as { get(w: 'daemonsets', key: string): DaemonSet | undefined };
        const ds = resolveDs(reader, pod) ?? (old ? resolveDs(reader, old) : undefined);
        if (!ds) return undefined;
        const key = objectKey(ds);
        if (type === 'deleted' || (pod.metadata?.deletionTimestamp && !old?.metadata?.deletionTimestamp)) ctx.state.expectations.deletionObserved(key, objectKey(pod));
        else if (type === 'added') ctx.state.expectations.creationObserved(key);
        return key;
      },
    }),
  },
  sync: (key, ctx) => syncDaemonSet(key, ctx as unknown as DsCtx),
});
