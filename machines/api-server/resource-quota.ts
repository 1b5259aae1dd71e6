/**
 * The `ResourceQuota` admission plugin of kube-apiserver (`plugin/pkg/admission/resourcequota`),
 * a validating step on every create of a namespaced object (events excepted), and on the updates
 * of the main resource its evaluator handles (`Handles`: Services and PersistentVolumeClaims;
 * subresources never):
 *
 * - `admit` runs the quota evaluators' `checkRequest` (src/api/quota.ts) against the namespace's
 *   quotas as the API server's cache holds them: a matching quota without usage yet, a pod that
 *   does not state a constrained request or limit, or a usage past a hard limit is a 403 Forbidden
 *   (`exceeded quota: q, requested: pods=1, used: pods=10, limited: pods=10`); otherwise the
 *   request carries the quotas with their grown `status.used`; an update is charged the
 *   difference from the stored object (a ClusterIP Service made NodePort:
 *   `services.nodeports` by its ports, `exceeded quota: q, requested: services.nodeports=1, …`);
 * - `charge` writes those quotas before the object (a compare-and-swap on each quota's
 *   resourceVersion, as the plugin's `UpdateQuotaStatus`): when a quota changed meanwhile, the
 *   namespace's quotas are read again from etcd and the check is run again on the ones that
 *   failed, at most three times (`remainingRetries`), then the request fails with the conflict.
 *   A dry run checks and charges nothing.
 *
 * Usage the plugin charged for an object that is then not created (a name already taken) stays
 * until the resourcequota controller recalculates the quota, as in Kubernetes.
 */
import { etcdKey, etcdListPrefix, findResource, type ResourceInfo } from '../../src/api/resources.js';
import { checkQuotas, evaluatorFor, handlesUpdate, type QuotaClock } from '../../src/api/quota.js';
import * as S from '../../src/api/status.js';
import type { KubeObject, Status } from '../../src/api/types.js';
import type { EtcdRequest, EtcdResult } from '../protocol.js';
import type { Operation } from './core.js';
import { decode } from './watch-cache.js';

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

const QUOTAS = findResource('resourcequotas')!;
/** `remainingRetries` of the plugin's `checkQuotas`. */
const QUOTA_RETRIES = 3;

/** What the plugin needs of the API server. */
export interface QuotaAdmissionDeps {
  /** The namespace's quotas as the watch cache holds them. */
  quotas(namespace: string): readonly KubeObject[];
  /** The server's virtual clock. */
  clock(): QuotaClock;
  etcd(op: Operation, request: DistributiveOmit<EtcdRequest, 'id' | 'from'>, then: (r: EtcdResult) => void): void;
  finish(op: Operation, code: number, body: KubeObject | Status): void;
  storageError(op: Operation, r: EtcdResult): void;
}

/** The ResourceQuota admission step. */
export class ResourceQuotaAdmission {
  constructor(private readonly deps: QuotaAdmissionDeps) {}

  /**
   * Checks a create (or, with `old`, an update) of `obj` against the namespace's quotas.
   * @returns the Forbidden message, or undefined with `op.quotaCharges` set.
   */
  admit(op: Operation, info: ResourceInfo, obj: KubeObject, namespace: string, old?: KubeObject): string | undefined {
    op.quotaCharges = undefined;
    op.quotaOld = old;
    if (!info.namespaced || info.virtual || !evaluatorFor(info.group, info.plural)) return undefined;
    if (old && !handlesUpdate(info.group, info.plural)) return undefined;
    const quotas = this.deps.quotas(namespace);
    if (quotas.length === 0) return undefined;
    const verdict = checkQuotas(quotas, info.group, info.plural, obj, this.deps.clock(), old);
    if ('refused' in verdict) return verdict.refused;
    if (verdict.charged.length > 0) op.quotaCharges = verdict.charged;
    return undefined;
  }

  /** Writes the quotas a request was charged to, then goes on with `then` (the object's write). */
  charge(op: Operation, info: ResourceInfo, then: () => void, retries = QUOTA_RETRIES): void {
    const charges = op.quotaCharges ?? [];
    if (charges.length === 0 || op.req.query?.dryRun) return then();
    const failed: KubeObject[] = [];
    let pending = charges.length;
    let broken: EtcdResult | undefined;
    const settle = () => {
      if (--pending > 0) return;
      if (broken) return this.deps.storageError(op, broken);
      if (failed.length === 0) {
        op.quotaCharges = undefined;
        return then();
      }
      if (retries <= 0) return this.deps.finish(op, 409, S.conflict(QUOTAS, failed[0]!.metadata!.name!));
      this.recheck(op, info, failed, then, retries - 1);
    };
    for (const quota of charges) {
      const m = quota.metadata!;
      const value = { ...quota, metadata: { ...m } };
      delete value.metadata.resourceVersion;
      this.deps.etcd(op, { type: 'etcd.update', key: etcdKey(QUOTAS, m.namespace, m.name!), value, expectedModRevision: Number(m.resourceVersion) }, (r) => {
        if (!r.ok && (r.error === 'Conflict' || r.error === 'KeyNotFound')) failed.push(quota);
        else if (!r.ok) broken ??= r;
        settle();
      });
    }
  }

  /** The quotas whose update conflicted, read again from etcd and checked again (a quota deleted meanwhile is skipped). */
  private recheck(op: Operation, info: ResourceInfo, failed: readonly KubeObject[], then: () => void, retries: number): void {
    const namespace = failed[0]!.metadata!.namespace!;
    this.deps.etcd(op, { type: 'etcd.range', prefix: etcdListPrefix(QUOTAS, namespace) }, (r) => {
      if (!r.ok) return this.deps.storageError(op, r);
      const names = new Set(failed.map((q) => q.metadata!.name));
      const fresh = r.kvs!.map((kv) => decode(kv)).filter((q) => names.has(q.metadata?.name));
      const verdict = checkQuotas(fresh, info.group, info.plural, op.object!, this.deps.clock(), op.quotaOld);
      if ('refused' in verdict) return this.deps.finish(op, 403, S.forbiddenWithMessage(info, op.object!.metadata?.name, verdict.refused));
      op.quotaCharges = verdict.charged;
      this.charge(op, info, then, retries);
    });
  }
}
