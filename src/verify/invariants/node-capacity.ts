/**
 * node-capacity (safety): no node's bound pods that still hold resources (not Succeeded or
 * Failed) request more than its allocatable cpu, memory or pod count.
 *
 * Replays every change etcd made to pods and nodes, so an overcommit that exists only for a
 * moment between two checks is still seen; each overcommitted node is reported once until it
 * fits again.
 */
import type { Node, Pod } from '../../api/types.js';
import { findResource } from '../../api/resources.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import { forEachChange } from '../history.js';
import { formatAmounts, nodeAllocatable, usedBy } from '../resources.js';

const PODS_PREFIX = findResource('pods')!.etcdPrefix;
const NODES_PREFIX = findResource('nodes')!.etcdPrefix;

interface State {
  cursor: number;
  pods: Map<string, Pod>;
  nodes: Map<string, Node>;
  /** Nodes reported overcommitted (until they fit again). */
  reported: Set<string>;
}

export const nodeCapacity: Invariant = {
  name: 'node-capacity',
  kind: 'safety',
  description: "no node's bound, non-terminal pods request more than its allocatable cpu, memory or pods",
  check(cluster, history) {
    const state = history.scratch<State>('node-capacity', () => ({ cursor: 0, pods: new Map(), nodes: new Map(), reported: new Set() }));
    const out: Violation[] = [];
    const specs = new Map(cluster.nodeSpecs.map((s) => [s.name, s]));
    const checkNode = (node: string, revision: number) => {
      const bound = [...state.pods.values()].filter((p) => p.spec?.nodeName === node);
      const used = usedBy(bound);
      const alloc = nodeAllocatable(state.nodes.get(node), specs.get(node));
      const over: string[] = [];
      if (used.cpu > alloc.cpu) over.push('cpu');
      if (used.memory > alloc.memory) over.push('memory');
      if (used.pods > alloc.pods) over.push('pods');
      if (over.length === 0) {
        state.reported.delete(node);
        return;
      }
      if (state.reported.has(node)) return;
      state.reported.add(node);
      const names = bound.filter((p) => p.status?.phase !== 'Succeeded' && p.status?.phase !== 'Failed').map((p) => `${p.metadata?.namespace}/${p.metadata?.name}`);
      out.push(
        violation(
          'node-capacity',
          `node ${node} is overcommitted on ${over.join(', ')} at revision ${revision}: its pods request ${formatAmounts(used)}, allocatable is ${formatAmounts(alloc)} (pods: ${names.join(', ')})`,
          cluster.now(),
        ),
      );
    };
    forEachChange(history, state, ({ change, revision }) => {
      const key = change.kv.key;
      if (key.startsWith(PODS_PREFIX)) {
        const before = state.pods.get(key);
        if (change.kind === 'delete') state.pods.delete(key);
        else state.pods.set(key, change.kv.value as Pod);
        const after = state.pods.get(key);
        const node = after?.spec?.nodeName;
        if (node && (before?.spec?.nodeName !== node || before?.status?.phase !== after?.status?.phase)) checkNode(node, revision);
        const old = before?.spec?.nodeName;
        if (old && old !== node) checkNode(old, revision);
      } else if (key.startsWith(NODES_PREFIX)) {
        const name = key.slice(NODES_PREFIX.length);
        if (change.kind === 'delete') state.nodes.delete(name);
        else state.nodes.set(name, change.kv.value as Node);
        checkNode(name, revision);
      }
    });
    return out;
  },
};
