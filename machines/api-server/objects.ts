/** Small helpers on request bodies and objects the API server's steps share. */
import type { KubeObject, Status } from '../../src/api/types.js';
import * as S from '../../src/api/status.js';
import type { Obj } from './strategy.js';
import { isObject as isJsonObject } from '../../src/api/json-values.js';

/** The object's metadata (created empty if it has none). */
export function meta(obj: Obj): NonNullable<KubeObject['metadata']> {
  return (obj.metadata ??= {});
}

/** A JSON object (not an array, not null). */
export const isObject: (v: unknown) => v is Obj = isJsonObject;

/** 400 `Deployment in version "v1" cannot be handled as a Deployment: <decoder error>` (the serializer's wording). */
export function cannotBeHandled(kind: string, version: string, error: string): Status {
  return S.badRequest(`${kind} in version "${version}" cannot be handled as a ${kind}: ${error}`);
}
