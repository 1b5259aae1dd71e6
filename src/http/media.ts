/**
 * Media types of the Kubernetes API as the HTTP layer negotiates them: what the client accepts
 * (`Accept`: JSON, YAML, `as=Table`, `as=PartialObjectMetadata[List]`, aggregated discovery) and
 * what its body is (`Content-Type`: JSON, YAML, the four patch types).
 */

/** One media range of an Accept header. */
export interface MediaRange {
  type: string;
  subtype: string;
  params: Record<string, string>;
  q: number;
}

/** Parses `type/subtype;k=v;...` (parameter names lower-cased, values unquoted). */
function parseMediaType(text: string): MediaRange | undefined {
  const parts = text.split(';').map((p) => p.trim());
  const [full, ...rest] = parts;
  if (!full) return undefined;
  const slash = full.indexOf('/');
  if (slash <= 0 || slash === full.length - 1) return undefined;
  const params: Record<string, string> = {};
  let q = 1;
  for (const p of rest) {
    if (!p) continue;
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    const k = p.slice(0, eq).trim().toLowerCase();
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1);
    if (k === 'q') {
      const n = Number(v);
      q = Number.isFinite(n) ? Math.min(1, Math.max(0, n)) : 1;
    } else params[k] = v;
  }
  return { type: full.slice(0, slash).toLowerCase(), subtype: full.slice(slash + 1).toLowerCase(), params, q };
}

/** Parses an Accept header into media ranges, best first (stable for equal q); `*\/*` when empty. */
export function parseAccept(header: string | undefined): MediaRange[] {
  if (!header || !header.trim()) return [{ type: '*', subtype: '*', params: {}, q: 1 }];
  const out = header
    .split(',')
    .map((t) => parseMediaType(t))
    .filter((m): m is MediaRange => m !== undefined && m.q > 0);
  return out.map((m, i) => ({ m, i })).sort((a, b) => b.m.q - a.m.q || a.i - b.i).map(({ m }) => m);
}

/** How a response body is written. */
export type Output =
  | { format: 'json' | 'yaml'; as?: undefined }
  | { format: 'json' | 'yaml'; as: 'Table'; version: 'v1' | 'v1beta1' }
  | { format: 'json' | 'yaml'; as: 'PartialObjectMetadata' | 'PartialObjectMetadataList'; version: 'v1' | 'v1beta1' };

function formatOf(m: MediaRange): 'json' | 'yaml' | undefined {
  if (m.type === '*' && m.subtype === '*') return 'json';
  if (m.type === 'application' && (m.subtype === '*' || m.subtype === 'json')) return 'json';
  if ((m.type === 'application' || m.type === 'text') && (m.subtype === 'yaml' || m.subtype === 'x-yaml')) return 'yaml';
  return undefined;
}

/**
 * What to answer a resource request with, from its Accept header: the first media range we can
 * serve (JSON or YAML, optionally `as=Table` / `as=PartialObjectMetadata[List]` of
 * `meta.k8s.io` v1 or v1beta1). Undefined when nothing acceptable is offered (406).
 */
export function negotiateOutput(accept: string | undefined): Output | undefined {
  for (const m of parseAccept(accept)) {
    const format = formatOf(m);
    if (!format) continue;
    const as = m.params['as'];
    if (!as) return { format };
    const g = m.params['g'];
    const v = m.params['v'];
    if (g !== 'meta.k8s.io' || (v !== 'v1' && v !== 'v1beta1')) continue;
    if (as === 'Table') return { format, as: 'Table', version: v };
    if (as === 'PartialObjectMetadata' || as === 'PartialObjectMetadataList') return { format, as, version: v };
  }
  return undefined;
}

/** Which discovery document the client asked for at `/api` and `/apis`. */
export function negotiateDiscovery(accept: string | undefined): 'v2' | 'v2beta1' | 'legacy' | undefined {
  for (const m of parseAccept(accept)) {
    if (m.params['as'] === 'APIGroupDiscoveryList' && m.params['g'] === 'apidiscovery.k8s.io' && formatOf(m) === 'json') {
      if (m.params['v'] === 'v2') return 'v2';
      if (m.params['v'] === 'v2beta1') return 'v2beta1';
      continue;
    }
    if (m.params['as']) continue;
    if (formatOf(m)) return 'legacy';
  }
  return undefined;
}

/** What a request body is, from its Content-Type. */
export type BodyType = 'json' | 'yaml' | 'json-patch' | 'merge-patch' | 'strategic-merge-patch' | 'apply-patch';

/** Patch body types by content type. */
export const PATCH_CONTENT_TYPES: Readonly<Record<string, BodyType>> = {
  'application/json-patch+json': 'json-patch',
  'application/merge-patch+json': 'merge-patch',
  'application/strategic-merge-patch+json': 'strategic-merge-patch',
  'application/apply-patch+yaml': 'apply-patch',
};

/** Body types of POST and PUT. */
export const OBJECT_CONTENT_TYPES: Readonly<Record<string, BodyType>> = {
  'application/json': 'json',
  'application/yaml': 'yaml',
};

/** The body type of a Content-Type among the allowed ones (an empty one counts as JSON where JSON is allowed). */
export function bodyType(contentType: string | undefined, allowed: Readonly<Record<string, BodyType>>): BodyType | undefined {
  if (!contentType || !contentType.trim()) return allowed['application/json'];
  const m = parseMediaType(contentType);
  if (!m) return undefined;
  return allowed[`${m.type}/${m.subtype}`];
}
