import { describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../../machines/client/api-client.js';
import { impersonate, splitServiceAccountUsername } from '../../../machines/api-server/impersonation.js';
import { RbacIndex } from '../../../src/api/rbac.js';
import { bootstrapRbac } from '../../../src/api/rbac-bootstrap.js';
import { startControlPlane } from '../../helpers/control-plane.js';

type Obj = Record<string, any>;

const whoami: RequestSpec = { verb: 'create', group: 'authentication.k8s.io', resource: 'selfsubjectreviews', body: {} };
const ADMIN = { username: 'kubernetes-admin', groups: ['system:masters', 'system:authenticated'] };
const GUEST = { username: 'guest', groups: ['system:authenticated'] };

describe('impersonation (the WithImpersonation filter)', () => {
  const rbac = new RbacIndex(bootstrapRbac());
  const decide = (r: Parameters<RbacIndex['authorize']>[0]) => rbac.authorize(r);

  it('acts as the user, adding system:authenticated unless the groups say otherwise', () => {
    expect(impersonate(ADMIN, { user: 'jane' }, decide)).toEqual({ user: { username: 'jane', groups: ['system:authenticated'] } });
    expect(impersonate(ADMIN, { user: 'jane', groups: ['dev', 'system:unauthenticated'] }, decide)).toEqual({ user: { username: 'jane', groups: ['dev', 'system:unauthenticated'] } });
    expect(impersonate(ADMIN, { user: 'system:anonymous' }, decide)).toEqual({ user: { username: 'system:anonymous', groups: ['system:unauthenticated'] } });
    expect(impersonate(ADMIN, { user: 'jane', uid: 'u-1', extra: { scopes: ['a', 'b'] } }, decide)).toEqual({
      user: { username: 'jane', groups: ['system:authenticated'], uid: 'u-1', extra: { scopes: ['a', 'b'] } },
    });
  });

  it('gives an impersonated service account its groups unless some are named', () => {
    expect(splitServiceAccountUsername('system:serviceaccount:ns:robot')).toEqual({ namespace: 'ns', name: 'robot' });
    expect(splitServiceAccountUsername('system:serviceaccount:ns')).toBeUndefined();
    expect(impersonate(ADMIN, { user: 'system:serviceaccount:ns:robot' }, decide)).toEqual({
      user: { username: 'system:serviceaccount:ns:robot', groups: ['system:serviceaccounts', 'system:serviceaccounts:ns', 'system:authenticated'] },
    });
  });

  it('refuses with the message of the first check that fails', () => {
    const refused = impersonate(GUEST, { user: 'kubernetes-admin' }, decide);
    expect(refused).toMatchObject({ code: 403, body: { reason: 'Forbidden', message: 'users "kubernetes-admin" is forbidden: User "guest" cannot impersonate resource "users" in API group "" at the cluster scope' } });
    const sa = impersonate(GUEST, { user: 'system:serviceaccount:kube-system:robot' }, decide);
    expect(sa).toMatchObject({ code: 403, body: { message: 'serviceaccounts "robot" is forbidden: User "guest" cannot impersonate resource "serviceaccounts" in API group "" in the namespace "kube-system"' } });
    // the user may be impersonated, the group may not
    const partial = new RbacIndex([
      ...bootstrapRbac(),
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', metadata: { name: 'as-jane' }, rules: [{ apiGroups: [''], resources: ['users'], verbs: ['impersonate'], resourceNames: ['jane'] }] },
      { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', metadata: { name: 'guest-as-jane' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'as-jane' }, subjects: [{ kind: 'User', name: 'guest' }] },
    ]);
    const d2 = (r: Parameters<RbacIndex['authorize']>[0]) => partial.authorize(r);
    expect(impersonate(GUEST, { user: 'jane' }, d2)).toEqual({ user: { username: 'jane', groups: ['system:authenticated'] } });
    expect(impersonate(GUEST, { user: 'jane', groups: ['system:masters'] }, d2)).toMatchObject({ code: 403, body: { message: 'groups "system:masters" is forbidden: User "guest" cannot impersonate resource "groups" in API group "" at the cluster scope' } });
    expect(impersonate(GUEST, { user: 'jane', uid: '42' }, d2)).toMatchObject({ code: 403, body: { message: 'uids.authentication.k8s.io "42" is forbidden: User "guest" cannot impersonate resource "uids" in API group "authentication.k8s.io" at the cluster scope' } });
  });

  it('refuses groups, a uid or extras without a user (500, as the real filter)', () => {
    const r = impersonate(ADMIN, { groups: ['dev'] }, decide, '/api/v1/pods');
    expect(r).toMatchObject({ code: 500 });
    expect(JSON.stringify(r)).toContain('without impersonating a user');
  });

  it('through the API server: admin acts as guest and gets guest\'s decisions; guest may not act as admin', () => {
    const cp = startControlPlane();
    const asGuest = cp.client.request({ ...whoami, impersonate: { user: 'guest' } });
    expect(asGuest.code).toBe(201);
    expect((asGuest.body as Obj).status.userInfo).toEqual({ username: 'guest', groups: ['system:authenticated'] });
    const list = cp.client.request({ verb: 'list', resource: 'pods', namespace: 'default', impersonate: { user: 'guest' } });
    expect(list.code).toBe(403);
    expect((list.body as Obj).message).toBe('pods is forbidden: User "guest" cannot list resource "pods" in API group "" in the namespace "default"');
    const guest = cp.as(cp.users.guest.token);
    const escalate = guest.request({ verb: 'list', resource: 'pods', namespace: 'default', impersonate: { user: 'kubernetes-admin', groups: ['system:masters'] } });
    expect(escalate.code).toBe(403);
    expect((escalate.body as Obj).message).toBe('users "kubernetes-admin" is forbidden: User "guest" cannot impersonate resource "users" in API group "" at the cluster scope');
    const before = cp.store.revision;
    const write = guest.request({ verb: 'create', resource: 'configmaps', namespace: 'default', body: { metadata: { name: 'x' } }, impersonate: { user: 'kubernetes-admin', groups: ['system:masters'] } });
    expect(write.code).toBe(403);
    expect(cp.store.revision).toBe(before);
  });
});
