/**
 * daemonset-one-pod-per-node (safety): a DaemonSet runs at most one pod per node. Among the pods a
 * DaemonSet controls that are bound to a node and neither finished nor being deleted, each node
 * has at most one — or, while a surge rolling update (`maxSurge` > 0) is under way, at most two,
 * of different revisions (`controller-revision-hash`). Replayed from etcd's changes in revision
 * order, so a second pod that lived only between two checks is still seen.
 */
import type { DaemonSet, Pod } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange, type History } from '../history.js';
import { isTerminal } from '../resources.js';
import { objectKey } from '../../api/object-key.js';

const NAME = 'daemonset-one-pod-per-node';
const PODS = findResource('pods')!.etcdPrefix;
const SETS = findResource('daemonsets')!.etcdPrefix;

interface State {
  cursor: number;
  /** DaemonSet uid → its last version; etcd key → uid. */
  sets: Map<string, DaemonSet>;
  setKeys: Map<string, string>;
  /** Live daemon pods (bound, not finished, not being deleted) by etcd key. */
  pods: Map<string, { owner: string; node: string; pod: Pod }>;
  /** `owner node` groups already reported (one violation per group until it is back to normal). */
  reported: Set<string>;
}

function surges(ds: DaemonSet): boolean {
  const s = ds.spec?.updateStrategy?.rollingUpdate?.maxSurge;
  return ds.spec?.updateStrategy?.type === 'RollingUpdate' && s !== undefined && s !== 0 && s !== '0%' && s !== '0';
}

function check(history: History, now: number): Violation[] {
  const state = history.scratch<State>(NAME, () => ({ cursor: 0, sets: new Map(), setKeys: new Map(), pods: new Map(), reported: new Set() }));
  const out: Violation[] = [];
  forEachChange(history, state, ({ change }) => {
    const key = change.kv.key;
    if (key.startsWith(SETS)) {
      if (change.kind === 'delete') {
        const uid = state.setKeys.get(key);
        if (uid) state.sets.delete(uid);
        state.setKeys.delete(key);
      } else {
        const ds = change.kv.value as DaemonSet;
        state.sets.set(ds.metadata!.uid!, ds);
        state.setKeys.set(key, ds.metadata!.uid!);
      }
      return;
    }
    if (!key.startsWith(PODS)) return;
    const pod = change.kind === 'delete' ? undefined : (change.kv.value as Pod);
    const ref = pod?.metadata?.ownerReferences?.find((r) => r.controller && r.kind === 'DaemonSet');
    const node = pod?.spec?.nodeName;
    if (!pod || !ref || !node || pod.metadata?.deletionTimestamp || isTerminal(pod)) {
      state.pods.delete(key);
      return;
    }
    state.pods.set(key, { owner: ref.uid, node, pod });
    const ds = state.sets.get(ref.uid);
    if (!ds) return;
    const group = `${ref.uid} ${node}`;
    const pods = [...state.pods.values()].filter((p) => p.owner === ref.uid && p.node === node).map((p) => p.pod);
    const hashes = new Set(pods.map((p) => p.metadata?.labels?.['controller-revision-hash'] ?? ''));
    const allowed = pods.length < 2 || (surges(ds) && pods.length === 2 && hashes.size === 2);
    if (allowed) {
      state.reported.delete(group);
      return;
    }
    if (state.reported.has(group)) return;
    state.reported.add(group);
    out.push(violation(NAME, `DaemonSet ${objectKey(ds)} runs ${pods.length} pods on ${node}: ${pods.map((p) => p.metadata!.name).sort().join(', ')}`, now));
  });
  return out;
}

export const daemonSetOnePodPerNode: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'a DaemonSet runs at most one pod per node (two of different revisions during a surge update)',
  check: (cluster, history) => check(history, cluster.now()),
};
