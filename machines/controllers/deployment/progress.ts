/**
 * `pkg/controller/deployment/progress.go`: the Progressing and Available conditions and the progress
 * deadline (ProgressDeadlineExceeded), with the requeue of a Deployment whose deadline is near.
 */
import type { Obj } from '../util.js';
import type { DeploymentSync } from './sync.js';
import { type DeploymentCondition, type RS, Reasons, calculateDeploymentStatus, deploymentComplete, deploymentProgressing, getCondition, hasProgressDeadline, newCondition, removeCondition, setCondition } from './util.js';
import { type KubeObject } from '../../../src/api/types.js';
import { deepEqual } from '../util.js';

/** `syncRolloutStatus`: the status with the Progressing and Available conditions, written when it changed; requeues before the progress deadline. */
export function syncRolloutStatus(s: DeploymentSync, allRSs: (RS | undefined)[], newRS: RS | undefined): void {
  const { ctx } = s;
  const d = s.d;
  const now = s.now;
  const status = calculateDeploymentStatus(allRSs, newRS, d, now);
  if (!hasProgressDeadline(d)) removeCondition(status, 'Progressing');
  const current = getCondition(d.status as Obj | undefined, 'Progressing');
  const isComplete = (status.replicas ?? 0) === (status.updatedReplicas ?? 0) && current?.reason === Reasons.NewRSAvailable;
  if (hasProgressDeadline(d) && !isComplete) {
    if (deploymentComplete(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata!.name}" has successfully progressed.` : `Deployment "${d.metadata!.name}" has successfully progressed.`;
      setCondition(status, newCondition('Progressing', 'True', Reasons.NewRSAvailable, msg, now));
    } else if (deploymentProgressing(d, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata!.name}" is progressing.` : `Deployment "${d.metadata!.name}" is progressing.`;
      const c = newCondition('Progressing', 'True', Reasons.ReplicaSetUpdated, msg, now);
      if (current) {
        if (current.status === 'True') c.lastTransitionTime = current.lastTransitionTime;
        removeCondition(status, 'Progressing');
      }
      setCondition(status, c);
    } else if (timedOut(s, status)) {
      const msg = newRS ? `ReplicaSet "${newRS.metadata!.name}" has timed out progressing.` : `Deployment "${d.metadata!.name}" has timed out progressing.`;
      setCondition(status, newCondition('Progressing', 'False', Reasons.TimedOut, msg, now));
    }
  }
  // ReplicaFailure conditions of the replica sets (the new one's first)
  const failures: DeploymentCondition[] = [];
  for (const rs of newRS ? [newRS] : []) for (const c of ((rs.status?.conditions ?? []) as DeploymentCondition[])) if (c.type === 'ReplicaFailure') failures.push(c);
  if (failures.length === 0) {
    for (const rs of allRSs) for (const c of ((rs?.status?.conditions ?? []) as DeploymentCondition[])) if (c.type === 'ReplicaFailure') failures.push(c);
  }
  if (failures.length > 0) {
    const f = failures[0]!;
    setCondition(status, { type: 'ReplicaFailure', status: f.status, lastTransitionTime: f.lastTransitionTime, lastUpdateTime: f.lastTransitionTime, reason: f.reason, message: f.message });
  } else removeCondition(status, 'ReplicaFailure');
  if (deepEqual(status, d.status ?? {})) {
    requeueStuckDeployment(s, status);
    return;
  }
  ctx.client.updateStatus('deployments.apps', { ...d, status } as KubeObject, { ignore: [404] });
}

function timedOut(s: DeploymentSync, status: Obj): boolean {
  const d = s.d;
  if (!hasProgressDeadline(d)) return false;
  const cond = getCondition(status, 'Progressing');
  if (!cond) return false;
  if (cond.reason === Reasons.NewRSAvailable) return false;
  if (cond.reason === Reasons.TimedOut) return true;
  const from = s.ctx.timeOf(cond.lastUpdateTime);
  return Number.isFinite(from) && from + d.spec!.progressDeadlineSeconds! * 1000 < s.ctx.now();
}

/** `requeueStuckDeployment`: looks again when the progress deadline would pass. */
function requeueStuckDeployment(s: DeploymentSync, status: Obj): void {
  const d = s.d;
  const cond = getCondition(d.status as Obj | undefined, 'Progressing');
  if (!hasProgressDeadline(d) || !cond) return;
  if (deploymentComplete(d, status) || cond.reason === Reasons.TimedOut) return;
  const from = s.ctx.timeOf(cond.lastUpdateTime);
  if (!Number.isFinite(from)) return;
  const after = from + d.spec!.progressDeadlineSeconds! * 1000 - s.ctx.now();
  s.ctx.requeueAfter(after < 1000 ? 1000 : after + 1000);
}