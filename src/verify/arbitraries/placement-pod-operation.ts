/**
 * `placementPodOperation()`: pods whose placement the scheduler must constrain: a `group` label
 * the constraints select on, and sometimes required pod anti-affinity within the group (one per
 * node), a DoNotSchedule topology spread of the group over the zone label or the hostname, a
 * `hostPort`, and a PriorityClass (a high-priority pod that fits nowhere preempts). Also deletes
 * such pods, so that spreads and ports are freed and taken again.
 */
import fc from 'fast-check';
import type { PriorityName, SpreadKey, WorkloadStep } from '../steps.js';
import { resourceRequests } from './resource-requests.js';

/** The group labels placement pods carry. */
const PLACEMENT_GROUPS: readonly string[] = Object.freeze(['g1', 'g2']);

/** Names of placement pods (their own pool: a group has several members at once). */
const PLACEMENT_POD_NAMES: readonly string[] = Object.freeze(['q1', 'q2', 'q3', 'q4', 'q5', 'q6']);

/** `value` with weight `some`, else undefined with weight `none`. */
function sometimes<T>(value: fc.Arbitrary<T>, some: number, none: number): fc.Arbitrary<T | undefined> {
  return fc.oneof({ arbitrary: fc.constant(undefined), weight: none }, { arbitrary: value, weight: some });
}

/** Options of {@link placementPodOperation}: restrict the constraints generated (a mutant's focus). */
export interface PlacementOptions {
  /** Constraints to generate (default all). */
  readonly constraints?: readonly ('antiAffinity' | 'spread' | 'hostPort' | 'priority')[];
  /** Namespaces (default `default` twice as often as `ns-a`). */
  readonly namespaces?: readonly string[];
}

/** An arbitrary create or delete of a placement pod. */
export function placementPodOperation(options: PlacementOptions = {}): fc.Arbitrary<WorkloadStep> {
  const want = new Set(options.constraints ?? ['antiAffinity', 'spread', 'hostPort', 'priority']);
  const namespaces = options.namespaces ?? ['default', 'default', 'ns-a'];
  const never = fc.constant(undefined);
  const create = fc
    .record({
      namespace: fc.constantFrom(...namespaces),
      name: fc.constantFrom(...PLACEMENT_POD_NAMES),
      req: resourceRequests(),
      group: fc.constantFrom(...PLACEMENT_GROUPS),
      antiAffinity: want.has('antiAffinity') ? sometimes(fc.constant(true), 1, 1) : never,
      spread: want.has('spread') ? sometimes(fc.constantFrom<SpreadKey>('zone', 'kubernetes.io/hostname'), 1, 1) : never,
      hostPort: want.has('hostPort') ? sometimes(fc.constantFrom(8080, 8081), 1, 1) : never,
      priority: want.has('priority') ? sometimes(fc.constantFrom<PriorityName>('verify-low', 'verify-high'), 1, 1) : never,
    })
    .map(({ namespace, name, req, group, antiAffinity, spread, hostPort, priority }): WorkloadStep => ({
      op: 'create-pod',
      namespace,
      name,
      cpu: req.cpu,
      memory: req.memory,
      grace: 1,
      group,
      ...(antiAffinity ? { antiAffinity } : {}),
      ...(spread ? { spread } : {}),
      ...(hostPort ? { hostPort } : {}),
      ...(priority ? { priority } : {}),
    }));
  const remove = fc
    .record({ namespace: fc.constantFrom(...namespaces), name: fc.constantFrom(...PLACEMENT_POD_NAMES) })
    .map(({ namespace, name }): WorkloadStep => ({ op: 'delete-pod', namespace, name }));
  return fc.oneof({ arbitrary: create, weight: 3 }, { arbitrary: remove, weight: 1 });
}
