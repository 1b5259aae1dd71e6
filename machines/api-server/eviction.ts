/**
 * The pods/eviction subresource, as kube-apiserver's `EvictionREST.Create`
 * (`pkg/registry/core/pod/storage/eviction.go`): a delete of a pod that honours the
 * PodDisruptionBudgets selecting it.
 *
 * - A pod that is Succeeded, Failed, Pending or already terminating is deleted at once (a Pending
 *   one with a resourceVersion precondition, so it cannot become Ready meanwhile).
 * - Otherwise the budgets of the pod's namespace whose selector matches it are found: more than
 *   one is a 500 (`This pod has more than one PodDisruptionBudget, …`); none, the pod is deleted.
 * - An unready pod is deleted without spending the budget when the budget's
 *   unhealthyPodEvictionPolicy is AlwaysAllow, or (IfHealthyBudget, the default) when the budget
 *   is healthy (currentHealthy ≥ desiredHealthy > 0); the delete then carries a resourceVersion
 *   precondition, and a conflict on it answers 429.
 * - Otherwise `checkAndDecrement`: a budget the disruption controller has not observed yet
 *   (observedGeneration < generation) or with no disruption allowed answers 429 TooManyRequests
 *   with the DisruptionBudget cause; else disruptionsAllowed is decremented and the pod recorded in
 *   status.disruptedPods, through a conditional write of the budget's status (conflicts re-read
 *   the budget and try again, up to `maxRetries`; then 504 Timeout).
 * - Before the delete, the pod gets the DisruptionTarget condition (reason EvictionByEvictionAPI).
 *
 * A dry run (`?dryRun=All` or the Eviction's deleteOptions) runs every check and writes nothing.
 * The Eviction's deleteOptions (gracePeriodSeconds, preconditions, propagationPolicy) are the
 * delete's. The answer is a `Success` Status with code 201.
 */
import { budgetSelectsPod, disruptionAllowedConditions } from '../../src/api/disruption-budget.js';
import { etcdKey, findResource } from '../../src/api/resources.js';
import * as S from '../../src/api/status.js';
import type { KubeObject, Status } from '../../src/api/types.js';
import type { EtcdRequest, EtcdResult, KeyValue } from '../protocol.js';
import type { Operation } from './core.js';
import { decode } from './watch-cache.js';
import { isObject as isJsonObject } from '../../src/api/json-values.js';

type Obj = KubeObject & Record<string, any>;
type DistributiveOmit<T, K extends keyof any> = T extends unknown ? Omit<T, K> : never;

const PODS = findResource('pods')!;
const PDBS = findResource('poddisruptionbudgets')!;

/** `MaxDisruptedPodSize`: budgets with more unconfirmed evictions refuse new ones. */
const MAX_DISRUPTED_POD_SIZE = 2000;
/** `EvictionsRetry.Steps`: how often a conflict is retried. */
const EVICTIONS_RETRY_STEPS = 20;
const VIOLATES = "Cannot evict pod as it would violate the pod's disruption budget.";

/** What the eviction needs of the API server. */
export interface EvictionHost {
  /** Reads an object: the watch cache, or etcd when `fresh` (undefined: not found). */
  read(op: Operation, key: string, fresh: boolean, then: (kv: KeyValue | undefined) => void): void;
  /** An etcd request of the operation (writes are skipped under dry run). */
  etcd(op: Operation, request: DistributiveOmit<EtcdRequest, 'id' | 'from'>, then: (r: EtcdResult) => void): void;
  /** Answers the operation. */
  finish(op: Operation, code: number, body: KubeObject | Status): void;
  /** Runs a pod delete (`req.body` its DeleteOptions) as `DELETE /pods/NAME` does. */
  deletePod(op: Operation): void;
  /** The budgets of a namespace, from the watch cache. */
  budgets(namespace: string): Obj[];
  storageError(op: Operation, r: EtcdResult): void;
  timestamp(): string;
}

const isObject: (v: unknown) => v is Obj = isJsonObject;

/** `podutil.IsPodReady`: the Ready condition is True. */
function isPodReady(pod: Obj): boolean {
  return ((pod.status?.conditions as Obj[] | undefined) ?? []).some((c) => c.type === 'Ready' && c.status === 'True');
}

/** `canIgnorePDB`: terminal, Pending or terminating pods are deleted without looking at budgets. */
function canIgnorePdb(pod: Obj): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed' || phase === 'Pending' || !!pod.metadata?.deletionTimestamp;
}

/** `shouldEnforceResourceVersion`: not for terminal or terminating pods. */
function shouldEnforceResourceVersion(pod: Obj): boolean {
  const phase = pod.status?.phase;
  return !(phase === 'Succeeded' || phase === 'Failed' || pod.metadata?.deletionTimestamp);
}

/** The budgets that select this pod (`getPodDisruptionBudgets`). */
function budgetsForPod(pod: Obj, budgets: readonly Obj[]): Obj[] {
  return budgets.filter((b) => budgetSelectsPod(b, pod));
}

/** 429 with the DisruptionBudget cause. */
function tooManyRequests(cause: string, retryAfterSeconds: number): Status {
  const status = S.tooManyRequests(VIOLATES, retryAfterSeconds);
  return { ...status, details: { ...(status.details ?? {}), causes: [{ reason: 'DisruptionBudget', message: cause }] } };
}

/** `createTooManyRequestsError`: the budget is not processed yet, or the pod raced with readiness. */
function stillProcessing(name: string): Status {
  return tooManyRequests(`The disruption budget ${name} is still being processed by the server.`, 10);
}

/** `checkAndDecrement`: the budget with one disruption spent and the pod recorded, or the refusal. */
function checkAndDecrement(podName: string, pdb: Obj, dryRun: boolean, now: string): { next: Obj } | { error: { code: number; body: Status } } {
  const status = (pdb.status ?? {}) as Obj;
  const name = pdb.metadata!.name!;
  if (((status.observedGeneration as number | undefined) ?? 0) < (pdb.metadata?.generation ?? 0)) return { error: { code: 429, body: stillProcessing(name) } };
  const allowed = (status.disruptionsAllowed as number | undefined) ?? 0;
  if (allowed < 0) return { error: { code: 403, body: S.forbiddenWithMessage(PDBS, name, 'pdb disruptions allowed is negative') } };
  const disrupted = (status.disruptedPods as Record<string, string> | undefined) ?? {};
  if (Object.keys(disrupted).length > MAX_DISRUPTED_POD_SIZE) {
    return { error: { code: 403, body: S.forbiddenWithMessage(PDBS, name, 'DisruptedPods map too big - too many evictions not confirmed by PDB controller') } };
  }
  if (allowed === 0) {
    const cause = `The disruption budget ${name} needs ${status.desiredHealthy ?? 0} healthy pods and has ${status.currentHealthy ?? 0} currently`;
    return { error: { code: 429, body: tooManyRequests(cause, 0) } };
  }
  const nextStatus: Obj = { ...status, disruptionsAllowed: allowed - 1 };
  if (allowed - 1 === 0) nextStatus.conditions = disruptionAllowedConditions(nextStatus, now);
  if (!dryRun) nextStatus.disruptedPods = { ...disrupted, [podName]: now };
  const next: Obj = { ...pdb, status: nextStatus, metadata: { ...pdb.metadata } };
  delete next.metadata!.resourceVersion;
  return { next };
}

/** The eviction subresource's handler. */
export class EvictionRest {
  constructor(private readonly host: EvictionHost) {}

  /** POST pods/NAME/eviction. */
  create(op: Operation): void {
    const { req } = op;
    const body = req.body;
    if (!isObject(body)) return this.host.finish(op, 400, S.badRequest('the body of an eviction must be an Eviction object'));
    const name = isObject(body.metadata) ? body.metadata.name : undefined;
    if (name !== req.name) return this.host.finish(op, 400, S.badRequest('name in URL does not match name in Eviction object'));
    const options: Obj = isObject(body.deleteOptions) ? { ...body.deleteOptions } : {};
    this.start(op, options, false);
  }

  /** The first loop of `Create`: read the pod; delete it at once when its budgets do not matter. */
  private start(op: Operation, options: Obj, fresh: boolean): void {
    const { req } = op;
    this.host.read(op, etcdKey(PODS, req.namespace, req.name!), fresh, (kv) => {
      if (!kv) return this.host.finish(op, 404, S.notFound(PODS, req.name!));
      const pod = decode(kv) as Obj;
      pod.metadata = { ...pod.metadata, resourceVersion: String(kv.modRevision) };
      if (canIgnorePdb(pod)) {
        const rvUnset = resourceVersionOf(options) === undefined;
        const deleteOptions = shouldEnforceResourceVersion(pod) && rvUnset ? withResourceVersion(options, pod.metadata.resourceVersion!) : options;
        return this.addConditionAndDelete(op, pod, deleteOptions, (code, result) => {
          // a conflict retries the whole loop (unless the client set the resourceVersion)
          if (code === 409 && rvUnset && ++op.attempts <= EVICTIONS_RETRY_STEPS) return this.start(op, options, true);
          this.answer(op, code, result);
        });
      }
      const budgets = budgetsForPod(pod, this.host.budgets(req.namespace!));
      if (budgets.length > 1) {
        return this.host.finish(op, 500, { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.', code: 500 });
      }
      if (budgets.length === 0) return this.addConditionAndDelete(op, pod, options, (code, result) => this.answer(op, code, result));
      const pdb = budgets[0]!;
      const pdbName = pdb.metadata!.name!;
      if (!isPodReady(pod)) {
        const st = (pdb.status ?? {}) as Obj;
        const alwaysAllow = pdb.spec?.unhealthyPodEvictionPolicy === 'AlwaysAllow';
        const healthy = ((st.currentHealthy as number | undefined) ?? 0) >= ((st.desiredHealthy as number | undefined) ?? 0) && ((st.desiredHealthy as number | undefined) ?? 0) > 0;
        if (alwaysAllow || healthy) {
          // the unready pod does not count for the budget: delete it unless it became ready meanwhile
          const rvUnset = resourceVersionOf(options) === undefined;
          return this.addConditionAndDelete(op, pod, withResourceVersion(options, pod.metadata.resourceVersion!), (code, result) => {
            if (code === 409 && rvUnset) return this.host.finish(op, 429, stillProcessing(pdbName));
            this.answer(op, code, result);
          });
        }
      }
      this.decrement(op, pod, pdb, options, 0);
    });
  }

  /** The retried verify-and-decrement of the budget, then the delete. */
  private decrement(op: Operation, pod: Obj, pdb: Obj, options: Obj, attempt: number): void {
    const dryRun = op.req.query?.dryRun === true;
    const result = checkAndDecrement(pod.metadata!.name!, pdb, dryRun, this.host.timestamp());
    if ('error' in result) return this.host.finish(op, result.error.code, result.error.body);
    const proceed = () => this.addConditionAndDelete(op, pod, options, (code, body) => this.answer(op, code, body));
    if (dryRun) return proceed();
    const key = etcdKey(PDBS, pdb.metadata!.namespace, pdb.metadata!.name!);
    this.host.etcd(op, { type: 'etcd.update', key, value: result.next, expectedModRevision: Number(pdb.metadata!.resourceVersion) }, (r) => {
      if (r.ok) return proceed();
      if (r.error === 'KeyNotFound') return this.host.finish(op, 404, S.notFound(PDBS, pdb.metadata!.name!));
      if (r.error !== 'Conflict') return this.host.storageError(op, r);
      if (attempt + 1 >= EVICTIONS_RETRY_STEPS) {
        return this.host.finish(op, 504, S.timeout(`couldn't update PodDisruptionBudget "${pdb.metadata!.name}" due to conflicts`, 10));
      }
      // RetryOnConflict: read the budget again and check again
      this.host.read(op, key, true, (kv) => {
        if (!kv) return this.host.finish(op, 404, S.notFound(PDBS, pdb.metadata!.name!));
        const fresh = decode(kv) as Obj;
        fresh.metadata = { ...fresh.metadata, resourceVersion: String(kv.modRevision) };
        this.decrement(op, pod, fresh, options, attempt + 1);
      });
    });
  }

  /**
   * `addConditionAndDeletePod`: the DisruptionTarget condition on the latest pod (checked against
   * the preconditions), then the delete (its resourceVersion precondition moved to the update's).
   */
  private addConditionAndDelete(op: Operation, pod: Obj, options: Obj, done: (code: number, body: KubeObject | Status) => void): void {
    const del = (opts: Obj) => {
      const sub: Operation = {
        req: { ...op.req, verb: 'delete', subresource: undefined, body: opts, query: { ...op.req.query, gracePeriodSeconds: undefined } },
        info: PODS,
        user: op.user,
        warnings: [],
        attempts: 0,
        started: op.started,
        onFinish: done,
      };
      this.host.deletePod(sub);
    };
    if (op.req.query?.dryRun === true) return del(options);
    const key = etcdKey(PODS, pod.metadata!.namespace, pod.metadata!.name!);
    this.host.read(op, key, true, (kv) => {
      if (!kv) return done(404, S.notFound(PODS, pod.metadata!.name!));
      const latest = decode(kv) as Obj;
      const rv = String(kv.modRevision);
      const uid = isObject(options.preconditions) ? (options.preconditions.uid as string | undefined) : undefined;
      if (uid && uid !== latest.metadata?.uid) {
        return done(409, S.conflict(PODS, pod.metadata!.name!, `Operation cannot be fulfilled on pods "${pod.metadata!.name}": the UID in the precondition (${uid}) does not match the UID in record (${latest.metadata?.uid}). The object might have been deleted and then recreated`));
      }
      const wantRv = resourceVersionOf(options);
      if (wantRv !== undefined && wantRv !== rv) {
        return done(409, S.conflict(PODS, pod.metadata!.name!, `Operation cannot be fulfilled on pods "${pod.metadata!.name}": the ResourceVersion in the precondition (${wantRv}) does not match the ResourceVersion in record (${rv}). The object might have been modified`));
      }
      const conditions = [...((latest.status?.conditions as Obj[] | undefined) ?? [])];
      const i = conditions.findIndex((c) => c.type === 'DisruptionTarget');
      const condition: Obj = { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: this.host.timestamp(), reason: 'EvictionByEvictionAPI', message: 'Eviction API: evicting' };
      if (i >= 0 && conditions[i]!.status === 'True') condition.lastTransitionTime = conditions[i]!.lastTransitionTime;
      if (i >= 0) conditions[i] = condition;
      else conditions.push(condition);
      const next: Obj = { ...latest, metadata: { ...latest.metadata }, status: { ...latest.status, conditions } };
      delete next.metadata!.resourceVersion;
      this.host.etcd(op, { type: 'etcd.update', key, value: next, expectedModRevision: kv.modRevision }, (r) => {
        if (!r.ok) {
          if (r.error === 'Conflict') return done(409, S.conflict(PODS, pod.metadata!.name!));
          if (r.error === 'KeyNotFound') return done(404, S.notFound(PODS, pod.metadata!.name!));
          return this.host.storageError(op, r);
        }
        del(wantRv === undefined ? options : withResourceVersion(options, String(r.kv!.modRevision)));
      });
    });
  }

  /** The eviction's answer: Success (201) once the pod is deleted, else the delete's error. */
  private answer(op: Operation, code: number, body: KubeObject | Status): void {
    if (code < 300) return this.host.finish(op, 201, { ...S.success(), code: 201 });
    this.host.finish(op, code, body);
  }
}

function resourceVersionOf(options: Obj): string | undefined {
  const rv = isObject(options.preconditions) ? options.preconditions.resourceVersion : undefined;
  return typeof rv === 'string' && rv !== '' ? rv : undefined;
}

function withResourceVersion(options: Obj, rv: string): Obj {
  return { ...options, preconditions: { ...(isObject(options.preconditions) ? options.preconditions : {}), resourceVersion: rv } };
}
