/**
 * The ClusterRole aggregation controller (`pkg/controller/clusterroleaggregation`,
 * kube-controller-manager's `clusterrole-aggregation-controller`): keeps the rules of every
 * ClusterRole with an `aggregationRule` equal to the union of the rules of the ClusterRoles its
 * selectors match ({@link aggregateRules}). Any ClusterRole event queues every aggregated
 * ClusterRole (the set is small and the dependency graph unknown, as kube's `enqueue` reasons);
 * `syncClusterRole` re-reads the role from the cache and, only when the computed rules differ,
 * writes them with a server-side apply (field manager `clusterrole-aggregation-controller`,
 * forced), as kube's `applyClusterRoles`.
 */
import type { ClusterRole } from '../../src/api/types.js';
import { aggregateRules, sameRules } from '../../src/api/rbac-aggregation.js';
import { SelectorError } from '../../src/api/selectors.js';
import { defineController, watch, type ControllerMachine, type SyncContext, type SyncResult, type Watches } from './controller.js';

/** The controller's name (address `controller-manager/clusterrole-aggregation`). */
const CLUSTERROLE_AGGREGATION_CONTROLLER = 'clusterrole-aggregation';
/** The field manager of its applies (and the component of its Events). */
const CLUSTERROLE_AGGREGATION_FIELD_MANAGER = 'clusterrole-aggregation-controller';

type AggWatches = { clusterroles: ReturnType<typeof watch<ClusterRole>> };
type AggCtx = SyncContext<AggWatches & Watches, undefined, Record<string, unknown>>;

function syncClusterRole(name: string, ctx: AggCtx): SyncResult {
  const role = ctx.get('clusterroles', name);
  if (!role?.aggregationRule) return;
  let rules;
  try {
    rules = aggregateRules(role, ctx.list('clusterroles'))!;
  } catch (error) {
    if (error instanceof SelectorError) return { error: error.message };
    throw error;
  }
  if (sameRules(rules, role.rules)) return;
  ctx.client.request({
    verb: 'patch',
    resource: 'clusterroles',
    group: 'rbac.authorization.k8s.io',
    name,
    body: { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name }, rules },
    query: { patchType: 'apply', fieldManager: CLUSTERROLE_AGGREGATION_FIELD_MANAGER, force: true },
  });
}

/** The ClusterRole aggregation controller's machine. */
export const clusterRoleAggregationController: ControllerMachine = defineController({
  name: CLUSTERROLE_AGGREGATION_CONTROLLER,
  component: CLUSTERROLE_AGGREGATION_FIELD_MANAGER,
  watches: {
    clusterroles: watch<ClusterRole>({
      resource: 'clusterroles',
      group: 'rbac.authorization.k8s.io',
      enqueue: (_change, ctx) =>
        ctx
          .list('clusterroles', (r) => (r as ClusterRole).aggregationRule !== undefined && (r as ClusterRole).aggregationRule !== null)
          .map((r) => r.metadata!.name!),
    }),
  },
  sync: (key, ctx) => syncClusterRole(key, ctx as unknown as AggCtx),
});
