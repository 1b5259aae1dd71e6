/**
 * `pkg/controller/deployment/rolling.go`: the RollingUpdate strategy. The new ReplicaSet scales up within
 * `replicas + maxSurge` pods; old ones scale down keeping `replicas - maxUnavailable` available,
 * unhealthy old replicas first.
 */
import type { Obj } from '../util.js';
import type { DeploymentSync } from './sync.js';
import { type RS, deploymentComplete, maxUnavailable, newRSNewReplicas, replicasOf, sumReplicas } from './util.js';
import { byCreation } from '../util.js';
import { syncRolloutStatus } from './progress.js';

/** `rolloutRolling`: scale the new ReplicaSet up if it may, else old ones down if they may, then sync the rollout status. */
export function rolloutRolling(s: DeploymentSync, rsList: RS[]): void {
  const r = s.getAllReplicaSetsAndSyncRevision(rsList, true);
  if (!r) return;
  const newRS = r.newRS!;
  let oldRSs = r.oldRSs;
  const d = s.d;
  // scale up, if we can
  const target = reconcileNewReplicaSet(s, [...oldRSs, newRS], newRS);
  if (target !== undefined) {
    const scaled = s.scaleReplicaSet(newRS, target);
    s.ctx.afterRequests(() => {
      if (!s.ctx.failed) syncRolloutStatus(s, [...oldRSs, scaled], scaled);
    });
    return;
  }
  // scale down, if we can
  const scaledOld = reconcileOldReplicaSets(s, [...oldRSs, newRS], oldRSs.filter((rs) => replicasOf(rs) > 0), newRS);
  if (scaledOld) {
    oldRSs = oldRSs.map((rs) => scaledOld.get(rs) ?? rs);
    s.ctx.afterRequests(() => {
      if (!s.ctx.failed) syncRolloutStatus(s, [...oldRSs, newRS], newRS);
    });
    return;
  }
  if (deploymentComplete(d, (d.status ?? {}) as Obj)) s.cleanupDeployment(oldRSs);
  syncRolloutStatus(s, [...oldRSs, newRS], newRS);
}

/** The new ReplicaSet's next size, or undefined when it needs no scaling. */
function reconcileNewReplicaSet(s: DeploymentSync, allRSs: RS[], newRS: RS): number | undefined {
  const d = s.d;
  const want = replicasOf(d);
  const have = replicasOf(newRS);
  if (have === want) return undefined;
  if (have > want) return want;
  const next = newRSNewReplicas(d, allRSs, newRS);
  return next === have ? undefined : next;
}

/**
 * `reconcileOldReplicaSets`: scales old ReplicaSets down as far as availability allows (unhealthy
 * replicas first, then oldest first); the scaled copies, or undefined when nothing changed.
 */
function reconcileOldReplicaSets(s: DeploymentSync, allRSs: RS[], activeOld: RS[], newRS: RS): Map<RS, RS> | undefined {
  const d = s.d;
  const oldPods = sumReplicas(activeOld);
  if (oldPods === 0) return undefined;
  const allPods = sumReplicas(allRSs);
  const minAvailable = replicasOf(d) - maxUnavailable(d);
  const newUnavailable = replicasOf(newRS) - (newRS.status?.availableReplicas ?? 0);
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return undefined;
  const sortedOld = [...activeOld].sort(byCreation);
  const sizes = sortedOld.map((rs) => replicasOf(rs));
  // cleanupUnhealthyReplicas: scaling down replicas that are not available costs no availability
  let cleaned = 0;
  sortedOld.forEach((rs, i) => {
    if (cleaned >= maxScaledDown || sizes[i] === 0) return;
    const avail = Math.min(rs.status?.availableReplicas ?? 0, sizes[i]!);
    if (sizes[i] === avail) return;
    const down = Math.min(maxScaledDown - cleaned, sizes[i]! - avail);
    sizes[i] = sizes[i]! - down;
    cleaned += down;
  });
  // scaleDownOldReplicaSetsForRollingUpdate: keep minAvailable available
  let available = Math.min(newRS.status?.availableReplicas ?? 0, replicasOf(newRS));
  sortedOld.forEach((rs, i) => (available += Math.min(rs.status?.availableReplicas ?? 0, sizes[i]!)));
  let scaledDown = 0;
  if (available > minAvailable) {
    const total = available - minAvailable;
    sortedOld.forEach((_, i) => {
      if (scaledDown >= total || sizes[i] === 0) return;
      const down = Math.min(sizes[i]!, total - scaledDown);
      sizes[i] = sizes[i]! - down;
      scaledDown += down;
    });
  }
  if (cleaned + scaledDown === 0) return undefined;
  const scaled = new Map<RS, RS>();
  sortedOld.forEach((rs, i) => {
    if (sizes[i] !== replicasOf(rs)) scaled.set(rs, s.scaleReplicaSet(rs, sizes[i]!));
  });
  return scaled;
}
