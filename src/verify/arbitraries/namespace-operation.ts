/**
 * `namespaceOperation()`: create a namespace, or delete one (never `default`); a deleted
 * namespace must end empty and gone.
 */
import fc from 'fast-check';
import type { WorkloadStep } from '../steps.js';
import { NAME_POOLS } from './object-ref.js';

/** An arbitrary namespace create or delete. */
export function namespaceOperation(): fc.Arbitrary<WorkloadStep> {
  const create = fc.constantFrom(...NAME_POOLS.deletableNamespaces).map((name): WorkloadStep => ({ op: 'create-namespace', name }));
  const remove = fc.constantFrom(...NAME_POOLS.deletableNamespaces).map((name): WorkloadStep => ({ op: 'delete-namespace', name }));
  return fc.oneof({ arbitrary: create, weight: 2 }, { arbitrary: remove, weight: 1 });
}
