/**
 * `podOperation()`: create a pod (requests, maybe a toleration of the dedicated taint, maybe a
 * zone node selector, a grace period, sometimes a container that completes) or delete one (with
 * the pod's own grace period or an explicit one).
 */
import fc from 'fast-check';
import type { ProbeOutcomeKind, WorkloadStep } from '../steps.js';
import { objectRef } from './object-ref.js';
import { resourceRequests } from './resource-requests.js';
import { ZONES } from './node-shape.js';

/** `value` with weight `some`, else undefined with weight `none`. */
function sometimes<T>(value: fc.Arbitrary<T>, some: number, none: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: none }, { arbitrary: value, weight: some });
}

/** An arbitrary pod create or delete. */
export function podOperation(): fc.Arbitrary<WorkloadStep> {
  const create = fc
    .record({
      ref: objectRef('pods'),
      req: resourceRequests(),
      tolerate: fc.boolean(),
      zone: sometimes(fc.constantFrom(...ZONES), 1, 4),
      grace: sometimes(fc.constantFrom(0, 1, 2, 10), 1, 2),
      completes: sometimes(fc.constant(true), 1, 8),
    })
    .map(({ ref, req, tolerate, zone, grace, completes }): WorkloadStep => ({
      op: 'create-pod',
      namespace: ref.namespace,
      name: ref.name,
      cpu: req.cpu,
      memory: req.memory,
      ...(tolerate ? { tolerate } : {}),
      ...(zone !== undefined ? { zone } : {}),
      ...(grace !== undefined ? { grace } : {}),
      ...(completes ? { completes } : {}),
    }));
  const remove = fc
    .record({ ref: objectRef('pods'), grace: sometimes(fc.constantFrom(0, 1, 5), 1, 1) })
    .map(({ ref, grace }): WorkloadStep => ({ op: 'delete-pod', namespace: ref.namespace, name: ref.name, ...(grace !== undefined ? { grace } : {}) }));
  return fc.oneof({ arbitrary: create, weight: 2 }, { arbitrary: remove, weight: 1 });
}

/**
 * A pod whose container has a readiness probe, a liveness probe or both, each passing or failing
 * (`create-pod` with `readiness`/`liveness`), or a deletion of one: what the prober invariants
 * judge (weight `probes`).
 */
export function probedPodOperation(): fc.Arbitrary<WorkloadStep> {
  const outcome = fc.constantFrom<ProbeOutcomeKind>('passes', 'fails');
  const create = fc
    .record({ ref: objectRef('pods'), req: resourceRequests(), readiness: sometimes(outcome, 3, 1), liveness: sometimes(outcome, 3, 1) })
    .map(({ ref, req, readiness, liveness }): WorkloadStep => ({
      op: 'create-pod',
      namespace: ref.namespace,
      name: ref.name,
      cpu: req.cpu,
      memory: req.memory,
      tolerate: true,
      ...(readiness !== undefined ? { readiness } : {}),
      ...(liveness !== undefined || readiness === undefined ? { liveness: liveness ?? 'fails' } : {}),
    }));
  const remove = objectRef('pods').map((ref): WorkloadStep => ({ op: 'delete-pod', namespace: ref.namespace, name: ref.name }));
  return fc.oneof({ arbitrary: create, weight: 3 }, { arbitrary: remove, weight: 1 });
}
