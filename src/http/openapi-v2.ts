/**
 * `/openapi/v2`: the Swagger 2.0 document kube-apiserver still serves, derived from the v3
 * documents of `openapi.ts` (the same schemas as `definitions`, `$ref: #/definitions/…`; the
 * paths and operations of every group version), in JSON or, as client-go asks for it
 * (`application/com.github.proto-openapi.spec.v2@v1.0+protobuf`), in gnostic's `openapi.v2`
 * protobuf. kubectl reads it for client-side validation when the server cannot validate a kind
 * (a kind the v3 documents do not list: with the kind absent from the definitions it skips the
 * validation and says `no matches for kind`), for `kubectl explain --output plaintext-openapiv2`,
 * and for apply patches when v3 fails.
 */
import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { SERVER_VERSION } from './discovery.js';
import { openApiDocument, openApiRoot } from './openapi.js';
import { isObject } from '../api/json-values.js';

type Json = Record<string, unknown>;

const isObj: (v: unknown) => v is Json = isObject;
const V3_REF = '#/components/schemas/';

/** A v3 schema in its v2 form: `$ref` beside its siblings instead of in `allOf`, no `oneOf`. */
function schemaV2(s: Json): Json {
  const out: Json = {};
  for (const [k, v] of Object.entries(s)) {
    if (k === 'allOf' && Array.isArray(v) && v.length === 1 && isObj(v[0]) && typeof v[0].$ref === 'string') out.$ref = refV2(v[0].$ref);
    else if (k === '$ref' && typeof v === 'string') out.$ref = refV2(v);
    // Quantity (string or number) and IntOrString (format int-or-string) are strings in v2
    else if (k === 'oneOf') out.type = 'string';
    else if (k === 'items' || k === 'additionalProperties') out[k] = isObj(v) ? schemaV2(v) : v;
    else if (k === 'properties' && isObj(v)) out[k] = Object.fromEntries(Object.entries(v).map(([p, ps]) => [p, schemaV2(ps as Json)]));
    else out[k] = v;
  }
  return out;
}

function refV2(ref: string): string {
  return `#/definitions/${ref.slice(V3_REF.length)}`;
}

/** A v3 operation in its v2 form. */
function operationV2(op: Json): Json {
  const body = (op.requestBody as Json | undefined)?.content as Record<string, Json> | undefined;
  const responses = op.responses as Record<string, Json>;
  const parameters = (op.parameters as Json[]).map(parameterV2);
  if (body) parameters.unshift({ in: 'body', name: 'body', required: true, schema: schemaV2(Object.values(body)[0]!.schema as Json) });
  const out: Json = {
    consumes: body ? Object.keys(body) : ['*/*'],
    description: op.description,
    operationId: op.operationId,
    parameters,
    produces: ['application/json', 'application/yaml'],
    responses: Object.fromEntries(
      Object.entries(responses).map(([code, r]) => {
        const schema = (r.content as Record<string, Json> | undefined)?.['application/json']?.schema as Json | undefined;
        return [code, { description: r.description, ...(schema ? { schema: schemaV2(schema) } : {}) }];
      }),
    ),
    schemes: ['https'],
    tags: op.tags,
  };
  for (const [k, v] of Object.entries(op)) if (k.startsWith('x-')) out[k] = v;
  return out;
}

function parameterV2(p: Json): Json {
  const schema = p.schema as Json;
  return { description: p.description, in: p.in, name: p.name, ...(p.required ? { required: true } : {}), type: schema.type, uniqueItems: true };
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

let built: { json: string; protobuf: Buffer; hash: string } | undefined;

/** The v2 document (JSON text and protobuf), built once from the v3 documents. */
function build(): { json: string; protobuf: Buffer; hash: string } {
  if (built) return built;
  const paths: Record<string, Json> = {};
  const definitions: Record<string, Json> = {};
  for (const key of Object.keys((openApiRoot() as { paths: Json }).paths)) {
    const doc = openApiDocument(key)!;
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      const v2: Json = { parameters: (item.parameters as Json[]).map(parameterV2) };
      for (const m of METHODS) if (item[m]) v2[m] = operationV2(item[m] as Json);
      paths[path] = v2;
    }
    for (const [name, schema] of Object.entries((doc.components as { schemas: Record<string, Json> }).schemas)) definitions[name] ??= schemaV2(schema);
  }
  const sortedPaths = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : 1)));
  const sortedDefinitions = Object.fromEntries(Object.entries(definitions).sort(([a], [b]) => (a < b ? -1 : 1)));
  const document = { swagger: '2.0', info: { title: 'Kubernetes', version: SERVER_VERSION.gitVersion }, paths: sortedPaths, definitions: sortedDefinitions };
  const json = JSON.stringify(document);
  built = { json, protobuf: encodeDocument(document), hash: createHash('sha512').update(json).digest('hex').slice(0, 128).toUpperCase() };
  return built;
}

const PROTOBUF = 'application/com.github.proto-openapi.spec.v2@v1.0+protobuf';
/** What kube-openapi answers protobuf with (`@` is not allowed in a Content-Type, which Go's mime parser checks). */
const PROTOBUF_CONTENT_TYPE = 'application/com.github.proto-openapi.spec.v2.v1.0+protobuf';

/**
 * Answers `GET /openapi/v2` as kube-apiserver does: protobuf when the Accept header asks for it,
 * else JSON; an ETag (304 for a matching If-None-Match); 406 when Accept allows neither.
 * Returns the status code written.
 */
export function serveOpenApiV2(req: IncomingMessage, res: ServerResponse): number {
  const doc = build();
  const accept = (req.headers.accept ?? '*/*').split(',').map((a) => a.split(';')[0]!.trim());
  const proto = accept.some((a) => a === PROTOBUF || a === PROTOBUF_CONTENT_TYPE);
  if (!proto && !accept.some((a) => a === '*/*' || a === 'application/*' || a === 'application/json')) {
    res.writeHead(406).end();
    return 406;
  }
  const etag = `"${doc.hash}${proto ? '-pb' : ''}"`;
  res.setHeader('Vary', 'Accept');
  res.setHeader('Etag', etag);
  if (req.headers['if-none-match']?.split(',').some((t) => t.trim() === etag)) {
    res.writeHead(304).end();
    return 304;
  }
  const body = proto ? doc.protobuf : Buffer.from(doc.json);
  res.setHeader('Content-Type', proto ? PROTOBUF_CONTENT_TYPE : 'application/json');
  res.setHeader('Content-Length', body.length);
  res.writeHead(200);
  res.end(req.method === 'HEAD' ? undefined : body);
  return 200;
}

// ---- gnostic openapi.v2 protobuf (OpenAPIv2.proto) ------------------------------------------------

function varint(n: number): Buffer {
  const bytes: number[] = [];
  let v = n;
  while (v > 0x7f) {
    bytes.push((v & 0x7f) | 0x80);
    v = Math.floor(v / 128);
  }
  bytes.push(v);
  return Buffer.from(bytes);
}

/** A length-delimited field (string, bytes or message). */
function field(n: number, data: Buffer): Buffer {
  return Buffer.concat([varint((n << 3) | 2), varint(data.length), data]);
}

const str = (n: number, s: unknown): Buffer[] => (typeof s === 'string' && s !== '' ? [field(n, Buffer.from(s))] : []);
const strs = (n: number, list: unknown): Buffer[] => (Array.isArray(list) ? list.flatMap((s) => str(n, s)) : []);
const bool = (n: number, b: unknown): Buffer[] => (b === true ? [Buffer.concat([varint(n << 3), varint(1)])] : []);
const msg = (n: number, parts: Buffer[]): Buffer => field(n, Buffer.concat(parts));
/** `Any` with its value as YAML (JSON is YAML), as gnostic carries vendor extensions, enums and defaults. */
const any = (n: number, v: unknown): Buffer => msg(n, str(2, `${JSON.stringify(v)}\n`));
const extensions = (n: number, o: Json): Buffer[] =>
  Object.entries(o)
    .filter(([k]) => k.startsWith('x-'))
    .map(([k, v]) => msg(n, [...str(1, k), any(2, v)]));

function encodeSchema(n: number, s: Json): Buffer {
  const parts: Buffer[] = [...str(1, s.$ref), ...str(2, s.format), ...str(4, s.description)];
  if (s.default !== undefined) parts.push(any(5, s.default));
  parts.push(...strs(19, s.required));
  if (Array.isArray(s.enum)) parts.push(...s.enum.map((e) => any(20, e)));
  if (isObj(s.additionalProperties)) parts.push(msg(21, [encodeSchema(1, s.additionalProperties)]));
  if (typeof s.type === 'string') parts.push(msg(22, str(1, s.type)));
  if (isObj(s.items)) parts.push(msg(23, [encodeSchema(1, s.items)]));
  if (isObj(s.properties)) parts.push(msg(25, Object.entries(s.properties).map(([k, v]) => msg(1, [...str(1, k), encodeSchema(2, v as Json)]))));
  parts.push(...extensions(31, s));
  return msg(n, parts);
}

function encodeParameter(n: number, p: Json): Buffer {
  if (p.in === 'body') return msg(n, [msg(1, [msg(1, [...str(1, p.description), ...str(2, p.name), ...str(3, p.in), ...bool(4, p.required), encodeSchema(5, p.schema as Json)])])]);
  // QueryParameterSubSchema (3) and PathParameterSubSchema (4) of NonBodyParameter
  const sub =
    p.in === 'path'
      ? msg(4, [...bool(1, p.required), ...str(2, p.in), ...str(3, p.description), ...str(4, p.name), ...str(5, p.type), ...bool(19, p.uniqueItems)])
      : msg(3, [...bool(1, p.required), ...str(2, p.in), ...str(3, p.description), ...str(4, p.name), ...str(6, p.type), ...bool(20, p.uniqueItems)]);
  return msg(n, [msg(1, [msg(2, [sub])])]);
}

function encodeOperation(n: number, op: Json): Buffer {
  const responses = Object.entries(op.responses as Record<string, Json>).map(([code, r]) =>
    msg(1, [...str(1, code), msg(2, [msg(1, [...str(1, r.description), ...(isObj(r.schema) ? [msg(2, [encodeSchema(1, r.schema)])] : [])])])]),
  );
  return msg(n, [
    ...strs(1, op.tags),
    ...str(3, op.description),
    ...str(5, op.operationId),
    ...strs(6, op.produces),
    ...strs(7, op.consumes),
    ...(op.parameters as Json[]).map((p) => encodeParameter(8, p)),
    msg(9, responses),
    ...strs(10, op.schemes),
    ...extensions(13, op),
  ]);
}

const METHOD_FIELDS: Record<(typeof METHODS)[number], number> = { get: 2, put: 3, post: 4, delete: 5, patch: 8 };

function encodeDocument(doc: { swagger: string; info: Json; paths: Record<string, Json>; definitions: Record<string, Json> }): Buffer {
  const paths = Object.entries(doc.paths).map(([path, item]) => {
    const ops = METHODS.filter((m) => item[m]).map((m) => encodeOperation(METHOD_FIELDS[m], item[m] as Json));
    const params = (item.parameters as Json[]).map((p) => encodeParameter(9, p));
    return msg(2, [...str(1, path), msg(2, [...ops, ...params])]);
  });
  const definitions = Object.entries(doc.definitions).map(([name, schema]) => msg(1, [...str(1, name), encodeSchema(2, schema)]));
  return Buffer.concat([...str(1, doc.swagger), msg(2, [...str(1, doc.info.title), ...str(2, doc.info.version)]), msg(8, paths), msg(9, definitions)]);
}
