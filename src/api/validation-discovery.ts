/**
 * Validation of EndpointSlices (discovery.k8s.io/v1), after `pkg/apis/discovery/validation`
 * (`ValidateEndpointSlice`, `ValidateEndpointSliceUpdate`): the address type, up to 1,000
 * endpoints of 1 to 100 addresses each that match it, their conditions, hostname, node name and
 * target, and up to 100 ports with unique names.
 */
import type { AnyObject } from './types.js';
import { fieldError } from './status.js';
import { isDNS1123Label, isDNS1123Subdomain } from './names.js';
import type { Causes } from './validation-meta.js';
import { isObject } from './json-values.js';

type Obj = Record<string, unknown>;
const isObj: (v: unknown) => v is Obj = isObject;
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);
const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** The address types an EndpointSlice may carry (`discovery.AddressType`). */
const ADDRESS_TYPES = ['FQDN', 'IPv4', 'IPv6'];
const PROTOCOLS = ['SCTP', 'TCP', 'UDP'];
/** `maxEndpoints`, `maxAddresses`, `maxPorts` of the real validation. */
const MAX_ENDPOINTS = 1000;
const MAX_ADDRESSES = 100;
const MAX_PORTS = 100;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function isIPv6(text: string): boolean {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return false;
  const parts = text.split('::');
  if (parts.length > 2) return false;
  const groups = parts.flatMap((p) => (p === '' ? [] : p.split(':')));
  return groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g) || IPV4.test(g)) && (parts.length === 2 ? groups.length < 8 : groups.length === 8);
}

function validateAddress(c: Causes, path: string, address: string, addressType: string): void {
  if (addressType === 'IPv4') {
    if (!IPV4.test(address)) c.push(fieldError.invalid(path, address, 'must be a valid IPv4 address'));
  } else if (addressType === 'IPv6') {
    if (!isIPv6(address)) c.push(fieldError.invalid(path, address, 'must be a valid IPv6 address'));
  } else if (addressType === 'FQDN') {
    for (const msg of isDNS1123Subdomain(address)) c.push(fieldError.invalid(path, address, msg));
  }
}

/** `ValidateEndpointSlice`: the checks of a new or updated EndpointSlice. */
export function validateEndpointSlice(c: Causes, slice: AnyObject): void {
  const addressType = str(slice['addressType']);
  if (addressType === undefined || addressType === '') c.push(fieldError.required('addressType'));
  else if (!ADDRESS_TYPES.includes(addressType)) c.push(fieldError.notSupported('addressType', addressType, ADDRESS_TYPES));

  const endpoints = arr(slice['endpoints']);
  if (endpoints.length > MAX_ENDPOINTS) c.push(fieldError.tooMany('endpoints', endpoints.length, MAX_ENDPOINTS));
  endpoints.forEach((ep, i) => {
    if (!isObj(ep)) return;
    const p = `endpoints[${i}]`;
    const addresses = arr(ep['addresses']);
    if (addresses.length === 0) c.push(fieldError.required(`${p}.addresses`, 'must contain at least 1 address'));
    else if (addresses.length > MAX_ADDRESSES) c.push(fieldError.tooMany(`${p}.addresses`, addresses.length, MAX_ADDRESSES));
    addresses.forEach((a, j) => {
      if (typeof a === 'string' && addressType && ADDRESS_TYPES.includes(addressType)) validateAddress(c, `${p}.addresses[${j}]`, a, addressType);
    });
    const hostname = str(ep['hostname']);
    if (hostname !== undefined) for (const msg of isDNS1123Label(hostname)) c.push(fieldError.invalid(`${p}.hostname`, hostname, msg));
    const nodeName = str(ep['nodeName']);
    if (nodeName !== undefined) for (const msg of isDNS1123Subdomain(nodeName)) c.push(fieldError.invalid(`${p}.nodeName`, nodeName, msg));
    if (ep['deprecatedTopology'] !== undefined && ep['deprecatedTopology'] !== null) {
      c.push(fieldError.forbidden(`${p}.deprecatedTopology`, 'not supported by kube-actors (deprecated: use zone and nodeName)'));
    }
    if (ep['hints'] !== undefined && ep['hints'] !== null) c.push(fieldError.forbidden(`${p}.hints`, 'topology-aware routing hints are not supported by kube-actors'));
  });

  const ports = arr(slice['ports']);
  if (ports.length > MAX_PORTS) c.push(fieldError.tooMany('ports', ports.length, MAX_PORTS));
  const names = new Set<string>();
  ports.forEach((port, i) => {
    if (!isObj(port)) return;
    const p = `ports[${i}]`;
    const name = str(port['name']) ?? '';
    if (name !== '') for (const msg of isDNS1123Label(name)) c.push(fieldError.invalid(`${p}.name`, name, msg));
    if (names.has(name)) c.push(fieldError.duplicate(`${p}.name`, name));
    names.add(name);
    const protocol = str(port['protocol']);
    if (protocol === undefined) c.push(fieldError.required(`${p}.protocol`));
    else if (!PROTOCOLS.includes(protocol)) c.push(fieldError.notSupported(`${p}.protocol`, protocol, PROTOCOLS));
    const num = port['port'];
    if (typeof num === 'number' && (num < 0 || num > 65535)) c.push(fieldError.invalid(`${p}.port`, num, 'must be between 0 and 65535, inclusive'));
  });
}

/** `ValidateEndpointSliceUpdate`: the address type cannot change. */
export function validateEndpointSliceUpdate(c: Causes, next: AnyObject, prev: AnyObject): void {
  if (next['addressType'] !== prev['addressType']) c.push(fieldError.invalid('addressType', next['addressType'] ?? null, 'field is immutable'));
}
