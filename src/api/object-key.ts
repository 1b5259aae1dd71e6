/** The key of an object in a store, a work queue or a map of objects: `namespace/name`, or `name` for a cluster-scoped object. */
export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const m = obj.metadata;
  return m?.namespace ? `${m.namespace}/${m.name}` : m?.name ?? '';
}
