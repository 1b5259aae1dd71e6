import { describe, expect, it } from 'vitest';
import type { RequestSpec } from '../../../machines/client/api-client.js';
import { ServiceAccountTokens, serviceAccountSigningKey } from '../../../machines/api-server/service-account-tokens.js';
import { startControlPlane } from '../../helpers/control-plane.js';

type Obj = Record<string, any>;

const whoami: RequestSpec = { verb: 'create', group: 'authentication.k8s.io', resource: 'selfsubjectreviews', body: {} };
const tokenFor = (name: string, spec: Obj = {}): RequestSpec => ({
  verb: 'create',
  resource: 'serviceaccounts',
  subresource: 'token',
  namespace: 'default',
  name,
  body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec },
});

function setup(seed = 1) {
  const cp = startControlPlane({ seed });
  cp.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot', namespace: 'default' } });
  return cp;
}

describe('service account tokens (TokenRequest and the service account authenticator)', () => {
  it('issues a token (201, a TokenRequest with the expiration) that authenticates as the service account', () => {
    const cp = setup();
    const r = cp.client.request(tokenFor('robot', { expirationSeconds: 600 }));
    expect(r.code).toBe(201);
    const tr = r.body as Obj;
    expect(tr).toMatchObject({
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: { name: 'robot', namespace: 'default' },
      spec: { audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 600 },
      status: { expirationTimestamp: '2026-01-01T00:10:00Z' },
    });
    const token = tr.status.token as string;
    expect(token.split('.')).toHaveLength(3);
    const me = cp.as(token).request(whoami);
    expect(me.code).toBe(201);
    const sa = cp.client.get('serviceaccounts', 'robot', { namespace: 'default' });
    expect((me.body as Obj).status.userInfo).toMatchObject({
      username: 'system:serviceaccount:default:robot',
      uid: sa.metadata!.uid,
      groups: ['system:serviceaccounts', 'system:serviceaccounts:default', 'system:authenticated'],
      extra: { 'authentication.kubernetes.io/credential-id': [expect.stringMatching(/^JTI=[0-9a-f-]{36}$/)] },
    });
  });

  it('applies RBAC to the service account: a RoleBinding lets it list pods', () => {
    const cp = setup();
    const token = (cp.client.request(tokenFor('robot')).body as Obj).status.token as string;
    const robot = cp.as(token);
    const denied = robot.request({ verb: 'list', resource: 'pods', namespace: 'default' });
    expect(denied.code).toBe(403);
    expect((denied.body as Obj).message).toBe('pods is forbidden: User "system:serviceaccount:default:robot" cannot list resource "pods" in API group "" in the namespace "default"');
    cp.client.create({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name: 'robot-view', namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' }, subjects: [{ kind: 'ServiceAccount', name: 'robot', namespace: 'default' }] });
    expect(robot.request({ verb: 'list', resource: 'pods', namespace: 'default' }).code).toBe(200);
  });

  it('expires in virtual time and dies with its service account', () => {
    const cp = setup();
    const token = (cp.client.request(tokenFor('robot', { expirationSeconds: 600 })).body as Obj).status.token as string;
    const robot = cp.as(token);
    expect(robot.request(whoami).code).toBe(201);
    cp.kernel.advance(601_000);
    const expired = robot.request(whoami);
    expect(expired.code).toBe(401);
    const review = cp.client.request({ verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews', body: { spec: { token } } });
    expect((review.body as Obj).status).toEqual({ authenticated: false, user: {}, error: 'service account token has expired' });
    const fresh = (cp.client.request(tokenFor('robot')).body as Obj).status.token as string;
    expect(cp.as(fresh).request(whoami).code).toBe(201);
    cp.client.delete('serviceaccounts', 'robot', { namespace: 'default' });
    expect(cp.as(fresh).request(whoami).code).toBe(401);
  });

  it('refuses a token for a missing account (404), a too short duration and a bound object (422)', () => {
    const cp = setup();
    const missing = cp.client.request(tokenFor('ghost'));
    expect(missing.code).toBe(404);
    expect((missing.body as Obj).message).toBe('serviceaccounts "ghost" not found');
    const short = cp.client.request(tokenFor('robot', { expirationSeconds: 60 }));
    expect(short.code).toBe(422);
    expect((short.body as Obj).message).toBe('TokenRequest.authentication.k8s.io "robot" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    const bound = cp.client.request(tokenFor('robot', { boundObjectReference: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }));
    expect(bound.code).toBe(422);
    expect(cp.as(cp.users.guest.token).request(tokenFor('robot')).code).toBe(403);
  });

  it('is deterministic: the same seed issues the same token; a forged signature is refused', () => {
    const a = setup(5);
    const b = setup(5);
    const ta = (a.client.request(tokenFor('robot')).body as Obj).status.token as string;
    const tb = (b.client.request(tokenFor('robot')).body as Obj).status.token as string;
    expect(ta).toBe(tb);
    const [head, payload] = ta.split('.');
    const forged = `${head}.${payload}.${'A'.repeat(43)}`;
    expect(a.as(forged).request(whoami).code).toBe(401);
    // another cluster's key does not verify it
    const other = new ServiceAccountTokens(serviceAccountSigningKey(6));
    expect(other.verify(ta, 1_767_225_700, () => 'x')).toEqual({ error: 'invalid bearer token, signature is invalid' });
  });
});
