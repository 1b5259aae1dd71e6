/**
 * Pod priority in the API server: the built-in PriorityClasses kube-apiserver creates at boot
 * (`system-node-critical`, `system-cluster-critical`), and the Priority admission plugin
 * (`plugin/pkg/admission/priority`): on pod create, `spec.priorityClassName` is resolved to
 * `spec.priority` and `spec.preemptionPolicy` (a pod without a class gets the global default
 * class, the one with the lowest value when several claim it, or priority 0 and
 * PreemptLowerPriority); a PriorityClass marked `globalDefault` is refused while another one is.
 */

type Obj = Record<string, unknown>;

/** `scheduling.SystemCriticalPriority`. */
const SYSTEM_CRITICAL_PRIORITY = 2_000_000_000;

/** `scheduling.HighestUserDefinablePriority`. */
export const HIGHEST_USER_DEFINABLE_PRIORITY = 1_000_000_000;

/** The system PriorityClasses (`scheduling.SystemPriorityClasses`), as the API server creates them at boot. */
export function systemPriorityClasses(): Obj[] {
  const pc = (name: string, value: number, description: string): Obj => ({
    apiVersion: 'scheduling.k8s.io/v1',
    kind: 'PriorityClass',
    metadata: { name },
    value,
    globalDefault: false,
    description,
    preemptionPolicy: 'PreemptLowerPriority',
  });
  return [
    pc('system-node-critical', SYSTEM_CRITICAL_PRIORITY + 1000, 'Used for system critical pods that must not be moved from their current node.'),
    pc('system-cluster-critical', SYSTEM_CRITICAL_PRIORITY, 'Used for system critical pods that must run in the cluster, but can be moved to another node if necessary.'),
  ];
}

/** `IsKnownSystemPriorityClass`: undefined when `name`/`value`/`globalDefault` are those of a system class, else why not. */
export function knownSystemPriorityClassError(name: string, value: unknown, globalDefault: unknown): string | undefined {
  const sys = systemPriorityClasses().find((p) => (p.metadata as Obj).name === name);
  if (!sys) return `${name} is not a known system priority class`;
  if (value !== sys.value) return `value of ${name} PriorityClass must be ${String(sys.value)}`;
  if ((globalDefault ?? false) !== sys.globalDefault) return `globalDefault of ${name} PriorityClass must be ${String(sys.globalDefault)}`;
  return undefined;
}

/** The global default class (`getDefaultPriorityClass`): among those with `globalDefault`, the lowest value. */
function defaultPriorityClass(classes: Iterable<Obj>): Obj | undefined {
  let best: Obj | undefined;
  for (const pc of classes) {
    if (pc.globalDefault !== true) continue;
    if (!best || (pc.value as number) < (best.value as number)) best = pc;
  }
  return best;
}

/**
 * The Priority admission of a pod being created: sets `spec.priorityClassName` (to the default
 * class when unset), `spec.priority` and `spec.preemptionPolicy` on `pod` (in place).
 *
 * @param given - `spec.priority` and `spec.preemptionPolicy` as the client sent them (before defaulting).
 * @returns undefined when admitted, else the Forbidden message.
 */
export function admitPodPriority(
  pod: Obj,
  given: { priority?: unknown; preemptionPolicy?: unknown },
  lookup: (name: string) => Obj | undefined,
  classes: () => Iterable<Obj>,
): string | undefined {
  const spec = (pod.spec ??= {}) as Obj;
  let priority: number;
  let policy: string | undefined;
  const className = spec.priorityClassName as string | undefined;
  if (!className) {
    const dpc = defaultPriorityClass(classes());
    if (dpc) {
      spec.priorityClassName = (dpc.metadata as Obj).name;
      priority = dpc.value as number;
      policy = dpc.preemptionPolicy as string | undefined;
    } else {
      delete spec.priorityClassName;
      priority = 0;
      policy = 'PreemptLowerPriority';
    }
  } else {
    const pc = lookup(className);
    if (!pc) return `no PriorityClass with name ${className} was found`;
    priority = pc.value as number;
    policy = pc.preemptionPolicy as string | undefined;
  }
  if (typeof given.priority === 'number' && given.priority !== priority) {
    return `the integer value of priority (${given.priority}) must not be provided in pod spec; priority admission controller computed ${priority} from the given PriorityClass name`;
  }
  spec.priority = priority;
  if (policy !== undefined) {
    if (typeof given.preemptionPolicy === 'string' && given.preemptionPolicy !== policy) {
      return `the string value of PreemptionPolicy (${given.preemptionPolicy}) must not be provided in pod spec; priority admission controller computed ${policy} from the given PriorityClass name`;
    }
    spec.preemptionPolicy = policy;
  }
  return undefined;
}

/**
 * The Priority admission of a PriorityClass being created or updated: only one class may be the
 * global default. @returns undefined when admitted, else the Forbidden message.
 */
export function admitPriorityClass(pc: Obj, operation: 'create' | 'update', classes: Iterable<Obj>): string | undefined {
  if (pc.globalDefault !== true) return undefined;
  const name = (pc.metadata as Obj | undefined)?.name;
  const dpc = defaultPriorityClass([...classes].filter((c) => operation === 'create' || (c.metadata as Obj).name !== name));
  if (!dpc) return undefined;
  return `PriorityClass ${String((dpc.metadata as Obj).name)} is already marked as default. Only one default can exist`;
}
