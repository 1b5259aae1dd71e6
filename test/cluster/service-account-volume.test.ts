/**
 * The projected service account volume end to end in the library: ServiceAccount admission adds
 * it, the kubelet asks for a token bound to the pod (TokenRequest) and mounts the token, the
 * cluster's CA and the namespace at /var/run/secrets/kubernetes.io/serviceaccount, and the token
 * authenticates as the pod's ServiceAccount until the pod is gone.
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { createCluster } from '../../src/cluster/create-cluster.js';

type Obj = Record<string, any>;
const DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
const whoami = { verb: 'create' as const, group: 'authentication.k8s.io', resource: 'selfsubjectreviews', body: {} };

function running(c: ReturnType<typeof createCluster>, name: string): Pod {
  expect(c.runUntil(() => c.object<Pod>('pods', name)?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
  return c.object<Pod>('pods', name)!;
}

describe('the projected ServiceAccount token volume', () => {
  it('mounts a token bound to the pod, the CA and the namespace; the token is the pod\'s account until the pod is gone', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    c.advance(2_000);
    c.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'robot' } });
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { serviceAccountName: 'robot', containers: [{ name: 'nginx', image: 'nginx:1.27' }] } });
    const pod = running(c, 'web');
    const ls = c.exec('web', ['ls', DIR]);
    expect(ls.stdout.split('\n').filter(Boolean)).toEqual(['ca.crt', 'namespace', 'token']);
    // the files end without a newline; the interpreter's output is line by line, so cat ends the last one
    expect(c.exec('web', ['cat', `${DIR}/namespace`]).stdout).toBe('default\n');
    const ca = c.object<Obj>('configmaps', 'kube-root-ca.crt', 'default')!.data['ca.crt'];
    expect(c.exec('web', ['cat', `${DIR}/ca.crt`]).stdout).toBe(ca);
    const token = c.exec('web', ['cat', `${DIR}/token`]).stdout.trim();
    const claims = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as Obj;
    const node = c.object<Obj>('nodes', pod.spec!.nodeName!)!;
    expect(claims['kubernetes.io']).toMatchObject({
      namespace: 'default',
      node: { name: pod.spec!.nodeName, uid: node.metadata.uid },
      pod: { name: 'web', uid: pod.metadata!.uid },
      serviceaccount: { name: 'robot' },
      warnafter: claims.iat + 3607,
    });
    expect(claims.exp - claims.iat).toBe(365 * 24 * 3600);
    // the kubelet asked for it as the projection says: a TokenRequest bound to the pod
    const me = c.as(token).request(whoami);
    expect(me.code).toBe(201);
    expect((me.body as Obj).status.userInfo).toMatchObject({ username: 'system:serviceaccount:default:robot', extra: { 'authentication.kubernetes.io/pod-name': ['web'] } });
    c.client.delete('pods', 'web');
    expect(c.runUntil(() => c.object('pods', 'web') === undefined, { timeout: 120_000 })).toBe(true);
    // deleted, and a minute of leeway past its deletion: refused
    c.advance(61_000);
    expect(c.as(token).request(whoami).code).toBe(401);
    c.stop();
  });

  it('a pod with automountServiceAccountToken: false has no token files', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    c.advance(2_000);
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'quiet' }, spec: { automountServiceAccountToken: false, containers: [{ name: 'nginx', image: 'nginx:1.27' }] } });
    running(c, 'quiet');
    const r = c.exec('quiet', ['cat', `${DIR}/token`]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('No such file or directory');
    c.stop();
  });

  it('the kubelet refreshes the token within the last 20 % of its 3607 s', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    c.advance(2_000);
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } });
    running(c, 'web');
    const first = c.exec('web', ['cat', `${DIR}/token`]).stdout;
    c.advance(2_800_000);
    expect(c.exec('web', ['cat', `${DIR}/token`]).stdout).toBe(first);
    c.advance(120_000);
    const second = c.exec('web', ['cat', `${DIR}/token`]).stdout.trim();
    expect(second).not.toBe(first);
    expect(c.as(second).request(whoami).code).toBe(201);
    c.stop();
  });
});
