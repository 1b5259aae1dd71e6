/**
 * Hand-written validation of the core/v1 kinds, following `pkg/apis/core/validation`: pods
 * (containers, resources, ports, probes and lifecycle handlers, tolerations, the pod spec and the
 * pod update rules), services, nodes, namespaces, config maps and secrets, events and endpoints.
 */
import type { AnyObject } from './types.js';
import { isQuantity, parseQuantity } from './quantity.js';
import { fieldError, GoValue } from './status.js';
import { isDNS1123Label, isDNS1123Subdomain, isQualifiedName, isValidLabelValue, isValidPortName, regexError } from './names.js';
import { semanticEqual } from './json-values.js';
import { QUANTITY_MSG } from './validation-schema.js';
import { arr, type Causes, child, isObj, NEGATIVE, num, type Obj, PORT_RANGE, str, validateFinalizerName, validateLabels } from './validation-meta.js';

// --- pods

export const RESTART_POLICIES = ['Always', 'OnFailure', 'Never'];
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

/**
 * `validateHostNetwork`: with `hostNetwork` every containers[*].ports[*].hostPort must equal its
 * containerPort. In a Pod (`resourceIsPod`, defaulted already) exactly; in a pod template an unset
 * (0) hostPort is allowed too, as its pods get it defaulted when they are created. Init containers
 * are not checked, as upstream.
 */
function validateHostNetwork(c: Causes, spec: Obj, path: string, resourceIsPod: boolean): void {
  if (spec['hostNetwork'] !== true) return;
  arr(spec['containers']).forEach((ctr, i) => {
    if (!isObj(ctr)) return;
    arr(ctr['ports']).forEach((port, j) => {
      if (!isObj(port)) return;
      const hp = num(port['hostPort']) ?? 0;
      const cp = num(port['containerPort']) ?? 0;
      if ((resourceIsPod || hp !== 0) && hp !== cp) {
        c.push(fieldError.invalid(`${path}.containers[${i}].ports[${j}].hostPort`, hp, 'must match `containerPort` when `hostNetwork` is true'));
      }
    });
  });
}

/**
 * The fields an ephemeral container may not set (validation.go's allowedEphemeralContainerFields
 * with `false`), in the order of the Container struct: "cannot be set for an Ephemeral Container".
 */
const EPHEMERAL_FORBIDDEN_FIELDS = ['ports', 'resources', 'resizePolicy', 'restartPolicy', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle'];

/**
 * validateEphemeralContainers: the checks common to containers, a name unique across every kind
 * of container, a targetContainerName naming a container or init container of the pod, none of
 * the fields only workload containers have, no subPath mounts.
 */
function validateEphemeralContainers(c: Causes, spec: Obj, path: string, names: Set<string>, volumes: Set<string>, gracePeriod: number): void {
  const others = new Set(names);
  arr(spec['ephemeralContainers']).forEach((ec, i) => {
    if (!isObj(ec)) return;
    const p = `${path}.ephemeralContainers[${i}]`;
    // the allow list below reports restartPolicy and lifecycle for what they are
    const common: Obj = { ...ec };
    delete common['restartPolicy'];
    delete common['lifecycle'];
    validateContainer(c, common, p, names, volumes, false, gracePeriod);
    const target = str(ec['targetContainerName']);
    if (target && !others.has(target)) c.push(fieldError.notFound(`${p}.targetContainerName`, target));
    for (const f of EPHEMERAL_FORBIDDEN_FIELDS) {
      const v = ec[f];
      if (v === undefined || v === null || (Array.isArray(v) && v.length === 0) || (isObj(v) && Object.keys(v).length === 0) || v === '') continue;
      c.push(fieldError.forbidden(`${p}.${f}`, 'cannot be set for an Ephemeral Container'));
    }
    arr(ec['volumeMounts']).forEach((vm, j) => {
      if (!isObj(vm)) return;
      if (str(vm['subPath'])) c.push(fieldError.forbidden(`${p}.volumeMounts[${j}].subPath`, 'cannot be set for an Ephemeral Container'));
      if (str(vm['subPathExpr'])) c.push(fieldError.forbidden(`${p}.volumeMounts[${j}].subPathExpr`, 'cannot be set for an Ephemeral Container'));
    });
  });
}

/**
 * @internal shared with the per-group validation files. `options.resourceIsPod`: the spec is a
 * Pod's (PodValidationOptions.ResourceIsPod), not a template's.
 */
export function validatePodSpec(c: Causes, spec: unknown, path: string, extraVolumes: readonly string[] = [], options: { readonly resourceIsPod?: boolean } = {}): void {
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
  validateEphemeralContainers(c, spec, path, names, volumes, gracePeriod);
  // ValidatePodTemplateSpec: a template cannot carry them
  if (path !== 'spec' && arr(spec['ephemeralContainers']).length > 0) c.push(fieldError.forbidden(`${path}.ephemeralContainers`, 'ephemeral containers not allowed in pod template'));
  const rp = str(spec['restartPolicy']);
  if (rp !== undefined && !RESTART_POLICIES.includes(rp)) {
    c.push(rp === '' ? fieldError.required(`${path}.restartPolicy`) : fieldError.notSupported(`${path}.restartPolicy`, rp, RESTART_POLICIES));
  }
  const dns = str(spec['dnsPolicy']);
  if (dns !== undefined && !DNS_POLICIES.includes(dns)) c.push(fieldError.notSupported(`${path}.dnsPolicy`, dns, DNS_POLICIES));
  const ads = num(spec['activeDeadlineSeconds']);
  if (ads !== undefined && (ads < 1 || ads > 2147483647)) c.push(fieldError.invalid(`${path}.activeDeadlineSeconds`, ads, 'must be between 1 and 2147483647, inclusive'));
  validateLabels(c, spec['nodeSelector'], `${path}.nodeSelector`);
  // validatePodSpecSecurityContext's validateHostNetwork (hostNetwork lives in the internal type's securityContext)
  validateHostNetwork(c, spec, path, options.resourceIsPod === true);
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

// --- services

const SERVICE_TYPES = ['ClusterIP', 'ExternalName', 'LoadBalancer', 'NodePort'];

export function validateServiceSpec(c: Causes, spec: Obj): void {
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

export function validateNode(c: Causes, node: AnyObject): void {
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

export function validateNamespace(c: Causes, ns: AnyObject): void {
  const spec = isObj(ns['spec']) ? ns['spec'] : {};
  arr(spec['finalizers']).forEach((f, i) => validateFinalizerName(c, f, `spec.finalizers[${i}]`));
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

export function validateConfigData(c: Causes, obj: AnyObject, isSecret: boolean): void {
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

export function validateEndpoints(c: Causes, ep: AnyObject): void {
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

/**
 * ValidatePodEphemeralContainersUpdate (the pods/ephemeralcontainers subresource): a static pod
 * takes none, and the existing ephemeral containers may be neither removed nor changed (matched
 * by name: a patch does not keep their order).
 */
export function validatePodEphemeralContainersUpdate(c: Causes, next: AnyObject, prev: AnyObject): void {
  const annotations = isObj(prev['metadata']) && isObj(prev['metadata']['annotations']) ? prev['metadata']['annotations'] : {};
  if (MIRROR_POD_ANNOTATION in annotations) {
    c.splice(0, c.length, fieldError.forbidden('', 'static pods do not support ephemeral containers'));
    return;
  }
  const spec = isObj(next['spec']) ? next['spec'] : {};
  const old = isObj(prev['spec']) ? prev['spec'] : {};
  const byName = new Map<string, Obj>();
  for (const ec of arr(spec['ephemeralContainers'])) if (isObj(ec)) byName.set(str(ec['name']) ?? '', ec);
  for (const o of arr(old['ephemeralContainers'])) {
    if (!isObj(o)) continue;
    const name = str(o['name']) ?? '';
    const n = byName.get(name);
    if (!n) c.push(fieldError.forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be removed\n`));
    else if (!semanticEqual(o, n)) c.push(fieldError.forbidden('spec.ephemeralContainers', `existing ephemeral containers ${JSON.stringify(name)} may not be changed\n${specDiff(o, n).replace('core.PodSpec', 'core.EphemeralContainer')}`));
  }
}

const MIRROR_POD_ANNOTATION = 'kubernetes.io/config.mirror';

export function validatePodUpdate(c: Causes, next: AnyObject, prev: AnyObject): void {
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
