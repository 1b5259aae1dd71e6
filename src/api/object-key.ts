/** The key of an object in a store, a work queue or a map of objects: `namespace/name`, or `name` for a cluster-scoped object. */
export function objectKey(obj: { metadata?: { namespace?: string; name?: string } }): string {
  const m = obj.metadata;
  return m?.namespace ? `${m.namespace}/${m.name}` : m?.name ?? '';
}

/**
 * `namespace/name`, an unset namespace taken as `default` (the API server's default): the key of a
 * pod that may not have been through the API server's defaulting yet, such as one a test or a
 * manifest builds, where {@link objectKey} would give the bare name of a cluster-scoped object.
 */
export function keyDefaultingNamespace(obj: { metadata?: { namespace?: string; name?: string } }): string {
  return `${obj.metadata?.namespace ?? 'default'}/${obj.metadata?.name ?? ''}`;
}
