/**
 * Routing of the Kubernetes REST API: an HTTP method, path and query become either a static
 * document (version, discovery, OpenAPI), or a request to the API server (`RequestSpec`: verb,
 * group, resource, namespace, name, subresource, query), or a routing error (404, 405, 400 for a
 * bad query parameter).
 */
import { resourceForGroupResource, type ResourceInfo } from '../api/resources.js';
import type { ApiQuery, Verb } from '../../machines/protocol.js';
import { servesGroupVersion } from './discovery.js';
import { HPA_V1 } from '../api/autoscaling-v1.js';
import { EVENTS_V1 } from '../api/events-v1.js';
import type { IncludeObject } from './table.js';

/** Where a request goes. */
export type Route =
  | { kind: 'version' }
  | { kind: 'health'; check: string }
  | { kind: 'discovery'; which: 'api' | 'apis' }
  | { kind: 'group'; group: string }
  | { kind: 'resources'; group: string; version: string }
  | { kind: 'openapi-root' }
  | { kind: 'openapi-v2' }
  | { kind: 'openapi'; key: string; hash?: string }
  | { kind: 'resource'; request: ResourceRequest }
  | { kind: 'error'; code: 400 | 404 | 405; message: string };

/** A request for the API server, with what the HTTP layer needs to answer it. */
export interface ResourceRequest {
  verb: Verb;
  group: string;
  version: string;
  /** Plural resource name from the path. */
  resource: string;
  /** The registry entry (undefined for a resource this server does not have: the API server answers 404). */
  info?: ResourceInfo;
  namespace?: string;
  name?: string;
  subresource?: string;
  query: ApiQuery;
  /** `?timeoutSeconds=` of a watch or list. */
  timeoutSeconds?: number;
  /** `?includeObject=` of a Table. */
  includeObject?: IncludeObject;
  /** `?dryRun=All`. */
  dryRun: boolean;
}

const VERBS_BY_METHOD: Record<string, true> = { GET: true, HEAD: true, POST: true, PUT: true, PATCH: true, DELETE: true };

function bool(params: URLSearchParams, name: string): boolean | undefined {
  const v = params.get(name);
  if (v === null) return undefined;
  if (v === '' || v === 'true' || v === '1' || v === 'True') return true;
  if (v === 'false' || v === '0' || v === 'False') return false;
  throw new QueryError(`invalid value for ${name}: ${JSON.stringify(v)}: must be a boolean`);
}

function int(params: URLSearchParams, name: string, min = 0): number | undefined {
  const v = params.get(name);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw new QueryError(`invalid value for ${name}: ${JSON.stringify(v)}: must be an integer`);
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < min) throw new QueryError(`invalid value for ${name}: ${v}: must be an integer >= ${min}`);
  return n;
}

class QueryError extends Error {}

/** Turns the query string into ApiQuery; throws QueryError for bad values. */
function parseQuery(params: URLSearchParams): { query: ApiQuery; watch: boolean; timeoutSeconds?: number; includeObject?: IncludeObject; dryRun: boolean } {
  const q: ApiQuery = {};
  const str = (name: keyof ApiQuery) => {
    const v = params.get(name);
    if (v !== null && v !== '') (q as Record<string, unknown>)[name] = v;
  };
  str('labelSelector');
  str('fieldSelector');
  str('resourceVersion');
  str('continue');
  str('fieldManager');
  const limit = int(params, 'limit');
  if (limit !== undefined && limit > 0) q.limit = limit;
  const rvm = params.get('resourceVersionMatch');
  if (rvm) {
    if (rvm !== 'Exact' && rvm !== 'NotOlderThan') throw new QueryError(`invalid value for resourceVersionMatch: ${JSON.stringify(rvm)}: supported values: "Exact", "NotOlderThan"`);
    q.resourceVersionMatch = rvm;
  }
  const fv = params.get('fieldValidation');
  if (fv) {
    if (fv !== 'Strict' && fv !== 'Warn' && fv !== 'Ignore') throw new QueryError(`fieldValidation must be one of "Ignore", "Warn", or "Strict", got: ${JSON.stringify(fv)}`);
    q.fieldValidation = fv;
  }
  const pp = params.get('propagationPolicy');
  if (pp) {
    if (pp !== 'Background' && pp !== 'Foreground' && pp !== 'Orphan') throw new QueryError(`invalid value for propagationPolicy: ${JSON.stringify(pp)}: supported values: "Background", "Foreground", "Orphan"`);
    q.propagationPolicy = pp;
  }
  const grace = int(params, 'gracePeriodSeconds');
  if (grace !== undefined) q.gracePeriodSeconds = grace;
  const sie = bool(params, 'sendInitialEvents');
  if (sie !== undefined) q.sendInitialEvents = sie;
  const awb = bool(params, 'allowWatchBookmarks');
  if (awb !== undefined) q.allowWatchBookmarks = awb;
  const force = bool(params, 'force');
  if (force) q.force = true;
  const dry = params.getAll('dryRun').filter((v) => v !== '');
  for (const v of dry) if (v !== 'All') throw new QueryError(`invalid dry run value: ${JSON.stringify(v)}: supported values: "All"`);
  const include = params.get('includeObject');
  if (include && include !== 'None' && include !== 'Metadata' && include !== 'Object') {
    throw new QueryError(`invalid value for includeObject: ${JSON.stringify(include)}: supported values: "None", "Metadata", "Object"`);
  }
  return {
    query: q,
    watch: bool(params, 'watch') === true,
    timeoutSeconds: int(params, 'timeoutSeconds'),
    includeObject: (include || undefined) as IncludeObject | undefined,
    dryRun: dry.length > 0,
  };
}

function decode(segment: string): string | undefined {
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}

/**
 * Routes one request.
 *
 * @param method - the HTTP method.
 * @param url - path and query (`/api/v1/namespaces/default/pods?limit=500`).
 */
export function route(method: string, url: string): Route {
  let parsed: URL;
  try {
    parsed = new URL(url, 'http://localhost');
  } catch {
    return { kind: 'error', code: 404, message: 'the server could not find the requested resource' };
  }
  const path = parsed.pathname.replace(/\/+$/, '') || '/';
  const raw = path.split('/').filter((p) => p !== '');
  const parts = raw.map(decode);
  if (parts.some((p) => p === undefined)) return { kind: 'error', code: 404, message: 'the server could not find the requested resource' };
  const p = parts as string[];
  const isRead = method === 'GET' || method === 'HEAD';

  if (path === '/version') return isRead ? { kind: 'version' } : notAllowed();
  if (p[0] === 'healthz' || p[0] === 'livez' || p[0] === 'readyz') return isRead ? { kind: 'health', check: p.join('/') } : notAllowed();
  if (p[0] === 'openapi') {
    if (!isRead) return notAllowed();
    if (p[1] === 'v2' && p.length === 2) return { kind: 'openapi-v2' };
    if (p[1] === 'v3' && p.length === 2) return { kind: 'openapi-root' };
    if (p[1] === 'v3') {
      const hash = parsed.searchParams.get('hash');
      return { kind: 'openapi', key: p.slice(2).join('/'), ...(hash ? { hash } : {}) };
    }
    return notFound();
  }
  if (p[0] !== 'api' && p[0] !== 'apis') return notFound();

  // discovery documents
  if (p.length === 1) return isRead ? { kind: 'discovery', which: p[0] } : notAllowed();
  let group: string;
  let version: string;
  let rest: string[];
  if (p[0] === 'api') {
    group = '';
    version = p[1]!;
    rest = p.slice(2);
  } else {
    group = p[1]!;
    if (p.length === 2) return isRead ? { kind: 'group', group } : notAllowed();
    version = p[2]!;
    rest = p.slice(3);
  }
  if (!servesGroupVersion(group, version)) return notFound();
  if (rest.length === 0) return isRead ? { kind: 'resources', group, version } : notAllowed();

  // resources
  if (!VERBS_BY_METHOD[method]) return notAllowed();
  let legacyWatch = false;
  if (rest[0] === 'watch') {
    if (!isRead) return notAllowed();
    legacyWatch = true;
    rest = rest.slice(1);
    if (rest.length === 0) return notFound();
  }
  let namespace: string | undefined;
  let resource: string;
  let tail: string[];
  const lookup = (plural: string) => {
    if (group === 'autoscaling' && version === 'v1' && plural === HPA_V1.plural) return HPA_V1;
    if (group === EVENTS_V1.group && version === EVENTS_V1.version && plural === EVENTS_V1.plural) return EVENTS_V1;
    const info = resourceForGroupResource(group, plural);
    return info && info.version === version ? info : undefined;
  };
  if (rest[0] === 'namespaces' && rest.length >= 3) {
    const nsInfo = group === '' ? lookup('namespaces') : undefined;
    if (rest.length === 3 && nsInfo && nsInfo.subresources.some((s) => s.name === rest[2]) && !lookup(rest[2]!)) {
      resource = 'namespaces';
      tail = [rest[1]!, rest[2]!];
    } else {
      namespace = rest[1]!;
      resource = rest[2]!;
      tail = rest.slice(3);
    }
  } else {
    resource = rest[0]!;
    tail = rest.slice(1);
  }
  if (tail.length > 2 || resource === '' || (namespace !== undefined && namespace === '')) return notFound();
  const name = tail[0];
  const subresource = tail[1];
  if (legacyWatch && subresource) return notFound();
  const info = lookup(resource);
  if (info && namespace !== undefined && !info.namespaced) return notFound();

  let q: ReturnType<typeof parseQuery>;
  try {
    q = parseQuery(parsed.searchParams);
  } catch (error) {
    if (error instanceof QueryError) return { kind: 'error', code: 400, message: error.message };
    throw error;
  }
  const watch = isRead && (legacyWatch || q.watch) && !subresource;
  let verb: Verb;
  switch (method) {
    case 'GET':
    case 'HEAD':
      verb = watch ? 'watch' : name === undefined ? 'list' : 'get';
      break;
    case 'POST':
      if (name !== undefined && subresource === undefined) return notAllowed();
      verb = 'create';
      break;
    case 'PUT':
      verb = 'update';
      break;
    case 'PATCH':
      verb = 'patch';
      break;
    case 'DELETE':
      verb = name === undefined ? 'deletecollection' : 'delete';
      break;
    default:
      return notAllowed();
  }
  if (verb === 'watch' && name !== undefined) {
    // a watch of one object: the collection's watch with a metadata.name field selector
    const byName = `metadata.name=${name.replace(/\\/g, '\\\\').replace(/,/g, '\\,').replace(/=/g, '\\=')}`;
    q.query.fieldSelector = q.query.fieldSelector ? `${q.query.fieldSelector},${byName}` : byName;
  }
  if (info) {
    // verbs the registry does not list for the resource or subresource are not allowed
    const verbs = subresource ? info.subresources.find((s) => s.name === subresource)?.verbs : info.verbs;
    if (verbs && !verbs.includes(verb === 'watch' && subresource === undefined ? 'watch' : verb)) {
      if (!(verb === 'update' && name === undefined) && !(verb === 'patch' && name === undefined)) return notAllowed();
    }
  }
  const request: ResourceRequest = {
    verb,
    group,
    version,
    resource,
    info,
    ...(namespace !== undefined ? { namespace } : {}),
    ...(verb === 'watch' ? {} : name !== undefined ? { name } : {}),
    ...(subresource !== undefined ? { subresource } : {}),
    query: q.query,
    ...(q.timeoutSeconds !== undefined ? { timeoutSeconds: q.timeoutSeconds } : {}),
    ...(q.includeObject ? { includeObject: q.includeObject } : {}),
    dryRun: q.dryRun,
  };
  return { kind: 'resource', request };
}

function notFound(): Route {
  return { kind: 'error', code: 404, message: 'the server could not find the requested resource' };
}

function notAllowed(): Route {
  return { kind: 'error', code: 405, message: 'the server does not allow this method on the requested resource' };
}
