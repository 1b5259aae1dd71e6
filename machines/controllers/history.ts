/**
 * ControllerRevisions, after `pkg/controller/history`: the snapshots of a DaemonSet's or a
 * StatefulSet's pod template that their controllers keep, one per distinct template, numbered by
 * `revision`, named `<owner>-<hash>` and labelled `controller-revision-hash: <hash>`. A rollback
 * (`kubectl rollout undo`) patches the owner with an older revision's `data`.
 */
import type { KubeObject } from '../../src/api/types.js';
import { podTemplateHash } from '../../src/api/defaults.js';
import { deepEqual, newControllerRef, type Obj } from './util.js';

/** The label of ControllerRevisions and of the pods made from them: the revision's hash. */
export const CONTROLLER_REVISION_HASH_LABEL = 'controller-revision-hash';

/** A ControllerRevision as stored. */
export type ControllerRevision = KubeObject & { data?: unknown; revision?: number };

/** `ControllerRevisionName`: `<prefix>-<hash>`, the prefix cut to 223 characters. */
function revisionName(prefix: string, hash: string): string {
  return `${prefix.length > 223 ? prefix.slice(0, 223) : prefix}-${hash}`;
}

/** The hash of revision data (and a collision count), as `HashControllerRevision` / `ComputeHash`. */
export function hashRevisionData(data: unknown, collisionCount?: number): string {
  return podTemplateHash(data, collisionCount);
}

/** `nextRevision`: one more than the highest revision (1 for none). */
export function nextRevision(revisions: readonly ControllerRevision[]): number {
  let max = 0;
  for (const r of revisions) max = Math.max(max, r.revision ?? 0);
  return max + 1;
}

/** `SortControllerRevisions`: by revision, then creation, then name. */
export function sortRevisions<T extends ControllerRevision>(revisions: readonly T[]): T[] {
  return [...revisions].sort((a, b) => {
    const d = (a.revision ?? 0) - (b.revision ?? 0);
    if (d !== 0) return d;
    const ta = a.metadata?.creationTimestamp ?? '';
    const tb = b.metadata?.creationTimestamp ?? '';
    if (ta !== tb) return ta < tb ? -1 : 1;
    return (a.metadata?.name ?? '') < (b.metadata?.name ?? '') ? -1 : 1;
  });
}

/** `EqualRevision`: same data (the hash label is compared first when both have one). */
export function equalRevision(a: ControllerRevision, b: ControllerRevision): boolean {
  const ha = a.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  const hb = b.metadata?.labels?.[CONTROLLER_REVISION_HASH_LABEL];
  if (ha && hb && ha !== hb) return false;
  return deepEqual(a.data, b.data);
}

/**
 * `NewControllerRevision`: a revision of `owner` holding `data`, labelled with the template's
 * labels and the hash, carrying `annotations` (the owner's, so `kubectl rollout history` shows
 * its change-cause), owned by `owner` as controller.
 */
export function newRevision(
  owner: KubeObject,
  apiVersion: string,
  kind: string,
  templateLabels: Record<string, string> | undefined,
  data: unknown,
  revision: number,
  collisionCount: number | undefined,
): ControllerRevision {
  const hash = hashRevisionData(data, collisionCount);
  const meta: Obj = {
    name: revisionName(owner.metadata!.name!, hash),
    namespace: owner.metadata!.namespace,
    labels: { ...(templateLabels ?? {}), [CONTROLLER_REVISION_HASH_LABEL]: hash },
    ownerReferences: [newControllerRef(owner, apiVersion, kind)],
  };
  const annotations = { ...(owner.metadata?.annotations ?? {}) };
  delete annotations['kubectl.kubernetes.io/last-applied-configuration'];
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  return { apiVersion: 'apps/v1', kind: 'ControllerRevision', metadata: meta, data, revision } as ControllerRevision;
}

/** The `data` of a template revision: a patch replacing `spec.template` (`getPatch` of both controllers). */
export function templatePatch(template: unknown): Obj {
  return { spec: { template: { ...(template as Obj), $patch: 'replace' } } } as Obj;
}
