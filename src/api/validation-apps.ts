/**
 * Validation of the apps/v1 kinds beyond Deployment and ReplicaSet, after
 * `pkg/apis/apps/validation/validation.go`: DaemonSet (`ValidateDaemonSetSpec`,
 * `ValidateDaemonSetUpdateStrategy`), StatefulSet (`ValidateStatefulSetSpec`,
 * `ValidateStatefulSetUpdate`) and ControllerRevision (`ValidateControllerRevision`,
 * `ValidateControllerRevisionUpdate`). Fields kube-actors does not implement are refused here
 * with a clear message, never accepted and ignored.
 */
import type { AnyObject } from './types.js';
import { fieldError, GoValue } from './status.js';
import { goIntOrString, intOrPercentValue, validateIntOrPercent } from './validation.js';
import { validatePodSpec } from './validation-core.js';
import { goLabelSelector, nonNegative, specSelector, validateAnnotations, validateLabels, validateLabelSelector, validateSelectorMatchesTemplate, type Causes } from './validation-meta.js';
import { validateClaimTemplateSpec } from './validation-storage.js';
import { isObject, semanticEqual } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Selector and template checks shared by DaemonSet and StatefulSet (`ValidatePodTemplateSpecForReplicaSet` and the selector rules). */
function validateSelectorAndTemplate(c: Causes, spec: Obj, kind: 'DaemonSet' | 'StatefulSet'): void {
  const claimVolumes = kind === 'StatefulSet' ? arr(spec['volumeClaimTemplates']).map((t) => (isObj(t) && isObj(t['metadata']) ? t['metadata']['name'] : undefined)).filter((n): n is string => typeof n === 'string') : [];
  const sel = spec['selector'];
  if (sel === undefined || sel === null) c.push(fieldError.required('spec.selector'));
  else if (isObj(sel)) {
    validateLabelSelector(c, sel, 'spec.selector');
    const n = (isObj(sel['matchLabels']) ? Object.keys(sel['matchLabels']).length : 0) + arr(sel['matchExpressions']).length;
    if (n === 0) c.push(fieldError.invalid('spec.selector', goLabelSelector(sel), `empty selector is invalid for ${kind.toLowerCase()}`));
  }
  // the template is checked against the selector only when it converts (LabelSelectorAsSelector);
  // when it does not, ValidateStatefulSetSpec reports spec.selector with no detail, ValidateDaemonSetSpec nothing more
  const selector = specSelector(sel);
  if (!selector && kind === 'StatefulSet') c.push(fieldError.invalid('spec.selector', isObj(sel) ? goLabelSelector(sel) : sel));
  const template = spec['template'];
  if (!isObj(template)) {
    c.push(fieldError.required('spec.template'));
    return;
  }
  const tmeta = isObj(template['metadata']) ? template['metadata'] : {};
  const tlabels = isObj(tmeta['labels']) ? (tmeta['labels'] as Record<string, string>) : undefined;
  if (selector) validateSelectorMatchesTemplate(c, selector, tlabels, 'spec.template.metadata.labels');
  validateLabels(c, tmeta['labels'], 'spec.template.metadata.labels');
  validateAnnotations(c, tmeta['annotations'], 'spec.template.metadata.annotations');
  const tspec = template['spec'];
  validatePodSpec(c, tspec, 'spec.template.spec', claimVolumes);
  if (isObj(tspec)) {
    const rp = tspec['restartPolicy'];
    if (typeof rp === 'string' && rp !== 'Always' && ['OnFailure', 'Never'].includes(rp)) c.push(fieldError.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
    if (tspec['activeDeadlineSeconds'] !== undefined && tspec['activeDeadlineSeconds'] !== null) {
      c.push(fieldError.invalid('spec.template.spec.activeDeadlineSeconds', tspec['activeDeadlineSeconds'], `activeDeadlineSeconds in ${kind} is not Supported`));
    }
  }
}

function validateDaemonSet(c: Causes, ds: AnyObject): void {
  const spec = isObj(ds['spec']) ? ds['spec'] : undefined;
  if (!spec) {
    c.push(fieldError.required('spec.selector'));
    return;
  }
  validateSelectorAndTemplate(c, spec, 'DaemonSet');
  nonNegative(c, spec['minReadySeconds'], 'spec.minReadySeconds');
  nonNegative(c, spec['templateGeneration'], 'spec.templateGeneration');
  nonNegative(c, spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit');
  const strategy = isObj(spec['updateStrategy']) ? spec['updateStrategy'] : {};
  const type = strategy['type'];
  const ru = strategy['rollingUpdate'];
  if (type === 'RollingUpdate') {
    if (!isObj(ru)) c.push(fieldError.required('spec.updateStrategy.rollingUpdate', ''));
    else {
      const mu = ru['maxUnavailable'];
      const ms = ru['maxSurge'];
      validateIntOrPercent(c, mu, 'spec.updateStrategy.rollingUpdate.maxUnavailable');
      validateIntOrPercent(c, ms, 'spec.updateStrategy.rollingUpdate.maxSurge');
      for (const [k, v] of [['maxUnavailable', mu], ['maxSurge', ms]] as const) {
        if (typeof v === 'string' && intOrPercentValue(v) > 100) c.push(fieldError.invalid(`spec.updateStrategy.rollingUpdate.${k}`, v, 'must not be greater than 100%'));
      }
      const hasUnavailable = intOrPercentValue(mu ?? 0) !== 0;
      const hasSurge = intOrPercentValue(ms ?? 0) !== 0;
      if (hasUnavailable && hasSurge) c.push(fieldError.invalid('spec.updateStrategy.rollingUpdate.maxSurge', goIntOrString(ms), 'may not be set when maxUnavailable is non-zero'));
      else if (!hasUnavailable && !hasSurge) c.push(fieldError.required('spec.updateStrategy.rollingUpdate.maxUnavailable', 'cannot be 0 when maxSurge is 0'));
    }
  } else if (type !== 'OnDelete') {
    c.push(fieldError.notSupported('spec.updateStrategy', new GoValue(`apps.DaemonSetUpdateStrategy{Type:${JSON.stringify(type ?? '')}}`), ['RollingUpdate', 'OnDelete']));
  }
}

const POD_MANAGEMENT = ['OrderedReady', 'Parallel'];
const RETENTION = ['Retain', 'Delete'];

function validateStatefulSet(c: Causes, sts: AnyObject): void {
  const spec = isObj(sts['spec']) ? sts['spec'] : undefined;
  if (!spec) {
    c.push(fieldError.required('spec.selector'));
    return;
  }
  const pmp = spec['podManagementPolicy'];
  if (pmp === undefined || pmp === '') c.push(fieldError.required('spec.podManagementPolicy', ''));
  else if (!POD_MANAGEMENT.includes(pmp as string)) c.push(fieldError.invalid('spec.podManagementPolicy', pmp, `must be 'OrderedReady' or 'Parallel'`));
  const strategy = isObj(spec['updateStrategy']) ? spec['updateStrategy'] : {};
  const type = strategy['type'];
  const ru = strategy['rollingUpdate'];
  if (type === undefined || type === '') c.push(fieldError.required('spec.updateStrategy', ''));
  else if (type === 'OnDelete') {
    if (ru !== undefined && ru !== null) c.push(fieldError.invalid('spec.updateStrategy.rollingUpdate', new GoValue('apps.RollingUpdateStatefulSetStrategy'), "only allowed for updateStrategy 'RollingUpdate'"));
  } else if (type === 'RollingUpdate') {
    if (isObj(ru)) {
      nonNegative(c, ru['partition'], 'spec.updateStrategy.rollingUpdate.partition');
      if (ru['maxUnavailable'] !== undefined && ru['maxUnavailable'] !== null) {
        // the MaxUnavailableStatefulSet feature gate is alpha and off: kube-actors refuses the field rather than ignore it
        c.push(fieldError.forbidden('spec.updateStrategy.rollingUpdate.maxUnavailable', 'not supported by kube-actors (the MaxUnavailableStatefulSet feature gate is off)'));
      }
    }
  } else c.push(fieldError.invalid('spec.updateStrategy', type, "must be 'RollingUpdate' or 'OnDelete'"));
  const retention = spec['persistentVolumeClaimRetentionPolicy'];
  if (isObj(retention)) {
    for (const k of ['whenDeleted', 'whenScaled']) {
      const v = retention[k];
      if (v !== undefined && !RETENTION.includes(v as string)) c.push(fieldError.notSupported(`spec.persistentVolumeClaimRetentionPolicy.${k}`, v, RETENTION));
    }
  }
  nonNegative(c, spec['replicas'], 'spec.replicas');
  nonNegative(c, spec['minReadySeconds'], 'spec.minReadySeconds');
  nonNegative(c, spec['revisionHistoryLimit'], 'spec.revisionHistoryLimit');
  const ordinals = spec['ordinals'];
  if (isObj(ordinals)) nonNegative(c, ordinals['start'], 'spec.ordinals.start');
  validateSelectorAndTemplate(c, spec, 'StatefulSet');
  const names = new Set<string>();
  arr(spec['volumeClaimTemplates']).forEach((t, i) => {
    if (!isObj(t)) return;
    const p = `spec.volumeClaimTemplates[${i}]`;
    const name = isObj(t['metadata']) ? t['metadata']['name'] : undefined;
    if (typeof name !== 'string' || name === '') c.push(fieldError.required(`${p}.metadata.name`));
    else if (names.has(name)) c.push(fieldError.duplicate(`${p}.metadata.name`, name));
    else names.add(name);
    validateClaimTemplateSpec(c, t['spec'], `${p}.spec`);
  });
}

/** The fields of a StatefulSet's spec an update may change (`ValidateStatefulSetUpdate`). */
const STS_MUTABLE = ['replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy', 'minReadySeconds', 'revisionHistoryLimit'];

/** Create-time checks of a DaemonSet, StatefulSet or ControllerRevision. */
export function validateAppsKind(c: Causes, kind: string, obj: AnyObject): void {
  if (kind === 'DaemonSet') validateDaemonSet(c, obj);
  else if (kind === 'StatefulSet') validateStatefulSet(c, obj);
  else if (kind === 'ControllerRevision') {
    if (obj['data'] === undefined || obj['data'] === null) c.push(fieldError.required('data'));
    nonNegative(c, obj['revision'], 'revision');
  }
}

/** Update-only checks (immutable fields) of a DaemonSet, StatefulSet or ControllerRevision. */
export function validateAppsUpdate(c: Causes, kind: string, next: AnyObject, prev: AnyObject): void {
  const spec = isObj(next['spec']) ? next['spec'] : {};
  const old = isObj(prev['spec']) ? prev['spec'] : {};
  if (kind === 'DaemonSet') {
    if (old['selector'] !== undefined && !semanticEqual(spec['selector'], old['selector'])) {
      c.push(fieldError.invalid('spec.selector', isObj(spec['selector']) ? goLabelSelector(spec['selector']) : null, 'field is immutable'));
    }
  } else if (kind === 'StatefulSet') {
    const a: Obj = { ...spec };
    const b: Obj = { ...old };
    for (const k of STS_MUTABLE) {
      delete a[k];
      delete b[k];
    }
    if (!semanticEqual(a, b)) {
      c.push(
        fieldError.forbidden(
          'spec',
          "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'revisionHistoryLimit', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden",
        ),
      );
    }
  } else if (kind === 'ControllerRevision') {
    if (!semanticEqual(next['data'], prev['data'])) c.push(fieldError.invalid('data', new GoValue('runtime.RawExtension'), 'field is immutable'));
  }
}
