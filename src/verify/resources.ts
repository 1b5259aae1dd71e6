/**
 * The resource arithmetic the invariants judge with, written independently of the scheduler
 * (an invariant that reused the scheduler's code could not catch the scheduler): a pod's
 * requests, a node's allocatable, taints and tolerations, node selectors, and "does this pod fit
 * on that node next to the pods already bound there".
 */
import { milliCpu, quantityValue } from '../api/quantity.js';
import type { Node, Pod, Taint, Toleration } from '../api/types.js';
import type { NodeSpec } from '../../machines/kubelet.js';
import { allocatableOf } from '../../machines/kubelet/node-status.js';

/** Requested (or allocatable) cpu in millicores, memory in bytes, and a pod count. */
export interface Amounts {
  cpu: number;
  memory: number;
  pods: number;
}


function safe(parse: (q: string | number | undefined) => number, q: string | number | undefined): number {
  try {
    return parse(q);
  } catch {
    return 0;
  }
}

/** A pod's requests: the sum over its containers, raised to its largest init container. */
export function podRequests(pod: Pod): Amounts {
  let cpu = 0;
  let memory = 0;
  for (const c of pod.spec?.containers ?? []) {
    const r = c.resources?.requests;
    cpu += safe(milliCpu, r?.['cpu']);
    memory += safe(quantityValue, r?.['memory']);
  }
  for (const c of pod.spec?.initContainers ?? []) {
    const r = c.resources?.requests;
    cpu = Math.max(cpu, safe(milliCpu, r?.['cpu']));
    memory = Math.max(memory, safe(quantityValue, r?.['memory']));
  }
  return { cpu, memory, pods: 1 };
}

/** What a node offers: `status.allocatable` of its Node object, else what its kubelet computes from its spec. */
export function nodeAllocatable(node: Node | undefined, spec?: NodeSpec): Amounts {
  const list = node?.status?.allocatable ?? (spec ? allocatableOf(spec) : {});
  return { cpu: safe(milliCpu, list['cpu']), memory: safe(quantityValue, list['memory']), pods: safe(quantityValue, list['pods']) };
}

/** True for Succeeded and Failed pods: they hold no resources any more. */
export function isTerminal(pod: Pod): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** The sum of the requests of the pods (bound to one node) that still hold resources. */
export function usedBy(pods: readonly Pod[]): Amounts {
  const used = { cpu: 0, memory: 0, pods: 0 };
  for (const pod of pods) {
    if (isTerminal(pod)) continue;
    const r = podRequests(pod);
    used.cpu += r.cpu;
    used.memory += r.memory;
    used.pods += 1;
  }
  return used;
}

/** True when a toleration tolerates a taint (Kubernetes' `ToleratesTaint`). */
export function tolerates(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  if (!toleration.key && toleration.operator !== 'Exists') return false;
  if (toleration.operator === 'Exists') return true;
  return (toleration.value ?? '') === (taint.value ?? '');
}

/** The taints (NoSchedule / NoExecute) a pod does not tolerate. */
export function untoleratedTaints(pod: Pod, taints: readonly Taint[] | undefined): Taint[] {
  const tolerations = pod.spec?.tolerations ?? [];
  return (taints ?? []).filter((t) => (t.effect === 'NoSchedule' || t.effect === 'NoExecute') && !tolerations.some((tol) => tolerates(tol, t)));
}

interface Requirement {
  key: string;
  operator: string;
  values?: string[];
}

/** One node selector requirement against a value (`undefined`: the node has no such label). */
function requirementHolds(r: Requirement, value: string | undefined): boolean {
  const values = r.values ?? [];
  switch (r.operator) {
    case 'In':
      return value !== undefined && values.includes(value);
    case 'NotIn':
      return value === undefined || !values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    case 'Gt':
      return value !== undefined && Number(value) > Number(values[0]);
    case 'Lt':
      return value !== undefined && Number(value) < Number(values[0]);
    default:
      return false;
  }
}

/**
 * True when the pod's nodeSelector and its required node affinity (any term: every
 * matchExpressions on the labels and matchFields on `metadata.name`, the node's name being its
 * `kubernetes.io/hostname` label here) match the node. A DaemonSet's pods name their node so.
 */
export function selectorMatches(pod: Pod, labels: Record<string, string> | undefined): boolean {
  const l = labels ?? {};
  const selector = pod.spec?.nodeSelector ?? {};
  for (const [k, v] of Object.entries(selector)) if (l[k] !== v) return false;
  const terms = (pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution?.nodeSelectorTerms ?? []) as {
    matchExpressions?: Requirement[];
    matchFields?: Requirement[];
  }[];
  if (terms.length === 0) return true;
  return terms.some(
    (t) =>
      ((t.matchExpressions ?? []).length > 0 || (t.matchFields ?? []).length > 0) &&
      (t.matchExpressions ?? []).every((r) => requirementHolds(r, l[r.key])) &&
      (t.matchFields ?? []).every((r) => r.key === 'metadata.name' && requirementHolds(r, l['kubernetes.io/hostname'])),
  );
}

/** Why a pod does not fit on a node next to `bound` (empty when it fits). */
export function misfit(pod: Pod, allocatable: Amounts, bound: readonly Pod[], labels: Record<string, string> | undefined, taints: readonly Taint[] | undefined): string[] {
  const reasons: string[] = [];
  if (!selectorMatches(pod, labels)) reasons.push('node selector');
  if (untoleratedTaints(pod, taints).length > 0) reasons.push('taint');
  const used = usedBy(bound);
  const req = podRequests(pod);
  if (used.cpu + req.cpu > allocatable.cpu) reasons.push('cpu');
  if (used.memory + req.memory > allocatable.memory) reasons.push('memory');
  if (used.pods + 1 > allocatable.pods) reasons.push('pods');
  return reasons;
}

/** Groups pods by the node they are bound to (unbound pods left out). */
export function podsByNode(pods: readonly Pod[]): Map<string, Pod[]> {
  const out = new Map<string, Pod[]>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (!node) continue;
    let list = out.get(node);
    if (!list) out.set(node, (list = []));
    list.push(pod);
  }
  return out;
}

/** `1500m` / `512Mi` for messages. */
export function formatAmounts(a: Amounts): string {
  return `cpu=${a.cpu}m memory=${Math.round(a.memory / 2 ** 20)}Mi pods=${a.pods}`;
}
