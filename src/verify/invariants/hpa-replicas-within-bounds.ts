/**
 * hpa-replicas-within-bounds (safety): a HorizontalPodAutoscaler's decision stays within its
 * bounds. The controller (`reconcileAutoscaler` in `pkg/controller/podautoscaler/horizontal.go`)
 * clamps every recommendation to `[minReplicas, maxReplicas]` (minReplicas defaults to 1): a
 * target above the maximum is brought to it, one below the minimum raised to it, a metric's
 * proposal limited to both. The one exception is a target scaled to 0 by its user (scaling is
 * then disabled, desiredReplicas 0), and 0 is also what the status holds before the first
 * decision. Replaying etcd's changes in revision order, every write of an autoscaler whose status
 * describes its current spec (`status.observedGeneration`, when set, equals its generation) has
 * `status.desiredReplicas` 0 or within its bounds.
 */
import type { KubeObject } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange, type History } from '../history.js';

type Obj = KubeObject & Record<string, any>;

const NAME = 'hpa-replicas-within-bounds';
const HPAS = findResource('horizontalpodautoscalers')!.etcdPrefix;

function check(history: History, now: number): Violation[] {
  const state = history.scratch<{ cursor: number }>(NAME, () => ({ cursor: 0 }));
  const out: Violation[] = [];
  forEachChange(history, state, ({ change, revision }) => {
    if (change.kind === 'delete' || !change.kv.key.startsWith(HPAS)) return;
    const hpa = change.kv.value as Obj;
    const desired = hpa.status?.desiredReplicas as number | undefined;
    if (desired === undefined || desired === 0) return;
    const observed = hpa.status?.observedGeneration as number | undefined;
    if (observed !== undefined && observed !== hpa.metadata?.generation) return;
    const min = (hpa.spec?.minReplicas as number | undefined) ?? 1;
    const max = hpa.spec?.maxReplicas as number;
    if (desired < min || desired > max) {
      out.push(violation(NAME, `HorizontalPodAutoscaler ${hpa.metadata?.namespace}/${hpa.metadata?.name} wants ${desired} replicas (revision ${revision}), outside its bounds [${min}, ${max}]`, now));
    }
  });
  return out;
}

export const hpaReplicasWithinBounds: Invariant = {
  name: NAME,
  kind: 'safety',
  description: "a HorizontalPodAutoscaler's desiredReplicas is 0 (scaling disabled, or not decided yet) or within [minReplicas, maxReplicas]",
  check: (cluster, history) => check(history, cluster.now()),
};
