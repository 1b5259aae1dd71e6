/**
 * The StatefulSet controller (`pkg/controller/statefulset`): pods with stable identities
 * `<set>-<ordinal>` and stable storage.
 *
 * Each sync, as `StatefulSetControl.UpdateStatefulSet` / `updateStatefulSet`:
 * 1. revisions: the ControllerRevision of the current template (data: a patch replacing
 *    `spec.template`; named `<set>-<hash>`) is found or created — the *update revision*; the
 *    *current revision* is `status.currentRevision` (the update revision for a new set);
 * 2. pods with ordinals `[start, start + replicas)` are wanted (`spec.ordinals.start`, default 0);
 *    the others are *condemned*. A missing pod is created from the current revision when its
 *    ordinal is below the RollingUpdate `partition`, else from the update revision
 *    (`newVersionedStatefulSetPod`), labelled `controller-revision-hash: <revision name>`,
 *    `statefulset.kubernetes.io/pod-name` and `apps.kubernetes.io/pod-index`, with `hostname` the
 *    pod's name and `subdomain` the governing Service (`spec.serviceName`), and one volume per
 *    `volumeClaimTemplates` entry using the claim `<template>-<set>-<ordinal>`, which is created
 *    first when missing (`createMissingPersistentVolumeClaims`);
 * 3. `OrderedReady`: one step at a time in ordinal order — a missing pod is created and the
 *    controller waits until it is Running and Ready (and available for `minReadySeconds`) before
 *    the next; Failed/Succeeded pods are deleted and recreated; condemned pods are deleted from the
 *    highest ordinal down, one at a time, each after the ones above it are gone. `Parallel` does
 *    every create and delete at once;
 * 4. `RollingUpdate`: from the highest ordinal down to `partition`, the first pod not at the update
 *    revision is deleted (and recreated at the update revision by a later sync), waiting for every
 *    pod above it to be healthy; `OnDelete` leaves replacement to the user;
 * 5. `persistentVolumeClaimRetentionPolicy`: claims get an owner reference to the StatefulSet
 *    (`whenDeleted: Delete`) or to their pod once scaled down (`whenScaled: Delete`), so the garbage
 *    collector deletes them (`updateClaimOwnerRefForSetAndPod`);
 * 6. status: replicas, readyReplicas, availableReplicas, currentReplicas, updatedReplicas,
 *    currentRevision, updateRevision (current becomes update once every pod is updated and ready),
 *    observedGeneration, collisionCount; revisions beyond `revisionHistoryLimit` no pod uses are
 *    deleted.
 */
import type { KubeObject, Pod, StatefulSet } from '../../src/api/types.js';
import { type LabelSelectorMatcher } from '../../src/api/selectors.js';
import { labelSelectorFromObject } from '../../src/api/label-selector.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { CONTROLLER_REVISION_HASH_LABEL, equalRevision, newRevision, nextRevision, sortRevisions, templatePatch, type ControllerRevision } from './history.js';
import { clone, controllerRefOf, isPodAvailable, isPodReady, newControllerRef, type Obj } from './util.js';
import { objectKey } from '../../src/api/object-key.js';

/** The controller's name (address `controller-manager/statefulset`). */
const STATEFULSET_CONTROLLER = 'statefulset';
/** The label with a StatefulSet pod's name. */
const STATEFULSET_POD_NAME_LABEL = 'statefulset.kubernetes.io/pod-name';
/** The label with a StatefulSet pod's ordinal (PodIndexLabel). */
const POD_INDEX_LABEL = 'apps.kubernetes.io/pod-index';

type Sts = StatefulSet & Obj;
type Claim = KubeObject & Obj;

/** `getOrdinal`: the ordinal at the end of a pod's name, -1 when the name has none. */
export function ordinalOf(setName: string, podName: string): number {
  if (!podName.startsWith(`${setName}-`)) return -1;
  const rest = podName.slice(setName.length + 1);
  return /^(0|[1-9][0-9]*)$/.test(rest) ? Number(rest) : -1;
}

/** `getPersistentVolumeClaimName`: `<template>-<set>-<ordinal>`. */
export function claimName(template: string, setName: string, ordinal: number): string {
  return `${template}-${setName}-${ordinal}`;
}

function startOrdinal(set: Sts): number {
  return (set.spec?.ordinals?.start) ?? 0;
}

/** The template a revision holds (its data's `spec.template`, without the `$patch` directive). */
function templateOf(revision: ControllerRevision | undefined, fallback: unknown): Obj {
  const t = (revision?.data as Obj | undefined)?.spec?.template as Obj | undefined;
  if (!t) return clone(fallback ?? {}) as Obj;
  const copy = clone(t);
  delete copy.$patch;
  return copy;
}

/** `newStatefulSetPod` + `setPodRevision`: the pod of one ordinal from a template. */
function newStatefulSetPod(set: Sts, template: Obj, ordinal: number, revisionName: string): Pod {
  const name = `${set.metadata!.name}-${ordinal}`;
  const labels: Record<string, string> = {
    ...((template.metadata?.labels) ?? {}),
    [STATEFULSET_POD_NAME_LABEL]: name,
    [POD_INDEX_LABEL]: String(ordinal),
    [CONTROLLER_REVISION_HASH_LABEL]: revisionName,
  };
  const meta: Obj = { name, namespace: set.metadata!.namespace, labels, ownerReferences: [newControllerRef(set, 'apps/v1', 'StatefulSet')] };
  if (template.metadata?.annotations) meta.annotations = { ...template.metadata.annotations };
  const spec = clone(template.spec ?? { containers: [] }) as Obj;
  spec.hostname = name;
  if (set.spec?.serviceName) spec.subdomain = set.spec.serviceName;
  const claimVolumes = ((set.spec?.volumeClaimTemplates ?? []) as Obj[]).map((t) => ({
    name: t.metadata?.name as string,
    persistentVolumeClaim: { claimName: claimName(t.metadata?.name as string, set.metadata!.name!, ordinal) },
  }));
  if (claimVolumes.length > 0) {
    const names = new Set(claimVolumes.map((v) => v.name));
    spec.volumes = [...claimVolumes, ...((spec.volumes as Obj[] | undefined) ?? []).filter((v) => !names.has(v.name as string))];
  }
  return { apiVersion: 'v1', kind: 'Pod', metadata: meta, spec } as Pod;
}

/** The claims a pod of the set needs (`getPersistentVolumeClaims`). */
function claimsFor(set: Sts, ordinal: number): Claim[] {
  return ((set.spec?.volumeClaimTemplates ?? []) as Obj[]).map((t) => {
    const labels = { ...((set.spec?.selector?.matchLabels) ?? {}), ...((t.metadata?.labels) ?? {}) };
    const meta: Obj = { name: claimName(t.metadata?.name as string, set.metadata!.name!, ordinal), namespace: set.metadata!.namespace, labels };
    if (t.metadata?.annotations) meta.annotations = { ...t.metadata.annotations };
    return { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta, spec: clone(t.spec ?? {}) } as Claim;
  });
}

const isTerminating = (p: Pod) => !!p.metadata?.deletionTimestamp;
const isFailed = (p: Pod) => p.status?.phase === 'Failed';
const isSucceeded = (p: Pod) => p.status?.phase === 'Succeeded';
const isRunningAndReady = (p: Pod) => p.status?.phase === 'Running' && isPodReady(p);
const revisionOf = (p: Pod) => p.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL] ?? '';

type StsWatches = {
  statefulsets: ReturnType<typeof watch<Sts>>;
  pods: ReturnType<typeof watch<Pod>>;
  controllerrevisions: ReturnType<typeof watch<ControllerRevision>>;
  persistentvolumeclaims: ReturnType<typeof watch<Claim>>;
};
type StsCtx = SyncContext<StsWatches & Watches, undefined, Record<string, unknown>>;

const CRS = { resource: 'controllerrevisions', group: 'apps' };

function selectorOf(set: Sts): LabelSelectorMatcher | undefined {
  try {
    return labelSelectorFromObject(set.spec?.selector);
  } catch {
    return undefined;
  }
}

function ownerRef(owner: KubeObject, apiVersion: string, kind: string): Obj {
  return { apiVersion, kind, name: owner.metadata!.name, uid: owner.metadata!.uid };
}

/** `updateClaimOwnerRefForSetAndPod`: the owner references a claim should have under the retention policy. */
export function claimOwnerRefs(claim: Claim, set: Sts, pod: Pod | undefined, scaledDown: boolean): Obj[] | undefined {
  const policy = (set.spec?.persistentVolumeClaimRetentionPolicy ?? {}) as Obj;
  const deleted = policy.whenDeleted === 'Delete';
  const scaled = policy.whenScaled === 'Delete';
  let refs = [...((claim.metadata?.ownerReferences as Obj[] | undefined) ?? [])];
  const without = (uid: string | undefined) => (refs = refs.filter((r) => r.uid !== uid));
  const withRef = (ref: Obj) => {
    if (!refs.some((r) => r.uid === ref.uid)) refs.push(ref);
  };
  const before = JSON.stringify(refs);
  without(undefined);
  const setRef = ownerRef(set, 'apps/v1', 'StatefulSet');
  const podRef = pod ? ownerRef(pod, 'v1', 'Pod') : undefined;
  const podUid = pod?.metadata?.uid;
  if (!deleted && !scaled) {
    without(set.metadata!.uid);
    if (podUid) without(podUid);
  } else if (deleted && !scaled) {
    withRef(setRef);
    if (podUid) without(podUid);
  } else if (!deleted && scaled) {
    without(set.metadata!.uid);
    if (scaledDown && podRef) withRef(podRef);
    else if (podUid) without(podUid);
  } else if (scaledDown) {
    without(set.metadata!.uid);
    if (podRef) withRef(podRef);
  } else {
    withRef(setRef);
    if (podUid) without(podUid);
  }
  return JSON.stringify(refs) === before ? undefined : refs;
}

interface Revisions {
  current: ControllerRevision;
  update: ControllerRevision;
  all: ControllerRevision[];
}

function revisions(ctx: StsCtx, set: Sts): Revisions | 'pending' {
  const all = sortRevisions(ctx.byIndex('controllerrevisions', 'byOwner', set.metadata!.uid!));
  const collisionCount = (set.status?.collisionCount) ?? 0;
  const probe = newRevision(set, 'apps/v1', 'StatefulSet', set.spec?.template?.metadata?.labels, templatePatch(set.spec?.template), nextRevision(all), collisionCount);
  const matching = all.filter((r) => equalRevision(r, probe));
  if (matching.length === 0) {
    ctx.client.create(CRS, set.metadata!.namespace, probe, { ignore: [409] });
    return 'pending';
  }
  const update = matching[matching.length - 1]!;
  const max = nextRevision(all) - 1;
  if ((update.revision ?? 0) < max) {
    ctx.client.update(CRS, { ...clone(update), revision: max + 1 } as ControllerRevision);
    return 'pending';
  }
  const currentName = set.status?.currentRevision;
  const current = all.find((r) => r.metadata?.name === currentName) ?? update;
  return { current, update, all };
}

function syncStatefulSet(key: string, ctx: StsCtx): void {
  const set = ctx.get('statefulsets', key);
  if (!set) return;
  const selector = selectorOf(set);
  if (!selector || set.metadata?.deletionTimestamp) return;
  const revs = revisions(ctx, set);
  if (revs === 'pending') return;
  const name = set.metadata!.name!;
  const ns = set.metadata!.namespace!;
  const start = startOrdinal(set);
  const replicaCount = set.spec?.replicas ?? 1;
  const end = start + replicaCount;
  const monotonic = set.spec?.podManagementPolicy !== 'Parallel';
  const minReady = (set.spec?.minReadySeconds) ?? 0;
  const now = ctx.now();
  const timeOf = (ts: string) => ctx.timeOf(ts);
  const healthy = (p: Pod) => isRunningAndReady(p) && isPodAvailable(p, minReady, now, timeOf);
  const rollingUpdate = set.spec?.updateStrategy?.type !== 'OnDelete';
  const partition = rollingUpdate ? ((set.spec?.updateStrategy?.rollingUpdate?.partition) ?? 0) : 0;

  const byOrdinal = new Map<number, Pod>();
  const condemned: Pod[] = [];
  for (const pod of ctx.byIndex('pods', 'byController', set.metadata!.uid!)) {
    const ord = ordinalOf(name, pod.metadata!.name!);
    if (ord < 0 || !selector.matches(pod.metadata?.labels)) continue;
    if (ord >= start && ord < end) byOrdinal.set(ord, pod);
    else condemned.push(pod);
  }
  condemned.sort((a, b) => ordinalOf(name, b.metadata!.name!) - ordinalOf(name, a.metadata!.name!));

  // claims: retention owner references for every pod we know, created before a pod needs them
  for (const pod of [...byOrdinal.values(), ...condemned]) {
    const ord = ordinalOf(name, pod.metadata!.name!);
    for (const want of claimsFor(set, ord)) {
      const claim = ctx.get('persistentvolumeclaims', objectKey(want));
      if (!claim) continue;
      const refs = claimOwnerRefs(claim, set, pod, ord >= end);
      if (refs) ctx.client.patch('persistentvolumeclaims', ns, claim.metadata!.name!, { metadata: { ownerReferences: refs, resourceVersion: claim.metadata!.resourceVersion } }, { ignore: [404, 409] });
    }
  }

  const currentTemplate = templateOf(revs.current, set.spec?.template);
  const updateTemplate = templateOf(revs.update, set.spec?.template);
  const act = (): void => {
    for (let ord = start; ord < end; ord++) {
      const pod = byOrdinal.get(ord);
      if (pod && (isFailed(pod) || isSucceeded(pod)) && !isTerminating(pod)) {
        ctx.client.delete('pods', ns, pod.metadata!.name!, { ignore: [404], uid: pod.metadata!.uid });
        ctx.recordEvent(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata!.name} in StatefulSet ${name} successful`);
        if (monotonic) return;
        continue;
      }
      if (!pod) {
        const fromCurrent = rollingUpdate && ord < start + partition;
        const template = fromCurrent ? currentTemplate : updateTemplate;
        const rev = fromCurrent ? revs.current : revs.update;
        const fresh = newStatefulSetPod(set, template, ord, rev.metadata!.name!);
        for (const claim of claimsFor(set, ord)) {
          if (ctx.get('persistentvolumeclaims', objectKey(claim))) continue;
          ctx.client.create('persistentvolumeclaims', ns, claim, {
            ignore: [409],
            onResponse: (res) => {
              if (res.code < 300) ctx.recordEvent(set, 'Normal', 'SuccessfulCreate', `create Claim ${claim.metadata!.name} Pod ${fresh.metadata!.name} in StatefulSet ${name} success`);
            },
          });
        }
        ctx.afterRequests(() => {
          ctx.client.create('pods', ns, fresh, {
            ignore: [409],
            onResponse: (res) => {
              if (res.code < 300) ctx.recordEvent(set, 'Normal', 'SuccessfulCreate', `create Pod ${fresh.metadata!.name} in StatefulSet ${name} successful`);
              else if (res.code !== 409) ctx.recordEvent(set, 'Warning', 'FailedCreate', `create Pod ${fresh.metadata!.name} in StatefulSet ${name} failed error: ${(res.body as { message?: string })?.message ?? res.code}`);
            },
          });
        });
        if (monotonic) return;
        continue;
      }
      if (monotonic && (isTerminating(pod) || !healthy(pod))) return;
    }
    for (const pod of condemned) {
      if (isTerminating(pod)) {
        if (monotonic) return;
        continue;
      }
      // in order: wait until every pod that stays is healthy before removing the next one
      if (monotonic && [...byOrdinal.values()].some((p) => !healthy(p)) && !(!healthy(pod) && pod === condemned[0])) return;
      ctx.client.delete('pods', ns, pod.metadata!.name!, { ignore: [404], uid: pod.metadata!.uid });
      ctx.recordEvent(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata!.name} in StatefulSet ${name} successful`);
      if (monotonic) return;
    }
    if (!rollingUpdate) return;
    for (let ord = end - 1; ord >= start + partition; ord--) {
      const pod = byOrdinal.get(ord);
      if (!pod) return;
      if (revisionOf(pod) !== revs.update.metadata!.name && !isTerminating(pod)) {
        ctx.client.delete('pods', ns, pod.metadata!.name!, { ignore: [404], uid: pod.metadata!.uid });
        ctx.recordEvent(set, 'Normal', 'SuccessfulDelete', `delete Pod ${pod.metadata!.name} in StatefulSet ${name} successful`);
        return;
      }
      if (!healthy(pod)) return;
    }
  };
  act();

  // status
  let replicas = 0;
  let ready = 0;
  let available = 0;
  let current = 0;
  let updated = 0;
  for (const pod of [...byOrdinal.values(), ...condemned]) {
    replicas++;
    if (isRunningAndReady(pod)) {
      ready++;
      if (isPodAvailable(pod, minReady, now, timeOf)) available++;
    }
    if (isTerminating(pod)) continue;
    if (revisionOf(pod) === revs.current.metadata!.name) current++;
    if (revisionOf(pod) === revs.update.metadata!.name) updated++;
  }
  const status: Obj = {
    observedGeneration: set.metadata?.generation,
    replicas,
    readyReplicas: ready,
    currentReplicas: current,
    updatedReplicas: updated,
    currentRevision: revs.current.metadata!.name,
    updateRevision: revs.update.metadata!.name,
    collisionCount: (set.status?.collisionCount) ?? 0,
    availableReplicas: available,
  };
  if (rollingUpdate && updated === replicas && ready === replicas && replicas === replicaCount) {
    status.currentReplicas = updated;
    status.currentRevision = revs.update.metadata!.name;
  }
  for (const k of ['readyReplicas', 'currentReplicas', 'updatedReplicas']) if (status[k] === 0) delete status[k];
  if (set.status?.conditions) status.conditions = set.status.conditions;
  if (JSON.stringify(status) !== JSON.stringify(set.status ?? {})) {
    ctx.client.updateStatus({ resource: 'statefulsets', group: 'apps' }, { ...set, status } as Sts, { ignore: [404, 409] });
  }
  // history: old revisions beyond the limit that no pod uses
  const limit = (set.spec?.revisionHistoryLimit) ?? 10;
  const live = new Set([revs.current.metadata!.name, revs.update.metadata!.name, ...[...byOrdinal.values(), ...condemned].map(revisionOf)]);
  const old = revs.all.filter((r) => !live.has(r.metadata!.name));
  for (const r of old.slice(0, Math.max(0, old.length - limit))) ctx.client.delete(CRS, ns, r.metadata!.name!, { ignore: [404] });
  if (minReady > 0) for (const p of byOrdinal.values()) if (isRunningAndReady(p) && !isPodAvailable(p, minReady, now, timeOf)) ctx.requeueAfter(minReady * 1000);
}

function ownerKey(obj: KubeObject, kind: string): string | undefined {
  const ref = controllerRefOf(obj);
  return ref?.kind === kind ? `${obj.metadata?.namespace}/${ref.name}` : undefined;
}

/** The StatefulSet controller's machine. */
export const statefulSetController: ControllerMachine = defineController({
  name: STATEFULSET_CONTROLLER,
  component: 'statefulset-controller',
  watches: {
    statefulsets: watch<Sts>({ resource: 'statefulsets', group: 'apps' }),
    controllerrevisions: watch<ControllerRevision>({
      resource: 'controllerrevisions',
      group: 'apps',
      indexes: { byOwner: (r) => (controllerRefOf(r)?.kind === 'StatefulSet' ? controllerRefOf(r)!.uid : undefined) },
      enqueue: ({ object }) => ownerKey(object, 'StatefulSet'),
    }),
    pods: watch<Pod>({
      resource: 'pods',
      indexes: { byController: (pod) => (controllerRefOf(pod)?.kind === 'StatefulSet' ? controllerRefOf(pod)!.uid : undefined) },
      enqueue: ({ object, old }) => [ownerKey(object, 'StatefulSet'), old ? ownerKey(old, 'StatefulSet') : undefined].filter((k): k is string => !!k),
    }),
    persistentvolumeclaims: watch<Claim>({ resource: 'persistentvolumeclaims', enqueue: () => undefined }),
  },
  sync: (key, ctx) => syncStatefulSet(key, ctx as unknown as StsCtx),
});
