/**
 * terminated-namespaces-empty (liveness): once the faults are healed, every namespace that was
 * deleted ends gone, and nothing is left in it: no namespace stays Terminating, and no object of
 * any namespaced resource remains under a namespace that was deleted (unless it was created
 * again since).
 */
import type { Namespace } from '../../api/types.js';
import { resourceOfKey } from '../../../machines/api-server/watch-cache.js';
import { violation, type Invariant, type Violation } from '../invariant.js';

export const terminatedNamespacesEmpty: Invariant = {
  name: 'terminated-namespaces-empty',
  kind: 'liveness',
  description: 'after the faults heal, every deleted namespace is gone and nothing is left in it',
  check(cluster, history) {
    const out: Violation[] = [];
    const namespaces = new Map(cluster.objects<Namespace>('namespaces').map((ns) => [ns.metadata!.name!, ns]));
    const deleted = new Set<string>();
    for (const call of history.calls) {
      if (call.spec.verb === 'delete' && call.spec.resource === 'namespaces' && call.spec.name && call.response && call.response.code >= 200 && call.response.code < 300) deleted.add(call.spec.name);
    }
    for (const ns of namespaces.values()) if (ns.metadata?.deletionTimestamp) deleted.add(ns.metadata.name!);
    if (deleted.size === 0) return out;
    const leftovers = new Map<string, string[]>();
    for (const kv of cluster.store.all()) {
      const info = resourceOfKey(kv.key);
      if (!info?.namespaced) continue;
      const rest = kv.key.slice(info.etcdPrefix.length);
      const ns = rest.slice(0, rest.indexOf('/'));
      if (!deleted.has(ns)) continue;
      let list = leftovers.get(ns);
      if (!list) leftovers.set(ns, (list = []));
      list.push(`${info.plural}/${rest.slice(ns.length + 1)}`);
    }
    for (const name of [...deleted].sort()) {
      const ns = namespaces.get(name);
      const left = leftovers.get(name) ?? [];
      const show = left.length > 0 ? `: ${left.slice(0, 6).join(', ')}${left.length > 6 ? `, … (${left.length})` : ''}` : '';
      if (ns?.metadata?.deletionTimestamp) {
        out.push(violation('terminated-namespaces-empty', `namespace ${name} is still ${ns.status?.phase ?? 'Terminating'}${show ? ` and holds ${left.length} object(s)${show}` : ''}`, cluster.now()));
      } else if (!ns && left.length > 0) {
        out.push(violation('terminated-namespaces-empty', `namespace ${name} is gone but ${left.length} object(s) remain in it${show}`, cluster.now()));
      }
    }
    return out;
  },
};
