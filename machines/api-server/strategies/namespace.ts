/**
 * The namespace strategy and REST (`pkg/registry/core/namespace/strategy.go`,
 * `storage/storage.go`): a new namespace is Active; a delete marks it Terminating while its
 * `spec.finalizers` (the namespace controller's `kubernetes`) remain; the namespaces a cluster
 * cannot do without are never deleted (NamespaceLifecycle admission).
 */
import type { Obj, Strategy } from '../strategy.js';

const IMMORTAL_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

const specFinalizers = (obj: Obj): number => (obj.spec?.finalizers as string[] | undefined)?.length ?? 0;

/** The namespace strategy. */
export const namespaceStrategy: Strategy = {
  generation: true,
  prepareForCreate(obj) {
    obj.status = { phase: 'Active' };
  },
  readyToDelete: (obj) => specFinalizers(obj) === 0,
  finalizing: (obj) => specFinalizers(obj) > 0,
  deleteForbidden: (name) => (IMMORTAL_NAMESPACES.has(name) ? 'this namespace may not be deleted' : undefined),
};
