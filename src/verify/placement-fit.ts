/**
 * Whether the placement constraints of a pending pod let it onto a node next to the pods bound now
 * (for `schedulable-pods-run`, which must not blame the scheduler for a pod that only a
 * constraint keeps out): host ports, required pod anti-affinity both ways, DoNotSchedule
 * topology spread. Written independently of the scheduler, with the same leniency: whatever it
 * cannot judge (required pod affinity, namespace selectors, node affinity under a spread) counts
 * as not fitting, so the liveness invariant excuses the pod rather than blame the scheduler wrongly.
 */
import type { Pod } from '../api/types.js';
import { labelSelectorFromObject } from '../api/label-selector.js';
import { isTerminal } from './resources.js';

type Labels = Readonly<Record<string, string>>;

function ports(pod: Pod): string[] {
  const out: string[] = [];
  for (const c of pod.spec?.containers ?? []) for (const p of c.ports ?? []) if (p.hostPort) out.push(`${p.protocol || 'TCP'}/${p.hostPort}/${p.hostIP || '0.0.0.0'}`);
  return out;
}

function portsClash(a: readonly string[], b: readonly string[]): boolean {
  for (const x of a) {
    const [px, nx, ix] = x.split('/');
    for (const y of b) {
      const [py, ny, iy] = y.split('/');
      if (px === py && nx === ny && (ix === iy || ix === '0.0.0.0' || iy === '0.0.0.0')) return true;
    }
  }
  return false;
}

type Term = { labelSelector?: unknown; namespaces?: string[]; namespaceSelector?: unknown; topologyKey: string };

function antiTerms(pod: Pod): readonly Term[] {
  return (pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? []);
}

function selects(term: Term, ownerNs: string, other: Pod): boolean {
  const namespaces = term.namespaces && term.namespaces.length > 0 ? term.namespaces : [ownerNs];
  return namespaces.includes(other.metadata?.namespace ?? 'default') && labelSelectorFromObject(term.labelSelector as never).matches(other.metadata?.labels);
}

/**
 * Why the pod's placement constraints keep it off `node` (labels `labelsOf(node)`), next to
 * `pods` (every pod; those bound count); empty when they do not.
 */
export function placementMisfit(pod: Pod, node: string, labelsOf: (node: string) => Labels | undefined, nodes: readonly string[], pods: readonly Pod[]): string[] {
  const spec = pod.spec;
  if (spec?.affinity?.podAffinity?.requiredDuringSchedulingIgnoredDuringExecution) return ['pod affinity (not judged)'];
  const own = antiTerms(pod);
  if (own.some((t) => t.namespaceSelector)) return ['anti-affinity namespace selector (not judged)'];
  const labels = labelsOf(node) ?? {};
  const ns = pod.metadata?.namespace ?? 'default';
  const bound = pods.filter((p) => p !== pod && p.spec?.nodeName && !isTerminal(p));
  const mine = ports(pod);
  const reasons: string[] = [];
  for (const other of bound) {
    const otherLabels = labelsOf(other.spec!.nodeName!) ?? {};
    if (other.spec!.nodeName === node && mine.length > 0 && portsClash(mine, ports(other))) reasons.push('host port');
    for (const t of own) if (labels[t.topologyKey] !== undefined && labels[t.topologyKey] === otherLabels[t.topologyKey] && selects(t, ns, other)) reasons.push('anti-affinity');
    for (const t of antiTerms(other)) {
      if (t.namespaceSelector) reasons.push('existing anti-affinity namespace selector (not judged)');
      else if (labels[t.topologyKey] !== undefined && labels[t.topologyKey] === otherLabels[t.topologyKey] && selects(t, other.metadata?.namespace ?? 'default', pod)) reasons.push("existing pod's anti-affinity");
    }
  }
  const constraints = (spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
  if (constraints.length > 0) {
    if (spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution || constraints.some((c) => c.matchLabelKeys || c.nodeTaintsPolicy === 'Honor')) return [...reasons, 'spread (not judged)'];
    if (constraints.some((c) => labels[c.topologyKey] === undefined)) return [...reasons, 'spread key missing'];
    for (const c of constraints) {
      const selector = labelSelectorFromObject(c.labelSelector);
      const counts = new Map<string, number>();
      const domainOf = new Map<string, string>();
      for (const n of nodes) {
        const l = labelsOf(n) ?? {};
        if (c.nodeAffinityPolicy !== 'Ignore' && Object.entries(spec?.nodeSelector ?? {}).some(([k, v]) => l[k] !== v)) continue;
        if (constraints.some((k) => l[k.topologyKey] === undefined)) continue;
        domainOf.set(n, l[c.topologyKey]!);
        counts.set(l[c.topologyKey]!, 0);
      }
      for (const other of bound) {
        if (other.metadata?.deletionTimestamp || (other.metadata?.namespace ?? 'default') !== ns || !selector.matches(other.metadata?.labels)) continue;
        const d = domainOf.get(other.spec!.nodeName!);
        if (d !== undefined) counts.set(d, counts.get(d)! + 1);
      }
      let min = Math.min(...counts.values());
      if (!Number.isFinite(min) || (c.minDomains !== undefined && counts.size < c.minDomains)) min = 0;
      const self = selector.matches(pod.metadata?.labels) ? 1 : 0;
      if ((counts.get(labels[c.topologyKey]!) ?? 0) + self - min > c.maxSkew) reasons.push('spread skew');
    }
  }
  return reasons;
}
