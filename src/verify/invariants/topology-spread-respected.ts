/**
 * topology-spread-respected (safety): when the scheduler binds a pod that has
 * `whenUnsatisfiable: DoNotSchedule` topology spread constraints, its node carries every
 * constraint's topology key and, for each constraint, the pods matching it in the chosen domain
 * (plus the pod itself when it matches) exceed the emptiest domain by at most `maxSkew`
 * (kube-scheduler's PodTopologySpread filter; `minDomains` counts the emptiest domain as 0 while
 * there are fewer domains).
 *
 * This is the condition at the moment of binding, judged from the history: pods deleted later may
 * leave a spread skewed without anything being wrong. Because the scheduler's cache may lag etcd,
 * the domain's count is of the pods that surely ran there (bound before, neither deleted,
 * terminating nor terminal by then), and the emptiest domain's of every pod that may still have
 * been cached (bound at any time and not gone before the pod was created), over the nodes known
 * before the pod was created: both err towards no violation. Pods with required node affinity
 * or `nodeTaintsPolicy: Honor` are not judged.
 */
import type { Pod, PodSpec } from '../../api/types.js';
import { type LabelSelectorMatcher } from '../../api/selectors.js';
import { labelSelectorFromObject } from '../../api/label-selector.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { newPlacementModel, nodeLabels, ranAt, replayBindings, type PlacementModel, type PodRecord } from '../placement.js';

const NAME = 'topology-spread-respected';

type Constraint = NonNullable<PodSpec['topologySpreadConstraints']>[number];

/** The constraint's selector, with `matchLabelKeys` turned into requirements on the pod's own values. */
function selectorOf(c: Constraint, pod: Pod): LabelSelectorMatcher {
  const labels = pod.metadata?.labels ?? {};
  const keys = (c.matchLabelKeys ?? []).filter((k) => labels[k] !== undefined);
  if (keys.length === 0) return labelSelectorFromObject(c.labelSelector);
  const base = c.labelSelector ?? {};
  return labelSelectorFromObject({
    ...base,
    matchExpressions: [...(base.matchExpressions ?? []), ...keys.map((k) => ({ key: k, operator: 'In', values: [labels[k]!] }))],
  });
}

/** Whether the node's labels satisfy the pod's `nodeSelector` (the `Honor` node affinity policy). */
function selectorFits(pod: Pod, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(pod.spec?.nodeSelector ?? {})) if (labels[k] !== v) return false;
  return true;
}

export const topologySpreadRespected: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'a pod with DoNotSchedule topology spread constraints is never bound into a domain that makes a skew exceed maxSkew, as counted when it is bound',
  check(cluster, history) {
    const model = history.scratch<PlacementModel>(NAME, newPlacementModel);
    const out: Violation[] = [];
    replayBindings(history, model, ({ record, node, revision }) => {
      const pod = record.pod;
      const constraints = (pod.spec?.topologySpreadConstraints ?? []).filter((c) => c.whenUnsatisfiable === 'DoNotSchedule');
      if (constraints.length === 0) return;
      if (pod.spec?.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution) return;
      if (constraints.some((c) => c.nodeTaintsPolicy === 'Honor')) return;
      const chosen = nodeLabels(model, node);
      if (!chosen) return;
      const missing = constraints.find((c) => chosen[c.topologyKey] === undefined);
      if (missing) {
        out.push(violation(NAME, `pod ${record.name} was bound to ${node} at revision ${revision}, which has no label ${missing.topologyKey} (its DoNotSchedule topology spread constraint's key)`, cluster.now()));
        return;
      }
      const ns = pod.metadata?.namespace ?? 'default';
      for (const c of constraints) {
        const honor = c.nodeAffinityPolicy !== 'Ignore';
        // the eligible nodes: known before the pod was created, still there, with every key
        const domainOf = new Map<string, string>();
        for (const [name, n] of model.nodes) {
          const labels = n.node.metadata?.labels ?? {};
          if (n.created >= record.created || n.deletedAt !== undefined) continue;
          if (honor && !selectorFits(pod, labels)) continue;
          if (constraints.some((k) => labels[k.topologyKey] === undefined)) continue;
          domainOf.set(name, labels[c.topologyKey]!);
        }
        const selector = selectorOf(c, pod);
        const surely = new Map<string, number>();
        const maybe = new Map<string, number>();
        for (const d of domainOf.values()) maybe.set(d, 0);
        const counts = (other: PodRecord): string | undefined => {
          if (other === record || other.boundAt === undefined) return undefined;
          if ((other.pod.metadata?.namespace ?? 'default') !== ns) return undefined;
          if (!selector.matches(other.pod.metadata?.labels)) return undefined;
          return domainOf.get(other.pod.spec?.nodeName ?? '');
        };
        for (const other of model.pods.values()) {
          const d = counts(other);
          if (d === undefined) continue;
          if (ranAt(other, revision)) surely.set(d, (surely.get(d) ?? 0) + 1);
          if (other.goneAt === undefined || other.goneAt > record.created) maybe.set(d, maybe.get(d)! + 1);
        }
        let min = Infinity;
        for (const n of maybe.values()) if (n < min) min = n;
        if (min === Infinity || (c.minDomains !== undefined && maybe.size < c.minDomains)) min = 0;
        const domain = chosen[c.topologyKey]!;
        const self = selector.matches(pod.metadata?.labels) ? 1 : 0;
        const skew = (surely.get(domain) ?? 0) + self - min;
        if (skew > c.maxSkew) {
          out.push(
            violation(
              NAME,
              `pod ${record.name} was bound to ${node} (${c.topologyKey}=${domain}) at revision ${revision}: ${surely.get(domain) ?? 0} matching pod(s) ran there, the emptiest domain had at most ${min}, skew ${skew} > maxSkew ${c.maxSkew}`,
              cluster.now(),
            ),
          );
        }
      }
    });
    return out;
  },
};
