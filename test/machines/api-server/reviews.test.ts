import { describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../../machines/client/api-client.js';
import { startControlPlane } from '../../helpers/control-plane.js';

type Obj = Record<string, any>;

const AUTHZ = 'authorization.k8s.io';
const AUTHN = 'authentication.k8s.io';

function ssar(attributes: Obj): RequestSpec {
  const spec = 'path' in attributes ? { nonResourceAttributes: attributes } : { resourceAttributes: attributes };
  return { verb: 'create', group: AUTHZ, resource: 'selfsubjectaccessreviews', body: { apiVersion: `${AUTHZ}/v1`, kind: 'SelfSubjectAccessReview', spec } };
}

describe('api-server: the review APIs', () => {
  it('answers a SelfSubjectAccessReview for the caller, with the RBAC reason, 201 and nothing stored', () => {
    const cp = startControlPlane();
    const before = cp.store.revision;
    const admin = cp.client.request(ssar({ verb: 'create', resource: 'pods', namespace: 'default' }));
    expect(admin.code).toBe(201);
    expect(admin.body).toMatchObject({
      kind: 'SelfSubjectAccessReview',
      apiVersion: `${AUTHZ}/v1`,
      spec: { resourceAttributes: { verb: 'create', resource: 'pods', namespace: 'default' } },
      status: { allowed: true, reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"' },
    });
    const guest = cp.as(cp.users.guest.token).request(ssar({ verb: 'create', resource: 'pods', namespace: 'default' }));
    expect(guest.code).toBe(201);
    expect((guest.body as Obj).status).toEqual({ allowed: false });
    const viewer = cp.as(cp.users.viewer.token);
    expect((viewer.request(ssar({ verb: 'get', resource: 'pods', subresource: 'log', namespace: 'default' })).body as Obj).status.allowed).toBe(true);
    expect((viewer.request(ssar({ verb: 'get', resource: 'secrets', namespace: 'default' })).body as Obj).status.allowed).toBe(false);
    expect((viewer.request(ssar({ verb: 'list', group: 'apps', resource: 'deployments' })).body as Obj).status.allowed).toBe(true);
    expect((viewer.request(ssar({ verb: 'get', path: '/healthz' })).body as Obj).status.allowed).toBe(true);
    expect((viewer.request(ssar({ verb: 'get', path: '/logs' })).body as Obj).status.allowed).toBe(false);
    expect(cp.store.revision).toBe(before);
  });

  it('refuses a SelfSubjectAccessReview without exactly one kind of attributes (422)', () => {
    const cp = startControlPlane();
    const none = cp.client.request({ verb: 'create', group: AUTHZ, resource: 'selfsubjectaccessreviews', body: { spec: {} } });
    expect(none.code).toBe(422);
    expect((none.body as Obj).message).toBe(
      'SelfSubjectAccessReview.authorization.k8s.io "" is invalid: spec.resourceAttributes: Invalid value: "null": exactly one of nonResourceAttributes or resourceAttributes must be specified',
    );
    const both = cp.client.request({ verb: 'create', group: AUTHZ, resource: 'selfsubjectaccessreviews', body: { spec: { resourceAttributes: { verb: 'get' }, nonResourceAttributes: { verb: 'get', path: '/' } } } });
    expect(both.code).toBe(422);
    expect((both.body as Obj).details.causes[0]).toMatchObject({ field: 'spec.nonResourceAttributes', message: expect.stringContaining('cannot be specified in combination with resourceAttributes') });
  });

  it('answers SubjectAccessReview for another user only to those with create on subjectaccessreviews', () => {
    const cp = startControlPlane();
    const sar: RequestSpec = { verb: 'create', group: AUTHZ, resource: 'subjectaccessreviews', body: { spec: { user: 'viewer', resourceAttributes: { verb: 'list', resource: 'pods', namespace: 'default' } } } };
    const r = cp.client.request(sar);
    expect(r.code).toBe(201);
    expect((r.body as Obj).status).toMatchObject({ allowed: true, reason: expect.stringContaining('ClusterRoleBinding "viewer-view" of ClusterRole "view" to User "viewer"') });
    const denied = cp.as(cp.users.viewer.token).request(sar);
    expect(denied.code).toBe(403);
    expect((denied.body as Obj).message).toBe('subjectaccessreviews.authorization.k8s.io is forbidden: User "viewer" cannot create resource "subjectaccessreviews" in API group "authorization.k8s.io" at the cluster scope');
    const nobody = cp.client.request({ ...sar, body: { spec: { resourceAttributes: { verb: 'get' } } } });
    expect(nobody.code).toBe(422);
    expect((nobody.body as Obj).message).toContain('spec.user: Invalid value: "": at least one of user or group must be specified');
  });

  it('lists the rules of the caller in a namespace (SelfSubjectRulesReview), and needs a namespace', () => {
    const cp = startControlPlane();
    const viewer = cp.as(cp.users.viewer.token);
    const r = viewer.request({ verb: 'create', group: AUTHZ, resource: 'selfsubjectrulesreviews', body: { spec: { namespace: 'default' } } });
    expect(r.code).toBe(201);
    const status = (r.body as Obj).status;
    expect(status.incomplete).toBe(false);
    expect(status.resourceRules).toContainEqual({ verbs: ['get', 'list', 'watch'], apiGroups: ['apps'], resources: expect.arrayContaining(['deployments']) });
    expect(status.resourceRules).toContainEqual({ verbs: ['create'], apiGroups: [AUTHZ], resources: ['selfsubjectaccessreviews', 'selfsubjectrulesreviews'] });
    expect(status.nonResourceRules).toContainEqual({ verbs: ['get'], nonResourceURLs: expect.arrayContaining(['/healthz', '/version']) });
    const bad = viewer.request({ verb: 'create', group: AUTHZ, resource: 'selfsubjectrulesreviews', body: { spec: {} } });
    expect(bad.code).toBe(400);
    expect((bad.body as Obj).message).toBe('no namespace on request');
  });

  it('reports a binding to a missing role as the evaluation error of the rules review and the reason of a denial', () => {
    const cp = startControlPlane();
    cp.client.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'ghost', namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'ghost' }, subjects: [{ kind: 'User', name: 'guest', apiGroup: 'rbac.authorization.k8s.io' }] });
    const guest = cp.as(cp.users.guest.token);
    const rules = guest.request({ verb: 'create', group: AUTHZ, resource: 'selfsubjectrulesreviews', body: { spec: { namespace: 'default' } } });
    expect((rules.body as Obj).status.evaluationError).toBe('role.rbac.authorization.k8s.io "ghost" not found');
    const review = guest.request(ssar({ verb: 'get', resource: 'pods', namespace: 'default' }));
    expect((review.body as Obj).status).toEqual({ allowed: false, reason: 'RBAC: role.rbac.authorization.k8s.io "ghost" not found' });
  });

  it('tells the caller who it is (SelfSubjectReview), the anonymous user included', () => {
    const cp = startControlPlane();
    const me = cp.as(cp.users.viewer.token).request({ verb: 'create', group: AUTHN, resource: 'selfsubjectreviews', body: {} });
    expect(me.code).toBe(201);
    expect(me.body).toMatchObject({ kind: 'SelfSubjectReview', metadata: { creationTimestamp: '2026-01-01T00:00:00Z' }, status: { userInfo: { username: 'viewer', groups: ['system:authenticated'] } } });
    // kubeadm binds system:basic-user to system:authenticated only
    const anonymous = cp.as('').request({ verb: 'create', group: AUTHN, resource: 'selfsubjectreviews', body: {} });
    expect(anonymous.code).toBe(403);
    expect((anonymous.body as Obj).message).toBe('selfsubjectreviews.authentication.k8s.io is forbidden: User "system:anonymous" cannot create resource "selfsubjectreviews" in API group "authentication.k8s.io" at the cluster scope');
  });

  it('reviews tokens (TokenReview): a static token, an unknown one, and none', () => {
    const cp = startControlPlane();
    const review = (token: unknown) => cp.client.request({ verb: 'create', group: AUTHN, resource: 'tokenreviews', body: { spec: { token } } });
    const known = review(cp.users.viewer.token);
    expect(known.code).toBe(201);
    expect((known.body as Obj).status).toEqual({ authenticated: true, user: { username: 'viewer', groups: ['system:authenticated'] }, audiences: ['https://kubernetes.default.svc.cluster.local'] });
    expect((review('nobody-has-this').body as Obj).status).toEqual({ authenticated: false, user: {} });
    const empty = review('');
    expect(empty.code).toBe(400);
    expect((empty.body as Obj).message).toBe('token is required for TokenReview in authentication.k8s.io/v1');
  });

  it('serves the review kinds create-only: other verbs are 405', () => {
    const cp = startControlPlane();
    const r = cp.client.request({ verb: 'list', group: AUTHZ, resource: 'selfsubjectaccessreviews' });
    expect(r.code).toBe(405);
  });
});
