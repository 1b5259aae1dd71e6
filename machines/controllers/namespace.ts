/**
 * The namespace controller (`pkg/controller/namespace`, its `namespacedResourcesDeleter`): a
 * namespace that has a deletionTimestamp is emptied, then finalized.
 *
 * Each sync of a terminating namespace:
 * 1. makes sure its phase is `Terminating`;
 * 2. lists every namespaced resource of the registry in it and deletes each object (propagation
 *    Background, as the real deleter asks); pods go through graceful deletion, objects with
 *    finalizers wait for them;
 * 3. lists again: what remains (and which finalizers hold it) goes into the namespace's deletion
 *    conditions (`NamespaceContentRemaining`, `NamespaceFinalizersRemaining`, ... with the real
 *    reasons and messages), and the namespace is looked at again after `estimate / 2 + 1` seconds
 *    (the estimate: the longest pod grace period, or 15 s for objects held by finalizers);
 * 4. once nothing remains, removes the `kubernetes` finalizer through `namespaces/<ns>/finalize`,
 *    and the API server then removes the namespace.
 *
 * Like the real deleter it uses lists (not a cache) for the namespace's content. It deletes items
 * one by one rather than with `deletecollection`.
 */
import type { KubeObject, Namespace } from '../../src/api/types.js';
import { RESOURCES, type ResourceInfo } from '../../src/api/resources.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type Watches } from './controller.js';
import { clone, type Obj } from './util.js';

/** The controller's name (address `controller-manager/namespace`). */
const NAMESPACE_CONTROLLER = 'namespace';
/** The finalizer this controller owns. */
const KUBERNETES_FINALIZER = 'kubernetes';
/** Default wait for objects held by finalizers (`finalizerEstimateSeconds`). */
const FINALIZER_ESTIMATE_SECONDS = 15;

const CONDITION_TYPES = [
  'NamespaceDeletionDiscoveryFailure',
  'NamespaceDeletionGroupVersionParsingFailure',
  'NamespaceDeletionContentFailure',
  'NamespaceContentRemaining',
  'NamespaceFinalizersRemaining',
] as const;

const OK: Record<(typeof CONDITION_TYPES)[number], { reason: string; message: string }> = {
  NamespaceDeletionDiscoveryFailure: { reason: 'ResourcesDiscovered', message: 'All resources successfully discovered' },
  NamespaceDeletionGroupVersionParsingFailure: { reason: 'ParsedGroupVersions', message: 'All legacy kube types successfully parsed' },
  NamespaceDeletionContentFailure: { reason: 'ContentDeleted', message: 'All content successfully deleted, may be waiting on finalization' },
  NamespaceContentRemaining: { reason: 'ContentRemoved', message: 'All content successfully removed' },
  NamespaceFinalizersRemaining: { reason: 'ContentHasNoFinalizers', message: 'All content-preserving finalizers finished' },
};

/** Every namespaced resource the controller empties a namespace of. */
export function namespacedResources(): ResourceInfo[] {
  return RESOURCES.filter((r) => r.namespaced && r.verbs.includes('delete') && r.verbs.includes('list'));
}

interface Remaining {
  /** `resource.group has N resource instances`, per resource. */
  byResource: Map<string, number>;
  /** objects per finalizer. */
  byFinalizer: Map<string, number>;
  errors: string[];
  estimate: number;
}

type NsWatches = { namespaces: ReturnType<typeof watch<Namespace>> };
type NsCtx = SyncContext<NsWatches & Watches, undefined, Record<string, unknown>>;

interface NamespaceCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  lastTransitionTime?: string;
}

/** The namespace's deletion conditions after a pass (`updateConditions`); undefined when unchanged. */
function nextConditions(ns: Obj, rem: Remaining, now: string): NamespaceCondition[] | undefined {
  const wanted = new Map<string, NamespaceCondition>();
  if (rem.byResource.size > 0) {
    const parts = [...rem.byResource.entries()].map(([r, n]) => `${r} has ${n} resource instances`).sort();
    wanted.set('NamespaceContentRemaining', { type: 'NamespaceContentRemaining', status: 'True', reason: 'SomeResourcesRemain', message: `Some resources are remaining: ${parts.join(', ')}` });
  }
  if (rem.byFinalizer.size > 0) {
    const parts = [...rem.byFinalizer.entries()].map(([f, n]) => `${f} in ${n} resource instances`).sort();
    wanted.set('NamespaceFinalizersRemaining', {
      type: 'NamespaceFinalizersRemaining',
      status: 'True',
      reason: 'SomeFinalizersRemain',
      message: `Some content in the namespace has finalizers remaining: ${parts.join(', ')}`,
    });
  }
  if (rem.errors.length > 0) {
    const msgs = [...rem.errors].sort();
    wanted.set('NamespaceDeletionContentFailure', {
      type: 'NamespaceDeletionContentFailure',
      status: 'True',
      reason: 'ContentDeletionFailed',
      message: `Failed to delete all resource types, ${msgs.length} remaining: ${msgs.join(', ')}`,
    });
  }
  const conditions = ((ns.status?.conditions as NamespaceCondition[] | undefined) ?? []).map((c) => ({ ...c }));
  let changed = false;
  for (const type of CONDITION_TYPES) {
    const next = wanted.get(type) ?? { type, status: 'False', ...OK[type] };
    const old = conditions.find((c) => c.type === type);
    if (!old) {
      conditions.push({ ...next, lastTransitionTime: now });
      changed = true;
    } else if (old.status !== next.status || old.reason !== next.reason || old.message !== next.message) {
      if (old.status !== next.status) old.lastTransitionTime = now;
      old.status = next.status;
      old.reason = next.reason;
      old.message = next.message;
      changed = true;
    }
  }
  return changed ? conditions : undefined;
}

function syncNamespace(name: string, ctx: NsCtx): void {
  const cached = ctx.get('namespaces', name) as Obj | undefined;
  if (!cached?.metadata?.deletionTimestamp) return;
  const finalizers = (cached.spec?.finalizers as string[] | undefined) ?? [];
  if (finalizers.length === 0) return;
  let ns = clone(cached);
  // 1. the phase
  if (ns.status?.phase !== 'Terminating') {
    ns.status = { ...(ns.status ?? {}), phase: 'Terminating' };
    ctx.client.updateStatus('namespaces', ns, { ignore: [404] });
    return; // the update brings the namespace back
  }
  if (!finalizers.includes(KUBERNETES_FINALIZER)) return; // someone else's finalizer: not ours to remove
  const resources = namespacedResources();
  // 2. delete everything
  for (const info of resources) {
    ctx.client.list({ resource: info.plural, group: info.group || undefined }, name, {
      ignore: [404, 405],
      onResponse: (res) => {
        if (res.code >= 300) return;
        for (const item of (res.body as { items?: KubeObject[] }).items ?? []) {
          ctx.client.delete({ resource: info.plural, group: info.group || undefined }, name, item.metadata!.name!, {
            propagationPolicy: 'Background',
            ignore: [404, 405, 409],
          });
        }
      },
    });
  }
  // 3. what remains
  ctx.afterRequests(() => {
    const rem: Remaining = { byResource: new Map(), byFinalizer: new Map(), errors: [], estimate: 0 };
    const deletedAt = ctx.timeOf(ns.metadata?.deletionTimestamp);
    for (const info of resources) {
      const label = `${info.plural}.${info.group}`;
      ctx.client.list({ resource: info.plural, group: info.group || undefined }, name, {
        ignore: true,
        onResponse: (res) => {
          if (res.code === 404 || res.code === 405) return;
          if (res.code >= 300) {
            rem.errors.push(`${label}: ${(res.body as { message?: string }).message ?? res.code}`);
            return;
          }
          const items = (res.body as { items?: Obj[] }).items ?? [];
          if (items.length === 0) return;
          rem.byResource.set(label, items.length);
          let estimate = 0;
          let withFinalizers = false;
          for (const item of items) {
            for (const f of (item.metadata?.finalizers) ?? []) {
              rem.byFinalizer.set(f, (rem.byFinalizer.get(f) ?? 0) + 1);
              withFinalizers = true;
            }
            if (info.plural === 'pods' && info.group === '') {
              const phase = item.status?.phase;
              if (phase !== 'Succeeded' && phase !== 'Failed') estimate = Math.max(estimate, item.spec?.terminationGracePeriodSeconds ?? 0);
            }
          }
          // estimateGracefulTermination: no estimate once the namespace has been deleting that long
          if (estimate > 0 && Number.isFinite(deletedAt) && ctx.now() - deletedAt >= estimate * 1000) estimate = 0;
          if (estimate === 0 && withFinalizers) estimate = FINALIZER_ESTIMATE_SECONDS;
          if (estimate === 0) rem.errors.push(`unexpected items still remain in namespace: ${name} for gvr: ${label}`);
          rem.estimate = Math.max(rem.estimate, estimate);
        },
      });
    }
    ctx.afterRequests(() => {
      const conditions = nextConditions(ns, rem, ctx.timestamp());
      const finish = () => {
        if (rem.byResource.size > 0 || rem.errors.length > 0) {
          if (rem.estimate > 0) return { requeueAfter: (Math.floor(rem.estimate / 2) + 1) * 1000 };
          return { error: rem.errors.join('; ') || 'content remains' };
        }
        // 4. finalize
        const spec = { ...(ns.spec ?? {}), finalizers: finalizers.filter((f) => f !== KUBERNETES_FINALIZER).sort() };
        const body = { ...ns, spec, metadata: { ...ns.metadata } };
        delete body.metadata.resourceVersion;
        ctx.client.request({ verb: 'update', resource: 'namespaces', subresource: 'finalize', name, body }, { ignore: [404] });
        return undefined;
      };
      if (!conditions) return finish();
      ns = { ...ns, status: { ...(ns.status ?? {}), conditions } };
      ctx.client.updateStatus('namespaces', ns, {
        ignore: true,
        onResponse: (res) => {
          if (res.code === 404) return undefined;
          if (res.code >= 200 && res.code < 300) ns = res.body as Obj;
          return finish();
        },
      });
      return undefined;
    });
    return undefined;
  });
}

/** The namespace controller's machine. */
export const namespaceController: ControllerMachine = defineController({
  name: NAMESPACE_CONTROLLER,
  component: 'namespace-controller',
  resyncPeriod: 5 * 60_000,
  watches: {
    namespaces: watch<Namespace>({
      resource: 'namespaces',
      // only terminating namespaces have anything to do
      enqueue: ({ type, object }) => (type !== 'deleted' && object.metadata?.deletionTimestamp ? object.metadata.name : undefined),
    }),
  },
  sync: (key, ctx) => syncNamespace(key, ctx as unknown as NsCtx),
});
