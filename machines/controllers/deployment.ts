/**
 * The Deployment controller (`pkg/controller/deployment`): a Deployment owns ReplicaSets named
 * `<deployment>-<pod-template-hash>`, one per pod template it has had; the newest ("new") one has
 * the Deployment's template, the others are "old".
 *
 * Each sync, as `syncDeployment`:
 * 1. claims ReplicaSets (adopts matching orphans, releases owned ones that no longer match);
 * 2. a Deployment being deleted only gets its status updated;
 * 3. paused Deployments and scaling events (`deployment.kubernetes.io/desired-replicas` of an active
 *    ReplicaSet differs from `spec.replicas`) are scaled proportionally (`sync`);
 * 4. otherwise the strategy rolls out: `RollingUpdate` scales the new ReplicaSet up within
 *    `replicas + maxSurge` pods (surge rounds up) and old ones down keeping
 *    `replicas - maxUnavailable` available (unavailable rounds down; both 0 resolve to 1
 *    unavailable), cleaning up unhealthy old replicas first; `Recreate` scales every old
 *    ReplicaSet to 0, waits until their pods are gone, then creates / scales up the new one;
 * 5. old ReplicaSets beyond `revisionHistoryLimit` that are scaled to 0 are deleted once the
 *    rollout is complete;
 * 6. status: replicas, updatedReplicas, readyReplicas, availableReplicas, unavailableReplicas,
 *    observedGeneration, collisionCount, and the conditions `Available` (MinimumReplicasAvailable /
 *    MinimumReplicasUnavailable) and `Progressing` (NewReplicaSetCreated, FoundNewReplicaSet,
 *    ReplicaSetUpdated, NewReplicaSetAvailable, ProgressDeadlineExceeded, ReplicaSetCreateError,
 *    DeploymentPaused, DeploymentResumed).
 *
 * Revisions: the new ReplicaSet gets `deployment.kubernetes.io/revision` = max(old) + 1 (a
 * ReplicaSet rolled back to keeps its former revisions in `revision-history`), and the Deployment
 * carries the revision of its new ReplicaSet.
 *
 * Every write of a cached object is a compare-and-swap on its resourceVersion, so a sync that ran
 * on a stale cache gets 409 and is retried instead of acting twice. One deliberate difference:
 * when it computes how far old ReplicaSets may be scaled down, the controller counts each
 * ReplicaSet's available pods as at most its `spec.replicas`, so a status that has not caught up
/** The Deployment controller's machine. */
import type { Deployment, KubeObject, Pod, ReplicaSet } from '../../src/api/types.js';
import { defineController, watch, type ControllerMachine } from './controller.js';
import { clone, controllerRefOf, deepEqual } from './util.js';
import { DeploymentSync, matchingDeployments, resolveDeployment, type DReader } from './deployment/sync.js';
import type { D } from './deployment/util.js';
import { objectKey } from '../../src/api/object-key.js';

/** The controller's name (address `controller-manager/deployment`). */
const DEPLOYMENT_CONTROLLER = 'deployment';
export const deploymentController: ControllerMachine = defineController({
  name: DEPLOYMENT_CONTROLLER,
  component: 'deployment-controller',
  watches: {
    deployments: watch<Deployment>({
      resource: 'deployments',
      group: 'apps',
      indexes: { byNamespace: (d) => d.metadata?.namespace },
    }),
    replicasets: watch<ReplicaSet>({
      resource: 'replicasets',
      group: 'apps',
      indexes: {
        byController: (rs) => (controllerRefOf(rs)?.kind === 'Deployment' ? controllerRefOf(rs)!.uid : undefined),
        orphans: (rs) => (controllerRefOf(rs) ? undefined : rs.metadata?.namespace),
      },
      enqueue: ({ type, object: rs, old }, ctx) => {
        const reader = ctx as unknown as DReader;
        const owner = (obj: KubeObject) => {
          const d = resolveDeployment(reader, obj);
          return d ? [objectKey(d)] : [];
        };
        if (type === 'deleted') return owner(rs);
        if (type === 'added') {
          if (rs.metadata?.deletionTimestamp) return owner(rs);
          if (controllerRefOf(rs)) return owner(rs);
          return matchingDeployments(reader, rs);
        }
        if (!old || old.metadata?.resourceVersion === rs.metadata?.resourceVersion) return undefined;
        const keys: string[] = [];
        const curRef = controllerRefOf(rs);
        const oldRef = controllerRefOf(old);
        const refChanged = !deepEqual(curRef, oldRef);
        if (refChanged && oldRef) keys.push(...owner(old));
        if (curRef) {
          keys.push(...owner(rs));
          return keys;
        }
        const labelChanged = !deepEqual(old.metadata?.labels, rs.metadata?.labels);
        if (labelChanged || refChanged) keys.push(...matchingDeployments(reader, rs));
        return keys;
      },
    }),
    pods: watch<Pod>({
      resource: 'pods',
      indexes: { byController: (pod) => (controllerRefOf(pod)?.kind === 'ReplicaSet' ? controllerRefOf(pod)!.uid : undefined) },
      enqueue: ({ type, object: pod }, ctx) => {
        // only Recreate waits for pods: a deleted pod may let it proceed
        if (type !== 'deleted') return undefined;
        const reader = ctx as unknown as DReader;
        const ref = controllerRefOf(pod);
        if (!ref || ref.kind !== 'ReplicaSet') return undefined;
        const rs = reader.get('replicasets', `${pod.metadata?.namespace}/${ref.name}`);
        if (!rs || rs.metadata?.uid !== ref.uid) return undefined;
        const d = resolveDeployment(reader, rs);
        if (!d || d.spec?.strategy?.type !== 'Recreate') return undefined;
        return objectKey(d);
      },
    }),
  },
  sync: (key, ctx) => {
    const d = ctx.get('deployments', key) as D | undefined;
    if (!d) return;
    new DeploymentSync(ctx, clone(d)).run();
  },
});
