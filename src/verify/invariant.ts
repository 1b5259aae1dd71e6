/**
 * The `Invariant` interface: a named property of a running cluster, checked against the cluster
 * itself (etcd's store, the actors' snapshots, the kernel's registry) and the `History` the
 * verifier keeps of the run (client calls and their answers, every etcd change, faults).
 *
 * - `safety` invariants must hold after every step, with faults on.
 * - `liveness` invariants must hold once the faults are healed and the cluster had a bounded
 *   virtual time to converge (the VOPR way). `verify` runs the cluster until every liveness
 *   invariant holds at once, or the bound passes; then it reports what still does not hold.
 *
 * An invariant that needs to see every message (not only the state after a step) implements
 * `observe`: the verifier hands it every trace entry as it is recorded (through
 * `kernel.trace.entries$`, so the trace need not be kept). State an invariant keeps between
 * checks lives in the history (`history.scratch(name, init)`), so one invariant object serves
 * every run.
 */
import type { Cluster } from '../cluster/create-cluster.js';
import type { TraceEntry } from '../kernel/trace.js';
import type { History } from './history.js';

/** Whether an invariant must hold always (safety) or eventually, once faults are healed (liveness). */
export type InvariantKind = 'safety' | 'liveness';

/** One way an invariant does not hold. */
export interface Violation {
  /** The invariant's name. */
  invariant: string;
  /** What is wrong, in a sentence an operator understands (which object, which node, which values). */
  message: string;
  /** Virtual time (ms) it was found. */
  time?: number;
  /** The step (0-based) after which it was found; undefined in the convergence phase. */
  step?: number;
}

/** A property of a cluster, usable from the library and by `verify`. */
export interface Invariant {
  /** Short kebab-case name (`pod-bound-once`), printed with every violation. */
  readonly name: string;
  readonly kind: InvariantKind;
  /** One sentence: what holds. */
  readonly description: string;
  /** Checks the cluster now; returns what does not hold (empty when all is well). */
  check(cluster: Cluster, history: History): Violation[];
  /** Optional: sees every trace entry (message delivered or dropped) as it happens. */
  observe?(entry: TraceEntry, history: History): void;
}

/** What `defineInvariant` takes: a check may return plain messages. */
export interface InvariantDefinition {
  name: string;
  kind: InvariantKind;
  description: string;
  check(cluster: Cluster, history: History): (Violation | string)[];
  observe?(entry: TraceEntry, history: History): void;
}

/**
 * Defines an invariant; `check` may return strings, which become violations named after it.
 *
 * @example
 * const noPodsInKubeSystem = defineInvariant({
 *   name: 'no-pods-in-kube-system',
 *   kind: 'safety',
 *   description: 'the workload never lands in kube-system',
 *   check: (cluster) => cluster.objects('pods', 'kube-system').map((p) => `pod ${p.metadata?.name} in kube-system`),
 * });
 */
export function defineInvariant(definition: InvariantDefinition): Invariant {
  const { name, kind, description } = definition;
  if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new RangeError(`invariant name "${name}" must be kebab-case`);
  if (kind !== 'safety' && kind !== 'liveness') throw new RangeError(`invariant kind must be "safety" or "liveness"; got ${String(kind)}`);
  return {
    name,
    kind,
    description,
    check(cluster, history) {
      return definition.check(cluster, history).map((v) => (typeof v === 'string' ? violation(name, v, cluster.now()) : v));
    },
    ...(definition.observe ? { observe: definition.observe } : {}),
  };
}

/** A violation of `invariant` found now. */
export function violation(invariant: string, message: string, time?: number): Violation {
  return time === undefined ? { invariant, message } : { invariant, message, time };
}

/** A violation as one line: `[pod-bound-once] t=12.5s pod default/p1 moved from node-1 to node-2`. */
export function formatViolation(v: Violation): string {
  const when = v.time === undefined ? '' : ` t=${formatTime(v.time)}`;
  const step = v.step === undefined ? '' : ` after step ${v.step + 1}`;
  return `[${v.invariant}]${when}${step} ${v.message}`;
}

/** Virtual milliseconds as `12.345s`. */
export function formatTime(ms: number): string {
  return `${(ms / 1000).toFixed(3).replace(/\.?0+$/, '')}s`;
}
