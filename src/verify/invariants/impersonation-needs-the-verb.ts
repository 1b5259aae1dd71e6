/**
 * impersonation-needs-the-verb (safety): a request that asks to act as another user, group, uid
 * or extra (the `Impersonate-*` headers, kubectl `--as`) succeeds only if its caller may
 * `impersonate` each of them, as RBAC decides from the roles and bindings etcd holds. Otherwise it
 * is answered 403 (or 401 / 5xx: no decision) and etcd applies no write in its flow.
 *
 * The verifier decides the caller's right itself, from the RBAC objects in etcd and the caller's
 * user name and groups (its token's), with the RBAC authorizer's rule matching; it does not ask
 * the API server.
 */
import { ETCD } from '../../../machines/protocol.js';
import { serviceAccountUsername, RbacIndex, type AuthorizationRequest } from '../../api/rbac.js';
import type { Cluster } from '../../cluster/create-cluster.js';
import { violation, type Invariant, type Violation } from '../invariant.js';
import type { ClientCall } from '../history.js';

interface State {
  callCursor: number;
  /** etcd write requests made in the flows of impersonating calls (request id → summary). */
  writes: Map<string, string>;
  /** Writes etcd applied in those flows, until their call is judged. */
  applied: { call: number; what: string; time: number }[];
  /** The impersonating calls whose caller lacked the right. */
  denied: Set<number>;
}

const ETCD_WRITES = new Set(['etcd.create', 'etcd.update', 'etcd.delete']);
const NAME = 'impersonation-needs-the-verb';
const init = (): State => ({ callCursor: 0, writes: new Map(), applied: [], denied: new Set() });

/** The user name and groups of a call's caller (its token's), or undefined for a token nobody has. */
function callerOf(cluster: Cluster, call: ClientCall): { username: string; groups: string[] } | undefined {
  if (call.user === 'anonymous') return undefined;
  const entry = call.user === 'admin' ? cluster.users.admin : cluster.users[call.user];
  return { username: entry.username, groups: [...(entry.groups ?? []), 'system:authenticated'] };
}

/** What the caller would have to be allowed to impersonate (the filter's checks), described. */
function checksOf(call: ClientCall): { request: Omit<AuthorizationRequest, 'user' | 'groups'>; text: string }[] {
  const imp = call.spec.impersonate ?? {};
  const out: { request: Omit<AuthorizationRequest, 'user' | 'groups'>; text: string }[] = [];
  if (imp.user) {
    const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(imp.user);
    out.push(
      sa
        ? { request: { verb: 'impersonate', resource: 'serviceaccounts', apiGroup: '', namespace: sa[1], name: sa[2] }, text: `serviceaccount ${serviceAccountUsername(sa[1]!, sa[2]!)}` }
        : { request: { verb: 'impersonate', resource: 'users', apiGroup: '', name: imp.user }, text: `user ${imp.user}` },
    );
  }
  for (const g of imp.groups ?? []) out.push({ request: { verb: 'impersonate', resource: 'groups', apiGroup: '', name: g }, text: `group ${g}` });
  for (const [key, values] of Object.entries(imp.extra ?? {})) {
    for (const v of values) out.push({ request: { verb: 'impersonate', resource: 'userextras', subresource: key, apiGroup: 'authentication.k8s.io', name: v }, text: `extra ${key}=${v}` });
  }
  if (imp.uid) out.push({ request: { verb: 'impersonate', resource: 'uids', apiGroup: 'authentication.k8s.io', name: imp.uid }, text: `uid ${imp.uid}` });
  return out;
}

/** The RBAC state in etcd now. */
function rbacOf(cluster: Cluster): RbacIndex {
  return new RbacIndex([...cluster.objects('clusterroles'), ...cluster.objects('roles'), ...cluster.objects('clusterrolebindings'), ...cluster.objects('rolebindings')]);
}

export const impersonationNeedsTheVerb: Invariant = {
  name: NAME,
  kind: 'safety',
  description: 'a request impersonating a user, group or uid its caller may not impersonate is refused (403) and changes nothing in etcd',
  observe(entry, history) {
    if (entry.flow === undefined) return;
    const call = history.callsByFlow.get(entry.flow);
    if (!call?.spec.impersonate) return;
    const state = history.scratch(NAME, init);
    const event = entry.event as { id?: string; ok?: boolean; revision?: number } | undefined;
    if (entry.to === ETCD && ETCD_WRITES.has(entry.type) && event?.id) state.writes.set(event.id, entry.summary);
    else if (entry.from === ETCD && entry.type === 'etcd.result' && event?.id && event.ok && state.writes.has(event.id)) {
      state.applied.push({ call: call.id, what: `${state.writes.get(event.id)!} at revision ${String(event.revision)}`, time: entry.time });
    }
  },
  check(cluster, history) {
    const state = history.scratch(NAME, init);
    const out: Violation[] = [];
    let rbac: RbacIndex | undefined;
    for (let i = state.callCursor; i < history.calls.length; i++) {
      const call = history.calls[i]!;
      if (!call.response) break;
      state.callCursor = i + 1;
      if (!call.spec.impersonate) continue;
      const caller = callerOf(cluster, call);
      if (!caller) continue; // a token nobody has: refused-requests-change-nothing wants its 401
      rbac ??= rbacOf(cluster);
      const refused = checksOf(call).find((c) => !rbac!.authorize({ ...c.request, user: caller.username, groups: caller.groups }).allowed);
      if (!refused) continue;
      state.denied.add(call.id);
      const code = call.response.code;
      if (code !== 403 && code !== 401 && code < 500) {
        out.push(violation(NAME, `call #${call.id}: ${call.user} (${caller.username}) may not impersonate ${refused.text}, yet ${call.spec.verb} ${call.key ?? call.spec.resource} as ${JSON.stringify(call.spec.impersonate)} was answered ${code}; expected 403 Forbidden`, cluster.now()));
      }
    }
    // a write in the flow of a call judged denied is a violation; of an allowed one, none
    state.applied = state.applied.filter((w) => {
      if (state.denied.has(w.call)) {
        const call = history.calls[w.call - 1]!;
        out.push(violation(NAME, `call #${w.call} (${call.user} as ${JSON.stringify(call.spec.impersonate)}) made etcd apply ${w.what}`, w.time));
        return false;
      }
      return w.call >= state.callCursor + 1; // not judged yet
    });
    return out;
  },
};
