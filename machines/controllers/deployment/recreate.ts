/**
 * `pkg/controller/deployment/recreate.go`: the Recreate strategy. Every old ReplicaSet scales to 0; when
 * their pods are gone the new one is created or scaled up.
 */
import type { Pod } from '../../../src/api/types.js';
import type { Obj } from '../util.js';
import type { DeploymentSync } from './sync.js';
import { type RS, deploymentComplete, oldPodsRunning, replicasOf } from './util.js';
import { syncRolloutStatus } from './progress.js';

/** `rolloutRecreate`: scale old ReplicaSets to 0, wait for their pods to go, then create or scale up the new one. */
export function rolloutRecreate(s: DeploymentSync, rsList: RS[], podMap: Map<string, Pod[]>): void {
  const r = s.getAllReplicaSetsAndSyncRevision(rsList, false);
  if (!r) return;
  const { newRS } = r;
  let { oldRSs } = r;
  const activeOld = oldRSs.filter((rs) => replicasOf(rs) > 0);
  if (activeOld.length > 0) {
    const scaled = new Map<RS, RS>();
    for (const rs of activeOld) scaled.set(rs, s.scaleReplicaSet(rs, 0));
    oldRSs = oldRSs.map((rs) => scaled.get(rs) ?? rs);
    s.ctx.afterRequests(() => {
      if (!s.ctx.failed) syncRolloutStatus(s, [...oldRSs, newRS], newRS);
    });
    return;
  }
  if (oldPodsRunning(newRS, oldRSs, podMap)) return syncRolloutStatus(s, [...oldRSs, newRS], newRS);
  if (!newRS) {
    s.getAllReplicaSetsAndSyncRevision(rsList, true); // creates it (with all the replicas)
    return;
  }
  if (replicasOf(newRS) !== replicasOf(s.d)) {
    const scaled = s.scaleReplicaSet(newRS, replicasOf(s.d));
    s.ctx.afterRequests(() => {
      if (!s.ctx.failed) syncRolloutStatus(s, [...oldRSs, scaled], scaled);
    });
    return;
  }
  if (deploymentComplete(s.d, (s.d.status ?? {}) as Obj)) s.cleanupDeployment(oldRSs);
  syncRolloutStatus(s, [...oldRSs, newRS], newRS);
}
