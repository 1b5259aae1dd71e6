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
    // go-jose's minute of leeway: still valid a minute past its expiry
    cp.kernel.advance(630_000);
    expect(robot.request(whoami).code).toBe(201);
    cp.kernel.advance(31_000);
    const expired = robot.request(whoami);
    expect(expired.code).toBe(401);
    const review = cp.client.request({ verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews', body: { spec: { token } } });
    expect((review.body as Obj).status).toEqual({ authenticated: false, user: {}, error: 'service account token has expired' });
    const fresh = (cp.client.request(tokenFor('robot')).body as Obj).status.token as string;
    expect(cp.as(fresh).request(whoami).code).toBe(201);
    cp.client.delete('serviceaccounts', 'robot', { namespace: 'default' });
    expect(cp.as(fresh).request(whoami).code).toBe(401);
  });

  it('refuses a token for a missing account (404), a too short duration, a bound object of another kind (400) or missing (404)', () => {
    const cp = setup();
    const missing = cp.client.request(tokenFor('ghost'));
    expect(missing.code).toBe(404);
    expect((missing.body as Obj).message).toBe('serviceaccounts "ghost" not found');
    const short = cp.client.request(tokenFor('robot', { expirationSeconds: 60 }));
    expect(short.code).toBe(422);
    expect((short.body as Obj).message).toBe('TokenRequest.authentication.k8s.io "robot" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes');
    const missingPod = cp.client.request(tokenFor('robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }));
    expect(missingPod.code).toBe(404);
    expect((missingPod.body as Obj).message).toBe('pods "p" not found');
    const other = cp.client.request(tokenFor('robot', { boundObjectRef: { kind: 'Deployment', apiVersion: 'apps/v1', name: 'd' } }));
    expect(other.code).toBe(400);
    expect((other.body as Obj).message).toBe('cannot bind token to object of type apps/v1, Kind=Deployment');
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
    const any = () => ({ uid: 'x' });
    expect(other.verify(ta, 1_767_225_700, { serviceAccount: any, pod: any, secret: any, node: any })).toEqual({ error: 'invalid bearer token, signature is invalid' });
  });

  it('binds a token to a pod (claims kubernetes.io.pod and .node, the extra attributes), and the token dies with the pod', () => {
    const cp = setup();
    cp.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { serviceAccountName: 'robot', nodeName: 'node-9', containers: [{ name: 'c', image: 'nginx:1.27' }] } });
    const pod = cp.client.get('pods', 'p', { namespace: 'default' });
    const sa = cp.client.get('serviceaccounts', 'robot', { namespace: 'default' });
    const r = cp.client.request(tokenFor('robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: pod.metadata!.uid } }));
    expect(r.code).toBe(201);
    const tr = r.body as Obj;
    expect(tr.spec).toEqual({ audiences: ['https://kubernetes.default.svc.cluster.local'], expirationSeconds: 3600, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: pod.metadata!.uid } });
    const claims = JSON.parse(Buffer.from(tr.status.token.split('.')[1], 'base64url').toString()) as Obj;
    // the node does not exist: its name only, as token.go does
    expect(claims['kubernetes.io']).toEqual({ namespace: 'default', node: { name: 'node-9' }, pod: { name: 'p', uid: pod.metadata!.uid }, serviceaccount: { name: 'robot', uid: sa.metadata!.uid } });
    expect(claims.exp - claims.iat).toBe(3600);
    const me = cp.as(tr.status.token).request(whoami);
    expect((me.body as Obj).status.userInfo.extra).toEqual({
      'authentication.kubernetes.io/credential-id': [`JTI=${claims.jti}`],
      'authentication.kubernetes.io/node-name': ['node-9'],
      'authentication.kubernetes.io/pod-name': ['p'],
      'authentication.kubernetes.io/pod-uid': [pod.metadata!.uid],
    });
    // bound to another account's pod: 400; a stale uid: 409
    cp.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'other', namespace: 'default' } });
    const wrong = cp.client.request(tokenFor('other', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }));
    expect(wrong.code).toBe(400);
    expect((wrong.body as Obj).message).toBe('cannot bind token for serviceaccount "other" to pod running with different serviceaccount name.');
    const stale = cp.client.request(tokenFor('robot', { boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p', uid: 'old-uid' } }));
    expect(stale.code).toBe(409);
    expect((stale.body as Obj).message).toBe('Operation cannot be fulfilled on Pod "p": the UID in the bound object reference (old-uid) does not match the UID in record. The object might have been deleted and then recreated');
    // the pod goes (no kubelet: deleted at once with grace 0): TokenReview says invalidated, requests are 401
    cp.client.delete('pods', 'p', { namespace: 'default', gracePeriodSeconds: 0 });
    expect(cp.as(tr.status.token).request(whoami).code).toBe(401);
    const review = cp.client.request({ verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews', body: { spec: { token: tr.status.token } } });
    expect((review.body as Obj).status).toEqual({ authenticated: false, user: {}, error: 'service account token has been invalidated' });
    // a pod of the same name again: another uid
    cp.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'nginx:1.27' }] } });
    const again = cp.client.request({ verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews', body: { spec: { token: tr.status.token } } });
    expect((again.body as Obj).status.error).toMatch(/^pod UID \([0-9a-f-]+\) does not match service account pod ref claim \([0-9a-f-]+\)$/);
  });

  it('the projected volume\'s request (3607 s, bound to a pod) gets a year with warnafter; its status still says 3607 s', () => {
    const cp = setup();
    cp.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'c', image: 'nginx:1.27' }] } });
    const r = cp.client.request(tokenFor('robot', { expirationSeconds: 3607, boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } }));
    const tr = r.body as Obj;
    expect(tr.status.expirationTimestamp).toBe('2026-01-01T01:00:07Z');
    const claims = JSON.parse(Buffer.from(tr.status.token.split('.')[1], 'base64url').toString()) as Obj;
    expect(claims.exp - claims.iat).toBe(365 * 24 * 3600);
    expect(claims['kubernetes.io'].warnafter).toBe(claims.iat + 3607);
    expect(Object.keys(claims['kubernetes.io'])).toEqual(['namespace', 'pod', 'serviceaccount', 'warnafter']);
    // not extended for another audience, nor unbound
    const aud = (cp.client.request(tokenFor('robot', { expirationSeconds: 3607, audiences: ['vault'], boundObjectRef: { kind: 'Pod', apiVersion: 'v1', name: 'p' } })).body as Obj).status.token as string;
    const audClaims = JSON.parse(Buffer.from(aud.split('.')[1]!, 'base64url').toString()) as Obj;
    expect(audClaims.exp - audClaims.iat).toBe(3607);
    expect(audClaims['kubernetes.io'].warnafter).toBeUndefined();
  });

  it('binds a token to a Secret or a Node; deleting it invalidates the token', () => {
    const cp = setup();
    cp.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 's', namespace: 'default' } });
    const token = (cp.client.request(tokenFor('robot', { boundObjectRef: { kind: 'Secret', apiVersion: 'v1', name: 's' } })).body as Obj).status.token as string;
    expect(cp.as(token).request(whoami).code).toBe(201);
    cp.client.delete('secrets', 's', { namespace: 'default' });
    expect(cp.as(token).request(whoami).code).toBe(401);
    cp.client.create({ apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' } });
    const nodeToken = (cp.client.request(tokenFor('robot', { boundObjectRef: { kind: 'Node', apiVersion: 'v1', name: 'n1' } })).body as Obj).status.token as string;
    const me = cp.as(nodeToken).request(whoami);
    expect(Object.keys((me.body as Obj).status.userInfo.extra)).toEqual(['authentication.kubernetes.io/credential-id', 'authentication.kubernetes.io/node-name', 'authentication.kubernetes.io/node-uid']);
    cp.client.delete('nodes', 'n1');
    expect(cp.as(nodeToken).request(whoami).code).toBe(401);
  });
});
