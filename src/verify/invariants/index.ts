/**
 * The built-in invariants, one per file: safety ones (checked after every step, faults on) and
 * liveness ones (checked once the faults are healed, within a bound on virtual time).
 */
import type { Invariant } from '../invariant.js';
import { acknowledgedWritesPersist } from './acknowledged-writes-persist.js';
import { boundClaimsMatchVolumes } from './bound-claims-match-volumes.js';
import { daemonSetOnePodPerNode } from './daemonset-one-pod-per-node.js';
import { statefulSetUniqueOrdinals } from './statefulset-unique-ordinals.js';
import { cronJobForbidNoOverlap } from './cronjob-forbid-no-overlap.js';
import { hpaReplicasWithinBounds } from './hpa-replicas-within-bounds.js';
import { jobActiveWithinParallelism } from './job-active-within-parallelism.js';
import { jobCompletionsCountedOnce } from './job-completions-counted-once.js';
import { deletedPodsDisappear } from './deleted-pods-disappear.js';
import { evictionsRespectBudgets } from './evictions-respect-budgets.js';
import { deploymentsAvailable } from './deployments-available.js';
import { impersonationNeedsTheVerb } from './impersonation-needs-the-verb.js';
import { podServiceAccountExists } from './pod-service-account-exists.js';
import { quotaWithinHardLimits } from './quota-within-hard-limits.js';
import { endpointSlicesListReadyPods } from './endpointslices-list-ready-pods.js';
import { podReadyOnlyIfProbesPass } from './pod-ready-only-if-probes-pass.js';
import { containerRestartsCounted } from './container-restarts-counted.js';
import { kubeletRunsBoundPods } from './kubelet-runs-bound-pods.js';
import { kubeletsAgreeWithEtcd } from './kubelets-agree-with-etcd.js';
import { noActorErrors } from './no-actor-errors.js';
import { nodeCapacity } from './node-capacity.js';
import { onlyApiServerTalksToEtcd } from './only-api-server-talks-to-etcd.js';
import { podBoundOnce } from './pod-bound-once.js';
import { podAntiAffinityRespected } from './pod-anti-affinity-respected.js';
import { topologySpreadRespected } from './topology-spread-respected.js';
import { hostPortsUnique } from './host-ports-unique.js';
import { preemptedPodsLowerPriority } from './preempted-pods-lower-priority.js';
import { podPhaseTransitions } from './pod-phase-transitions.js';
import { refusedRequestsChangeNothing } from './refused-requests-change-nothing.js';
import { resourceVersionsGrow } from './resource-versions-grow.js';
import { schedulablePodsRun } from './schedulable-pods-run.js';
import { staleUpdatesRefused } from './stale-updates-refused.js';
import { terminatedNamespacesEmpty } from './terminated-namespaces-empty.js';
import { unreachablePodsEvicted } from './unreachable-pods-evicted.js';
import { noEvictionInFullDisruption } from './no-eviction-in-full-disruption.js';

export {
  acknowledgedWritesPersist,
  
  
  
  deletedPodsDisappear,
  deploymentsAvailable,
  kubeletRunsBoundPods,
  kubeletsAgreeWithEtcd,
  noActorErrors,
  nodeCapacity,
  onlyApiServerTalksToEtcd,
  podBoundOnce,
  podPhaseTransitions,
  refusedRequestsChangeNothing,
  resourceVersionsGrow,
  schedulablePodsRun,
  staleUpdatesRefused,
  terminatedNamespacesEmpty,
  unreachablePodsEvicted,
};

/** The safety invariants: they hold after every step, with faults on. */
export const safetyInvariants: readonly Invariant[] = Object.freeze([
  podBoundOnce,
  nodeCapacity,
  onlyApiServerTalksToEtcd,
  acknowledgedWritesPersist,
  resourceVersionsGrow,
  staleUpdatesRefused,
  refusedRequestsChangeNothing,
  impersonationNeedsTheVerb,
  podServiceAccountExists,
  quotaWithinHardLimits,
  endpointSlicesListReadyPods,
  podReadyOnlyIfProbesPass,
  containerRestartsCounted,
  podPhaseTransitions,
  kubeletRunsBoundPods,
  unreachablePodsEvicted,
  noEvictionInFullDisruption,
  noActorErrors,
  daemonSetOnePodPerNode,
  statefulSetUniqueOrdinals,
  boundClaimsMatchVolumes,
  evictionsRespectBudgets,
  podAntiAffinityRespected,
  topologySpreadRespected,
  hostPortsUnique,
  preemptedPodsLowerPriority,
  jobActiveWithinParallelism,
  jobCompletionsCountedOnce,
  cronJobForbidNoOverlap,
  hpaReplicasWithinBounds,
]);

/** The liveness invariants: they hold once the faults are healed and the cluster had time to converge. */
export const livenessInvariants: readonly Invariant[] = Object.freeze([
  schedulablePodsRun,
  deploymentsAvailable,
  terminatedNamespacesEmpty,
  kubeletsAgreeWithEtcd,
  deletedPodsDisappear,
]);

/** Every built-in invariant. */
export const defaultInvariants: readonly Invariant[] = Object.freeze([...safetyInvariants, ...livenessInvariants]);
