/**
 * `autoscaling/v1` HorizontalPodAutoscaler requests: the API server stores and serves only
 * `autoscaling/v2`, so the HTTP layer converts (`src/api/autoscaling-v1.ts`) a v1 body before it
 * goes in and every object coming out (a get, a list, a watch event, a write's answer). A JSON,
 * merge or strategic merge patch of a v1 object is applied as kube-apiserver applies it, to the
 * object in v1 form: the current object is read, converted, patched, converted back and written
 * with its resourceVersion as precondition (again on a conflict, unless the patch named a
 * resourceVersion).
 */
import * as S from '../api/status.js';
import type { KubeObject, Status } from '../api/types.js';
import type { ApiResponse } from '../../machines/protocol.js';
import type { RequestSpec } from '../../machines/client/api-client.js';
import { answerAsV1, hpaFromV1, hpaToV1, unknownV1Fields, withoutUnknownV1Fields } from '../api/autoscaling-v1.js';
import { decodeError } from '../api/decoding.js';
import { patchServedObject } from './served-version-patch.js';
import { isObject } from '../api/json-values.js';

type Obj = Record<string, any>;
const isObj: (v: unknown) => v is Obj = isObject;

/** A converted body, the warnings of its dropped unknown fields, or the error to answer. */
export type V1Body = { body: unknown; warnings: string[] } | { error: Status };

/**
 * The v2 body of an autoscaling/v1 create or update: the type meta checked as the API server
 * checks it, the fields v1 does not have refused (`fieldValidation=Strict`), warned about (`Warn`,
 * the default) or dropped (`Ignore`), then {@link hpaFromV1}.
 */
export function v1BodyToV2(body: unknown, fieldValidation: string | undefined, subresource?: string): V1Body {
  if (!isObj(body)) return { body, warnings: [] };
  if ((body.apiVersion !== undefined && body.apiVersion !== 'autoscaling/v1') || (body.kind !== undefined && body.kind !== 'HorizontalPodAutoscaler')) {
    return { error: S.badRequest(`the API version in the data (${String(body.apiVersion)}) and kind (${String(body.kind)}) do not match the resource horizontalpodautoscalers.autoscaling (autoscaling/v1 HorizontalPodAutoscaler)`) };
  }
  // a wrong-typed field is the decoder's error, named in v1's terms (`v1.HorizontalPodAutoscalerSpec`)
  const typeError = decodeError(body, 'autoscaling/v1', 'HorizontalPodAutoscaler');
  if (typeError) return { error: S.badRequest(`HorizontalPodAutoscaler in version "v1" cannot be handled as a HorizontalPodAutoscaler: ${typeError}`) };
  const unknown = fieldValidation === 'Ignore' ? [] : unknownV1Fields(body);
  if (unknown.length > 0 && fieldValidation === 'Strict') return { error: S.strictDecodingError('HorizontalPodAutoscaler', 'v1', unknown) };
  const known = unknown.length > 0 || fieldValidation === 'Ignore' ? withoutUnknownV1Fields(body, fieldValidation === 'Ignore' ? unknownV1Fields(body) : unknown) : body;
  const converted = hpaFromV1(known);
  // a write to the status subresource carries the status; the main resource ignores it
  if (subresource !== 'status' && !isObj(body.status)) delete converted.status;
  return { body: converted, warnings: unknown.map((f) => `unknown field "${f}"`) };
}

/** The API server's answer, its objects as autoscaling/v1 shows them. */
export function v1Answer(answer: ApiResponse): ApiResponse {
  return answer.code < 300 ? { ...answer, body: answerAsV1(answer.body) as KubeObject } : answer;
}

/** A JSON, merge or strategic merge patch to an autoscaling/v1 HorizontalPodAutoscaler (or its status). */
export async function patchV1(request: (spec: RequestSpec) => Promise<ApiResponse>, spec: RequestSpec, patchType: string): Promise<ApiResponse> {
  const { patchType: _drop, ...query } = spec.query ?? {};
  const patchRv = isObj(spec.body) && isObj(spec.body.metadata) ? spec.body.metadata.resourceVersion : undefined;
  for (let attempt = 0; ; attempt++) {
    const current = await request({ verb: 'get', group: spec.group, resource: spec.resource, namespace: spec.namespace, name: spec.name, ...(spec.impersonate ? { impersonate: spec.impersonate } : {}) });
    if (current.code >= 300) return current;
    const v1 = hpaToV1(current.body);
    const result = patchServedObject(v1, spec.body, patchType, 'HorizontalPodAutoscaler');
    if ('error' in result) return fail(result.error);
    const patched = result.patched;
    const converted = v1BodyToV2(patched, (query as Obj).fieldValidation, spec.subresource);
    if ('error' in converted) return fail(converted.error);
    const next = converted.body as Obj;
    next.metadata = { ...(isObj(next.metadata) ? next.metadata : {}), resourceVersion: patchRv ?? (current.body as Obj).metadata?.resourceVersion };
    const answer = await request({ ...spec, verb: 'update', body: next, query });
    if (answer.code === 409 && patchRv === undefined && attempt < 4) continue;
    return converted.warnings.length > 0 ? { ...answer, warnings: [...converted.warnings, ...(answer.warnings ?? [])] } : answer;
  }
}

function fail(status: Status): ApiResponse {
  return { type: 'api.response', id: '', code: status.code ?? 400, body: status };
}
