/**
 * OpenAPI v3 documents as kube-apiserver serves them: `/openapi/v3` lists one document per group
 * version (`serverRelativeURL` with the document's hash, so clients cache it), and each document
 * has the REST paths of its resources with their operations and, in `components.schemas`, the
 * schemas of its kinds, their lists and subresource kinds and every struct they reach
 * (`io.k8s.api.core.v1.Pod`, `io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta`…), generated at
 * build time from kubernetes-models (`src/api/openapi-schemas.generate.ts`). Request and response
 * bodies `$ref` them. What kubectl does with them:
 * - `kubectl explain` finds a resource's kind on its paths' operations
 *   (`x-kubernetes-group-version-kind`) and its schema by the same extension in
 *   `components.schemas`, and prints fields, types, `-required-` and descriptions;
 * - `kubectl apply` (client-side) computes its strategic merge patch from the kind's schema: the
 *   list merge keys are the `x-kubernetes-patch-strategy` / `x-kubernetes-patch-merge-key` of
 *   the schemas, taken from `src/api/patch.ts`, the keys the API server merges with;
 * - kubectl reads a kind's PATCH operation (its `fieldValidation` query parameter) to decide that
 *   the server validates fields, and then sends `fieldValidation=Strict` instead of validating on
 *   its own.
 * The documents are built once, on the first request (about 2 MB of JSON for all group versions),
 * and kept with their JSON text. As kube-openapi serves them: an `ETag` of the document's hash
 * (`If-None-Match` answered 304); asked with the current `?hash=`, `Cache-Control: public,
 * immutable` and an `Expires` a year ahead, so kubectl's HTTP cache keeps it; with a stale hash, a
 * 301 to the current URL; JSON only (an `Accept` without JSON is 406). `/openapi/v2`, derived
 * from these documents, is `openapi-v2.ts`.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { OPENAPI_SCHEMAS_JSON } from '../api/openapi-schemas.data.js';
import { RESOURCES, type GroupVersionKind, type ResourceInfo } from '../api/resources.js';
import { groupVersions, SERVER_VERSION } from './discovery.js';
import { HPA_V1 } from '../api/autoscaling-v1.js';
import { EVENTS_V1 } from '../api/events-v1.js';

type Json = Record<string, unknown>;


function param(name: string, where: 'query' | 'path', type: 'string' | 'boolean' | 'integer', description: string): Json {
  return { name, in: where, description, ...(where === 'path' ? { required: true } : {}), schema: { type, uniqueItems: true } };
}

const P = {
  name: (kind: string) => param('name', 'path', 'string', `name of the ${kind}`),
  namespace: param('namespace', 'path', 'string', 'object name and auth scope, such as for teams and projects'),
  pretty: param('pretty', 'query', 'string', "If 'true', then the output is pretty printed."),
  dryRun: param('dryRun', 'query', 'string', 'When present, indicates that modifications should not be persisted. Valid values are: - All: all dry run stages will be processed'),
  fieldManager: param('fieldManager', 'query', 'string', 'fieldManager is a name associated with the actor or entity that is making these changes.'),
  fieldValidation: param(
    'fieldValidation',
    'query',
    'string',
    'fieldValidation instructs the server on how to handle objects in the request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid values are: - Ignore - Warn - Strict',
  ),
  force: param('force', 'query', 'boolean', 'Force is going to "force" Apply requests. It means user will re-acquire conflicting fields owned by other people.'),
  labelSelector: param('labelSelector', 'query', 'string', 'A selector to restrict the list of returned objects by their labels.'),
  fieldSelector: param('fieldSelector', 'query', 'string', 'A selector to restrict the list of returned objects by their fields.'),
  limit: param('limit', 'query', 'integer', 'limit is a maximum number of responses to return for a list call.'),
  continue: param('continue', 'query', 'string', 'The continue option should be set when retrieving more results from the server.'),
  resourceVersion: param('resourceVersion', 'query', 'string', 'resourceVersion sets a constraint on what resource versions a request may be served from.'),
  watch: param('watch', 'query', 'boolean', 'Watch for changes to the described resources and return them as a stream of add, update, and remove notifications.'),
  allowWatchBookmarks: param('allowWatchBookmarks', 'query', 'boolean', 'allowWatchBookmarks requests watch events with type "BOOKMARK".'),
  sendInitialEvents: param('sendInitialEvents', 'query', 'boolean', 'sendInitialEvents=true may be set together with watch=true.'),
  timeoutSeconds: param('timeoutSeconds', 'query', 'integer', 'Timeout for the list/watch call.'),
  gracePeriodSeconds: param('gracePeriodSeconds', 'query', 'integer', 'The duration in seconds before the object should be deleted.'),
  propagationPolicy: param('propagationPolicy', 'query', 'string', "Whether and how garbage collection will be performed: 'Orphan', 'Background', 'Foreground'."),
};

/** All the schemas, parsed on first use, and the name of each kind's schema by `group/version/kind`. */
let parsed: { schemas: Record<string, Json>; byKind: Map<string, string> } | undefined;

function allSchemas(): { schemas: Record<string, Json>; byKind: Map<string, string> } {
  if (parsed) return parsed;
  const schemas = JSON.parse(OPENAPI_SCHEMAS_JSON) as Record<string, Json>;
  const byKind = new Map<string, string>();
  for (const [name, schema] of Object.entries(schemas)) {
    for (const gvk of (schema['x-kubernetes-group-version-kind'] as GroupVersionKind[] | undefined) ?? []) byKind.set(`${gvk.group}/${gvk.version}/${gvk.kind}`, name);
  }
  parsed = { schemas, byKind };
  return parsed;
}

const META = 'io.k8s.apimachinery.pkg.apis.meta.v1';
const STATUS = `${META}.Status`;

/**
 * The `$ref` of a kind's schema; for a kind without one, `otherwise`: the metrics API's kinds
 * (an object) and the connect subresources' option kinds (`PodExecOptions`: a stream, a string).
 */
function refTo(gvk: GroupVersionKind | string, otherwise: Json = { type: 'object' }): Json {
  const name = typeof gvk === 'string' ? gvk : allSchemas().byKind.get(`${gvk.group}/${gvk.version}/${gvk.kind}`);
  return name ? { $ref: `#/components/schemas/${name}` } : otherwise;
}

function responses(codes: number[], schema: Json): Json {
  const out: Json = {};
  for (const c of codes) out[String(c)] = { description: c === 201 ? 'Created' : c === 202 ? 'Accepted' : 'OK', content: { 'application/json': { schema }, 'application/yaml': { schema } } };
  out['401'] = { description: 'Unauthorized' };
  return out;
}

function opId(verb: string, r: ResourceInfo, namespaced: boolean, suffix = ''): string {
  const g = r.group === '' ? 'Core' : r.group.split('.')[0]!.replace(/^./, (c) => c.toUpperCase());
  const v = r.version.replace(/^./, (c) => c.toUpperCase());
  return `${verb}${g}${v}${namespaced ? 'Namespaced' : ''}${r.kind}${suffix}`;
}

function operation(verb: string, action: string, r: ResourceInfo, kind: GroupVersionKind, namespaced: boolean, params: Json[], codes: number[], answer: Json, extra: Json = {}, suffix = ''): Json {
  return {
    tags: [r.group === '' ? `core_${r.version}` : `${r.group.replace(/\./g, '')}_${r.version}`],
    description: `${action} ${r.kind}${suffix ? ` ${suffix.toLowerCase()}` : ''}`,
    operationId: opId(verb, r, namespaced, suffix),
    parameters: params,
    ...extra,
    responses: responses(codes, answer),
    'x-kubernetes-action': action,
    'x-kubernetes-group-version-kind': kind,
  };
}

const BODY = (types: string[], schema: Json): Json => ({ requestBody: { content: Object.fromEntries(types.map((t) => [t, { schema }])), required: true } });
const WRITE_TYPES = ['application/json', 'application/yaml'];
const PATCH_TYPES = ['application/apply-patch+yaml', 'application/json-patch+json', 'application/merge-patch+json', 'application/strategic-merge-patch+json'];

function pathsOf(r: ResourceInfo): Record<string, Json> {
  const base = r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`;
  const gvk = { group: r.group, version: r.version, kind: r.kind };
  const obj = refTo(gvk);
  const list = refTo({ group: r.group, version: r.version, kind: r.listKind });
  const status = refTo(STATUS);
  const deleteBody = BODY(WRITE_TYPES, refTo(`${META}.DeleteOptions`));
  const patchBody = BODY(PATCH_TYPES, refTo(`${META}.Patch`));
  const verbs = new Set(r.verbs);
  const ns = r.namespaced;
  const collection = ns ? `${base}/namespaces/{namespace}/${r.plural}` : `${base}/${r.plural}`;
  const item = `${collection}/{name}`;
  const scope = ns ? [P.namespace] : [];
  const listParams = [P.allowWatchBookmarks, P.continue, P.fieldSelector, P.labelSelector, P.limit, P.resourceVersion, P.sendInitialEvents, P.timeoutSeconds, P.watch];
  const paths: Record<string, Json> = {};
  const coll: Json = { parameters: [...scope, P.pretty] };
  if (verbs.has('list')) coll.get = operation('list', 'list', r, gvk, ns, listParams, [200], list);
  if (verbs.has('create')) coll.post = operation('create', 'post', r, gvk, ns, [P.dryRun, P.fieldManager, P.fieldValidation], [200, 201, 202], obj, BODY(WRITE_TYPES, obj));
  if (verbs.has('deletecollection')) coll.delete = operation('deletecollection', 'deletecollection', r, gvk, ns, [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy, ...listParams], [200], status, deleteBody);
  paths[collection] = coll;
  const one: Json = { parameters: [P.name(r.kind), ...scope, P.pretty] };
  if (verbs.has('get')) one.get = operation('read', 'get', r, gvk, ns, [], [200], obj);
  if (verbs.has('update')) one.put = operation('replace', 'put', r, gvk, ns, [P.dryRun, P.fieldManager, P.fieldValidation], [200, 201], obj, BODY(WRITE_TYPES, obj));
  if (verbs.has('patch')) one.patch = operation('patch', 'patch', r, gvk, ns, [P.dryRun, P.fieldManager, P.fieldValidation, P.force], [200, 201], obj, patchBody);
  // kube-apiserver answers a delete with the object for pods (graceful deletion), with a Status otherwise
  if (verbs.has('delete')) one.delete = operation('delete', 'delete', r, gvk, ns, [P.dryRun, P.gracePeriodSeconds, P.propagationPolicy], [200, 202], r.kind === 'Pod' ? obj : status, deleteBody);
  paths[item] = one;
  if (ns && verbs.has('list')) {
    paths[`${base}/${r.plural}`] = { parameters: [P.pretty], get: operation('list', 'list', r, gvk, false, listParams, [200], list, {}, 'ForAllNamespaces') };
  }
  for (const s of r.subresources) {
    const sub: Json = { parameters: [P.name(r.kind), ...scope, P.pretty] };
    const kind = s.responseKind;
    const body = refTo(kind, { type: 'string' });
    const suffix = s.name.replace(/^./, (c) => c.toUpperCase());
    const sv = new Set(s.verbs);
    if (sv.has('get')) sub.get = operation('read', 'get', r, kind, ns, [], [200], body, {}, suffix);
    if (sv.has('update')) sub.put = operation('replace', 'put', r, kind, ns, [P.dryRun, P.fieldManager, P.fieldValidation], [200, 201], body, BODY(WRITE_TYPES, body), suffix);
    if (sv.has('patch')) sub.patch = operation('patch', 'patch', r, kind, ns, [P.dryRun, P.fieldManager, P.fieldValidation, P.force], [200, 201], body, patchBody, suffix);
    if (sv.has('create')) sub.post = operation('create', 'post', r, kind, ns, [P.dryRun, P.fieldManager, P.fieldValidation], [200, 201, 202], body, BODY(WRITE_TYPES, body), suffix);
    paths[`${item}/${s.name}`] = sub;
  }
  return paths;
}

/** The schemas the paths reference, and every schema those reference, sorted by name. */
function schemasFor(paths: Record<string, Json>): Record<string, Json> {
  const { schemas } = allSchemas();
  const out = new Map<string, Json>();
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (const n of node) visit(n);
      return;
    }
    if (typeof node !== 'object' || node === null) return;
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') {
        const name = v.slice('#/components/schemas/'.length);
        if (!out.has(name)) {
          const schema = schemas[name];
          if (!schema) throw new Error(`OpenAPI: no schema ${name}`);
          out.set(name, schema);
          visit(schema);
        }
      } else visit(v);
    }
  };
  visit(paths);
  return Object.fromEntries([...out].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** The key of a group version's document under `/openapi/v3/`: `api/v1`, `apis/apps/v1`. */
function openApiKey(group: string, version: string): string {
  return group === '' ? `api/${version}` : `apis/${group}/${version}`;
}

/** A group version's document, its JSON text and its hash (kube-openapi's ETag). */
interface OpenApiEntry {
  doc: Json;
  text: string;
  hash: string;
}

const docs = new Map<string, OpenApiEntry>();

function build(): void {
  if (docs.size > 0) return;
  for (const gv of groupVersions()) {
    // autoscaling/v1 HorizontalPodAutoscaler and events.k8s.io/v1 Event are served by conversion beside the stored kinds
    const served = [...RESOURCES, HPA_V1, EVENTS_V1].filter((r) => r.group === gv.group && r.version === gv.version);
    const paths: Record<string, Json> = {};
    for (const r of served) Object.assign(paths, pathsOf(r));
    const doc: Json = {
      openapi: '3.0.0',
      info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion },
      paths,
      components: { schemas: schemasFor(paths) },
    };
    const text = JSON.stringify(doc);
    const hash = createHash('sha512').update(text).digest('hex').slice(0, 128).toUpperCase();
    docs.set(openApiKey(gv.group, gv.version), { doc, text, hash });
  }
}

/** The URL of a group version's document, with its hash (`/openapi/v3/apis/apps/v1?hash=…`). */
function openApiUrl(key: string, hash: string): string {
  return `/openapi/v3/${key}?hash=${hash}`;
}

/** `GET /openapi/v3`: where each group version's document is. */
export function openApiRoot(): Json {
  build();
  const paths: Record<string, Json> = {};
  for (const [key, { hash }] of docs) paths[key] = { serverRelativeURL: openApiUrl(key, hash) };
  return { paths };
}

/** `GET /openapi/v3/<key>`: the document of one group version, or undefined. */
export function openApiDocument(key: string): Json | undefined {
  return openApiEntry(key)?.doc;
}

function openApiEntry(key: string): OpenApiEntry | undefined {
  build();
  return docs.get(key.replace(/^\/+|\/+$/g, ''));
}

/**
 * Answers `GET /openapi/v3/<key>` as kube-openapi's HandleGroupVersion does: JSON (406 for an
 * Accept without it), an ETag of the hash (304 for a matching If-None-Match), and with `?hash=`
 * a 301 to the current URL when the hash is stale, else cacheable for a year. Returns the status
 * code written, or undefined (nothing written) when there is no such document.
 */
export function serveOpenApiDocument(req: IncomingMessage, res: ServerResponse, key: string, hash: string | undefined): number | undefined {
  const entry = openApiEntry(key);
  if (!entry) return undefined;
  const accept = req.headers.accept ?? '*/*';
  if (!accept.split(',').some((a) => /^\s*(\*\/\*|application\/\*|application\/json)\s*(;|$)/.test(a))) {
    res.writeHead(406).end();
    return 406;
  }
  res.setHeader('Vary', 'Accept');
  res.setHeader('Etag', `"${entry.hash}"`);
  if (hash !== undefined && hash !== entry.hash) {
    res.writeHead(301, { Location: openApiUrl(key.replace(/^\/+|\/+$/g, ''), entry.hash) }).end();
    return 301;
  }
  if (hash !== undefined) {
    res.setHeader('Cache-Control', 'public, immutable');
    const expires = new Date();
    expires.setUTCFullYear(expires.getUTCFullYear() + 1);
    res.setHeader('Expires', expires.toUTCString());
  }
  if (req.headers['if-none-match']?.split(',').some((t) => t.trim() === `"${entry.hash}"`)) {
    res.writeHead(304).end();
    return 304;
  }
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Content-Length', Buffer.byteLength(entry.text));
  res.writeHead(200);
  res.end(req.method === 'HEAD' ? undefined : entry.text);
  return 200;
}
