/**
 * Validation of the batch kinds (Job, CronJob) and of the ReplicationController, after
 * `pkg/apis/batch/validation` and `pkg/apis/core/validation` (ValidateReplicationController):
 * the same fields, rules and messages. The fields of these kinds that kube-actors does not
 * implement (`backoffLimitPerIndex`, `maxFailedIndexes`, `successPolicy`) are refused with a
 * Forbidden cause naming the field, never accepted and ignored.
 */
import { fieldError, GoValue } from './status.js';
import { parseCronSchedule, isKnownTimeZone } from './cron.js';
import { validatePodSpec } from './validation-core.js';
import { goLabelSelector, nonNegative, specSelector, validateAnnotations, validateLabels, validateLabelSelector, validateSelectorMatchesTemplate, type Causes } from './validation-meta.js';
import { isObject, semanticEqual } from './json-values.js';
import { selectorFromSet } from './selectors.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' ? v : undefined);
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const present = (v: unknown): boolean => v !== undefined && v !== null;

/** `maxParallelismForIndexedJob` / `maxCompletionsForIndexedJob` of the real validation. */
const MAX_INDEXED_COMPLETIONS = 100_000;
/** Most pod failure policy rules (`maxPodFailurePolicyRules`). */
const MAX_POD_FAILURE_POLICY_RULES = 20;
/** Longest CronJob name: a Job name is the CronJob's plus `-` and 11 digits (`validateCronJobName`). */
const MAX_CRONJOB_NAME_LENGTH = 52;

const NOT_IMPLEMENTED = 'is not implemented by kube-actors';
const UNSUPPORTED_JOB_FIELDS = ['backoffLimitPerIndex', 'maxFailedIndexes', 'successPolicy'] as const;
const POLICY_ACTIONS = ['Count', 'FailIndex', 'FailJob', 'Ignore'];
const CONCURRENCY_POLICIES = ['Allow', 'Forbid', 'Replace'];
const COMPLETION_MODES = ['NonIndexed', 'Indexed'];
const REPLACEMENT_POLICIES = ['Failed', 'TerminatingOrFailed'];

function validateTemplateMeta(c: Causes, template: Obj, path: string): void {
  const meta = isObj(template['metadata']) ? template['metadata'] : {};
  validateLabels(c, meta['labels'], `${path}.metadata.labels`);
  validateAnnotations(c, meta['annotations'], `${path}.metadata.annotations`);
}

function validatePodFailurePolicy(c: Causes, policy: unknown, spec: Obj, path: string): void {
  if (!isObj(policy)) return;
  const rules = arr(policy['rules']);
  const p = `${path}.podFailurePolicy.rules`;
  if (rules.length > MAX_POD_FAILURE_POLICY_RULES) c.push(fieldError.tooMany(p, rules.length, MAX_POD_FAILURE_POLICY_RULES));
  const template = isObj(spec['template']) ? spec['template'] : {};
  const tspec = isObj(template['spec']) ? template['spec'] : {};
  const restart = str(tspec['restartPolicy']);
  if (restart !== undefined && restart !== 'Never') {
    c.push(fieldError.invalid(`${path}.template.spec.restartPolicy`, restart, 'only "Never" is supported when podFailurePolicy is specified'));
  }
  rules.forEach((rule, i) => {
    if (!isObj(rule)) return;
    const rp = `${p}[${i}]`;
    const action = str(rule['action']) ?? '';
    if (action === '') c.push(fieldError.required(`${rp}.action`));
    else if (!POLICY_ACTIONS.includes(action)) c.push(fieldError.notSupported(`${rp}.action`, action, POLICY_ACTIONS));
    else if (action === 'FailIndex' && !present(spec['backoffLimitPerIndex'])) c.push(fieldError.invalid(`${rp}.action`, action, 'requires the backoffLimitPerIndex to be set'));
    const onExit = rule['onExitCodes'];
    const onConds = arr(rule['onPodConditions']);
    if (present(onExit) === (onConds.length > 0)) {
      c.push(fieldError.required(rp, 'specifying one of OnExitCodes and OnPodConditions is required'));
    }
    if (isObj(onExit)) {
      const ep = `${rp}.onExitCodes`;
      const op = str(onExit['operator']) ?? '';
      if (op !== 'In' && op !== 'NotIn') c.push(fieldError.notSupported(`${ep}.operator`, op, ['In', 'NotIn']));
      const values = arr(onExit['values']);
      if (values.length === 0) c.push(fieldError.invalid(`${ep}.values`, values, 'at least one value is required'));
      if (values.length > 255) c.push(fieldError.tooMany(`${ep}.values`, values.length, 255));
      let prev: number | undefined;
      const seen = new Set<number>();
      values.forEach((v, j) => {
        if (typeof v !== 'number') return;
        if (seen.has(v)) c.push(fieldError.duplicate(`${ep}.values[${j}]`, v));
        seen.add(v);
        if (op === 'In' && v === 0) c.push(fieldError.invalid(`${ep}.values[${j}]`, v, 'must not be 0 for the In operator'));
        if (prev !== undefined && prev > v) c.push(fieldError.invalid(`${ep}.values`, values, 'must be ordered'));
        prev = v;
      });
      const name = onExit['containerName'];
      if (typeof name === 'string') {
        const names = [...arr(tspec['containers']), ...arr(tspec['initContainers'])].map((x) => (isObj(x) ? x['name'] : undefined));
        if (!names.includes(name)) c.push(fieldError.invalid(`${ep}.containerName`, name, 'must be one of the container or initContainer names in the pod template'));
      }
    }
    onConds.forEach((cond, j) => {
      if (!isObj(cond)) return;
      const cp = `${rp}.onPodConditions[${j}]`;
      const status = str(cond['status']) ?? '';
      if (!['True', 'False', 'Unknown'].includes(status)) c.push(fieldError.notSupported(`${cp}.status`, status, ['True', 'False', 'Unknown']));
      if (!str(cond['type'])) c.push(fieldError.required(`${cp}.type`));
    });
  });
}

/**
 * `ValidateJobSpec` (and, for a CronJob's `jobTemplate`, `validateJobTemplateSpec`, where the
 * selector is not required): counts non-negative, `Indexed` needs `completions`, the template's
 * restartPolicy is OnFailure or Never, the selector matches the template's labels, the pod
 * failure policy's rules, and the fields kube-actors does not implement are refused.
 */
export function validateJobSpec(c: Causes, spec: unknown, path: string, inTemplate: boolean): void {
  if (!isObj(spec)) {
    c.push(fieldError.required(`${path}.template`));
    return;
  }
  nonNegative(c, spec['parallelism'], `${path}.parallelism`);
  nonNegative(c, spec['completions'], `${path}.completions`);
  nonNegative(c, spec['activeDeadlineSeconds'], `${path}.activeDeadlineSeconds`);
  nonNegative(c, spec['backoffLimit'], `${path}.backoffLimit`);
  nonNegative(c, spec['ttlSecondsAfterFinished'], `${path}.ttlSecondsAfterFinished`);
  for (const f of UNSUPPORTED_JOB_FIELDS) if (present(spec[f])) c.push(fieldError.forbidden(`${path}.${f}`, NOT_IMPLEMENTED));
  const mode = spec['completionMode'];
  if (typeof mode === 'string') {
    if (!COMPLETION_MODES.includes(mode)) c.push(fieldError.notSupported(`${path}.completionMode`, mode, COMPLETION_MODES));
    else if (mode === 'Indexed') {
      const completions = num(spec['completions']);
      if (completions === undefined) c.push(fieldError.required(`${path}.completions`, 'when completion mode is Indexed'));
      else if (completions > MAX_INDEXED_COMPLETIONS) {
        c.push(fieldError.invalid(`${path}.completions`, completions, `must be less than or equal to ${MAX_INDEXED_COMPLETIONS} when completion mode is Indexed`));
      }
    }
  }
  const replacement = spec['podReplacementPolicy'];
  if (typeof replacement === 'string') {
    if (!REPLACEMENT_POLICIES.includes(replacement)) c.push(fieldError.notSupported(`${path}.podReplacementPolicy`, replacement, REPLACEMENT_POLICIES));
    else if (present(spec['podFailurePolicy']) && replacement !== 'Failed') {
      c.push(fieldError.notSupported(`${path}.podReplacementPolicy`, replacement, ['Failed']));
    }
  }
  const managedBy = spec['managedBy'];
  if (typeof managedBy === 'string' && managedBy.length > 63) c.push(fieldError.tooLong(`${path}.managedBy`, 63));
  const sel = spec['selector'];
  if (!present(sel)) {
    if (!inTemplate) c.push(fieldError.required(`${path}.selector`));
  } else if (inTemplate) {
    // validateJobTemplateSpec: a job template always has its selector generated
    c.push(fieldError.invalid(`${path}.selector`, isObj(sel) ? goLabelSelector(sel) : sel, '`selector` will be auto-generated'));
  } else if (isObj(sel)) {
    validateLabelSelector(c, sel, `${path}.selector`);
  }
  const template = spec['template'];
  if (!isObj(template)) {
    c.push(fieldError.required(`${path}.template`));
    return;
  }
  validateTemplateMeta(c, template, `${path}.template`);
  const tmeta = isObj(template['metadata']) ? template['metadata'] : {};
  const tlabels = isObj(tmeta['labels']) ? (tmeta['labels'] as Record<string, string>) : undefined;
  // ValidateJobSpec: whether manual or generated, the selector (once it converts) must match the
  // pods' labels; a job template's selector is generated later (validateJobTemplateSpec checks none)
  const selector = inTemplate ? undefined : specSelector(sel);
  if (selector) validateSelectorMatchesTemplate(c, selector, tlabels, `${path}.template.metadata.labels`);
  const tspec = template['spec'];
  validatePodSpec(c, tspec, `${path}.template.spec`);
  if (isObj(tspec)) {
    const rp = tspec['restartPolicy'];
    if (typeof rp === 'string' && rp !== 'OnFailure' && rp !== 'Never' && rp !== '') {
      c.push(fieldError.notSupported(`${path}.template.spec.restartPolicy`, rp, ['OnFailure', 'Never']));
    }
  }
  validatePodFailurePolicy(c, spec['podFailurePolicy'], spec, path);
}

/** The Job's generated selector must be the one the API server generated (`ValidateGeneratedSelector`). */
export function validateGeneratedSelector(c: Causes, job: Obj): void {
  const spec = isObj(job['spec']) ? job['spec'] : {};
  if (spec['manualSelector'] === true) return;
  const meta = isObj(job['metadata']) ? job['metadata'] : {};
  const uid = str(meta['uid']);
  if (!uid) return;
  const sel = spec['selector'];
  if (!isObj(sel)) return;
  const ml = isObj(sel['matchLabels']) ? sel['matchLabels'] : {};
  if (ml['batch.kubernetes.io/controller-uid'] !== uid || arr(sel['matchExpressions']).length > 0 || Object.keys(ml).length !== 1) {
    c.push(fieldError.invalid('spec.selector', goLabelSelector(sel), '`selector` not auto-generated'));
  }
  const template = isObj(spec['template']) ? spec['template'] : {};
  const labels = isObj(template['metadata']) && isObj((template['metadata'])['labels']) ? ((template['metadata'])['labels']) : {};
  if (labels['batch.kubernetes.io/controller-uid'] !== uid) {
    c.push(fieldError.invalid('spec.template.metadata.labels', labels, '`selector` does not match template `labels`'));
  }
}

/** `ValidateCronJobSpec`: schedule (standard cron syntax, no TZ inside), timeZone, policies, limits, and the job template. */
export function validateCronJob(c: Causes, cj: Obj): void {
  const meta = isObj(cj['metadata']) ? cj['metadata'] : {};
  const name = str(meta['name']);
  if (name && name.length > MAX_CRONJOB_NAME_LENGTH) c.push(fieldError.invalid('metadata.name', name, `must be no more than ${MAX_CRONJOB_NAME_LENGTH} characters`));
  const spec = isObj(cj['spec']) ? cj['spec'] : {};
  const schedule = str(spec['schedule']);
  if (!schedule) c.push(fieldError.required('spec.schedule'));
  else if (/(^|\s)(CRON_)?TZ=/.test(schedule)) c.push(fieldError.invalid('spec.schedule', schedule, 'cannot use TZ or CRON_TZ in schedule, use timeZone field instead'));
  else {
    const problem = parseCronSchedule(schedule).error;
    if (problem) c.push(fieldError.invalid('spec.schedule', schedule, problem));
  }
  const tz = spec['timeZone'];
  if (typeof tz === 'string') {
    if (tz === '' || tz === 'Local' || !isKnownTimeZone(tz)) c.push(fieldError.invalid('spec.timeZone', tz, `unknown time zone ${tz}`));
  }
  const policy = spec['concurrencyPolicy'];
  if (typeof policy === 'string' && !CONCURRENCY_POLICIES.includes(policy)) c.push(fieldError.notSupported('spec.concurrencyPolicy', policy, CONCURRENCY_POLICIES));
  else if (policy === undefined) c.push(fieldError.required('spec.concurrencyPolicy'));
  nonNegative(c, spec['startingDeadlineSeconds'], 'spec.startingDeadlineSeconds');
  nonNegative(c, spec['successfulJobsHistoryLimit'], 'spec.successfulJobsHistoryLimit');
  nonNegative(c, spec['failedJobsHistoryLimit'], 'spec.failedJobsHistoryLimit');
  const jt = spec['jobTemplate'];
  if (!isObj(jt)) {
    c.push(fieldError.required('spec.jobTemplate'));
    return;
  }
  const jmeta = isObj(jt['metadata']) ? jt['metadata'] : {};
  validateLabels(c, jmeta['labels'], 'spec.jobTemplate.metadata.labels');
  validateAnnotations(c, jmeta['annotations'], 'spec.jobTemplate.metadata.annotations');
  validateJobSpec(c, jt['spec'], 'spec.jobTemplate.spec', true);
}

/** `ValidateReplicationControllerSpec`: non-empty selector matching the template's labels, restartPolicy Always. */
export function validateReplicationControllerSpec(c: Causes, spec: unknown): void {
  if (!isObj(spec)) {
    c.push(fieldError.required('spec.selector'));
    return;
  }
  nonNegative(c, spec['replicas'], 'spec.replicas');
  nonNegative(c, spec['minReadySeconds'], 'spec.minReadySeconds');
  const selector = isObj(spec['selector']) ? (spec['selector'] as Record<string, string>) : {};
  if (Object.keys(selector).length === 0) c.push(fieldError.required('spec.selector'));
  else validateLabels(c, selector, 'spec.selector');
  const template = spec['template'];
  if (!isObj(template)) {
    c.push(fieldError.required('spec.template'));
    return;
  }
  validateTemplateMeta(c, template, 'spec.template');
  const tmeta = isObj(template['metadata']) ? template['metadata'] : {};
  const labels = isObj(tmeta['labels']) ? (tmeta['labels'] as Record<string, string>) : {};
  // ValidateReplicationControllerSpec: labels.Set(spec.Selector).AsSelector() must match the template's labels
  if (Object.keys(selector).length > 0) validateSelectorMatchesTemplate(c, selectorFromSet(selector), labels, 'spec.template.metadata.labels');
  const tspec = template['spec'];
  validatePodSpec(c, tspec, 'spec.template.spec');
  if (isObj(tspec)) {
    const rp = tspec['restartPolicy'];
    if (typeof rp === 'string' && rp !== 'Always' && (rp === 'OnFailure' || rp === 'Never')) c.push(fieldError.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
    if (present(tspec['activeDeadlineSeconds'])) {
      c.push(fieldError.invalid('spec.template.spec.activeDeadlineSeconds', tspec['activeDeadlineSeconds'], 'activeDeadlineSeconds in ReplicationController is not Supported'));
    }
  }
}

/** Update rules of a Job (`ValidateJobSpecUpdate`): selector, completionMode, podFailurePolicy immutable; the template only while suspended. */
export function validateJobUpdate(c: Causes, spec: Obj, old: Obj): void {
  if (!semanticEqual(spec['selector'], old['selector'])) c.push(fieldError.invalid('spec.selector', isObj(spec['selector']) ? goLabelSelector(spec['selector']) : null, 'field is immutable'));
  if (spec['completionMode'] !== old['completionMode']) c.push(fieldError.invalid('spec.completionMode', spec['completionMode'] ?? null, 'field is immutable'));
  if (!semanticEqual(spec['podFailurePolicy'], old['podFailurePolicy'])) c.push(fieldError.invalid('spec.podFailurePolicy', new GoValue('podFailurePolicy'), 'field is immutable'));
  if (spec['managedBy'] !== old['managedBy']) c.push(fieldError.invalid('spec.managedBy', spec['managedBy'] ?? null, 'field is immutable'));
  const elastic = spec['completionMode'] === 'Indexed' && spec['completions'] === spec['parallelism'] && old['completions'] === old['parallelism'];
  if (spec['completions'] !== old['completions'] && !elastic) c.push(fieldError.invalid('spec.completions', spec['completions'] ?? null, 'field is immutable'));
  if (!semanticEqual(spec['template'], old['template']) && !(old['suspend'] === true)) {
    c.push(fieldError.invalid('spec.template', new GoValue('core.PodTemplateSpec{...}'), 'field is immutable'));
  }
}
