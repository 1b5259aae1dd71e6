/**
 * `objectRef(kind)`: which object a step acts on, drawn from small pools of names so that
 * creates, updates, scales and deletes of one scenario meet on the same objects.
 */
import fc from 'fast-check';

/** The names generated steps use. */
export const NAME_POOLS = Object.freeze({
  namespaces: Object.freeze(['default', 'ns-a', 'ns-b']),
  /** Namespaces the workload may delete (never `default`). */
  deletableNamespaces: Object.freeze(['ns-a', 'ns-b']),
  pods: Object.freeze(['p1', 'p2', 'p3', 'p4']),
  deployments: Object.freeze(['d1', 'd2']),
  services: Object.freeze(['s1', 's2']),
  jobs: Object.freeze(['j1', 'j2']),
  cronjobs: Object.freeze(['c1']),
  daemonsets: Object.freeze(['ds1']),
  statefulsets: Object.freeze(['st1', 'st2']),
  /** Label keys the workload writes (under `verify.kube-actors.io/`). */
  labelKeys: Object.freeze(['a', 'b', 'c']),
});

/** The kinds of object steps name. */
export type RefKind = 'pods' | 'deployments' | 'services' | 'namespaces' | 'jobs' | 'cronjobs' | 'daemonsets' | 'statefulsets';

/** An object of a kind: `{ namespace, name }` (for namespaces, both are the namespace's name). */
export function objectRef(kind: RefKind): fc.Arbitrary<{ namespace: string; name: string }> {
  if (kind === 'namespaces') return fc.constantFrom(...NAME_POOLS.namespaces).map((name) => ({ namespace: name, name }));
  return fc.record({ namespace: fc.constantFrom(...NAME_POOLS.namespaces), name: fc.constantFrom(...NAME_POOLS[kind]) });
}
