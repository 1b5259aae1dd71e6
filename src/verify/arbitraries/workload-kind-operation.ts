/**
 * The workload kinds besides Deployments, each an arbitrary of its steps:
 * - `jobOperation()`: a Job of 1-3 parallel pods, with 1-4 completions or none (a work queue),
 *   sometimes Indexed, pods running 1-90 s and sometimes failing (backoffLimit 0-2); a change of
 *   its parallelism; its deletion;
 * - `cronJobOperation()`: a CronJob every minute under Allow, Forbid or Replace, its one pod
 *   running 10-150 s (so runs overlap); a new job template; its deletion;
 * - `daemonSetOperation()`: a DaemonSet (generated requests, sometimes tolerating the
 *   `dedicated` taint, sometimes a `maxSurge` update strategy); a rollout; its deletion;
 * - `statefulSetOperation()`: a StatefulSet of 0-3 replicas, OrderedReady or Parallel, sometimes
 *   with a claim template (dynamically provisioned 1Gi volumes); a scale; a rollout; its deletion;
 * - `autoscalerOperation()`: a Deployment with a simulated CPU load and an autoscaling/v2
 *   HorizontalPodAutoscaler over it (min 1-2, max 2-4, target 50-80 %), named from the
 *   Deployments' pool so scales, evictions, budgets and deletions meet it.
 */
import fc from 'fast-check';
import type { WorkloadStep } from '../steps.js';
import { objectRef } from './object-ref.js';
import { resourceRequests } from './resource-requests.js';

type Kind = 'jobs' | 'cronjobs' | 'daemonsets' | 'statefulsets';

function remove(kind: Kind): fc.Arbitrary<WorkloadStep> {
  return objectRef(kind).map((ref): WorkloadStep => ({ op: 'delete-workload', resource: kind, namespace: ref.namespace, name: ref.name }));
}

function rollout(kind: Kind): fc.Arbitrary<WorkloadStep> {
  return objectRef(kind).map((ref): WorkloadStep => ({ op: 'update-workload', resource: kind, namespace: ref.namespace, name: ref.name }));
}

function rescale(kind: 'jobs' | 'statefulsets', max: number): fc.Arbitrary<WorkloadStep> {
  return fc
    .record({ ref: objectRef(kind), replicas: fc.integer({ min: 0, max }) })
    .map(({ ref, replicas }): WorkloadStep => ({ op: 'update-workload', resource: kind, namespace: ref.namespace, name: ref.name, replicas }));
}

/** Jobs: create (Indexed or not, parallelism, completions, failing pods), change parallelism, delete. */
export function jobOperation(): fc.Arbitrary<WorkloadStep> {
  const create = fc
    .record({
      ref: objectRef('jobs'),
      completions: fc.option(fc.integer({ min: 1, max: 4 }), { nil: undefined }),
      parallelism: fc.integer({ min: 1, max: 3 }),
      indexed: fc.boolean(),
      runMs: fc.constantFrom(1_000, 5_000, 20_000, 90_000),
      fails: fc.integer({ min: 0, max: 3 }).map((n) => n === 0),
      backoffLimit: fc.option(fc.integer({ min: 0, max: 2 }), { nil: undefined }),
    })
    .map(({ ref, completions, parallelism, indexed, runMs, fails, backoffLimit }): WorkloadStep => ({
      op: 'create-job',
      namespace: ref.namespace,
      name: ref.name,
      parallelism,
      ...(completions !== undefined ? { completions } : {}),
      ...(indexed && completions !== undefined ? { indexed: true } : {}),
      runMs,
      ...(fails ? { fails } : {}),
      ...(backoffLimit !== undefined ? { backoffLimit } : {}),
    }));
  return fc.oneof({ arbitrary: create, weight: 4 }, { arbitrary: rescale('jobs', 3), weight: 1 }, { arbitrary: remove('jobs'), weight: 1 });
}

/** CronJobs every minute: create under a concurrency policy, a new job template, delete. */
export function cronJobOperation(): fc.Arbitrary<WorkloadStep> {
  const create = fc
    .record({ ref: objectRef('cronjobs'), policy: fc.constantFrom('Allow' as const, 'Forbid' as const, 'Replace' as const), runMs: fc.constantFrom(10_000, 70_000, 150_000) })
    .map(({ ref, policy, runMs }): WorkloadStep => ({ op: 'create-cronjob', namespace: ref.namespace, name: ref.name, policy, runMs }));
  return fc.oneof({ arbitrary: create, weight: 3 }, { arbitrary: rollout('cronjobs'), weight: 1 }, { arbitrary: remove('cronjobs'), weight: 1 });
}

/** DaemonSets: create, roll out a new template, delete. */
export function daemonSetOperation(): fc.Arbitrary<WorkloadStep> {
  const create = fc
    .record({ ref: objectRef('daemonsets'), req: resourceRequests(), tolerate: fc.boolean(), maxSurge: fc.boolean() })
    .map(({ ref, req, tolerate, maxSurge }): WorkloadStep => ({
      op: 'create-daemonset',
      namespace: ref.namespace,
      name: ref.name,
      cpu: req.cpu,
      memory: req.memory,
      ...(tolerate ? { tolerate } : {}),
      ...(maxSurge ? { maxSurge } : {}),
    }));
  return fc.oneof({ arbitrary: create, weight: 3 }, { arbitrary: rollout('daemonsets'), weight: 2 }, { arbitrary: remove('daemonsets'), weight: 1 });
}

/** StatefulSets: create (OrderedReady or Parallel, with or without claims), scale, roll out, delete. */
export function statefulSetOperation(): fc.Arbitrary<WorkloadStep> {
  const create = fc
    .record({ ref: objectRef('statefulsets'), replicas: fc.integer({ min: 0, max: 3 }), parallel: fc.boolean(), claims: fc.boolean() })
    .map(({ ref, replicas, parallel, claims }): WorkloadStep => ({
      op: 'create-statefulset',
      namespace: ref.namespace,
      name: ref.name,
      replicas,
      ...(parallel ? { parallel } : {}),
      ...(claims ? { claims } : {}),
    }));
  return fc.oneof({ arbitrary: create, weight: 3 }, { arbitrary: rescale('statefulsets', 4), weight: 2 }, { arbitrary: rollout('statefulsets'), weight: 1 }, { arbitrary: remove('statefulsets'), weight: 1 });
}

/** An autoscaled Deployment: the Deployment with a CPU load and its HorizontalPodAutoscaler. */
export function autoscalerOperation(): fc.Arbitrary<WorkloadStep> {
  return fc
    .record({
      ref: objectRef('deployments'),
      min: fc.integer({ min: 1, max: 2 }),
      extra: fc.integer({ min: 0, max: 2 }),
      utilization: fc.constantFrom(50, 80),
      load: fc.constantFrom(10, 100, 300),
    })
    .map(({ ref, min, extra, utilization, load }): WorkloadStep => ({ op: 'create-autoscaled', namespace: ref.namespace, name: ref.name, min, max: Math.max(2, min + extra), utilization, load }));
}
