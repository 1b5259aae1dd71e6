/**
 * A client's patch to an object the API server serves in another version than it stores
 * (autoscaling/v1 HorizontalPodAutoscalers, events.k8s.io/v1 Events): the patch applies to the
 * object as served, as kube-apiserver applies it to the object converted to the request's version.
 */
import * as S from '../api/status.js';
import type { Status } from '../api/types.js';
import { jsonPatch, type JsonPatchOperation } from '../api/json-patch.js';
import { jsonMergePatch } from '../api/merge-patch.js';
import { PatchError } from '../api/patch.js';
import { strategicMergePatch } from '../api/strategic-merge-patch.js';
import { isObject } from '../api/json-values.js';

/**
 * Applies a JSON patch, a strategic merge patch or a JSON merge patch (`patchType` `json`,
 * `strategic` or anything else) to `served`, an object of `kind`: the patched object, or the 400
 * Status for a patch that is malformed or does not produce an object.
 */
export function patchServedObject(served: Record<string, unknown>, body: unknown, patchType: string, kind: string): { patched: Record<string, unknown> } | { error: Status } {
  let patched: unknown;
  try {
    if (patchType === 'json') {
      if (!Array.isArray(body)) return { error: S.badRequest('json patch must be an array of operations') };
      patched = jsonPatch(served, body as JsonPatchOperation[]);
    } else if (patchType === 'strategic') {
      if (!isObject(body)) return { error: S.badRequest('strategic merge patch must be a JSON object') };
      patched = strategicMergePatch(served, body, kind);
    } else {
      patched = jsonMergePatch(served, body);
    }
  } catch (error) {
    if (error instanceof PatchError) return { error: S.badRequest(error.message) };
    throw error;
  }
  if (!isObject(patched)) return { error: S.badRequest('the patch did not produce an object') };
  return { patched };
}

