/**
 * Impersonation, as kube-apiserver's `WithImpersonation` filter
 * (`k8s.io/apiserver/pkg/endpoints/filters/impersonation.go`): a request carrying
 * `Impersonate-User`, `Impersonate-Group`, `Impersonate-Uid` or `Impersonate-Extra-<key>` headers
 * (kubectl `--as`, `--as-group`, `--as-uid`) is served as the user it names, but only if the
 * authenticated requester may `impersonate` each thing it asks for: `users`, `groups` and
 * `serviceaccounts` in the core group, `uids` and `userextras/<key>` in `authentication.k8s.io`.
 * One refusal and the request is Forbidden, with the authorizer's message for that check.
 */
import type { AuthorizationDecision, AuthorizationRequest } from '../../src/api/rbac.js';
import { serviceAccountUsername } from '../../src/api/rbac.js';
import * as S from '../../src/api/status.js';
import type { Status } from '../../src/api/types.js';
import { ANONYMOUS_USER, AUTHENTICATED_GROUP, UNAUTHENTICATED_GROUP, type UserInfo } from './auth.js';

/** What a request asks to act as (the impersonation headers, parsed). */
export interface Impersonation {
  /** `Impersonate-User` (a service account as `system:serviceaccount:<ns>:<name>`). */
  user?: string;
  /** Every `Impersonate-Group` header, in order. */
  groups?: string[];
  /** `Impersonate-Uid`. */
  uid?: string;
  /** `Impersonate-Extra-<key>` headers: key (lower case, unescaped) → values. */
  extra?: Record<string, string[]>;
}

/** One thing to be allowed to impersonate (`authorizer.AttributesRecord` of the check). */
interface ActingAs {
  resource: 'users' | 'serviceaccounts' | 'groups' | 'userextras' | 'uids';
  apiGroup: '' | 'authentication.k8s.io';
  name: string;
  namespace?: string;
  subresource?: string;
}

/** The outcome: the user to serve the request as, or the refusal. */
export type ImpersonationResult = { user: UserInfo } | { code: 403 | 500; body: Status };

/** True when the request asks to impersonate anything. */
export function impersonates(imp: Impersonation | undefined): imp is Impersonation {
  return imp !== undefined && (imp.user !== undefined || (imp.groups?.length ?? 0) > 0 || imp.uid !== undefined || Object.keys(imp.extra ?? {}).length > 0);
}

/** `serviceaccount.SplitUsername`: namespace and name of a service account user name, or undefined. */
export function splitServiceAccountUsername(username: string): { namespace: string; name: string } | undefined {
  const prefix = 'system:serviceaccount:';
  if (!username.startsWith(prefix)) return undefined;
  const parts = username.slice(prefix.length).split(':');
  if (parts.length !== 2 || !parts[0] || !parts[1]) return undefined;
  return { namespace: parts[0], name: parts[1] };
}

/** `buildImpersonationRequests`: the checks, user first, then groups, extras (sorted by key) and the uid. */
function actingAs(imp: Impersonation): ActingAs[] | string {
  const out: ActingAs[] = [];
  const hasUser = imp.user !== undefined && imp.user !== '';
  if (hasUser) {
    const sa = splitServiceAccountUsername(imp.user!);
    out.push(sa ? { resource: 'serviceaccounts', apiGroup: '', name: sa.name, namespace: sa.namespace } : { resource: 'users', apiGroup: '', name: imp.user! });
  }
  for (const g of imp.groups ?? []) out.push({ resource: 'groups', apiGroup: '', name: g });
  const extraKeys = Object.keys(imp.extra ?? {}).sort();
  for (const key of extraKeys) for (const v of imp.extra![key]!) out.push({ resource: 'userextras', apiGroup: 'authentication.k8s.io', name: v, subresource: key });
  const hasUid = imp.uid !== undefined && imp.uid !== '';
  if (hasUid) out.push({ resource: 'uids', apiGroup: 'authentication.k8s.io', name: imp.uid! });
  if (!hasUser && out.length > 0) {
    const what = out.map((a) => `${a.resource}${a.subresource ? '/' + a.subresource : ''} ${JSON.stringify(a.name)}`).join(', ');
    return `requested [${what}] without impersonating a user`;
  }
  return out;
}

/**
 * Decides an impersonation request.
 *
 * @param requestor - the authenticated user.
 * @param imp - what the request asks to act as.
 * @param authorize - the authorizer (RBAC).
 * @param path - the request's path, for the 500 the real filter writes when groups, extras or a uid come without a user.
 */
export function impersonate(
  requestor: UserInfo,
  imp: Impersonation,
  authorize: (request: AuthorizationRequest) => AuthorizationDecision,
  path = '',
): ImpersonationResult {
  const checks = actingAs(imp);
  if (typeof checks === 'string') return { code: 500, body: S.internalError(`Internal Server Error: ${JSON.stringify(path)}: ${checks}`) };
  const groupsSpecified = (imp.groups?.length ?? 0) > 0;
  let username = '';
  let uid = '';
  let groups: string[] = [];
  const extra: Record<string, string[]> = {};
  for (const a of checks) {
    const decision = authorize({
      user: requestor.username,
      groups: requestor.groups,
      verb: 'impersonate',
      resource: a.resource,
      subresource: a.subresource,
      apiGroup: a.apiGroup,
      namespace: a.namespace,
      name: a.name,
    });
    if (!decision.allowed) {
      const body = S.forbidden({
        user: requestor.username,
        verb: 'impersonate',
        resource: a.resource,
        group: a.apiGroup,
        subresource: a.subresource,
        namespace: a.namespace,
        name: a.name,
        reason: decision.reason || undefined,
      });
      return { code: 403, body };
    }
    switch (a.resource) {
      case 'serviceaccounts':
        username = serviceAccountUsername(a.namespace!, a.name);
        if (!groupsSpecified) groups = ['system:serviceaccounts', `system:serviceaccounts:${a.namespace!}`];
        break;
      case 'users':
        username = a.name;
        break;
      case 'groups':
        groups.push(a.name);
        break;
      case 'userextras':
        (extra[a.subresource!] ??= []).push(a.name);
        break;
      case 'uids':
        uid = a.name;
        break;
    }
  }
  if (username !== ANONYMOUS_USER) {
    // a non-anonymous user is authenticated unless the groups say otherwise
    if (!groups.includes(AUTHENTICATED_GROUP) && !groups.includes(UNAUTHENTICATED_GROUP)) groups.push(AUTHENTICATED_GROUP);
  } else if (!groups.includes(UNAUTHENTICATED_GROUP)) {
    groups.push(UNAUTHENTICATED_GROUP);
  }
  const user: UserInfo = { username, groups };
  if (uid) user.uid = uid;
  if (Object.keys(extra).length > 0) user.extra = extra;
  return { user };
}
