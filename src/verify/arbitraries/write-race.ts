/**
 * `writeRace()`: writes that test the API server's and etcd's consistency: a label patch,
 * several label patches sent at the same instant, and stale updates (an update with a
 * resourceVersion that a patch has moved on, or that races a patch).
 */
import fc from 'fast-check';
import type { LabelledResource, WorkloadStep } from '../steps.js';
import { NAME_POOLS, objectRef } from './object-ref.js';

const RESOURCES: readonly LabelledResource[] = ['pods', 'deployments', 'services', 'namespaces'];

/** An arbitrary label patch, burst of concurrent patches, or stale update. */
export function writeRace(): fc.Arbitrary<WorkloadStep> {
  const target = fc.constantFrom(...RESOURCES).chain((resource) => objectRef(resource).map((ref) => ({ resource, ...ref })));
  const label = fc
    .record({ t: target, key: fc.constantFrom(...NAME_POOLS.labelKeys) })
    .map(({ t, key }): WorkloadStep => ({ op: 'label', resource: t.resource, namespace: t.namespace, name: t.name, key }));
  const burst = fc
    .record({ t: target, keys: fc.uniqueArray(fc.constantFrom(...NAME_POOLS.labelKeys), { minLength: 2, maxLength: 3 }) })
    .map(({ t, keys }): WorkloadStep => ({ op: 'concurrent-labels', resource: t.resource, namespace: t.namespace, name: t.name, keys }));
  const stale = fc
    .record({ t: target, race: fc.boolean() })
    .map(({ t, race }): WorkloadStep => ({ op: 'stale-update', resource: t.resource, namespace: t.namespace, name: t.name, race }));
  return fc.oneof({ arbitrary: label, weight: 1 }, { arbitrary: burst, weight: 2 }, { arbitrary: stale, weight: 2 });
}
