/**
 * `events.k8s.io/v1` Event requests: the API server stores and serves only core/v1 Events, so the
 * HTTP layer converts (`src/api/events-v1.ts`) as kube-apiserver's events.k8s.io storage (the core
 * Event store behind a converting codec) does:
 *
 * - the request goes to the core Events with `requestGroup: 'events.k8s.io'`, so RBAC decides on
 *   the group the client named;
 * - a field selector is mapped to the core selectable fields (`regarding.name` →
 *   `involvedObject.name`), an unknown label refused with 400;
 * - a create or update body is type-checked and its unknown fields refused, warned about or
 *   dropped (`fieldValidation`), converted, then checked by `ValidateEventCreate` /
 *   `ValidateEventUpdate`'s strict rules for this version (422); a JSON, merge or strategic merge
 *   patch is applied to the object in v1 form (read, convert, patch, convert back, update with
 *   the resourceVersion as precondition, again on a conflict unless the patch named one);
 * - a server-side apply (`kubectl apply --server-side`) is applied to the object in v1 form too,
 *   its managedFields entry recorded for events.k8s.io/v1 as the real server records the version
 *   the manager applied in; an event that does not exist is created from the configuration;
 * - every object coming out is converted back (a Table prints the stored one).
 */
import * as S from '../api/status.js';
import type { KubeObject, Status, StatusCause } from '../api/types.js';
import type { ApiResponse } from '../../machines/protocol.js';
import type { RequestSpec } from '../../machines/client/api-client.js';
import { decodeError } from '../api/decoding.js';
import { CORE_EVENTS, eventFromV1, eventsV1FieldSelector, EventsV1SelectorError, eventToV1, unknownEventsV1Fields, withoutFields, answerAsEventsV1 } from '../api/events-v1.js';
import { SelectorError } from '../api/selectors.js';
import { legacyValidateEvent, strictValidateEventCreate, strictValidateEventUpdate } from '../api/validation-events.js';
import { patchServedObject } from './served-version-patch.js';
import { applyConfiguration, conflictStatus } from '../api/server-side-apply.js';
import { isObject } from '../api/json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

/** The API server's request for an events.k8s.io/v1 one (the core Events, authorized as events.k8s.io), or the 400 of a bad field selector. */
export function eventsV1Request(spec: RequestSpec): { spec: RequestSpec } | { error: Status } {
  const out: RequestSpec = { ...spec, group: '', requestGroup: 'events.k8s.io' };
  const selector = spec.query?.fieldSelector;
  if (selector) {
    try {
      out.query = { ...spec.query, fieldSelector: eventsV1FieldSelector(selector) };
    } catch (error) {
      if (error instanceof SelectorError || error instanceof EventsV1SelectorError) return { error: S.badRequest(error.message) };
      throw error;
    }
  }
  return { spec: out };
}

/** The API server's answer, its Events as events.k8s.io/v1 shows them. */
export function eventsV1Answer(answer: ApiResponse): ApiResponse {
  return answer.code < 300 ? { ...answer, body: answerAsEventsV1(answer.body) as KubeObject } : answer;
}

/** A converted body, the warnings of its dropped unknown fields, or the error to answer. */
type Converted = { body: Obj; warnings: string[] } | { error: Status };

/** The core body of an events.k8s.io/v1 create or update: type meta and field types checked, unknown fields handled, converted. */
function bodyToCore(body: Obj, fieldValidation: string | undefined): Converted {
  if ((body.apiVersion !== undefined && body.apiVersion !== 'events.k8s.io/v1') || (body.kind !== undefined && body.kind !== 'Event')) {
    return { error: S.badRequest(`the API version in the data (${String(body.apiVersion)}) and kind (${String(body.kind)}) do not match the resource events.events.k8s.io (events.k8s.io/v1 Event)`) };
  }
  const typeError = decodeError(body, 'events.k8s.io/v1', 'Event');
  if (typeError) return { error: S.badRequest(`Event in version "v1" cannot be handled as a Event: ${typeError}`) };
  const unknown = unknownEventsV1Fields(body);
  if (unknown.length > 0 && fieldValidation === 'Strict') return { error: S.strictDecodingError('Event', 'v1', unknown) };
  const known = unknown.length > 0 ? withoutFields(body, unknown) : body;
  return { body: eventFromV1(known), warnings: fieldValidation === 'Ignore' ? [] : unknown.map((f) => `unknown field "${f}"`) };
}

/** The 422 of the strict (events.k8s.io/v1) and legacy Event checks, or undefined when they pass. */
function invalidEvent(next: Obj, old: Obj | undefined): Status | undefined {
  const causes: StatusCause[] = [];
  legacyValidateEvent(causes, next);
  if (old) strictValidateEventUpdate(causes, next, old);
  else strictValidateEventCreate(causes, next);
  if (causes.length === 0) return undefined;
  return S.invalid(CORE_EVENTS, String(next.metadata?.name ?? next.metadata?.generateName ?? ''), causes);
}

/**
 * Runs an events.k8s.io/v1 create, update or patch against the core Events (`request` sends to
 * the API server; `spec` comes from {@link eventsV1Request}); `prepareCreate` adds what the
 * HTTP layer adds to any create (the creator's managedFields entry). The answer is the API
 * server's, still in core form.
 */
export async function writeEventsV1(request: (spec: RequestSpec) => Promise<ApiResponse>, spec: RequestSpec, prepareCreate: (body: KubeObject) => KubeObject): Promise<ApiResponse> {
  const fieldValidation = spec.query?.fieldValidation;
  if (spec.verb === 'patch') return patchEventsV1(request, spec);
  if (!isObj(spec.body)) return request(spec);
  const converted = bodyToCore(spec.body, fieldValidation);
  if ('error' in converted) return failAuthorized(request, spec, converted.error);
  let old: Obj | undefined;
  if (spec.verb === 'update') {
    const current = await request({ ...get(spec) });
    // a missing event is the update's own answer (404, or a create when the store allows it)
    if (current.code < 300) old = current.body;
  }
  const invalid = invalidEvent(converted.body, old);
  if (invalid) return failAuthorized(request, spec, invalid);
  const body = spec.verb === 'create' ? prepareCreate(converted.body) : converted.body;
  return withWarnings(await request({ ...spec, body }), converted.warnings);
}

/**
 * A server-side apply of an events.k8s.io/v1 Event (`spec` from {@link eventsV1Request}, with
 * `patchType: 'apply'`): the configuration is checked as kube-apiserver checks an apply body,
 * applied to the live event in v1 form (or to nothing: a create) with structured merge and the
 * field manager's ownership, converted back and written with the resourceVersion read as
 * precondition (read again on a conflict). The answer is the API server's, in core form.
 */
export async function applyEventsV1(request: (spec: RequestSpec) => Promise<ApiResponse>, spec: RequestSpec, time: () => string): Promise<ApiResponse> {
  const { patchType: _patchType, fieldManager, force, ...query } = spec.query ?? {};
  const body = spec.body;
  if (!fieldManager) return failAuthorized(request, spec, S.badRequest('PATCH with apply patches requires a fieldManager (fieldManager is required for apply requests)'));
  if (!isObj(body)) return failAuthorized(request, spec, S.badRequest('apply patch must be a JSON or YAML object'));
  if (body.apiVersion !== 'events.k8s.io/v1' || body.kind !== 'Event') {
    const message =
      body.kind === undefined || body.apiVersion === undefined
        ? "Object 'Kind' is missing in the apply configuration: apiVersion and kind must be set (events.k8s.io/v1 Event)"
        : `the API version in the data (${String(body.apiVersion)}) and kind (${String(body.kind)}) do not match the resource events.events.k8s.io (events.k8s.io/v1 Event)`;
    return failAuthorized(request, spec, S.badRequest(message));
  }
  const typeError = decodeError(body, 'events.k8s.io/v1', 'Event');
  if (typeError) return failAuthorized(request, spec, S.badRequest(`Event in version "v1" cannot be handled as a Event: ${typeError}`));
  const config = { ...body, metadata: { ...(isObj(body.metadata) ? body.metadata : {}), name: spec.name } } as KubeObject;
  const options = { manager: String(fieldManager), force: force === true, time: time() };
  for (let attempt = 0; ; attempt++) {
    const current = await request(get(spec));
    if (current.code >= 300 && current.code !== 404) return current;
    const old = current.code === 404 ? undefined : (current.body as Obj);
    const result = applyConfiguration(old ? (eventToV1(old)) : undefined, config, 'Event', options);
    if (!result.ok) return fail(conflictStatus(result.conflicts));
    const converted = bodyToCore(result.object, query.fieldValidation);
    if ('error' in converted) return fail(converted.error);
    const next = converted.body;
    const invalid = invalidEvent(next, old);
    if (invalid) return fail(invalid);
    let answer: ApiResponse;
    if (old) {
      next.metadata = { ...(isObj(next.metadata) ? next.metadata : {}), resourceVersion: old.metadata?.resourceVersion };
      answer = await request({ ...spec, verb: 'update', body: next, query });
    } else {
      answer = await request({ ...spec, verb: 'create', name: undefined, body: next, query });
      // created meanwhile by someone else: apply to it
      if (answer.code === 409 && attempt < 4) continue;
    }
    if (answer.code === 409 && old && attempt < 4) continue;
    return withWarnings(answer, converted.warnings);
  }
}

function get(spec: RequestSpec): RequestSpec {
  return { verb: 'get', group: spec.group, resource: spec.resource, namespace: spec.namespace, name: spec.name, ...(spec.requestGroup ? { requestGroup: spec.requestGroup } : {}), ...(spec.impersonate ? { impersonate: spec.impersonate } : {}) };
}

async function patchEventsV1(request: (spec: RequestSpec) => Promise<ApiResponse>, spec: RequestSpec): Promise<ApiResponse> {
  const { patchType = 'merge', ...query } = spec.query ?? {};
  const patchRv = isObj(spec.body) && isObj(spec.body.metadata) ? spec.body.metadata.resourceVersion : undefined;
  for (let attempt = 0; ; attempt++) {
    const current = await request(get(spec));
    if (current.code >= 300) return current;
    const old = current.body as Obj;
    const v1 = eventToV1(old);
    const result = patchServedObject(v1, spec.body, patchType, 'Event');
    if ('error' in result) return fail(result.error);
    const patched = result.patched;
    const converted = bodyToCore(patched, query.fieldValidation);
    if ('error' in converted) return fail(converted.error);
    const next = converted.body;
    next.metadata = { ...(isObj(next.metadata) ? next.metadata : {}), resourceVersion: patchRv ?? old.metadata?.resourceVersion };
    const invalid = invalidEvent(next, old);
    if (invalid) return fail(invalid);
    const answer = await request({ ...spec, verb: 'update', body: next, query });
    if (answer.code === 409 && patchRv === undefined && attempt < 4) continue;
    return withWarnings(answer, converted.warnings);
  }
}

/** The error, unless the user may not even read the events (then the API server's 401 or 403, as it would answer first). */
async function failAuthorized(request: (spec: RequestSpec) => Promise<ApiResponse>, spec: RequestSpec, status: Status): Promise<ApiResponse> {
  const check = await request(spec.name === undefined ? { ...get(spec), verb: 'list' } : get(spec));
  if (check.code === 401 || check.code === 403) return check;
  return fail(status);
}

function withWarnings(answer: ApiResponse, warnings: readonly string[]): ApiResponse {
  return warnings.length > 0 ? { ...answer, warnings: [...warnings, ...(answer.warnings ?? [])] } : answer;
}

function fail(status: Status): ApiResponse {
  return { type: 'api.response', id: '', code: status.code ?? 400, body: status };
}
