/**
 * Defaults of the batch kinds and of the ReplicationController, as `pkg/apis/batch/v1/defaults.go`
 * (`SetDefaults_Job`, `SetDefaults_CronJob`) and `pkg/apis/core/v1/defaults.go`
 * (`SetDefaults_ReplicationController`) set them; pod templates get the pod spec defaults.
 */
import { applyPodSpecDefaults } from './defaults.js';
import { isObject } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;

function objAt(parent: Obj, key: string): Obj {
  const v = parent[key];
  if (isObj(v)) return v;
  const fresh: Obj = {};
  parent[key] = fresh;
  return fresh;
}

function defaultPodTemplate(template: unknown): void {
  if (!isObj(template)) return;
  template['spec'] = applyPodSpecDefaults(isObj(template['spec']) ? template['spec'] : {});
}

function templateLabels(spec: Obj): Obj | undefined {
  const template = spec['template'];
  if (!isObj(template) || !isObj(template['metadata'])) return undefined;
  const labels = (template['metadata'])['labels'];
  return isObj(labels) && Object.keys(labels).length > 0 ? labels : undefined;
}

/**
 * `SetDefaults_Job`: completions and parallelism 1 when both are unset (parallelism 1 when only
 * it is), backoffLimit 6, completionMode NonIndexed, suspend false, podReplacementPolicy Failed
 * with a pod failure policy (else TerminatingOrFailed), onPodConditions status True, and the
 * Job's labels from its template when it has none.
 */
export function defaultJob(job: Obj): void {
  const spec = objAt(job, 'spec');
  if (typeof spec['completions'] !== 'number' && typeof spec['parallelism'] !== 'number') {
    spec['completions'] = 1;
    spec['parallelism'] = 1;
  }
  if (typeof spec['parallelism'] !== 'number') spec['parallelism'] = 1;
  if (typeof spec['backoffLimit'] !== 'number') spec['backoffLimit'] = typeof spec['backoffLimitPerIndex'] === 'number' ? 2147483647 : 6;
  if (typeof spec['completionMode'] !== 'string') spec['completionMode'] = 'NonIndexed';
  if (typeof spec['suspend'] !== 'boolean') spec['suspend'] = false;
  const policy = spec['podFailurePolicy'];
  if (isObj(policy) && Array.isArray(policy['rules'])) {
    for (const rule of policy['rules']) {
      if (!isObj(rule) || !Array.isArray(rule['onPodConditions'])) continue;
      for (const p of rule['onPodConditions']) if (isObj(p) && (p['status'] === undefined || p['status'] === '')) p['status'] = 'True';
    }
  }
  if (typeof spec['podReplacementPolicy'] !== 'string') spec['podReplacementPolicy'] = isObj(policy) ? 'Failed' : 'TerminatingOrFailed';
  const labels = templateLabels(spec);
  const meta = objAt(job, 'metadata');
  if (labels && !(isObj(meta['labels']) && Object.keys(meta['labels']).length > 0)) meta['labels'] = { ...labels };
  defaultPodTemplate(spec['template']);
}

/** `SetDefaults_CronJob`: concurrencyPolicy Allow, suspend false, history limits 3 successful and 1 failed; pod template defaults. */
export function defaultCronJob(cj: Obj): void {
  const spec = objAt(cj, 'spec');
  if (typeof spec['concurrencyPolicy'] !== 'string' || spec['concurrencyPolicy'] === '') spec['concurrencyPolicy'] = 'Allow';
  if (typeof spec['suspend'] !== 'boolean') spec['suspend'] = false;
  if (typeof spec['successfulJobsHistoryLimit'] !== 'number') spec['successfulJobsHistoryLimit'] = 3;
  if (typeof spec['failedJobsHistoryLimit'] !== 'number') spec['failedJobsHistoryLimit'] = 1;
  const jt = spec['jobTemplate'];
  if (isObj(jt) && isObj(jt['spec'])) defaultPodTemplate((jt['spec'])['template']);
}

/** `SetDefaults_ReplicationController`: selector and labels from the template's labels, replicas 1. */
export function defaultReplicationController(rc: Obj): void {
  const spec = objAt(rc, 'spec');
  const labels = templateLabels(spec);
  if (labels) {
    if (!isObj(spec['selector']) || Object.keys(spec['selector']).length === 0) spec['selector'] = { ...labels };
    const meta = objAt(rc, 'metadata');
    if (!isObj(meta['labels']) || Object.keys(meta['labels']).length === 0) meta['labels'] = { ...labels };
  }
  if (typeof spec['replicas'] !== 'number') spec['replicas'] = 1;
  defaultPodTemplate(spec['template']);
}
