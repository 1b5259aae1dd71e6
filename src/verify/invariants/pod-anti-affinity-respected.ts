/**
 * pod-anti-affinity-respected (safety): when the scheduler binds a pod, no pod that surely ran
 * then matches one of the pod's required anti-affinity terms in the same topology domain, and the
 * pod matches no required anti-affinity term of such a pod (kube-scheduler's InterPodAffinity
 * filter: `existingPodAntiAffinityMap` and `incomingPodAntiAffinityMap`).
 *
 * Judged at the binding, from the history (a label changed later does not count); the pods
 * counted are those bound before the binding and not deleted, terminating or terminal by then,
 * every one of which the scheduler had in its cache. Terms with a `namespaceSelector` are not
 * checked (namespace labels change under the workload).
 */
import type { Pod, PodSpec } from '../../api/types.js';
import { labelSelectorFromObject } from '../../api/label-selector.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { newPlacementModel, nodeLabels, ranAt, replayBindings, type PlacementModel } from '../placement.js';

const NAME = 'pod-anti-affinity-respected';

type PodAffinityTerm = NonNullable<NonNullable<NonNullable<PodSpec['affinity']>['podAntiAffinity']>['requiredDuringSchedulingIgnoredDuringExecution']>[number];

function requiredAntiAffinity(pod: Pod): readonly PodAffinityTerm[] {
  return pod.spec?.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution ?? [];
}

/** Whether `term`, of a pod in namespace `ownerNs`, selects `other` (`AffinityTerm.Matches`); undefined when not judged. */
function termSelects(term: PodAffinityTerm, ownerNs: string, other: Pod): boolean | undefined {
  if (term.namespaceSelector) return undefined;
  const namespaces = term.namespaces && term.namespaces.length > 0 ? term.namespaces : [ownerNs];
  if (!namespaces.includes(other.metadata?.namespace ?? 'default')) return false;
  return labelSelectorFromObject(term.labelSelector).matches(other.metadata?.labels);
}

function describeTerm(term: PodAffinityTerm): string {
  return `{labelSelector: ${JSON.stringify(term.labelSelector ?? null)}, topologyKey: ${term.topologyKey}}`;
}

export const podAntiAffinityRespected: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'a pod is never bound into a topology domain where a running pod matches its required anti-affinity, or has a required anti-affinity it matches',
  check(cluster, history) {
    const model = history.scratch<PlacementModel>(NAME, newPlacementModel);
    const out: Violation[] = [];
    replayBindings(history, model, ({ record, node, revision }) => {
      const pod = record.pod;
      const ns = pod.metadata?.namespace ?? 'default';
      const labels = nodeLabels(model, node);
      if (!labels) return;
      const own = requiredAntiAffinity(pod);
      for (const other of model.pods.values()) {
        if (other === record || !ranAt(other, revision)) continue;
        const otherNode = other.pod.spec?.nodeName;
        const otherLabels = nodeLabels(model, otherNode);
        if (!otherLabels) continue;
        for (const term of own) {
          const value = labels[term.topologyKey];
          if (value === undefined || otherLabels[term.topologyKey] !== value) continue;
          if (termSelects(term, ns, other.pod) === true) {
            out.push(violation(NAME, `pod ${record.name} was bound to ${node} at revision ${revision} although pod ${other.name} on ${otherNode} (${term.topologyKey}=${value}) matches its required anti-affinity term ${describeTerm(term)}`, cluster.now()));
          }
        }
        for (const term of requiredAntiAffinity(other.pod)) {
          const value = otherLabels[term.topologyKey];
          if (value === undefined || labels[term.topologyKey] !== value) continue;
          if (termSelects(term, other.pod.metadata?.namespace ?? 'default', pod) === true) {
            out.push(violation(NAME, `pod ${record.name} was bound to ${node} at revision ${revision} although it matches the required anti-affinity term ${describeTerm(term)} of pod ${other.name} on ${otherNode} (${term.topologyKey}=${value})`, cluster.now()));
          }
        }
      }
    });
    return out;
  },
};
