/**
 * `workloadStep()`: one step of a generated workload, weighted towards what makes clusters
 * interesting: pods and Deployments coming and going, scaling, services, namespaces deleted
 * with their content, pods with placement constraints (anti-affinity, spread, host ports,
 * priorities), label patches racing each other and stale updates, requests that must be
 * refused, virtual time passing, and the other workload kinds: Jobs, CronJobs, DaemonSets,
 * StatefulSets (with claims) and autoscaled Deployments.
 */
import fc from 'fast-check';
import type { Step } from '../steps.js';
import { badRequest, impersonationRequest } from './bad-request.js';
import { deploymentOperation } from './deployment-operation.js';
import { namespaceOperation } from './namespace-operation.js';
import { placementPodOperation } from './placement-pod-operation.js';
import { podOperation, probedPodOperation } from './pod-operation.js';
import { serviceOperation } from './service-operation.js';
import { timeStep } from './time-step.js';
import { writeRace } from './write-race.js';
import { autoscalerOperation, cronJobOperation, daemonSetOperation, jobOperation, statefulSetOperation } from './workload-kind-operation.js';

/** Relative weights of the kinds of workload step. */
export interface WorkloadWeights {
  pods: number;
  deployments: number;
  services: number;
  namespaces: number;
  writes: number;
  badRequests: number;
  /** Pods with placement constraints: anti-affinity, topology spread, host ports, priorities. */
  placement: number;
  /** Users without the `impersonate` verb asking to act as the admin (0 by default). */
  impersonations: number;
  /** Pods with readiness and liveness probes that pass or fail (`probedPodOperation`, 0 by default). */
  probes: number;
  time: number;
  /** Jobs (`jobOperation`). */
  jobs: number;
  /** CronJobs every minute (`cronJobOperation`). */
  cronJobs: number;
  daemonSets: number;
  /** StatefulSets, with claim templates or not. */
  statefulSets: number;
  /** Autoscaled Deployments (a Deployment with a CPU load and an HPA over it). */
  autoscalers: number;
}

/** The default weights. */
const DEFAULT_WORKLOAD_WEIGHTS: Readonly<WorkloadWeights> = Object.freeze({
  pods: 5,
  deployments: 4,
  services: 1,
  namespaces: 1,
  writes: 3,
  badRequests: 2,
  placement: 2,
  impersonations: 0,
  probes: 0,
  time: 5,
  jobs: 1,
  cronJobs: 1,
  daemonSets: 1,
  statefulSets: 1,
  autoscalers: 1,
});

/** An arbitrary workload step (no faults: see `faultStep`); waits last at most `maxWaitMs` (default 30 s). */
export function workloadStep(weights: Partial<WorkloadWeights> = {}, options: { maxWaitMs?: number } = {}): fc.Arbitrary<Step> {
  const w = { ...DEFAULT_WORKLOAD_WEIGHTS, ...weights };
  const parts: { arbitrary: fc.Arbitrary<Step>; weight: number }[] = [
    { arbitrary: podOperation(), weight: w.pods },
    { arbitrary: placementPodOperation(), weight: w.placement },
    { arbitrary: deploymentOperation(), weight: w.deployments },
    { arbitrary: serviceOperation(), weight: w.services },
    { arbitrary: namespaceOperation(), weight: w.namespaces },
    { arbitrary: writeRace(), weight: w.writes },
    { arbitrary: badRequest(), weight: w.badRequests },
    { arbitrary: impersonationRequest(), weight: w.impersonations },
    { arbitrary: probedPodOperation(), weight: w.probes },
    { arbitrary: timeStep({ maxMs: options.maxWaitMs }), weight: w.time },
    { arbitrary: jobOperation(), weight: w.jobs },
    { arbitrary: cronJobOperation(), weight: w.cronJobs },
    { arbitrary: daemonSetOperation(), weight: w.daemonSets },
    { arbitrary: statefulSetOperation(), weight: w.statefulSets },
    { arbitrary: autoscalerOperation(), weight: w.autoscalers },
  ];
  const kept = parts.filter((p) => p.weight > 0);
  if (kept.length === 0) throw new RangeError('workloadStep: every weight is 0');
  return fc.oneof(...kept);
}
