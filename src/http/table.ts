/**
 * Server-side printing for the HTTP layer: the API server's answers (an object, a list, a watch
 * event's object) turned into what the client asked for with `Accept: ...;as=Table` or
 * `as=PartialObjectMetadata[List]`, using the printers of `src/api/printers.ts`.
 */
import { printTable } from '../api/printers.js';
import type { Table } from '../api/printers-common.js';
import type { ResourceInfo } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';

type Obj = Record<string, unknown>;

/** What a Table row carries (`?includeObject=`). */
export type IncludeObject = 'None' | 'Metadata' | 'Object';

/** True for a list answer (`PodList`...). */
export function isList(body: unknown): body is KubeObject & { items: KubeObject[]; metadata?: Obj } {
  return typeof body === 'object' && body !== null && Array.isArray((body as Obj).items);
}

/** True for an object of the resource itself (not a Status, Scale or other kind). */
export function isObjectOf(info: ResourceInfo, body: unknown): body is KubeObject {
  return typeof body === 'object' && body !== null && (body as KubeObject).kind === info.kind;
}

/** A list or one object as a `meta.k8s.io` Table (`v1` or `v1beta1`). */
export function toTable(info: ResourceInfo, body: KubeObject, now: number, options: { includeObject?: IncludeObject; noHeaders?: boolean; version?: 'v1' | 'v1beta1' } = {}): Table {
  const items = isList(body) ? body.items : [body];
  const meta = isList(body) ? ((body.metadata ?? {}) as Obj) : {};
  const table = printTable(info, items, now, {
    includeObject: options.includeObject ?? 'Metadata',
    noHeaders: options.noHeaders,
    resourceVersion: isList(body) ? (meta.resourceVersion as string | undefined) : undefined,
    continue: meta.continue as string | undefined,
  });
  if (!isList(body)) table.metadata = { resourceVersion: body.metadata?.resourceVersion };
  if (options.version === 'v1beta1') (table as unknown as Obj).apiVersion = 'meta.k8s.io/v1beta1';
  // the rows' objects are PartialObjectMetadata of the same meta.k8s.io version
  if (options.version === 'v1beta1') for (const r of table.rows) if (r.object && (r.object as Obj).kind === 'PartialObjectMetadata') (r.object as Obj).apiVersion = 'meta.k8s.io/v1beta1';
  return table;
}

/** One object as `PartialObjectMetadata`, or a list as `PartialObjectMetadataList`. */
export function toPartial(body: KubeObject, version: 'v1' | 'v1beta1' = 'v1'): KubeObject {
  const apiVersion = `meta.k8s.io/${version}`;
  if (isList(body)) {
    return {
      kind: 'PartialObjectMetadataList',
      apiVersion,
      metadata: body.metadata ?? {},
      items: body.items.map((o) => ({ kind: 'PartialObjectMetadata', apiVersion, metadata: o.metadata ?? {} })),
    } as KubeObject;
  }
  return { kind: 'PartialObjectMetadata', apiVersion, metadata: body.metadata ?? {} };
}
