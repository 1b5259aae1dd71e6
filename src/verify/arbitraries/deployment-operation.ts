/**
 * `deploymentOperation()`: create a Deployment (0-4 replicas, each pod with generated
 * requests), scale one (0-5 replicas, through the scale subresource), evict one of its pods
 * (the pods/eviction subresource), or delete one.
 */
import fc from 'fast-check';
import type { WorkloadStep } from '../steps.js';
import { objectRef } from './object-ref.js';
import { resourceRequests } from './resource-requests.js';

/** An arbitrary Deployment create, scale or delete. */
export function deploymentOperation(): fc.Arbitrary<WorkloadStep> {
  const create = fc
    .record({ ref: objectRef('deployments'), replicas: fc.integer({ min: 0, max: 4 }), req: resourceRequests(), tolerate: fc.boolean() })
    .map(({ ref, replicas, req, tolerate }): WorkloadStep => ({
      op: 'create-deployment',
      namespace: ref.namespace,
      name: ref.name,
      replicas,
      cpu: req.cpu,
      memory: req.memory,
      ...(tolerate ? { tolerate } : {}),
    }));
  const scale = fc
    .record({ ref: objectRef('deployments'), replicas: fc.integer({ min: 0, max: 5 }) })
    .map(({ ref, replicas }): WorkloadStep => ({ op: 'scale-deployment', namespace: ref.namespace, name: ref.name, replicas }));
  const remove = objectRef('deployments').map((ref): WorkloadStep => ({ op: 'delete-deployment', namespace: ref.namespace, name: ref.name }));
  const evict = objectRef('deployments').map((ref): WorkloadStep => ({ op: 'evict-pod', namespace: ref.namespace, deployment: ref.name }));
  return fc.oneof({ arbitrary: create, weight: 3 }, { arbitrary: scale, weight: 3 }, { arbitrary: evict, weight: 2 }, { arbitrary: remove, weight: 1 });
}
