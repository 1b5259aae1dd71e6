/**
 * Server-side validation of objects, as the real API server validates them on create and update.
 *
 * Three layers:
 * 1. the JSON schema from kubernetes-models (types, enums, required properties), turned into
 *    field causes with dotted paths (`spec.containers[0].image`) (validation-schema.ts);
 * 2. hand-written checks the schema misses, following `pkg/apis/core/validation`,
 *    `pkg/apis/apps/validation`, `pkg/apis/coordination/validation` and `pkg/apis/rbac/validation`
 *    (names, DNS rules, containers, resources, selectors, strategies, ports, taints, update rules);
 * 3. unknown fields (`fieldValidation=Strict|Warn|Ignore`), found by walking a tree of known
 *    properties that is learned once per kind from the schema validators themselves
 *    (validation-schema.ts).
 *
 * Validation runs after defaulting, as on a real server: call `applyDefaults` first.
 */
import type { AnyObject, KubeObject, Status, StatusCause } from './types.js';
import { validateEndpointSlice, validateEndpointSliceUpdate } from './validation-discovery.js';
import { validateAppsKind, validateAppsUpdate } from './validation-apps.js';
import { validateStorageKind, validateStorageUpdate } from './validation-storage.js';
import { validateIngress, validateIngressClass, validateIngressClassUpdate, validateNetworkPolicy } from './validation-networking.js';
import { legacyValidateEvent } from './validation-events.js';
import { validateLimitRange } from './limit-range.js';
import { validateHorizontalPodAutoscaler } from './autoscaling.js';
import { validatePodDisruptionBudget, validatePodDisruptionBudgetStatus } from './validation-policy.js';
import { validateResourceQuota, validateResourceQuotaStatus, validateResourceQuotaUpdate } from './validation-quota.js';
import { validateCronJob, validateGeneratedSelector, validateJobSpec, validateJobUpdate, validateReplicationControllerSpec } from './batch-validation.js';
import { HIGHEST_USER_DEFINABLE_PRIORITY, knownSystemPriorityClassError } from './priority.js';
import { resourceForKind, type ResourceInfo } from './resources.js';
import { fieldError, GoValue, invalid, strictDecodingError } from './status.js';
import { isDNS1123Subdomain, nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment, regexError, type NameValidator } from './names.js';
import { semanticEqual } from './json-values.js';
import { type AjvError, runSchema, SCHEMA_FNS, schemaCauses, unknownFieldsOf, withTypeMeta } from './validation-schema.js';
import { arr, type Causes, goLabelSelector, immutable, isObj, NEGATIVE, nonNegative, num, type Obj, specSelector, str, validateAnnotations, validateLabels, validateLabelSelector, validateMetaUpdate, validateObjectMeta, validateSelectorMatchesTemplate } from './validation-meta.js';
import { RESTART_POLICIES, validateConfigData, validateEndpoints, validateNamespace, validateNode, validatePodEphemeralContainersUpdate, validatePodSpec, validatePodUpdate, validateServiceSpec } from './validation-core.js';

/** How unknown fields are treated, as the `fieldValidation` query parameter. */
export type FieldValidation = 'Strict' | 'Warn' | 'Ignore';

/** Options of {@link validateObject}. */
export interface ValidateOptions {
  /** `create` or `update` (updates also check immutable fields against `old`). */
  operation: 'create' | 'update';
  /** The stored object, for updates. */
  old?: KubeObject;
  /** Unknown-field handling; the real server's default is `Warn`. */
  fieldValidation?: FieldValidation;
  /** The resource, when the object may lack apiVersion/kind (clients that post bare bodies). */
  resource?: ResourceInfo;
  /** Subresource being written (`status`: spec immutability is not checked, the store keeps the old spec). */
  subresource?: string;
}

/** What {@link validateObject} found. */
export interface ValidationResult {
  /** Field errors; empty when the object is valid. Build the 422 with {@link validationStatus}. */
  causes: StatusCause[];
  /** Warnings for the `Warning: 299 - "..."` header (`unknown field "spec.foo"` under Warn). */
  warnings: string[];
  /**
   * Unknown fields in dotted form (`spec.foo`), reported only under `Strict`: the server answers
   * 400 (see {@link unknownFieldsStatus}) before looking at `causes`.
   */
  unknownFields: string[];
}

// --- workloads

/** @internal shared with the per-group validation files. */
export function validateIntOrPercent(c: Causes, v: unknown, path: string): void {
  if (typeof v === 'string') {
    if (!/^[0-9]+%$/.test(v)) {
      c.push(
        fieldError.invalid(path, goIntOrString(v), regexError("a valid percent string must be a numeric string followed by an ending '%'", '[0-9]+%', '1%', '93%')),
      );
    }
  } else if (typeof v === 'number') {
    if (v < 0) c.push(fieldError.invalid(path, v, NEGATIVE));
  }
}

/** @internal shared with the per-group validation files. */
export function goIntOrString(v: unknown): GoValue {
  return typeof v === 'number'
    ? new GoValue(`intstr.IntOrString{Type:0, IntVal:${v}, StrVal:""}`)
    : new GoValue(`intstr.IntOrString{Type:1, IntVal:0, StrVal:${JSON.stringify(v ?? '')}}`);
}

/** @internal shared with the per-group validation files. */
export function intOrPercentValue(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && /^[0-9]+%$/.test(v)) return Number(v.slice(0, -1));
  return -1;
}

/** @internal shared with the per-group validation files (batch-validation.ts). */
function validateReplicatedSpec(c: Causes, spec: Obj, kind: 'Deployment' | 'ReplicaSet'): void {
  nonNegative(c, spec['replicas'], 'spec.replicas');
  nonNegative(c, spec['minReadySeconds'], 'spec.minReadySeconds');
  const sel = spec['selector'];
  if (sel === undefined || sel === null) {
    c.push(fieldError.required('spec.selector'));
  } else if (isObj(sel)) {
    validateLabelSelector(c, sel, 'spec.selector');
    const n = (isObj(sel['matchLabels']) ? Object.keys(sel['matchLabels']).length : 0) + arr(sel['matchExpressions']).length;
    if (n === 0) c.push(fieldError.invalid('spec.selector', goLabelSelector(sel), 'empty selector is invalid for deployment'));
  }
  // ValidateDeploymentSpec / ValidateReplicaSetSpec: the template is checked against the selector only when it converts
  const selector = specSelector(sel);
  if (!selector) c.push(fieldError.invalid('spec.selector', isObj(sel) ? goLabelSelector(sel) : sel, 'invalid label selector'));
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
  validatePodSpec(c, tspec, 'spec.template.spec');
  if (isObj(tspec)) {
    const rp = tspec['restartPolicy'];
    if (rp !== undefined && rp !== 'Always' && typeof rp === 'string' && RESTART_POLICIES.includes(rp)) {
      c.push(fieldError.notSupported('spec.template.spec.restartPolicy', rp, ['Always']));
    }
    if (tspec['activeDeadlineSeconds'] !== undefined && tspec['activeDeadlineSeconds'] !== null) {
      c.push(fieldError.invalid('spec.template.spec.activeDeadlineSeconds', tspec['activeDeadlineSeconds'], 'activeDeadlineSeconds in ReplicaSet is not Supported'));
    }
  }
  if (kind !== 'Deployment') return;
  const strategy = spec['strategy'];
  if (isObj(strategy)) {
    const type = strategy['type'];
    const ru = strategy['rollingUpdate'];
    if (type === 'Recreate') {
      if (ru !== undefined && ru !== null) c.push(fieldError.forbidden('spec.strategy.rollingUpdate', "may not be specified when strategy `type` is 'Recreate'"));
    } else if (type === 'RollingUpdate' || type === undefined) {
      if (isObj(ru)) {
        const mu = ru['maxUnavailable'];
        const ms = ru['maxSurge'];
        validateIntOrPercent(c, mu, 'spec.strategy.rollingUpdate.maxUnavailable');
        validateIntOrPercent(c, ms, 'spec.strategy.rollingUpdate.maxSurge');
        if (mu !== undefined && ms !== undefined && intOrPercentValue(mu) === 0 && intOrPercentValue(ms) === 0) {
          c.push(fieldError.invalid('spec.strategy.rollingUpdate.maxUnavailable', goIntOrString(mu), 'may not be 0 when `maxSurge` is 0'));
        }
        if (typeof mu === 'string' && intOrPercentValue(mu) > 100) {
          c.push(fieldError.invalid('spec.strategy.rollingUpdate.maxUnavailable', mu, 'must not be greater than 100%'));
        }
      }
    } else if (typeof type === 'string') {
      const ruText = isObj(ru) ? `&apps.RollingUpdateDeployment{MaxUnavailable:${goIntOrString(ru['maxUnavailable'] ?? 0).repr}, MaxSurge:${goIntOrString(ru['maxSurge'] ?? 0).repr}}` : '(*apps.RollingUpdateDeployment)(nil)';
      c.push(fieldError.notSupported('spec.strategy', new GoValue(`apps.DeploymentStrategy{Type:${JSON.stringify(type)}, RollingUpdate:${ruText}}`), ['Recreate', 'RollingUpdate']));
    }
  }
  const rhl = spec['revisionHistoryLimit'];
  nonNegative(c, rhl, 'spec.revisionHistoryLimit');
  const pds = num(spec['progressDeadlineSeconds']);
  if (pds !== undefined) {
    nonNegative(c, pds, 'spec.progressDeadlineSeconds');
    if (pds <= (num(spec['minReadySeconds']) ?? 0)) c.push(fieldError.invalid('spec.progressDeadlineSeconds', pds, 'must be greater than minReadySeconds'));
  }
}

/** `ValidatePriorityClass`: `system-` names are reserved to the system classes; user values at most 1e9. */
function validatePriorityClass(c: Causes, pc: AnyObject): void {
  const name = str(pc.metadata?.name) ?? '';
  const value = pc['value'];
  if (name.startsWith('system-')) {
    const err = knownSystemPriorityClassError(name, value, pc['globalDefault']);
    if (err) c.push(fieldError.forbidden('metadata.name', `priority class names with 'system-' prefix are reserved for system use only. error: ${err}`));
  } else if (typeof value === 'number' && value > HIGHEST_USER_DEFINABLE_PRIORITY) {
    c.push(fieldError.forbidden('value', `maximum allowed value of a user defined priority is ${HIGHEST_USER_DEFINABLE_PRIORITY}`));
  }
  const policy = pc['preemptionPolicy'];
  if (policy !== undefined && policy !== 'PreemptLowerPriority' && policy !== 'Never') {
    c.push(fieldError.notSupported('preemptionPolicy', policy, ['Never', 'PreemptLowerPriority']));
  }
}

function validateLease(c: Causes, lease: AnyObject): void {
  const spec = isObj(lease['spec']) ? lease['spec'] : {};
  const lds = num(spec['leaseDurationSeconds']);
  if (lds !== undefined && lds <= 0) c.push(fieldError.invalid('spec.leaseDurationSeconds', lds, 'must be greater than 0'));
  const lt = num(spec['leaseTransitions']);
  if (lt !== undefined && lt < 0) c.push(fieldError.invalid('spec.leaseTransitions', lt, NEGATIVE));
  const strategy = str(spec['strategy']);
  if (strategy !== undefined && strategy !== '' && strategy !== 'OldestEmulationVersion') {
    c.push(fieldError.notSupported('spec.strategy', strategy, ['OldestEmulationVersion']));
  }
  const ph = str(spec['preferredHolder']);
  if (ph && !strategy) c.push(fieldError.forbidden('spec.preferredHolder', 'may only be specified if `strategy` is defined'));
}

function validatePolicyRules(c: Causes, rules: unknown, namespaced: boolean): void {
  arr(rules).forEach((r, i) => {
    if (!isObj(r)) return;
    const p = `rules[${i}]`;
    if (arr(r['verbs']).length === 0) c.push(fieldError.required(`${p}.verbs`, 'verbs must contain at least one value'));
    const nonResource = arr(r['nonResourceURLs']);
    if (nonResource.length > 0) {
      if (namespaced) c.push(fieldError.invalid(`${p}.nonResourceURLs`, nonResource, 'namespaced rules cannot apply to non-resource URLs'));
      if (arr(r['apiGroups']).length || arr(r['resources']).length || arr(r['resourceNames']).length) {
        c.push(fieldError.invalid(`${p}.nonResourceURLs`, nonResource, 'rules cannot apply to both regular resources and non-resource URLs'));
      }
      return;
    }
    if (arr(r['apiGroups']).length === 0) c.push(fieldError.required(`${p}.apiGroups`, 'resource rules must supply at least one api group'));
    if (arr(r['resources']).length === 0) c.push(fieldError.required(`${p}.resources`, 'resource rules must supply at least one resource'));
  });
}

const RBAC_GROUP = 'rbac.authorization.k8s.io';

function validateBinding(c: Causes, b: AnyObject, namespaced: boolean): void {
  const ref = isObj(b['roleRef']) ? b['roleRef'] : undefined;
  if (!ref) c.push(fieldError.required('roleRef'));
  else {
    const kinds = namespaced ? ['Role', 'ClusterRole'] : ['ClusterRole'];
    const apiGroup = str(ref['apiGroup']) ?? '';
    if (apiGroup !== RBAC_GROUP) c.push(fieldError.notSupported('roleRef.apiGroup', apiGroup, [RBAC_GROUP]));
    const kind = str(ref['kind']) ?? '';
    if (!kinds.includes(kind)) c.push(fieldError.notSupported('roleRef.kind', kind, kinds));
    const name = str(ref['name']) ?? '';
    if (name === '') c.push(fieldError.required('roleRef.name'));
    else for (const msg of nameIsPathSegment(name, false)) c.push(fieldError.invalid('roleRef.name', name, msg));
  }
  arr(b['subjects']).forEach((s, i) => {
    if (!isObj(s)) return;
    const p = `subjects[${i}]`;
    const name = str(s['name']) ?? '';
    const kind = str(s['kind']) ?? '';
    const apiGroup = str(s['apiGroup']) ?? '';
    if (name === '') c.push(fieldError.required(`${p}.name`));
    switch (kind) {
      case 'ServiceAccount':
        if (name) for (const msg of isDNS1123Subdomain(name)) c.push(fieldError.invalid(`${p}.name`, name, msg));
        if (apiGroup !== '') c.push(fieldError.notSupported(`${p}.apiGroup`, apiGroup, ['']));
        if (!namespaced && !str(s['namespace'])) c.push(fieldError.required(`${p}.namespace`));
        break;
      case 'User':
      case 'Group':
        if (apiGroup !== RBAC_GROUP) c.push(fieldError.notSupported(`${p}.apiGroup`, apiGroup, [RBAC_GROUP]));
        break;
      default:
        c.push(fieldError.notSupported(`${p}.kind`, kind, ['ServiceAccount', 'User', 'Group']));
    }
  });
}

function validateKindUpdate(c: Causes, info: ResourceInfo, next: AnyObject, prev: AnyObject, subresource: string | undefined): void {
  const spec = isObj(next['spec']) ? next['spec'] : {};
  const old = isObj(prev['spec']) ? prev['spec'] : {};
  switch (info.kind) {
    case 'Pod':
      if (subresource === 'ephemeralcontainers') validatePodEphemeralContainersUpdate(c, next, prev);
      else validatePodUpdate(c, next, prev);
      break;
    case 'ResourceQuota':
      validateResourceQuotaUpdate(c, next, prev);
      break;
    case 'IngressClass':
      validateIngressClassUpdate(c, next, prev);
      break;
    case 'Deployment':
    case 'ReplicaSet':
      if (old['selector'] !== undefined && !semanticEqual(spec['selector'], old['selector'])) {
        c.push(fieldError.invalid('spec.selector', isObj(spec['selector']) ? goLabelSelector(spec['selector']) : null, 'field is immutable'));
      }
      break;
    case 'Job':
      validateJobUpdate(c, spec, old);
      break;
    case 'Service': {
      const oldIP = str(old['clusterIP']);
      const newIP = str(spec['clusterIP']);
      if (oldIP && newIP && oldIP !== newIP && spec['type'] !== 'ExternalName') {
        c.push(fieldError.invalid('spec.clusterIPs[0]', [newIP], 'may not change once set'));
      }
      break;
    }
    case 'Node': {
      const oldCIDR = str(old['podCIDR']);
      if (oldCIDR && str(spec['podCIDR']) !== oldCIDR) c.push(fieldError.forbidden('spec.podCIDRs', 'node updates may not change podCIDR except from "" to valid'));
      const oldProvider = str(old['providerID']);
      if (oldProvider && str(spec['providerID']) !== oldProvider) {
        c.push(fieldError.forbidden('spec.providerID', 'node updates may not change providerID except from "" to valid'));
      }
      break;
    }
    case 'PriorityClass':
      if (next['value'] !== prev['value']) c.push(fieldError.forbidden('value', 'may not be changed in an update.'));
      if (!semanticEqual(next['preemptionPolicy'], prev['preemptionPolicy'])) c.push(fieldError.invalid('preemptionPolicy', next['preemptionPolicy'], 'field is immutable'));
      break;
    case 'Secret':
    case 'ConfigMap': {
      if (prev['immutable'] === true) {
        if (next['immutable'] !== true) c.push(fieldError.forbidden('immutable', 'field is immutable when `immutable` is set'));
        if (!semanticEqual(next['data'], prev['data'])) c.push(fieldError.forbidden('data', 'field is immutable when `immutable` is set'));
        if (info.kind === 'ConfigMap' && !semanticEqual(next['binaryData'], prev['binaryData'])) {
          c.push(fieldError.forbidden('binaryData', 'field is immutable when `immutable` is set'));
        }
      }
      if (info.kind === 'Secret') immutable(c, next['type'] ?? 'Opaque', prev['type'] ?? 'Opaque', 'type');
      break;
    }
    case 'DaemonSet':
    case 'StatefulSet':
    case 'ControllerRevision':
      validateAppsUpdate(c, info.kind, next, prev);
      break;
    case 'PersistentVolume':
    case 'PersistentVolumeClaim':
    case 'StorageClass':
      validateStorageUpdate(c, info.kind, next, prev);
      break;
    case 'EndpointSlice':
      validateEndpointSliceUpdate(c, next, prev);
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      if (!semanticEqual(next['roleRef'], prev['roleRef'])) {
        const r = isObj(next['roleRef']) ? next['roleRef'] : {};
        c.push(
          fieldError.invalid(
            'roleRef',
            new GoValue(`rbac.RoleRef{APIGroup:${JSON.stringify(r['apiGroup'] ?? '')}, Kind:${JSON.stringify(r['kind'] ?? '')}, Name:${JSON.stringify(r['name'] ?? '')}}`),
            'cannot change roleRef',
          ),
        );
      }
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// Entry points

const NAME_RULES: Record<string, NameValidator> = {
  Namespace: nameIsDNSLabel,
  Service: nameIsDNS1035Label,
  Role: nameIsPathSegment,
  ClusterRole: nameIsPathSegment,
  RoleBinding: nameIsPathSegment,
  ClusterRoleBinding: nameIsPathSegment,
};

/**
 * What of an updated object the schema has to look at: the object without the top-level fields
 * that are the very objects of the stored version (a status update carries the stored spec by
 * reference). They were checked, and their unknown fields dropped, when they were written; like
 * the API server's validation ratcheting, an update does not fail on what it did not change.
 * The type and object metadata are always checked.
 */
function changedPart(data: AnyObject, old: KubeObject): AnyObject {
  const same = (k: string) => k !== 'apiVersion' && k !== 'kind' && k !== 'metadata' && data[k] !== null && typeof data[k] === 'object' && data[k] === (old as AnyObject)[k];
  const keys = Object.keys(data);
  if (!keys.some(same)) return data;
  const out: AnyObject = {};
  for (const k of keys) if (!same(k)) out[k] = data[k];
  return out;
}

function kindChecks(c: Causes, info: ResourceInfo, obj: AnyObject, subresource: string | undefined): void {
  validateObjectMeta(c, obj.metadata, info, NAME_RULES[info.kind] ?? nameIsDNSSubdomain);
  if (subresource === 'status') {
    if (info.kind === 'PodDisruptionBudget') validatePodDisruptionBudgetStatus(c, obj);
    if (info.kind === 'ResourceQuota') validateResourceQuotaStatus(c, obj);
    return;
  }
  const spec = obj['spec'];
  switch (info.kind) {
    case 'Pod':
      validatePodSpec(c, spec, 'spec', [], { resourceIsPod: true });
      break;
    case 'Deployment':
    case 'ReplicaSet':
      if (isObj(spec)) validateReplicatedSpec(c, spec, info.kind);
      else c.push(fieldError.required('spec.selector'));
      break;
    case 'Service':
      validateServiceSpec(c, isObj(spec) ? spec : {});
      break;
    case 'Job':
      validateJobSpec(c, spec, 'spec', false);
      validateGeneratedSelector(c, obj);
      break;
    case 'CronJob':
      validateCronJob(c, obj);
      break;
    case 'HorizontalPodAutoscaler':
      validateHorizontalPodAutoscaler(c, obj);
      break;
    case 'PodDisruptionBudget':
      validatePodDisruptionBudget(c, obj);
      break;
    case 'ResourceQuota':
      validateResourceQuota(c, obj);
      break;
    case 'LimitRange':
      validateLimitRange(c, obj);
      break;
    case 'Ingress':
      validateIngress(c, obj);
      break;
    case 'IngressClass':
      validateIngressClass(c, obj);
      break;
    case 'NetworkPolicy':
      validateNetworkPolicy(c, obj);
      break;
    case 'ReplicationController':
      validateReplicationControllerSpec(c, spec);
      break;
    case 'Node':
      validateNode(c, obj);
      break;
    case 'Namespace':
      validateNamespace(c, obj);
      break;
    case 'Lease':
      validateLease(c, obj);
      break;
    case 'PriorityClass':
      validatePriorityClass(c, obj);
      break;
    case 'ConfigMap':
      validateConfigData(c, obj, false);
      break;
    case 'Secret':
      validateConfigData(c, obj, true);
      break;
    case 'Role':
    case 'ClusterRole':
      validatePolicyRules(c, obj['rules'], info.kind === 'Role');
      break;
    case 'RoleBinding':
    case 'ClusterRoleBinding':
      validateBinding(c, obj, info.kind === 'RoleBinding');
      break;
    case 'Event':
      legacyValidateEvent(c, obj);
      break;
    case 'Endpoints':
      validateEndpoints(c, obj);
      break;
    case 'EndpointSlice':
      validateEndpointSlice(c, obj);
      break;
    case 'DaemonSet':
    case 'StatefulSet':
    case 'ControllerRevision':
      validateAppsKind(c, info.kind, obj);
      break;
    case 'PersistentVolume':
    case 'PersistentVolumeClaim':
    case 'StorageClass':
      validateStorageKind(c, info.kind, obj);
      break;
  }
}

/**
 * Validates an object for create or update as the real API server would (after defaulting).
 * `causes` empty means valid; under `Strict`, non-empty `unknownFields` means the server answers
 * 400 ({@link unknownFieldsStatus}); under `Warn` they are in `warnings`.
 */
export function validateObject(obj: KubeObject, options: ValidateOptions): ValidationResult {
  const fieldValidation = options.fieldValidation ?? 'Warn';
  const warnings: string[] = [];
  const unknownFields: string[] = [];
  const causes: StatusCause[] = [];
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) {
    causes.push(fieldError.invalid('', new GoValue(String(obj)), 'must be an object'));
    return { causes, warnings, unknownFields };
  }
  const info = options.resource ?? (obj.apiVersion && obj.kind ? resourceForKind(obj.apiVersion, obj.kind) : undefined);
  if (!info) {
    causes.push(fieldError.notSupported('kind', obj.kind ?? '', []));
    return { causes, warnings, unknownFields };
  }
  const data = withTypeMeta(obj, info);
  const key = `${info.apiVersion}/${info.kind}`;
  const fn = SCHEMA_FNS.get(key)!;
  // on an update, the schema skips what is unchanged (see changedPart)
  const schemaData = options.operation === 'update' && options.old ? changedPart(data, options.old) : data;

  let schemaErrors: AjvError[] | null | undefined;
  if (fieldValidation !== 'Ignore') {
    const found = unknownFieldsOf(key, fn, schemaData);
    schemaErrors = found.schemaErrors;
    for (const h of found.hits) {
      if (fieldValidation === 'Strict') unknownFields.push(h.path);
      else warnings.push(`unknown field "${h.path}"`);
    }
  }
  if (schemaErrors === undefined) schemaErrors = runSchema(fn, schemaData);

  const own: StatusCause[] = [];
  kindChecks(own, info, data, options.subresource);
  if (options.operation === 'update' && options.old) {
    validateMetaUpdate(own, data.metadata, options.old.metadata);
    if (options.subresource !== 'status') validateKindUpdate(own, info, data, withTypeMeta(options.old, info), options.subresource);
  }
  // ValidatePodCreate: ephemeral containers are added only through the ephemeralcontainers subresource
  if (options.operation === 'create' && info.kind === 'Pod' && isObj(data['spec']) && arr(data['spec']['ephemeralContainers']).length > 0) {
    own.push(fieldError.forbidden('spec.ephemeralContainers', 'cannot be set on create'));
  }
  if (schemaErrors && schemaErrors.length > 0) {
    const fromSchema = schemaCauses(schemaErrors, data);
    for (const s of fromSchema) {
      // Our own message for the same field is the real server's (the schema's enum order is not).
      if (s.reason === 'FieldValueNotSupported' && own.some((o) => o.field === s.field || s.field!.startsWith(`${o.field}.`) || s.field!.startsWith(`${o.field}[`))) continue;
      if (s.reason === 'FieldValueRequired' && own.some((o) => o.field === s.field && o.reason === 'FieldValueRequired')) continue;
      causes.push(s);
    }
  }
  for (const o of own) {
    if (causes.some((c) => c.field === o.field && c.message === o.message)) continue;
    causes.push(o);
  }
  return { causes, warnings, unknownFields };
}

/** The 422 Invalid Status for a result with causes (`Pod "bad" is invalid: ...`). */
export function validationStatus(obj: KubeObject, result: Pick<ValidationResult, 'causes'>, resource?: ResourceInfo): Status {
  const info = resource ?? (obj.apiVersion && obj.kind ? resourceForKind(obj.apiVersion, obj.kind) : undefined);
  const name = obj.metadata?.name ?? obj.metadata?.generateName ?? '';
  return invalid(info ?? obj.kind ?? 'Object', name, result.causes);
}

/**
 * The 400 BadRequest a real server answers under `fieldValidation=Strict` when unknown fields
 * were found: `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo"`.
 */
export function unknownFieldsStatus(obj: KubeObject, result: Pick<ValidationResult, 'unknownFields'>, resource?: ResourceInfo): Status {
  const info = resource ?? (obj.apiVersion && obj.kind ? resourceForKind(obj.apiVersion, obj.kind) : undefined);
  return strictDecodingError(info?.kind ?? obj.kind ?? 'Object', info?.version ?? 'v1', result.unknownFields);
}
