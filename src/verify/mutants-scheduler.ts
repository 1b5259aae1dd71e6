/**
 * The scheduler's plugin mutants: the default profile with one placement plugin left out, or a
 * preemption that does not compare priorities. Each has a focused workload of placement pods
 * (see `placementPodOperation`) that brings it out in a few runs; the invariants
 * `pod-anti-affinity-respected`, `topology-spread-respected`, `host-ports-unique` and
 * `preempted-pods-lower-priority` catch them.
 */
import fc from 'fast-check';
import type { ClusterOptions } from '../cluster/create-cluster.js';
import { createProfile } from '../../machines/scheduler/registry.js';
import { DefaultPreemption } from '../../machines/scheduler/plugins/default-preemption.js';
import type { PostFilterPlugin } from '../../machines/scheduler/framework.js';
import type { Mutant } from './mutants.js';
import type { PriorityName, SpreadKey, Step } from './steps.js';
import { timeStep } from './arbitraries/time-step.js';

/** DefaultPreemption run as if the preemptor had the highest priority: it picks victims of any priority. */
const priorityBlindPreemption: PostFilterPlugin = {
  name: DefaultPreemption.name,
  postFilter(pod, state, diagnosis, context) {
    const top = Number.MAX_SAFE_INTEGER;
    return DefaultPreemption.postFilter({ ...pod, spec: { ...pod.spec!, priority: top } }, { ...state, priority: top }, diagnosis, context);
  },
};

interface PlacementFocus {
  antiAffinity?: boolean;
  spread?: readonly SpreadKey[];
  hostPort?: boolean;
  priorities?: readonly (PriorityName | undefined)[];
  cpu?: readonly number[];
}

/** Creates and deletes of placement pods of one group in `default`, with waits between them. */
function placementFocus(focus: PlacementFocus): fc.Arbitrary<Step> {
  const create = fc
    .record({
      name: fc.constantFrom('q1', 'q2', 'q3', 'q4', 'q5', 'q6'),
      cpu: fc.constantFrom(...(focus.cpu ?? [100])),
      spread: focus.spread ? fc.constantFrom(...focus.spread) : fc.constant(undefined),
      priority: fc.constantFrom(...(focus.priorities ?? [undefined])),
    })
    .map(({ name, cpu, spread, priority }): Step => ({
      op: 'create-pod',
      namespace: 'default',
      name,
      cpu,
      memory: 64,
      grace: 1,
      group: 'g1',
      ...(focus.antiAffinity ? { antiAffinity: true } : {}),
      ...(spread ? { spread } : {}),
      ...(focus.hostPort ? { hostPort: 8080 } : {}),
      ...(priority ? { priority } : {}),
    }));
  const remove = fc.constantFrom('q1', 'q2', 'q3', 'q4', 'q5', 'q6').map((name): Step => ({ op: 'delete-pod', namespace: 'default', name }));
  return fc.oneof({ arbitrary: create, weight: 4 }, { arbitrary: remove, weight: 1 }, { arbitrary: timeStep({ maxMs: 5_000 }), weight: 2 });
}

const withProfile = (profile: ReturnType<typeof createProfile>) => (o: ClusterOptions): ClusterOptions => ({ ...o, schedulerProfile: profile });

/** The scheduler plugins' mutants, spread into `MUTANTS`. */
export const SCHEDULER_MUTANTS: readonly Mutant[] = Object.freeze([
  {
    name: 'scheduler-ignores-pod-anti-affinity',
    description: 'the scheduler runs without InterPodAffinity: pods with required anti-affinity land next to the pods they exclude',
    caughtBy: ['pod-anti-affinity-respected'],
    workload: { placement: 10 },
    focus: () => placementFocus({ antiAffinity: true }),
    cluster: withProfile(createProfile({ disable: ['InterPodAffinity'] })),
  },
  {
    name: 'scheduler-ignores-topology-spread',
    description: 'the scheduler runs without PodTopologySpread: DoNotSchedule spread constraints are exceeded',
    caughtBy: ['topology-spread-respected'],
    workload: { placement: 10 },
    focus: () => placementFocus({ spread: ['zone', 'kubernetes.io/hostname'] }),
    cluster: withProfile(createProfile({ disable: ['PodTopologySpread'] })),
  },
  {
    name: 'scheduler-ignores-host-ports',
    description: 'the scheduler runs without NodePorts: two pods asking for one hostPort share a node',
    caughtBy: ['host-ports-unique'],
    workload: { placement: 10 },
    focus: () => placementFocus({ hostPort: true }),
    cluster: withProfile(createProfile({ disable: ['NodePorts'] })),
  },
  {
    name: 'preemption-ignores-priority',
    description: 'preemption picks victims as if the preemptor had the highest priority: pods of equal or higher priority are evicted',
    caughtBy: ['preempted-pods-lower-priority'],
    workload: { placement: 10 },
    focus: () => placementFocus({ priorities: ['verify-high', 'verify-low', undefined], cpu: [1000, 2000] }),
    cluster: withProfile(createProfile({ postFilter: priorityBlindPreemption })),
  },
] satisfies Mutant[]);
