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
import { validateLimitRange } from './limit-range.js';
import { validateHorizontalPodAutoscaler } from './autoscaling.js';
import { validatePodDisruptionBudget, validatePodDisruptionBudgetStatus } from './validation-policy.js';
import { validateResourceQuota, validateResourceQuotaStatus, validateResourceQuotaUpdate } from './validation-quota.js';
import { validateCronJob, validateGeneratedSelector, validateJobSpec, validateJobUpdate, validateReplicationControllerSpec } from './batch-validation.js';
import { isQuantity, parseQuantity } from './quantity.js';
import { HIGHEST_USER_DEFINABLE_PRIORITY, knownSystemPriorityClassError } from './priority.js';
import { resourceForKind, type ResourceInfo } from './resources.js';
import { fieldError, GoValue, invalid, strictDecodingError } from './status.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName, nameIsDNS1035Label, nameIsDNSLabel, nameIsDNSSubdomain, nameIsPathSegment, regexError, type NameValidator } from './names.js';
import { semanticEqual } from './json-values.js';
import { type AjvError, QUANTITY_MSG, runSchema, SCHEMA_FNS, schemaCauses, unknownFieldsOf, withTypeMeta } from './validation-schema.js';
import { arr, type Causes, child, goLabelSelector, immutable, isObj, labelSelectorMatches, NEGATIVE, nonNegative, num, type Obj, PORT_RANGE, str, validateAnnotations, validateFinalizerName, validateLabels, validateLabelSelector, validateMetaUpdate, validateObjectMeta } from './validation-meta.js';

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

// --- pods

const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
const DNS_POLICIES = ['ClusterFirstWithHostNet', 'ClusterFirst', 'Default', 'None'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
const PULL_POLICIES = ['Always', 'IfNotPresent', 'Never'];
const TAINT_EFFECTS = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];
const STANDARD_CONTAINER_RESOURCES = new Set(['cpu', 'memory', 'ephemeral-storage']);

/** @internal shared with the per-group validation files. */
function validateResourceList(c: Causes, list: unknown, path: string): void {
  if (!isObj(list)) return;
  for (const name in list) {
    const p = `${path}[${name}]`;
    if (!name.includes('/') && !STANDARD_CONTAINER_RESOURCES.has(name) && !name.startsWith('hugepages-')) {
      c.push(fieldError.invalid(p, name, 'must be a standard resource for containers'));
    } else {
      for (const msg of isQualifiedName(name)) c.push(fieldError.invalid(p, name, msg));
    }
    const q = list[name];
    if (typeof q !== 'string' && typeof q !== 'number') continue;
    if (!isQuantity(q)) {
      c.push(fieldError.invalid(p, q, QUANTITY_MSG));
      continue;
    }
    if (parseQuantity(q) < 0) c.push(fieldError.invalid(p, String(q), NEGATIVE));
  }
}

function validateResources(c: Causes, res: unknown, path: string): void {
  if (!isObj(res)) return;
  const limits = res['limits'];
  const requests = res['requests'];
  validateResourceList(c, limits, `${path}.limits`);
  validateResourceList(c, requests, `${path}.requests`);
  if (!isObj(limits) || !isObj(requests)) return;
  for (const name in requests) {
    const rq = requests[name];
    const lq = limits[name];
    if (lq === undefined || !isQuantity(rq) || !isQuantity(lq)) continue;
    const r = parseQuantity(rq as string | number);
    const l = parseQuantity(lq as string | number);
    if (r > l && r >= 0 && l >= 0) {
      c.push(fieldError.invalid(`${path}.requests`, String(rq), `must be less than or equal to ${name} limit of ${String(lq)}`));
    }
  }
}

function validatePorts(c: Causes, ports: unknown, path: string): void {
  const names = new Set<string>();
  arr(ports).forEach((port, i) => {
    if (!isObj(port)) return;
    const p = `${path}[${i}]`;
    const name = str(port['name']);
    if (name !== undefined && name !== '') {
      const errs = isValidPortName(name);
      for (const msg of errs) c.push(fieldError.invalid(`${p}.name`, name, msg));
      if (errs.length === 0) {
        if (names.has(name)) c.push(fieldError.duplicate(`${p}.name`, name));
        names.add(name);
      }
    }
    const cp = num(port['containerPort']);
    if (cp === undefined) {
      if (port['containerPort'] === undefined) c.push(fieldError.required(`${p}.containerPort`));
    } else if (cp < 1 || cp > 65535) c.push(fieldError.invalid(`${p}.containerPort`, cp, PORT_RANGE));
    const hp = num(port['hostPort']);
    if (hp !== undefined && hp !== 0 && (hp < 1 || hp > 65535)) c.push(fieldError.invalid(`${p}.hostPort`, hp, PORT_RANGE));
    const proto = str(port['protocol']);
    if (proto !== undefined && !PROTOCOLS.includes(proto)) c.push(fieldError.notSupported(`${p}.protocol`, proto, PROTOCOLS));
  });
}

/**
 * A container's restartPolicy (native sidecars): only init containers may set it, and only to
 * Always; the fields an init container may have only as a sidecar (lifecycle, probes).
 */
function validateRestartPolicy(c: Causes, ctr: Obj, path: string, init: boolean): void {
  const rp = ctr['restartPolicy'];
  if (!init) {
    if (rp !== undefined && rp !== null) c.push(fieldError.forbidden(`${path}.restartPolicy`, 'may not be set for non-init containers'));
    return;
  }
  if (rp !== undefined && rp !== null && rp !== 'Always') c.push(fieldError.notSupported(`${path}.restartPolicy`, String(rp), ['Always']));
  if (rp === 'Always') return;
  for (const field of ['lifecycle', 'livenessProbe', 'readinessProbe', 'startupProbe']) {
    if (ctr[field] !== undefined && ctr[field] !== null) c.push(fieldError.forbidden(`${path}.${field}`, 'may not be set for init containers without restartPolicy=Always'));
  }
}

/** A lifecycle hook's handler (validateHandler): exactly one of exec, httpGet, tcpSocket, sleep. */
function validateLifecycleHandler(c: Causes, handler: unknown, path: string, gracePeriod: number): void {
  if (!isObj(handler)) return;
  let count = 0;
  for (const kind of ['exec', 'httpGet', 'tcpSocket', 'sleep']) {
    const h = handler[kind];
    if (h === undefined || h === null) continue;
    if (count > 0) {
      c.push(fieldError.forbidden(`${path}.${kind}`, 'may not specify more than 1 handler type'));
      continue;
    }
    count++;
    if (kind === 'exec' && isObj(h) && arr(h['command']).length === 0) c.push(fieldError.required(`${path}.exec.command`));
    if (kind === 'sleep' && isObj(h)) {
      const seconds = num(h['seconds']) ?? 0;
      if (seconds <= 0 || seconds > gracePeriod) c.push(fieldError.invalid(`${path}.sleep`, seconds, `must be greater than 0 and less than terminationGracePeriodSeconds (${gracePeriod})`));
    }
  }
  if (count === 0) c.push(fieldError.required(path, 'must specify a handler type'));
}

function validateContainer(c: Causes, ctr: Obj, path: string, names: Set<string>, volumes: Set<string> | undefined, init = false, gracePeriod = 30): void {
  validateRestartPolicy(c, ctr, path, init);
  const lifecycle = ctr['lifecycle'];
  if (isObj(lifecycle) && (!init || ctr['restartPolicy'] === 'Always')) {
    for (const hook of ['postStart', 'preStop']) {
      if (lifecycle[hook] !== undefined && lifecycle[hook] !== null) validateLifecycleHandler(c, lifecycle[hook], `${path}.lifecycle.${hook}`, gracePeriod);
    }
  }
  const name = str(ctr['name']);
  if (name === undefined || name === '') {
    if (ctr['name'] === undefined || name === '') c.push(fieldError.required(`${path}.name`));
  } else {
    const errs = isDNS1123Label(name);
    for (const msg of errs) c.push(fieldError.invalid(`${path}.name`, name, msg));
    if (errs.length === 0 && names.has(name)) c.push(fieldError.duplicate(`${path}.name`, name));
    names.add(name);
  }
  const image = ctr['image'];
  if (image === undefined || image === '') c.push(fieldError.required(`${path}.image`));
  else if (typeof image === 'string' && image.trim() !== image) {
    c.push(fieldError.invalid(`${path}.image`, image, 'must not have leading or trailing whitespace'));
  }
  const pull = str(ctr['imagePullPolicy']);
  if (pull !== undefined && !PULL_POLICIES.includes(pull)) c.push(fieldError.notSupported(`${path}.imagePullPolicy`, pull, PULL_POLICIES));
  validatePorts(c, ctr['ports'], `${path}.ports`);
  validateResources(c, ctr['resources'], `${path}.resources`);
  arr(ctr['env']).forEach((e, i) => {
    if (isObj(e) && !str(e['name'])) c.push(fieldError.required(`${path}.env[${i}].name`));
  });
  if (volumes) {
    arr(ctr['volumeMounts']).forEach((vm, i) => {
      if (!isObj(vm)) return;
      const vname = str(vm['name']) ?? '';
      if (vname === '') c.push(fieldError.required(`${path}.volumeMounts[${i}].name`));
      else if (!volumes.has(vname)) c.push(fieldError.notFound(`${path}.volumeMounts[${i}].name`, vname));
      if (!str(vm['mountPath'])) c.push(fieldError.required(`${path}.volumeMounts[${i}].mountPath`));
    });
  }
}

function validateTolerations(c: Causes, tolerations: unknown, path: string): void {
  arr(tolerations).forEach((t, i) => {
    if (!isObj(t)) return;
    const p = `${path}[${i}]`;
    const key = str(t['key']) ?? '';
    const op = str(t['operator']) ?? '';
    const value = str(t['value']) ?? '';
    const effect = str(t['effect']) ?? '';
    if (key) for (const msg of isQualifiedName(key)) c.push(fieldError.invalid(`${p}.key`, key, msg));
    if (!key && op !== 'Exists') {
      c.push(fieldError.invalid(`${p}.operator`, op, 'operator must be Exists when `key` is empty, which means "match all values and all keys"'));
    }
    if (t['tolerationSeconds'] !== undefined && t['tolerationSeconds'] !== null && effect !== 'NoExecute') {
      c.push(fieldError.invalid(`${p}.effect`, effect, "effect must be 'NoExecute' when `tolerationSeconds` is set"));
    }
    switch (op) {
      case 'Equal':
      case '': {
        const errs = isValidLabelValue(value);
        if (errs.length) c.push(fieldError.invalid(`${p}.operator`, value, errs.join(';')));
        break;
      }
      case 'Exists':
        if (value) c.push(fieldError.invalid(`${p}.operator`, new GoValue(goToleration(t)), "value must be empty when `operator` is 'Exists'"));
        break;
      default:
        c.push(fieldError.notSupported(`${p}.operator`, op, ['Equal', 'Exists']));
    }
    if (effect && !TAINT_EFFECTS.includes(effect)) c.push(fieldError.notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
  });
}

function goToleration(t: Obj): string {
  const secs = typeof t['tolerationSeconds'] === 'number' ? `&${t['tolerationSeconds']}` : '(*int64)(nil)';
  return `core.Toleration{Key:${JSON.stringify(t['key'] ?? '')}, Operator:${JSON.stringify(t['operator'] ?? '')}, Value:${JSON.stringify(
    t['value'] ?? '',
  )}, Effect:${JSON.stringify(t['effect'] ?? '')}, TolerationSeconds:${secs}}`;
}

/** @internal shared with the per-group validation files. */
export function validatePodSpec(c: Causes, spec: unknown, path: string, extraVolumes: readonly string[] = []): void {
  if (!isObj(spec)) {
    c.push(fieldError.required(`${child(path, 'containers')}`));
    return;
  }
  // dynamic resource allocation (resource.k8s.io) is not modelled: a claim would be ignored by the scheduler and the kubelet
  if (arr(spec['resourceClaims']).length > 0) c.push(fieldError.forbidden(`${path}.resourceClaims`, 'dynamic resource allocation (resource.k8s.io ResourceClaims) is not supported by this simulation'));
  // scheduling gates: a bound pod has none (`cannot be set until all schedulingGates have been cleared`)
  if (arr(spec['schedulingGates']).length > 0 && str(spec['nodeName'])) c.push(fieldError.forbidden(`${path}.nodeName`, 'cannot be set until all schedulingGates have been cleared'));
  // a StatefulSet's volumeClaimTemplates are volumes of its pods
  const volumes = new Set<string>(extraVolumes);
  arr(spec['volumes']).forEach((v, i) => {
    if (!isObj(v)) return;
    const name = str(v['name']) ?? '';
    const p = `${path}.volumes[${i}].name`;
    if (name === '') c.push(fieldError.required(p));
    else {
      for (const msg of isDNS1123Label(name)) c.push(fieldError.invalid(p, name, msg));
      if (volumes.has(name)) c.push(fieldError.duplicate(p, name));
      volumes.add(name);
    }
  });
  const names = new Set<string>();
  const gracePeriod = num(spec['terminationGracePeriodSeconds']) ?? 30;
  const containers = spec['containers'];
  if (!Array.isArray(containers) || containers.length === 0) {
    if (containers === undefined || Array.isArray(containers)) c.push(fieldError.required(`${path}.containers`));
  } else {
    containers.forEach((ctr, i) => {
      if (isObj(ctr)) validateContainer(c, ctr, `${path}.containers[${i}]`, names, volumes, false, gracePeriod);
    });
  }
  arr(spec['initContainers']).forEach((ctr, i) => {
    if (isObj(ctr)) validateContainer(c, ctr, `${path}.initContainers[${i}]`, names, volumes, true, gracePeriod);
  });
  const rp = str(spec['restartPolicy']);
  if (rp !== undefined && !RESTART_POLICIES.includes(rp)) {
    c.push(rp === '' ? fieldError.required(`${path}.restartPolicy`) : fieldError.notSupported(`${path}.restartPolicy`, rp, RESTART_POLICIES));
  }
  const dns = str(spec['dnsPolicy']);
  if (dns !== undefined && !DNS_POLICIES.includes(dns)) c.push(fieldError.notSupported(`${path}.dnsPolicy`, dns, DNS_POLICIES));
  const ads = num(spec['activeDeadlineSeconds']);
  if (ads !== undefined && (ads < 1 || ads > 2147483647)) c.push(fieldError.invalid(`${path}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  validateLabels(c, spec['nodeSelector'], `${path}.nodeSelector`);
  validateTolerations(c, spec['tolerations'], `${path}.tolerations`);
  const nodeName = str(spec['nodeName']);
  if (nodeName) for (const msg of isDNS1123Subdomain(nodeName)) c.push(fieldError.invalid(`${path}.nodeName`, nodeName, msg));
  const sa = str(spec['serviceAccountName']);
  if (sa) for (const msg of isDNS1123Subdomain(sa)) c.push(fieldError.invalid(`${path}.serviceAccountName`, sa, msg));
  const hostname = str(spec['hostname']);
  if (hostname) for (const msg of isDNS1123Label(hostname)) c.push(fieldError.invalid(`${path}.hostname`, hostname, msg));
  const subdomain = str(spec['subdomain']);
  if (subdomain) for (const msg of isDNS1123Label(subdomain)) c.push(fieldError.invalid(`${path}.subdomain`, subdomain, msg));
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
  let selectorOk = false;
  if (sel === undefined || sel === null) {
    c.push(fieldError.required('spec.selector'));
  } else if (isObj(sel)) {
    validateLabelSelector(c, sel, 'spec.selector');
    const n = (isObj(sel['matchLabels']) ? Object.keys(sel['matchLabels']).length : 0) + arr(sel['matchExpressions']).length;
    if (n === 0) c.push(fieldError.invalid('spec.selector', goLabelSelector(sel), 'empty selector is invalid for deployment'));
    else selectorOk = true;
  }
  const template = spec['template'];
  if (!isObj(template)) {
    c.push(fieldError.required('spec.template'));
    return;
  }
  const tmeta = isObj(template['metadata']) ? template['metadata'] : {};
  const tlabels = isObj(tmeta['labels']) ? (tmeta['labels'] as Record<string, string>) : undefined;
  if (selectorOk && !labelSelectorMatches(sel, tlabels)) {
    c.push(fieldError.invalid('spec.template.metadata.labels', tlabels ?? new GoValue('map[string]string(nil)'), '`selector` does not match template `labels`'));
  }
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

// --- services

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

function validateServiceSpec(c: Causes, spec: Obj): void {
  const type = str(spec['type']) ?? 'ClusterIP';
  if (!SERVICE_TYPES.includes(type)) c.push(fieldError.notSupported('spec.type', type, SERVICE_TYPES));
  const ports = arr(spec['ports']);
  const headless = spec['clusterIP'] === 'None';
  if (ports.length === 0 && !headless && type !== 'ExternalName') c.push(fieldError.required('spec.ports'));
  if (type === 'ExternalName') {
    const en = str(spec['externalName']) ?? '';
    if (!en) c.push(fieldError.required('spec.externalName'));
    else for (const msg of isDNS1123Subdomain(en.endsWith('.') ? en.slice(0, -1) : en)) c.push(fieldError.invalid('spec.externalName', en, msg));
  }
  const requireName = ports.length > 1;
  const names = new Set<string>();
  const keys = new Set<string>();
  ports.forEach((port, i) => {
    if (!isObj(port)) return;
    const p = `spec.ports[${i}]`;
    const name = str(port['name']) ?? '';
    if (requireName && name === '') c.push(fieldError.required(`${p}.name`));
    else if (name !== '') {
      for (const msg of isDNS1123Label(name)) c.push(fieldError.invalid(`${p}.name`, name, msg));
      if (names.has(name)) c.push(fieldError.duplicate(`${p}.name`, name));
      names.add(name);
    }
    const proto = str(port['protocol']) ?? 'TCP';
    if (!PROTOCOLS.includes(proto)) c.push(fieldError.notSupported(`${p}.protocol`, proto, PROTOCOLS));
    const pn = num(port['port']);
    if (pn === undefined) {
      if (port['port'] === undefined) c.push(fieldError.required(`${p}.port`));
    } else if (pn < 1 || pn > 65535) c.push(fieldError.invalid(`${p}.port`, pn, PORT_RANGE));
    const tp = port['targetPort'];
    if (typeof tp === 'number' && tp !== 0 && (tp < 1 || tp > 65535)) c.push(fieldError.invalid(`${p}.targetPort`, tp, PORT_RANGE));
    if (typeof tp === 'string' && tp !== '') for (const msg of isValidPortName(tp)) c.push(fieldError.invalid(`${p}.targetPort`, tp, msg));
    const np = num(port['nodePort']);
    if (np !== undefined && np !== 0) {
      if (type !== 'NodePort' && type !== 'LoadBalancer') c.push(fieldError.forbidden(`${p}.nodePort`, `may not be used when \`type\` is '${type}'`));
      else if (np < 1 || np > 65535) c.push(fieldError.invalid(`${p}.nodePort`, np, PORT_RANGE));
    }
    if (pn !== undefined) {
      const key = `${pn}/${proto}`;
      if (keys.has(key)) {
        c.push(
          fieldError.duplicate(
            p,
            new GoValue(
              `core.ServicePort{Name:"", Protocol:${JSON.stringify(proto)}, AppProtocol:(*string)(nil), Port:${pn}, TargetPort:intstr.IntOrString{Type:0, IntVal:0, StrVal:""}, NodePort:0}`,
            ),
          ),
        );
      }
      keys.add(key);
    }
  });
  const sa = str(spec['sessionAffinity']);
  if (sa !== undefined && sa !== 'None' && sa !== 'ClientIP') c.push(fieldError.notSupported('spec.sessionAffinity', sa, ['ClientIP', 'None']));
  if (type !== 'ExternalName') validateLabels(c, spec['selector'], 'spec.selector');
}

// --- nodes, namespaces, leases, config, rbac, events, endpoints

const CIDR4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/;
const CIDR6 = /^[0-9a-fA-F:]+:[0-9a-fA-F:]*\/\d{1,3}$/;

function isCIDR(v: string): boolean {
  const m = CIDR4.exec(v);
  if (m) return m.slice(1, 5).every((o) => Number(o) <= 255) && Number(m[5]) <= 32;
  return CIDR6.test(v) && Number(v.slice(v.indexOf('/') + 1)) <= 128;
}

function validateNode(c: Causes, node: AnyObject): void {
  const spec = isObj(node['spec']) ? node['spec'] : {};
  const uniq = new Set<string>();
  arr(spec['taints']).forEach((t, i) => {
    if (!isObj(t)) return;
    const p = `spec.taints[${i}]`;
    const key = str(t['key']) ?? '';
    for (const msg of isQualifiedName(key)) c.push(fieldError.invalid(`${p}.key`, key, msg));
    const value = str(t['value']) ?? '';
    const verrs = isValidLabelValue(value);
    if (verrs.length) c.push(fieldError.invalid(`${p}.value`, value, verrs.join(';')));
    const effect = str(t['effect']) ?? '';
    if (effect === '') c.push(fieldError.required(`${p}.effect`));
    else if (!TAINT_EFFECTS.includes(effect)) c.push(fieldError.notSupported(`${p}.effect`, effect, TAINT_EFFECTS));
    const k = `${effect}\u0000${key}`;
    if (uniq.has(k)) {
      const d = fieldError.duplicate(p, new GoValue(`core.Taint{Key:${JSON.stringify(key)}, Value:${JSON.stringify(value)}, Effect:${JSON.stringify(effect)}, TimeAdded:<nil>}`));
      d.message += ': taints must be unique by key and effect pair';
      c.push(d);
    }
    uniq.add(k);
  });
  const podCIDR = str(spec['podCIDR']);
  if (podCIDR && !isCIDR(podCIDR)) c.push(fieldError.invalid('spec.podCIDR', podCIDR, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  arr(spec['podCIDRs']).forEach((cidr, i) => {
    if (typeof cidr === 'string' && !isCIDR(cidr)) c.push(fieldError.invalid(`spec.podCIDRs[${i}]`, cidr, 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)'));
  });
  const status = isObj(node['status']) ? node['status'] : {};
  for (const field of ['capacity', 'allocatable'] as const) {
    const list = status[field];
    if (!isObj(list)) continue;
    for (const name in list) {
      const q = list[name];
      if ((typeof q === 'string' || typeof q === 'number') && isQuantity(q) && parseQuantity(q) < 0) {
        c.push(fieldError.invalid(`status.${field}[${name}]`, String(q), NEGATIVE));
      }
    }
  }
}

function validateNamespace(c: Causes, ns: AnyObject): void {
  const spec = isObj(ns['spec']) ? ns['spec'] : {};
  arr(spec['finalizers']).forEach((f, i) => validateFinalizerName(c, f, `spec.finalizers[${i}]`));
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

const CONFIG_KEY = /^[-._a-zA-Z0-9]+$/;

function configKeyErrors(key: string): string[] {
  const errs: string[] = [];
  if (key.length > 253) errs.push('must be no more than 253 characters');
  if (!CONFIG_KEY.test(key)) {
    errs.push(regexError("a valid config key must consist of alphanumeric characters, '-', '_' or '.'", '[-._a-zA-Z0-9]+', 'key.name', 'KEY_NAME', 'key-name'));
  }
  if (key === '.') errs.push("must not be '.'");
  else if (key === '..') errs.push("must not be '..'");
  else if (key.startsWith('..')) errs.push("must not start with '..'");
  return errs;
}

const MAX_SECRET_SIZE = 1024 * 1024;

function validateConfigData(c: Causes, obj: AnyObject, isSecret: boolean): void {
  let total = 0;
  const other = isSecret ? undefined : obj['binaryData'];
  for (const field of isSecret ? ['data', 'stringData'] : ['data', 'binaryData']) {
    const bag = obj[field];
    if (!isObj(bag)) continue;
    for (const key in bag) {
      for (const msg of configKeyErrors(key)) c.push(fieldError.invalid(`${field}[${key}]`, key, msg));
      if (field === 'data' && isObj(other) && key in other) c.push(fieldError.invalid(`data[${key}]`, key, 'duplicate of key present in binaryData'));
      const v = bag[key];
      if (typeof v === 'string') total += isSecret && field === 'data' ? Math.floor((v.length * 3) / 4) : v.length;
    }
  }
  if (total > MAX_SECRET_SIZE) c.push(fieldError.tooLong(isSecret ? 'data' : '', MAX_SECRET_SIZE));
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

function validateEvent(c: Causes, ev: AnyObject): void {
  const meta = isObj(ev.metadata) ? ev.metadata : {};
  const ns = str(meta['namespace']) ?? '';
  const involved = isObj(ev['involvedObject']) ? ev['involvedObject'] : {};
  const ins = str(involved['namespace']) ?? '';
  const eventTime = ev['eventTime'];
  if (eventTime === undefined || eventTime === null) {
    if (ins === '') {
      if (ns !== '' && ns !== 'default') c.push(fieldError.invalid('involvedObject.namespace', ins, 'does not match event.namespace'));
    } else if (ns !== ins) c.push(fieldError.invalid('involvedObject.namespace', ins, 'does not match event.namespace'));
  }
  const type = str(ev['type']);
  if (type !== undefined && type !== '' && type !== 'Normal' && type !== 'Warning') c.push(fieldError.notSupported('type', type, ['Normal', 'Warning']));
}

function validateEndpoints(c: Causes, ep: AnyObject): void {
  arr(ep['subsets']).forEach((ss, i) => {
    if (!isObj(ss)) return;
    const ports = arr(ss['ports']);
    const requireName = ports.length > 1;
    ports.forEach((port, j) => {
      if (!isObj(port)) return;
      const p = `subsets[${i}].ports[${j}]`;
      const name = str(port['name']) ?? '';
      if (requireName && name === '') c.push(fieldError.required(`${p}.name`));
      else if (name) for (const msg of isDNS1123Label(name)) c.push(fieldError.invalid(`${p}.name`, name, msg));
      const pn = num(port['port']);
      if (pn !== undefined && (pn < 1 || pn > 65535)) c.push(fieldError.invalid(`${p}.port`, pn, PORT_RANGE));
      const proto = str(port['protocol']);
      if (proto !== undefined && !PROTOCOLS.includes(proto)) c.push(fieldError.notSupported(`${p}.protocol`, proto, PROTOCOLS));
    });
    for (const field of ['addresses', 'notReadyAddresses'] as const) {
      arr(ss[field]).forEach((a, j) => {
        if (isObj(a) && !str(a['ip'])) c.push(fieldError.required(`subsets[${i}].${field}[${j}].ip`));
      });
    }
  });
}

const UPDATABLE_POD_FIELDS = [
  '`spec.containers[*].image`',
  '`spec.initContainers[*].image`',
  '`spec.activeDeadlineSeconds`',
  '`spec.tolerations` (only additions to existing tolerations)',
  '`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously negative)',
].join(',');

function tolerationsOnlyAdded(next: unknown[], prev: unknown[]): boolean {
  for (const old of prev) {
    if (!isObj(old)) continue;
    const found = next.some((n) => isObj(n) && semanticEqual({ ...old, tolerationSeconds: n['tolerationSeconds'] }, n));
    if (!found) return false;
  }
  return true;
}

function specDiff(prev: Obj, next: Obj): string {
  const keys = [...new Set([...Object.keys(prev), ...Object.keys(next)])].sort();
  const lines: string[] = [];
  for (const k of keys) {
    if (semanticEqual(prev[k], next[k])) continue;
    if (prev[k] !== undefined) lines.push(`- \t${k}: ${JSON.stringify(prev[k])}`);
    if (next[k] !== undefined) lines.push(`+ \t${k}: ${JSON.stringify(next[k])}`);
  }
  return `  core.PodSpec{\n${lines.join('\n')}\n  }\n`;
}

function validatePodUpdate(c: Causes, next: AnyObject, prev: AnyObject): void {
  const spec = isObj(next['spec']) ? next['spec'] : {};
  const old = isObj(prev['spec']) ? prev['spec'] : {};
  const ads = num(spec['activeDeadlineSeconds']);
  const oldAds = num(old['activeDeadlineSeconds']);
  if (ads !== undefined) {
    if (oldAds !== undefined && oldAds < ads) {
      c.push(fieldError.invalid('spec.activeDeadlineSeconds', ads, 'must be less than or equal to previous value'));
      return;
    }
  } else if (oldAds !== undefined) {
    c.push(fieldError.invalid('spec.activeDeadlineSeconds', null, 'must not update from a positive integer to nil value'));
  }
  const newTol = arr(spec['tolerations']);
  const oldTol = arr(old['tolerations']);
  if (!tolerationsOnlyAdded(newTol, oldTol)) {
    c.push(fieldError.forbidden('spec.tolerations', 'existing toleration can not be modified except its tolerationSeconds'));
  }
  // The spec as it would be if only the updatable fields had changed.
  const munged: Obj = { ...spec };
  const withOldImages = (list: unknown, oldList: unknown): unknown => {
    const n = arr(list);
    const o = arr(oldList);
    if (n.length !== o.length) return list;
    return n.map((ctr, i) => (isObj(ctr) && isObj(o[i]) ? { ...ctr, image: (o[i])['image'] } : ctr));
  };
  if (spec['containers'] !== undefined) munged['containers'] = withOldImages(spec['containers'], old['containers']);
  if (spec['initContainers'] !== undefined) munged['initContainers'] = withOldImages(spec['initContainers'], old['initContainers']);
  munged['activeDeadlineSeconds'] = old['activeDeadlineSeconds'];
  if (tolerationsOnlyAdded(newTol, oldTol)) munged['tolerations'] = old['tolerations'];
  const oldTgps = num(old['terminationGracePeriodSeconds']);
  if (oldTgps !== undefined && oldTgps < 0 && spec['terminationGracePeriodSeconds'] === 1) munged['terminationGracePeriodSeconds'] = oldTgps;
  const newGates = arr(spec['schedulingGates']);
  const oldGates = arr(old['schedulingGates']);
  if (newGates.every((g) => oldGates.some((o) => semanticEqual(o, g)))) munged['schedulingGates'] = old['schedulingGates'];
  if (!semanticEqual(munged, old)) {
    c.push(fieldError.forbidden('spec', `pod updates may not change fields other than ${UPDATABLE_POD_FIELDS}\n${specDiff(old, munged)}`));
  }
}

function validateKindUpdate(c: Causes, info: ResourceInfo, next: AnyObject, prev: AnyObject): void {
  const spec = isObj(next['spec']) ? next['spec'] : {};
  const old = isObj(prev['spec']) ? prev['spec'] : {};
  switch (info.kind) {
    case 'Pod':
      validatePodUpdate(c, next, prev);
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
      validatePodSpec(c, spec, 'spec');
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
      validateEvent(c, obj);
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
    if (options.subresource !== 'status') validateKindUpdate(own, info, data, withTypeMeta(options.old, info));
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
