/**
 * networking.k8s.io/v1 kinds, after `pkg/apis/networking/validation` and `v1/defaults.go`:
 *
 * - Ingress (`ValidateIngressSpec`): a default backend or rules; rule hosts are DNS names
 *   (a leading `*.` allowed), not IPs; every HTTP path has a pathType (Exact, Prefix,
 *   ImplementationSpecific) and, for Exact and Prefix, an absolute clean path; every backend is
 *   a Service (a name and a port name or number) or a resource, not both; TLS hosts are DNS names;
 * - IngressClass: `spec.controller` a domain-prefixed path of at most 250 characters, immutable;
 *   parameters' scope defaults to Cluster;
 * - NetworkPolicy (`ValidateNetworkPolicySpec`): selectors, ports (protocol, port or port name,
 *   endPort), peers (exactly one kind, an ipBlock alone, its `except` strict subsets of its CIDR),
 *   policyTypes Ingress/Egress; `policyTypes` defaults to Ingress (and Egress with egress rules)
 *   and port protocols to TCP.
 */
import { fieldError, GoValue } from './status.js';
import type { Causes } from './validation-meta.js';
import { validateLabelSelector } from './validation-meta.js';
import { isDNS1035Label, isDNS1123Subdomain, isValidPortName, regexError } from './names.js';
import { isObject } from './json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const PATH_TYPES = ['Exact', 'ImplementationSpecific', 'Prefix'];
const INVALID_PATH_SEQUENCES = ['//', '/./', '/../', '%2f', '%2F'];
const INVALID_PATH_SUFFIXES = ['/..', '/.'];
const WILDCARD_DNS1123_FMT = '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const MAX_CONTROLLER_LENGTH = 250;
const HTTP_PATH_FMT = '[A-Za-z0-9/\\-._~%!$&\'()*+,;=:]+';

/** `IsValidPortNum`. */
function portNumErrors(n: unknown): string[] {
  return typeof n === 'number' && Number.isInteger(n) && n >= 1 && n <= 65535 ? [] : ['must be between 1 and 65535, inclusive'];
}

function isIP(v: string): boolean {
  return /^(\d{1,3})(\.\d{1,3}){3}$/.test(v) || (v.includes(':') && /^[0-9a-fA-F:.]+$/.test(v));
}

/** `IsWildcardDNS1123Subdomain`. */
function wildcardErrors(host: string): string[] {
  if (/^\*\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/.test(host) && host.length <= 253) return [];
  if (host.length > 253) return ['must be no more than 253 characters'];
  return [regexError("a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character", WILDCARD_DNS1123_FMT, '*.example.com')];
}

function validateHost(c: Causes, host: string, path: string): void {
  if (isIP(host)) c.push(fieldError.invalid(path, host, 'must be a DNS name, not an IP address'));
  const errs = host.startsWith('*') ? wildcardErrors(host) : isDNS1123Subdomain(host);
  for (const msg of errs) c.push(fieldError.invalid(path, host, msg));
}

/** `validateIngressBackend`. */
function validateBackend(c: Causes, backend: Obj, path: string): void {
  const resource = backend['resource'];
  const service = backend['service'];
  if (isObj(resource) && isObj(service)) {
    c.push(fieldError.invalid(path, '', 'cannot set both resource and service backends'));
    return;
  }
  if (isObj(resource)) {
    if (!resource['kind']) c.push(fieldError.required(`${path}.resource.kind`, ''));
    if (!resource['name']) c.push(fieldError.required(`${path}.resource.name`, ''));
    if (resource['apiGroup'] === undefined || resource['apiGroup'] === null || resource['apiGroup'] === '') c.push(fieldError.required(`${path}.resource.apiGroup`, ''));
    return;
  }
  if (!isObj(service)) {
    c.push(fieldError.invalid(path, '', 'resource or service backend is required'));
    return;
  }
  const name = String(service['name'] ?? '');
  if (!name) c.push(fieldError.required(`${path}.service.name`, ''));
  else for (const msg of isDNS1035Label(name)) c.push(fieldError.invalid(`${path}.service.name`, name, msg));
  const port = isObj(service['port']) ? service['port'] : {};
  const portName = String(port['name'] ?? '');
  const portNumber = typeof port['number'] === 'number' ? port['number'] : 0;
  if (portName && portNumber !== 0) c.push(fieldError.invalid(path, '', 'cannot set both port name & port number'));
  else if (portName) for (const msg of isValidPortName(portName)) c.push(fieldError.invalid(`${path}.service.port.name`, portName, msg));
  else if (portNumber !== 0) for (const msg of portNumErrors(portNumber)) c.push(fieldError.invalid(`${path}.service.port.number`, portNumber, msg));
  else c.push(fieldError.required(path, 'port name or number is required'));
}

/** `validateHTTPIngressPath`. */
function validatePath(c: Causes, p: Obj, path: string): void {
  const value = String(p['path'] ?? '');
  const type = p['pathType'];
  if (type === undefined || type === null) c.push(fieldError.required(`${path}.pathType`, 'pathType must be specified'));
  else if (type === 'Exact' || type === 'Prefix') {
    if (!value.startsWith('/')) c.push(fieldError.invalid(`${path}.path`, value, 'must be an absolute path'));
    for (const seq of INVALID_PATH_SEQUENCES) if (value.includes(seq)) c.push(fieldError.invalid(`${path}.path`, value, `must not contain '${seq}'`));
    for (const suffix of INVALID_PATH_SUFFIXES) if (value.endsWith(suffix)) c.push(fieldError.invalid(`${path}.path`, value, `cannot end with '${suffix}'`));
  } else if (type === 'ImplementationSpecific') {
    if (value.length > 0 && !value.startsWith('/')) c.push(fieldError.invalid(`${path}.path`, value, 'must be an absolute path'));
  } else c.push(fieldError.notSupported(`${path}.pathType`, type, PATH_TYPES));
  if (isObj(p['backend'])) validateBackend(c, p['backend'], `${path}.backend`);
  else validateBackend(c, {}, `${path}.backend`);
}

/** `ValidateIngressSpec` (the metadata is checked by the caller). */
export function validateIngress(c: Causes, obj: Obj): void {
  const spec: Obj = isObj(obj['spec']) ? obj['spec'] : {};
  const rules = arr(spec['rules']);
  if (rules.length === 0 && !isObj(spec['defaultBackend'])) c.push(fieldError.invalid('spec', new GoValue('[]networking.IngressRule(nil)'), 'either `defaultBackend` or `rules` must be specified'));
  if (isObj(spec['defaultBackend'])) validateBackend(c, spec['defaultBackend'], 'spec.defaultBackend');
  rules.forEach((rule, i) => {
    if (!isObj(rule)) return;
    const path = `spec.rules[${i}]`;
    if (typeof rule['host'] === 'string' && rule['host'] !== '') validateHost(c, rule['host'], `${path}.host`);
    if (isObj(rule['http'])) {
      const paths = arr(rule['http']['paths']);
      if (paths.length === 0) c.push(fieldError.required(`${path}.http.paths`, ''));
      paths.forEach((p, j) => isObj(p) && validatePath(c, p, `${path}.http.paths[${j}]`));
    }
  });
  arr(spec['tls']).forEach((tls, i) => {
    if (!isObj(tls)) return;
    arr(tls['hosts']).forEach((host, j) => {
      if (typeof host === 'string' && host !== '') {
        const errs = host.startsWith('*') ? wildcardErrors(host) : isDNS1123Subdomain(host);
        for (const msg of errs) c.push(fieldError.invalid(`spec.tls[${i}].hosts[${j}]`, host, msg));
      }
    });
  });
  const className = spec['ingressClassName'];
  if (typeof className === 'string') for (const msg of isDNS1123Subdomain(className)) c.push(fieldError.invalid('spec.ingressClassName', className, msg));
}

/** `ValidateIngressClass`: the controller is a domain-prefixed path. */
export function validateIngressClass(c: Causes, obj: Obj): void {
  const spec: Obj = isObj(obj['spec']) ? obj['spec'] : {};
  const controller = String(spec['controller'] ?? '');
  const path = 'spec.controller';
  if (controller.length > MAX_CONTROLLER_LENGTH) c.push(fieldError.tooLong(path, MAX_CONTROLLER_LENGTH));
  if (!controller) {
    c.push(fieldError.required(path, ''));
    return;
  }
  const slash = controller.indexOf('/');
  const host = slash < 0 ? '' : controller.slice(0, slash);
  const rest = slash < 0 ? '' : controller.slice(slash + 1);
  if (!host || !rest) {
    c.push(fieldError.invalid(path, controller, 'must be a domain-prefixed path (such as "acme.io/foo")'));
    return;
  }
  for (const msg of isDNS1123Subdomain(host)) c.push(fieldError.invalid(path, host, msg));
  if (!new RegExp(`^${HTTP_PATH_FMT}$`).test(rest)) c.push(fieldError.invalid(path, rest, regexError('Invalid path', HTTP_PATH_FMT)));
  const params = spec['parameters'];
  if (isObj(params)) {
    if (!params['kind']) c.push(fieldError.required('spec.parameters.kind', ''));
    if (!params['name']) c.push(fieldError.required('spec.parameters.name', ''));
    const scope = params['scope'];
    if (scope !== 'Cluster' && scope !== 'Namespace') c.push(fieldError.notSupported('spec.parameters.scope', scope ?? '', ['Cluster', 'Namespace']));
    else if (scope === 'Namespace' && !params['namespace']) c.push(fieldError.required('spec.parameters.namespace', '`parameters.scope` is set to \'Namespace\''));
    else if (scope === 'Cluster' && params['namespace']) c.push(fieldError.forbidden('spec.parameters.namespace', '`parameters.scope` is set to \'Cluster\''));
  }
}

/** `ValidateIngressClassUpdate`: the controller never changes. */
export function validateIngressClassUpdate(c: Causes, next: Obj, prev: Obj): void {
  const now = next['spec']?.['controller'];
  if (now !== prev['spec']?.['controller']) c.push(fieldError.invalid('spec.controller', now ?? '', 'field is immutable'));
}

// ---- NetworkPolicy --------------------------------------------------------------------------

/** An IPv4 CIDR as [address, prefix length], or undefined. */
export function ipv4Cidr(v: string): [number, number] | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})\/(\d{1,2})$/.exec(v);
  if (!m) return undefined;
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits > 32) return undefined;
  return [octets.reduce((a, o) => a * 256 + o, 0), bits];
}

function isCidr(v: string): boolean {
  if (ipv4Cidr(v)) return true;
  const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(v);
  return m !== null && m[1]!.includes(':') && Number(m[2]) <= 128;
}

const CIDR_MESSAGE = 'must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)';

function validatePeer(c: Causes, peer: Obj, path: string): void {
  let peers = 0;
  if (isObj(peer['podSelector'])) {
    peers++;
    validateLabelSelector(c, peer['podSelector'], `${path}.podSelector`);
  }
  if (isObj(peer['namespaceSelector'])) {
    peers++;
    validateLabelSelector(c, peer['namespaceSelector'], `${path}.namespaceSelector`);
  }
  const block = peer['ipBlock'];
  if (isObj(block)) {
    peers++;
    const cidr = String(block['cidr'] ?? '');
    if (!cidr) c.push(fieldError.required(`${path}.ipBlock.cidr`, ''));
    else {
      if (!isCidr(cidr)) c.push(fieldError.invalid(`${path}.ipBlock.cidr`, cidr, CIDR_MESSAGE));
      const outer = ipv4Cidr(cidr);
      arr(block['except']).forEach((e, i) => {
        const ex = String(e);
        const at = `${path}.ipBlock.except[${i}]`;
        if (!isCidr(ex)) {
          c.push(fieldError.invalid(at, ex, CIDR_MESSAGE));
          return;
        }
        const inner = ipv4Cidr(ex);
        if (!outer || !inner) return;
        const block = 2 ** (32 - outer[1]);
        const within = Math.floor(inner[0] / block) === Math.floor(outer[0] / block);
        if (!within || outer[1] >= inner[1]) c.push(fieldError.invalid(at, ex, 'must be a strict subset of `cidr`'));
      });
    }
  }
  if (peers === 0) c.push(fieldError.required(path, 'must specify a peer'));
  else if (peers > 1 && isObj(block)) c.push(fieldError.forbidden(path, 'may not specify both ipBlock and another peer'));
}

function validatePort(c: Causes, port: Obj, path: string): void {
  const protocol = port['protocol'];
  if (protocol !== undefined && protocol !== null && !['TCP', 'UDP', 'SCTP'].includes(String(protocol))) c.push(fieldError.notSupported(`${path}.protocol`, protocol, ['TCP', 'UDP', 'SCTP']));
  const p = port['port'];
  const end = port['endPort'];
  if (typeof p === 'number') {
    for (const msg of portNumErrors(p)) c.push(fieldError.invalid(`${path}.port`, p, msg));
    if (typeof end === 'number') {
      if (end < p) c.push(fieldError.invalid(`${path}.endPort`, p, 'must be greater than or equal to `port`'));
      for (const msg of portNumErrors(end)) c.push(fieldError.invalid(`${path}.endPort`, end, msg));
    }
  } else if (typeof p === 'string') {
    if (typeof end === 'number') c.push(fieldError.invalid(`${path}.endPort`, end, 'may not be specified when `port` is non-numeric'));
    for (const msg of isValidPortName(p)) c.push(fieldError.invalid(`${path}.port`, p, msg));
  } else if (typeof end === 'number') c.push(fieldError.invalid(`${path}.endPort`, end, 'may not be specified when `port` is not specified'));
}

/** `ValidateNetworkPolicySpec`. */
export function validateNetworkPolicy(c: Causes, obj: Obj): void {
  const spec: Obj = isObj(obj['spec']) ? obj['spec'] : {};
  validateLabelSelector(c, isObj(spec['podSelector']) ? spec['podSelector'] : {}, 'spec.podSelector');
  for (const [kind, peersField] of [['ingress', 'from'], ['egress', 'to']] as const) {
    arr(spec[kind]).forEach((rule, i) => {
      if (!isObj(rule)) return;
      const path = `spec.${kind}[${i}]`;
      arr(rule['ports']).forEach((port, j) => isObj(port) && validatePort(c, port, `${path}.ports[${j}]`));
      arr(rule[peersField]).forEach((peer, j) => isObj(peer) && validatePeer(c, peer, `${path}.${peersField}[${j}]`));
    });
  }
  const types = arr(spec['policyTypes']);
  if (types.length > 2) {
    c.push(fieldError.invalid('spec.policyTypes', new GoValue(`&[]networking.PolicyType{${types.map((t) => JSON.stringify(String(t))).join(', ')}}`), 'may not specify more than two policyTypes'));
    return;
  }
  types.forEach((t, i) => {
    if (t !== 'Ingress' && t !== 'Egress') c.push(fieldError.notSupported(`spec.policyTypes[${i}]`, t, ['Ingress', 'Egress']));
  });
}

/** `SetDefaults_NetworkPolicy` and `SetDefaults_NetworkPolicyPort` (in place). */
export function defaultNetworkPolicy(np: Obj): void {
  const spec = np['spec'];
  if (!isObj(spec)) return;
  if (arr(spec['policyTypes']).length === 0) spec['policyTypes'] = arr(spec['egress']).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
  for (const kind of ['ingress', 'egress']) {
    for (const rule of arr(spec[kind])) {
      for (const port of isObj(rule) ? arr(rule['ports']) : []) if (isObj(port) && (port['protocol'] === undefined || port['protocol'] === null)) port['protocol'] = 'TCP';
    }
  }
}

/** `SetDefaults_IngressClass`: parameters without a scope are cluster-scoped. */
export function defaultIngressClass(ic: Obj): void {
  const params = ic['spec']?.['parameters'];
  if (isObj(params) && (params['scope'] === undefined || params['scope'] === null)) params['scope'] = 'Cluster';
}
