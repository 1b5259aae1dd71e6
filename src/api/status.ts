/**
 * `metav1.Status` objects exactly as the real API server writes them
 * (`k8s.io/apimachinery/pkg/api/errors`), field errors as `k8s.io/apimachinery/pkg/util/validation/field`
 * formats them, and a {@link StatusError} for clients that throw.
 *
 * Key order follows the Go structs (kind, apiVersion, metadata, status, message, reason, details,
 * code; details: name, group, kind, uid, causes, retryAfterSeconds) and empty fields are left out,
 * so `JSON.stringify` gives the same text a real server sends.
 */
import type { Status, StatusCause } from './types.js';
import { findResource, qualifiedKind, qualifiedResource, type ResourceInfo } from './resources.js';

/** The `reason` values of a failed Status. */
export type StatusReason =
  | 'NotFound'
  | 'AlreadyExists'
  | 'Conflict'
  | 'Invalid'
  | 'Forbidden'
  | 'Unauthorized'
  | 'BadRequest'
  | 'MethodNotAllowed'
  | 'NotAcceptable'
  | 'UnsupportedMediaType'
  | 'ServiceUnavailable'
  | 'TooManyRequests'
  | 'Gone'
  | 'Expired'
  | 'InternalError'
  | 'Timeout'
  | 'RequestEntityTooLarge';

/** Something a Status can name: a registry entry, or a resource/kind name the registry knows (or any string). */
export type ResourceRef = ResourceInfo | string;

interface Details {
  name?: string;
  group?: string;
  kind?: string;
  uid?: string;
  causes?: StatusCause[];
  retryAfterSeconds?: number;
}

function resolve(ref: ResourceRef): { resource: string; group: string; info?: ResourceInfo } {
  if (typeof ref !== 'string') return { resource: ref.plural, group: ref.group, info: ref };
  const info = findResource(ref);
  if (info) return { resource: info.plural, group: info.group, info };
  const dot = ref.indexOf('.');
  return dot > 0 ? { resource: ref.slice(0, dot), group: ref.slice(dot + 1) } : { resource: ref, group: '' };
}

function qualified(ref: ResourceRef): string {
  const r = resolve(ref);
  if (r.info) return qualifiedResource(r.info);
  return r.group ? `${r.resource}.${r.group}` : r.resource;
}

function details(d: Details): Status['details'] | undefined {
  const out: Details = {};
  if (d.name) out.name = d.name;
  if (d.group) out.group = d.group;
  if (d.kind) out.kind = d.kind;
  if (d.uid) out.uid = d.uid;
  if (d.causes && d.causes.length > 0) out.causes = d.causes;
  if (d.retryAfterSeconds) out.retryAfterSeconds = d.retryAfterSeconds;
  return Object.keys(out).length > 0 ? out : undefined;
}

function failure(code: number, reason: StatusReason | undefined, message: string, d?: Details): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure' };
  if (message) status.message = message;
  if (reason) status.reason = reason;
  const det = d ? details(d) : undefined;
  if (det) status.details = det;
  status.code = code;
  return status;
}

/** 404 `pods "x" not found` (details.kind is the resource, as the real server writes it). */
export function notFound(resource: ResourceRef, name: string): Status {
  const r = resolve(resource);
  return failure(404, 'NotFound', `${qualified(resource)} "${name}" not found`, { name, group: r.group, kind: r.resource });
}

/** 409 `pods "x" already exists`. */
export function alreadyExists(resource: ResourceRef, name: string): Status {
  const r = resolve(resource);
  return failure(409, 'AlreadyExists', `${qualified(resource)} "${name}" already exists`, { name, group: r.group, kind: r.resource });
}

/** The reason text of an optimistic-concurrency conflict. */
const OBJECT_MODIFIED = 'the object has been modified; please apply your changes to the latest version and try again';

/**
 * 409 `Operation cannot be fulfilled on pods "x": the object has been modified; please apply your
 * changes to the latest version and try again` (or another reason given as `message`).
 */
export function conflict(resource: ResourceRef, name: string, message: string = OBJECT_MODIFIED): Status {
  const r = resolve(resource);
  return failure(409, 'Conflict', `Operation cannot be fulfilled on ${qualified(resource)} "${name}": ${message}`, {
    name,
    group: r.group,
    kind: r.resource,
  });
}

/** A bad value whose Go rendering is given verbatim (`intstr.IntOrString{Type:1, IntVal:0, StrVal:"0%"}`). */
export class GoValue {
  constructor(
    /** The text printed after `Invalid value: `. */
    readonly repr: string,
  ) {}
}

/** Formats a value the way `field.Error` prints a bad value (Go `%q` for strings, `%#v` for maps). */
export function formatFieldValue(value: unknown): string {
  if (value instanceof GoValue) return value.repr;
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) {
    if (value.every((v) => typeof v === 'string')) return `[]string{${value.map((v) => JSON.stringify(v)).join(', ')}}`;
    return `[]interface {}{${value.map((v) => formatFieldValue(v)).join(', ')}}`;
  }
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    if (entries.every(([, v]) => typeof v === 'string')) {
      return `map[string]string{${entries.map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`).join(', ')}}`;
    }
    return `map[string]interface {}{${entries.map(([k, v]) => `${JSON.stringify(k)}:${formatFieldValue(v)}`).join(', ')}}`;
  }
  return String(value);
}

/** Marker for field errors whose bad value is not printed (Go's `omitValue`). */
export const OMIT_VALUE: unique symbol = Symbol('omitValue');

function withDetail(body: string, detail?: string): string {
  return detail ? `${body}: ${detail}` : body;
}

function valued(type: string, value: unknown, detail?: string): string {
  return withDetail(value === OMIT_VALUE ? type : `${type}: ${formatFieldValue(value)}`, detail);
}

/**
 * Builders of field errors as StatusCauses (`{ reason, message, field }`), with the messages
 * `field.Error.ErrorBody()` produces: `Required value`, `Invalid value: "x": detail`,
 * `Unsupported value: "x": supported values: "a", "b"`, `Duplicate value: "x"`, `Forbidden: detail`.
 */
export const fieldError = {
  /** `Required value[: detail]`. */
  required(field: string, detail?: string): StatusCause {
    return { reason: 'FieldValueRequired', message: withDetail('Required value', detail), field };
  },
  /** `Invalid value: <value>[: detail]`. */
  invalid(field: string, value: unknown, detail?: string): StatusCause {
    return { reason: 'FieldValueInvalid', message: valued('Invalid value', value, detail), field };
  },
  /** `Invalid value: <value>[: detail]` with reason FieldValueTypeInvalid. */
  typeInvalid(field: string, value: unknown, detail?: string): StatusCause {
    return { reason: 'FieldValueTypeInvalid', message: valued('Invalid value', value, detail), field };
  },
  /** `Unsupported value: <value>: supported values: "a", "b"`. */
  notSupported(field: string, value: unknown, supported: readonly string[]): StatusCause {
    const detail = supported.length > 0 ? `supported values: ${supported.map((s) => JSON.stringify(s)).join(', ')}` : undefined;
    return { reason: 'FieldValueNotSupported', message: valued('Unsupported value', value, detail), field };
  },
  /** `Duplicate value: <value>`. */
  duplicate(field: string, value: unknown): StatusCause {
    return { reason: 'FieldValueDuplicate', message: valued('Duplicate value', value), field };
  },
  /** `Forbidden[: detail]`. */
  forbidden(field: string, detail?: string): StatusCause {
    return { reason: 'FieldValueForbidden', message: withDetail('Forbidden', detail), field };
  },
  /** `Not found: <value>`. */
  notFound(field: string, value: unknown): StatusCause {
    return { reason: 'FieldValueNotFound', message: valued('Not found', value), field };
  },
  /** `Too long: may not be more than N bytes` (or the given detail). */
  tooLong(field: string, maxLength: number, detail?: string): StatusCause {
    return { reason: 'FieldValueTooLong', message: withDetail('Too long', detail ?? `may not be more than ${maxLength} bytes`), field };
  },
  /** `Too many: <actual>: must have at most N items`. */
  tooMany(field: string, actual: number, max: number): StatusCause {
    return { reason: 'FieldValueTooMany', message: `Too many: ${actual}: must have at most ${max} items`, field };
  },
  /** `Internal error: detail`. */
  internal(field: string, detail: string): StatusCause {
    return { reason: 'InternalError', message: withDetail('Internal error', detail), field };
  },
};

/** `field: body`, as `field.Error.Error()` prints one cause. */
function causeText(cause: StatusCause): string {
  return `${cause.field ?? ''}: ${cause.message ?? ''}`;
}

/**
 * The text of an aggregate of causes as `utilerrors.Aggregate` prints it: the one message alone,
 * otherwise `[a, b, c]` with duplicates dropped.
 */
export function aggregateText(causes: readonly StatusCause[]): string {
  const seen = new Set<string>();
  for (const c of causes) seen.add(causeText(c));
  const msgs = [...seen];
  if (msgs.length === 0) return '';
  if (msgs.length === 1) return msgs[0]!;
  return `[${msgs.join(', ')}]`;
}

/**
 * 422 Invalid: `Pod "bad" is invalid: [spec.containers: Required value, ...]`, with one cause per
 * field error. `kind` is a registry entry (qualified as `Deployment.apps`) or a kind string.
 */
export function invalid(kind: ResourceRef, name: string, causes: readonly StatusCause[]): Status {
  let q: string;
  let group = '';
  let k: string;
  if (typeof kind === 'string') {
    const info = findResource(kind);
    if (info && info.kind.toLowerCase() === kind.toLowerCase()) {
      q = qualifiedKind(info);
      group = info.group;
      k = info.kind;
    } else {
      q = kind;
      k = kind;
    }
  } else {
    q = qualifiedKind(kind);
    group = kind.group;
    k = kind.kind;
  }
  const agg = aggregateText(causes);
  const message = agg ? `${q} "${name}" is invalid: ${agg}` : `${q} "${name}" is invalid`;
  return failure(422, 'Invalid', message, { name, group, kind: k, causes: causes.map((c) => ({ ...c })) });
}

/** Attributes of a denied request, as the authorizer sees them. */
export interface ForbiddenAttributes {
  /** User name (`system:anonymous`, `jane`). */
  user: string;
  /** Verb (`get`, `list`, `create`, ...). */
  verb: string;
  /** Resource (plural) or registry entry; absent for non-resource requests. */
  resource?: ResourceRef;
  /** API group; taken from `resource` when omitted. */
  group?: string;
  /** Subresource (`status`, `binding`, ...). */
  subresource?: string;
  /** Namespace; absent means cluster scope. */
  namespace?: string;
  /** Object name, when the request names one. */
  name?: string;
  /** Non-resource path (`/healthz`), for non-resource requests. */
  path?: string;
  /** The authorizer's reason, appended after `: ` when present. */
  reason?: string;
}

/**
 * 403 from authorization: `pods is forbidden: User "u" cannot list resource "pods" in API group ""
 * in the namespace "default"`; `... at the cluster scope` without a namespace; `pods "x" is
 * forbidden: ...` when a name is given; `forbidden: User "u" cannot get path "/x"` for non-resource requests.
 */
export function forbidden(attrs: ForbiddenAttributes): Status {
  if (attrs.resource === undefined) {
    let msg = `User "${attrs.user}" cannot ${attrs.verb} path "${attrs.path ?? ''}"`;
    if (attrs.reason) msg += `: ${attrs.reason}`;
    return failure(403, 'Forbidden', `forbidden: ${msg}`, {});
  }
  const r = resolve(attrs.resource);
  const group = attrs.group ?? r.group;
  const resourceText = attrs.subresource ? `${r.resource}/${attrs.subresource}` : r.resource;
  let msg = attrs.namespace
    ? `User "${attrs.user}" cannot ${attrs.verb} resource "${resourceText}" in API group "${group}" in the namespace "${attrs.namespace}"`
    : `User "${attrs.user}" cannot ${attrs.verb} resource "${resourceText}" in API group "${group}" at the cluster scope`;
  if (attrs.reason) msg += `: ${attrs.reason}`;
  return forbiddenFor(r.resource, group, attrs.name, msg);
}

function forbiddenFor(resource: string, group: string, name: string | undefined, message: string): Status {
  const q = group ? `${resource}.${group}` : resource;
  const text = name ? `${q} "${name}" is forbidden: ${message}` : `${q} is forbidden: ${message}`;
  return failure(403, 'Forbidden', text, { name, group, kind: resource });
}

/**
 * 403 with a free reason, as `NewForbidden(resource, name, err)`: `namespaces "x" is forbidden: <message>`
 * (admission denials, terminating namespaces).
 */
export function forbiddenWithMessage(resource: ResourceRef, name: string | undefined, message: string): Status {
  const r = resolve(resource);
  return forbiddenFor(r.resource, r.group, name, message);
}

/** 401 `Unauthorized`. */
export function unauthorized(message = 'Unauthorized'): Status {
  return failure(401, 'Unauthorized', message);
}

/** 400 BadRequest with the given message. */
export function badRequest(message: string): Status {
  return failure(400, 'BadRequest', message);
}

/**
 * 400 for unknown fields under `fieldValidation=Strict`:
 * `Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.foo", ...`.
 */
export function strictDecodingError(kind: string, version: string, unknownFields: readonly string[]): Status {
  const list = unknownFields.map((f) => `unknown field "${f}"`).join(', ');
  return badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: strict decoding error: ${list}`);
}

/** 405 `create is not supported on resources of kind "pods"` (action is the verb). */
export function methodNotAllowed(resource: ResourceRef, action: string): Status {
  const r = resolve(resource);
  return failure(405, 'MethodNotAllowed', `${action} is not supported on resources of kind "${qualified(resource)}"`, {
    group: r.group,
    kind: r.resource,
  });
}

/** 406 NotAcceptable for an unserviceable Accept header. */
export function notAcceptable(accepted: readonly string[]): Status {
  return failure(406, 'NotAcceptable', `only the following media types are accepted: ${accepted.join(', ')}`);
}

/** 415 `the body of the request was in an unknown format - accepted media types include: ...`. */
export function unsupportedMediaType(accepted: readonly string[]): Status {
  return failure(415, 'UnsupportedMediaType', `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`);
}

/** 503 ServiceUnavailable with the given message. */
export function serviceUnavailable(message: string): Status {
  return failure(503, 'ServiceUnavailable', message);
}

/** 429 TooManyRequests; details.retryAfterSeconds tells clients when to retry. */
export function tooManyRequests(message = 'Too many requests, please try again later.', retryAfterSeconds = 1): Status {
  return failure(429, 'TooManyRequests', message, { retryAfterSeconds });
}

/** 410 Gone with the given message. */
export function gone(message: string): Status {
  return failure(410, 'Gone', message);
}

/** 410 Expired with the given message (`too old resource version: 5 (120)`). */
function expired(message: string): Status {
  return failure(410, 'Expired', message);
}

/** 410 Expired for a watch or list from a compacted revision: `too old resource version: <requested> (<oldest>)`. */
export function tooOldResourceVersion(requested: string | number, oldest: string | number): Status {
  return expired(`too old resource version: ${requested} (${oldest})`);
}

/** 500 `Internal error occurred: <message>`, with the error as the one cause. */
export function internalError(message: string): Status {
  return failure(500, 'InternalError', `Internal error occurred: ${message}`, { causes: [{ message }] });
}

/** 504 Timeout with the given message. */
export function timeout(message: string, retryAfterSeconds?: number): Status {
  return failure(504, 'Timeout', message, retryAfterSeconds ? { retryAfterSeconds } : {});
}

/** 413 RequestEntityTooLarge. */
export function requestEntityTooLarge(message = 'Request entity too large'): Status {
  return failure(413, 'RequestEntityTooLarge', message);
}

/** A `Status Success`, as returned for deletes that have no object to return (details optional). */
export function success(d?: { name?: string; group?: string; kind?: string; uid?: string }): Status {
  const status: Status = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Success' };
  const det = d ? details(d) : undefined;
  if (det) status.details = det;
  return status;
}

/** An error carrying a failed Status; `message` is the Status's message. */
export class StatusError extends Error {
  /** The Status the server answered. */
  readonly status: Status;

  constructor(status: Status) {
    super(status.message ?? status.reason ?? `${status.status ?? 'Failure'} (${status.code ?? 0})`);
    this.name = 'StatusError';
    this.status = status;
  }

  /** HTTP code of the Status (0 when absent). */
  get code(): number {
    return this.status.code ?? 0;
  }

  /** Reason of the Status (`NotFound`, `Conflict`, ...), `''` when absent. */
  get reason(): string {
    return this.status.reason ?? '';
  }
}

/** True when `err` is a {@link StatusError} with this reason (`isReason(e, 'NotFound')`). */
export function isReason(err: unknown, reason: StatusReason): boolean {
  return err instanceof StatusError && err.status.reason === reason;
}
