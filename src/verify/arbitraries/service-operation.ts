/**
 * `serviceOperation()`: create a Service selecting the pods of a generated pod or Deployment
 * (`app=<name>`), or delete one.
 */
import fc from 'fast-check';
import type { WorkloadStep } from '../steps.js';
import { NAME_POOLS, objectRef } from './object-ref.js';

/** An arbitrary Service create or delete. */
export function serviceOperation(): fc.Arbitrary<WorkloadStep> {
  const create = fc
    .record({ ref: objectRef('services'), app: fc.constantFrom(...NAME_POOLS.deployments, ...NAME_POOLS.pods) })
    .map(({ ref, app }): WorkloadStep => ({ op: 'create-service', namespace: ref.namespace, name: ref.name, app }));
  const remove = objectRef('services').map((ref): WorkloadStep => ({ op: 'delete-service', namespace: ref.namespace, name: ref.name }));
  return fc.oneof({ arbitrary: create, weight: 2 }, { arbitrary: remove, weight: 1 });
}
