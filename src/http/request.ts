/**
 * What the HTTP server reads from a request and writes in an answer's headers: the bearer token
 * and the impersonation headers, the body (size limit, JSON/YAML/protobuf decoding and the
 * decoder's depth limits), the patch type, the field manager of server-side apply, and the
 * `Warning` and `Retry-After` headers.
 */
import type { IncomingMessage } from 'node:http';
import { parse as parseYaml } from 'yaml';
import * as S from '../api/status.js';
import type { KubeObject, Status } from '../api/types.js';
import type { ResourceInfo } from '../api/resources.js';
import type { Impersonation } from '../../machines/api-server/impersonation.js';
import type { BodyType } from './media.js';
import { updateEntry } from '../api/server-side-apply.js';
import { excessiveNesting, excessiveNestingOf, jsonPrefix, rootStruct, tooDeepMessage } from '../api/decoding.js';
import { boundDeepValues } from '../api/deep-input.js';
import { isObject } from '../api/json-values.js';

/** An error the server answers with its Status (code, reason, message). */
export class HttpError extends Error {
  constructor(readonly status: Status) {
    super(status.message);
  }
}

export const isPlainObject: (v: unknown) => v is Record<string, unknown> = isObject;

/**
 * The impersonation a request asks for, from its `Impersonate-User`, `Impersonate-Group` (one per
 * header), `Impersonate-Uid` and `Impersonate-Extra-<key>` headers (the key lower-cased and
 * percent-decoded, as kube-apiserver reads it); an empty object when it asks for none.
 */
export function impersonationOf(req: Pick<IncomingMessage, 'headersDistinct'>): { impersonate?: Impersonation } {
  const h = req.headersDistinct;
  const imp: Impersonation = {};
  const user = h['impersonate-user']?.[0];
  if (user !== undefined) imp.user = user;
  const groups = h['impersonate-group'];
  if (groups && groups.length > 0) imp.groups = [...groups];
  const uid = h['impersonate-uid']?.[0];
  if (uid !== undefined) imp.uid = uid;
  for (const name of Object.keys(h).sort()) {
    if (!name.startsWith('impersonate-extra-')) continue;
    (imp.extra ??= {})[unescapeExtraKey(name.slice('impersonate-extra-'.length)).toLowerCase()] = [...(h[name] ?? [])];
  }
  return Object.keys(imp).length > 0 ? { impersonate: imp } : {};
}

/** `unescapeExtraKey`: a key percent-decoded as Go's PathUnescape does, or as written when it is not valid escaping. */
function unescapeExtraKey(encoded: string): string {
  if (!/^(?:[^%]|%[0-9A-Fa-f]{2})*$/.test(encoded)) return encoded;
  const bytes: number[] = [];
  for (let i = 0; i < encoded.length; i++) {
    if (encoded[i] === '%') {
      bytes.push(parseInt(encoded.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(encoded[i]!, 'utf8'));
  }
  return Buffer.from(bytes).toString('utf8');
}

/** The bearer token of an Authorization header ('' when none). */
export function bearerToken(header: string | undefined): string {
  if (!header) return '';
  const m = /^\s*bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : '';
}

/** A `Warning: 299 - "text"` header value (RFC 7234), quotes and backslashes escaped. */
export function warningHeader(text: string): string {
  return `299 - "${text.replace(/[\\"]/g, (c) => `\\${c}`).replace(/[\r\n]+/g, ' ')}"`;
}

export function statusFor(code: number, message: string): Status {
  switch (code) {
    case 400:
      return S.badRequest(message);
    case 404:
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'NotFound', details: {}, code: 404 };
    case 405:
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason: 'MethodNotAllowed', details: {}, code: 405 };
    default:
      return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, code };
  }
}

export function patchTypeOf(type: BodyType): { patchType?: 'strategic' | 'merge' | 'json' | 'apply' } {
  switch (type) {
    case 'json-patch':
      return { patchType: 'json' };
    case 'merge-patch':
      return { patchType: 'merge' };
    case 'strategic-merge-patch':
      return { patchType: 'strategic' };
    case 'apply-patch':
      return { patchType: 'apply' };
    default:
      return {};
  }
}

/**
 * Decodes a JSON (or YAML) body; a malformed one is a 400, and so is one nested deeper than Go's
 * decoder goes (`kind`: the kind a create or update decodes into, for the serializer's wording).
 */
export function decodeBody(text: string, yaml: boolean, kind?: string): unknown {
  if (!yaml) {
    const tooDeep = excessiveNesting(text);
    if (tooDeep) throw new HttpError(S.badRequest(tooDeepMessage(tooDeep, kind, text)));
    try {
      return JSON.parse(text) as unknown;
    } catch (error) {
      throw new HttpError(S.badRequest(`couldn't get version/kind; json parse error: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
  try {
    const docs = parseYaml(text, { prettyErrors: false, uniqueKeys: true, maxAliasCount: 100 }) as unknown;
    const tooDeep = excessiveNestingOf(docs);
    if (tooDeep) throw new HttpError(S.badRequest(tooDeepMessage(tooDeep, kind, jsonPrefix(docs))));
    return docs;
  } catch (error) {
    if (error instanceof HttpError) throw error;
    // the YAML parser recurses per level of nesting: a document nested thousands of levels deep overflows it
    const why = error instanceof RangeError || (error instanceof Error && error.message.includes('Maximum call stack size exceeded')) ? `yaml: the document nests more levels than this server's YAML parser follows (send such a body as JSON)` : error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new HttpError(S.badRequest(`error converting YAML to JSON: ${why}`));
  }
}

class BodyTooLarge extends HttpError {}

/** Reads a whole body, up to `max` bytes (413 beyond). */
export function readAll(req: IncomingMessage, max: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let failed = false;
    req.on('data', (chunk: Buffer) => {
      if (failed) return;
      size += chunk.length;
      if (size > max) {
        failed = true;
        reject(new BodyTooLarge(S.requestEntityTooLarge(`the request body is larger than ${max} bytes`)));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => {
      if (!failed) resolve(Buffer.concat(chunks));
    });
    req.on('error', (error) => {
      if (!failed) reject(error);
    });
  });
}

/** Consumes and drops a body. */
export function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.readableEnded) return resolve();
    req.on('data', () => {});
    req.on('end', () => resolve());
    req.on('error', () => resolve());
  });
}

/**
 * The `Retry-After` header of an answer, as apiserver's response writers set it: the seconds of a
 * Status's `details.retryAfterSeconds` when positive (a 429 from an eviction whose budget is still
 * being processed says 10), else none.
 */
export function retryAfterHeader(body: unknown): string | undefined {
  const status = body as { kind?: string; details?: { retryAfterSeconds?: number } } | null;
  const seconds = status?.kind === 'Status' ? status.details?.retryAfterSeconds : undefined;
  return seconds !== undefined && seconds > 0 ? String(seconds) : undefined;
}

/** The field manager of a client that named none: its User-Agent up to the first `/`, as Kubernetes does. */
export function managerFromUserAgent(ua: string | undefined): string {
  const prefix = (ua ?? '').split('/')[0]!.trim().slice(0, 128);
  return prefix || 'unknown';
}

/** A created object with the creator's managedFields entry (operation Update), unless it has some. */
export function withCreateManagedFields(obj: KubeObject, info: ResourceInfo, manager: string, time: string): KubeObject {
  if (!isPlainObject(obj.metadata) && obj.metadata !== undefined) return obj;
  if (obj.metadata && (obj.metadata).managedFields !== undefined) return obj;
  // the fields are collected recursively: deep values the decoder drops or refuses are emptied
  // first, and a deep free-form value is left for the API server to refuse (admitDeepValues)
  const root = rootStruct(info.apiVersion, info.kind);
  const bounded = boundDeepValues(obj, root ? `@${root}` : 'any');
  if (bounded.freeForm) return obj;
  obj = bounded.body;
  const typed = { ...obj, apiVersion: obj.apiVersion ?? info.apiVersion, kind: obj.kind ?? info.kind };
  const entry = updateEntry(typed, info.kind, manager, time, { ignoreStatus: info.subresources.some((s) => s.name === 'status') });
  if (!entry) return obj;
  return { ...obj, metadata: { ...(obj.metadata ?? {}), managedFields: [entry] } };
}

// ---- one call ---------------------------------------------------------------------------------------
