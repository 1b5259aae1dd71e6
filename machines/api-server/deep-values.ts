/**
 * The API server's look at a write's body for values nested deeper than the kind's types bound
 * (src/api/deep-input.ts), before anything walks the body recursively: unknown and mismatched
 * deep values are emptied (the decoder then drops, names or refuses them as it would the deep
 * ones), and a deep free-form value is refused as a limit of the simulator.
 */
import { boundDeepValues, dottedPath, MAX_FREE_FORM_DEPTH } from '../../src/api/deep-input.js';
import { rootStruct } from '../../src/api/decoding.js';
import type { ResourceInfo } from '../../src/api/resources.js';
import * as S from '../../src/api/status.js';
import type { Status } from '../../src/api/types.js';
import type { ApiRequest } from '../protocol.js';

/** The kind a write's body decodes into: the resource's, or its subresource's (a Scale, an Eviction). */
function bodyKind(req: ApiRequest, info: ResourceInfo): { apiVersion: string; kind: string; version: string } {
  const sub = req.subresource && req.subresource !== 'status' ? info.subresources.find((s) => s.name === req.subresource)?.responseKind : undefined;
  if (!sub) return { apiVersion: info.apiVersion, kind: info.kind, version: info.version };
  return { apiVersion: sub.group === '' ? sub.version : `${sub.group}/${sub.version}`, kind: sub.kind, version: sub.version };
}

/**
 * The body to go on with (emptied where needed; the same object when nothing is deep), or the
 * 400 for a free-form value deeper than {@link MAX_FREE_FORM_DEPTH}.
 */
export function admitDeepValues(req: ApiRequest, info: ResourceInfo): { body: unknown } | { error: Status } {
  if (req.verb !== 'create' && req.verb !== 'update' && req.verb !== 'patch') return { body: req.body };
  const { apiVersion, kind, version } = bodyKind(req, info);
  const name = rootStruct(apiVersion, kind);
  const bounded = boundDeepValues(req.body, name ? `@${name}` : 'any', req.verb === 'patch' ? (req.query?.patchType ?? 'merge') : undefined);
  if (!bounded.freeForm) return { body: bounded.body };
  const where = dottedPath(bounded.freeForm) || 'the body';
  return {
    error: S.badRequest(
      `${kind} in version "${version}" cannot be handled as a ${kind}: ${where} nests more than ${MAX_FREE_FORM_DEPTH} levels of arrays and objects, which kube-actors does not store (kube-apiserver accepts up to 10000)`,
    ),
  };
}
