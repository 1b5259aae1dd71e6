/**
 * endpointslices-list-ready-pods (safety): an EndpointSlice endpoint is written with
 * `conditions.ready: true` only for a pod that has been Ready: the endpointslice controller
 * decides readiness from its informer's view of the pod, which is some earlier state etcd held,
 * so a pod whose `Ready` condition was never `True` at any revision up to the slice's write (for
 * that pod's uid) cannot rightly be listed as ready. A pod that was Ready and lost it since may
 * still be listed ready for a while (the informer lags): that is not judged. Slices of Services
 * with `publishNotReadyAddresses` (every endpoint ready by design) are left out.
 *
 * It replays etcd's changes in revision order (the history holds them from the cluster's start).
 */
import { findResource } from '../../api/resources.js';
import type { KubeObject, Pod } from '../../api/types.js';
import type { Cluster } from '../../cluster/create-cluster.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange, type History } from '../history.js';

const NAME = 'endpointslices-list-ready-pods';
const PODS = findResource('pods')!.etcdPrefix;
const SLICES = findResource('endpointslices')!.etcdPrefix;
const SERVICES = findResource('services')!.etcdPrefix;

type Slice = KubeObject & { endpoints?: { conditions?: { ready?: boolean }; targetRef?: { kind?: string; namespace?: string; name?: string; uid?: string } }[] };

interface State {
  cursor: number;
  /** The uids of the pods that have been Ready at some revision. */
  everReady: Set<string>;
  /** Services (`namespace/name`) that publish not-ready addresses. */
  publishNotReady: Set<string>;
}

const init = (): State => ({ cursor: 0, everReady: new Set(), publishNotReady: new Set() });

export const endpointSlicesListReadyPods: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'an EndpointSlice marks an endpoint ready only for a pod that has been Ready',
  check(_cluster: Cluster, history: History) {
    const state = history.scratch(NAME, init);
    const out: Violation[] = [];
    forEachChange(history, state, ({ change, revision, seenAt }) => {
      const key = change.kv.key;
      if (change.kind === 'delete') return;
      if (key.startsWith(PODS)) {
        const pod = change.kv.value as Pod;
        if (pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) state.everReady.add(pod.metadata!.uid!);
      } else if (key.startsWith(SERVICES)) {
        const svc = change.kv.value as KubeObject & { spec?: { publishNotReadyAddresses?: boolean } };
        const ref = key.slice(SERVICES.length);
        if (svc.spec?.publishNotReadyAddresses === true) state.publishNotReady.add(ref);
        else state.publishNotReady.delete(ref);
      } else if (key.startsWith(SLICES)) {
        const slice = change.kv.value as Slice;
        const ns = slice.metadata?.namespace ?? '';
        const service = slice.metadata?.labels?.['kubernetes.io/service-name'];
        if (service !== undefined && state.publishNotReady.has(`${ns}/${service}`)) return;
        for (const ep of slice.endpoints ?? []) {
          const ref = ep.targetRef;
          if (ep.conditions?.ready !== true || ref?.kind !== 'Pod' || !ref.uid || state.everReady.has(ref.uid)) continue;
          out.push(violation(NAME, `EndpointSlice ${key.slice(SLICES.length)} written at revision ${revision} lists pod ${ref.namespace ?? ns}/${ref.name ?? '?'} as ready, but the pod has never been Ready`, seenAt));
        }
      }
    });
    return out;
  },
};
