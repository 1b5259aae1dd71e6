import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { StatusError } from '../../../src/api/status.js';
import { admitServiceAccount } from '../../../machines/api-server/admission.js';

function pod(name: string, serviceAccountName?: string): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { ...(serviceAccountName ? { serviceAccountName } : {}), containers: [{ name: 'c', image: 'nginx:1.27' }] },
  };
}

function refusal(fn: () => unknown): unknown {
  try {
    fn();
  } catch (error) {
    if (error instanceof StatusError) return error.status;
    throw error;
  }
  return undefined;
}

describe('ServiceAccount admission', () => {
  it('refuses a pod whose ServiceAccount does not exist with kube-apiserver\'s 403, and admits it once the account exists', () => {
    const c = createCluster({ nodes: 0 });
    c.advance(1_000);
    expect(refusal(() => c.client.create(pod('ghostly', 'ghost')))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'pods "ghostly" is forbidden: error looking up service account default/ghost: serviceaccount "ghost" not found',
      details: { name: 'ghostly', kind: 'pods' },
    });
    expect(c.object('pods', 'ghostly')).toBeUndefined();
    c.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'ghost' } });
    expect(c.client.create(pod('ghostly', 'ghost')).spec?.serviceAccountName).toBe('ghost');
    // no account named: the default one, which every namespace of a booted cluster has
    expect(c.client.create(pod('plain')).spec?.serviceAccountName).toBe('default');
    c.stop();
  });

  it('leaves a mirror pod\'s spec as it is (no default account, no token volume) and refuses one naming an account', () => {
    // TestIgnoresMirrorPod: no account, no secrets: admitted untouched
    const mirror = { metadata: { annotations: { 'kubernetes.io/config.mirror': 'true' } }, spec: { volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'c' }] } };
    expect(admitServiceAccount(mirror as never, 'kube-system', () => undefined, gen)).toBeUndefined();
    expect(mirror.spec).toEqual({ volumes: [{ name: 'v', emptyDir: {} }], containers: [{ name: 'c' }] });
    // TestRejectsMirrorPodWithServiceAccount
    const named = { metadata: { annotations: { 'kubernetes.io/config.mirror': 'true' } }, spec: { serviceAccountName: 'default' } };
    expect(admitServiceAccount(named as never, 'myns', account(), gen)).toBe('a mirror pod may not reference service accounts');
    expect(admitServiceAccount({ spec: {} } as never, 'team', () => undefined, gen)).toBe('error looking up service account team/default: serviceaccount "default" not found');
  });

  it('refuses a mirror pod that references a Secret anywhere (VisitPodSecretNames) or a token projection', () => {
    const mirror = (spec: Record<string, unknown>) => ({ metadata: { annotations: { 'kubernetes.io/config.mirror': 'true' } }, spec });
    const secrets: Record<string, unknown>[] = [
      // TestRejectsMirrorPodWithSecretVolumes
      { volumes: [{ name: 'v', secret: { secretName: 'mysecret' } }] },
      { volumes: [{ name: 'v', secret: {} }] },
      { volumes: [{ name: 'v', projected: { sources: [{ secret: { name: 'mysecret' } }] } }] },
      { volumes: [{ name: 'v', csi: { driver: 'd', nodePublishSecretRef: { name: 's' } } }] },
      { volumes: [{ name: 'v', cephfs: { monitors: ['m'], secretRef: { name: 's' } } }] },
      { volumes: [{ name: 'v', azureFile: { secretName: 's', shareName: 'x' } }] },
      { imagePullSecrets: [{ name: 'regcred' }] },
      { containers: [{ name: 'c', envFrom: [{ secretRef: { name: 's' } }] }] },
      { initContainers: [{ name: 'i', env: [{ name: 'E', valueFrom: { secretKeyRef: { name: 's', key: 'k' } } }] }] },
    ];
    for (const spec of secrets) expect(admitServiceAccount(mirror(spec) as never, 'myns', account(), gen), JSON.stringify(spec)).toBe('a mirror pod may not reference secrets');
    // TestRejectsMirrorPodWithServiceAccountTokenVolumeProjections
    const projected = mirror({ volumes: [{ name: 'v', projected: { sources: [{ serviceAccountToken: { path: 'token' } }] } }] });
    expect(admitServiceAccount(projected as never, 'myns', account(), gen)).toBe('a mirror pod may not use ServiceAccountToken volume projections');
    // a config map or downward API projection is no secret
    const fine = mirror({ volumes: [{ name: 'v', projected: { sources: [{ configMap: { name: 'c' } }, { downwardAPI: { items: [] } }] } }, { name: 'a', azureFile: { secretName: '', shareName: 'x' } }] });
    expect(admitServiceAccount(fine as never, 'myns', account(), gen)).toBeUndefined();
  });

  it('answers a mirror pod naming an account with kube-apiserver\'s 403, through the API server', () => {
    const c = createCluster({ nodes: 0 });
    c.advance(1_000);
    const mirror = (name: string, spec: Record<string, unknown>): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, annotations: { 'kubernetes.io/config.mirror': 'abc' } }, spec: { containers: [{ name: 'c', image: 'nginx:1.27' }], ...spec } });
    expect(refusal(() => c.client.create(mirror('static-web-node-1', { serviceAccountName: 'default' })))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'pods "static-web-node-1" is forbidden: a mirror pod may not reference service accounts',
    });
    expect(refusal(() => c.client.create(mirror('static-db-node-1', { volumes: [{ name: 's', secret: { secretName: 'db' } }] })))).toMatchObject({
      code: 403,
      message: 'pods "static-db-node-1" is forbidden: a mirror pod may not reference secrets',
    });
    const created = c.client.create(mirror('static-ok-node-1', {}));
    expect(created.spec?.serviceAccountName).toBeUndefined();
    expect(created.spec?.volumes).toBeUndefined();
    expect(created.spec?.containers[0]!.volumeMounts).toBeUndefined();
    c.stop();
  });
});

/** admission_test.go's `testGenerateName`: the base and `abc123`. */
const gen = (base: string) => `${base}abc123`;
const account = (extra: Record<string, unknown> = {}) => () => ({ metadata: { name: 'default', namespace: 'myns', uid: '12345' }, ...extra });
const admitted = (pod: Record<string, any>, sa = account()) => {
  expect(admitServiceAccount(pod as never, 'myns', sa, gen)).toBeUndefined();
  return pod;
};
const tokenVolume = (name: string) => ({
  name,
  projected: {
    defaultMode: 420,
    sources: [
      { serviceAccountToken: { expirationSeconds: 3607, path: 'token' } },
      { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
      { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
    ],
  },
});
const tokenMount = (name: string) => ({ name, readOnly: true, mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' });

/** Cases of plugin/pkg/admission/serviceaccount/admission_test.go, on the plugin's function. */
describe('ServiceAccount admission: the projected token volume (admission_test.go)', () => {
  it('TestAssignsDefaultServiceAccountAndBoundTokenWithNoSecretTokens: the default account and the kube-api-access volume', () => {
    const pod = admitted({ spec: { containers: [{ name: 'c' }] } });
    expect(pod.spec.serviceAccountName).toBe('default');
    expect(pod.spec.volumes).toEqual([tokenVolume('kube-api-access-abc123')]);
    expect(pod.spec.containers[0].volumeMounts).toEqual([tokenMount('kube-api-access-abc123')]);
  });

  it('TestAutomountsAPIToken: every init container and container mounts it, one volume for all', () => {
    const pod = admitted({ spec: { initContainers: [{ name: 'i' }], containers: [{ name: 'a' }, { name: 'b', volumeMounts: [{ name: 'data', mountPath: '/data' }] }], volumes: [{ name: 'data', emptyDir: {} }] } });
    expect(pod.spec.volumes).toEqual([{ name: 'data', emptyDir: {} }, tokenVolume('kube-api-access-abc123')]);
    expect(pod.spec.initContainers[0].volumeMounts).toEqual([tokenMount('kube-api-access-abc123')]);
    expect(pod.spec.containers[0].volumeMounts).toEqual([tokenMount('kube-api-access-abc123')]);
    expect(pod.spec.containers[1].volumeMounts).toEqual([{ name: 'data', mountPath: '/data' }, tokenMount('kube-api-access-abc123')]);
  });

  it('TestRespectsExistingMount: a container that mounts something at the token path keeps it; no volume when no container needs one', () => {
    const own = { name: 'my-token', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount' };
    const pod = admitted({ spec: { containers: [{ name: 'c', volumeMounts: [own] }], volumes: [{ name: 'my-token', secret: { secretName: 's' } }] } });
    expect(pod.spec.containers[0].volumeMounts).toEqual([own]);
    expect(pod.spec.volumes).toEqual([{ name: 'my-token', secret: { secretName: 's' } }]);
  });

  it('reuses a volume of the pod already named kube-api-access-* (the reinvocation case)', () => {
    const pod = admitted({ spec: { containers: [{ name: 'c' }], volumes: [tokenVolume('kube-api-access-zzzzz')] } });
    expect(pod.spec.volumes).toEqual([tokenVolume('kube-api-access-zzzzz')]);
    expect(pod.spec.containers[0].volumeMounts).toEqual([tokenMount('kube-api-access-zzzzz')]);
    // admitting again changes nothing
    const again = structuredClone(pod);
    admitted(again);
    expect(again).toEqual(pod);
  });

  it('TestAutomountIsBackwardsCompatible and shouldAutomount: the pod\'s automountServiceAccountToken wins, then the account\'s', () => {
    const spec = (automount?: boolean) => ({ spec: { ...(automount === undefined ? {} : { automountServiceAccountToken: automount }), containers: [{ name: 'c' }] } });
    expect(admitted(spec()).spec.volumes).toHaveLength(1);
    expect(admitted(spec(false)).spec.volumes).toBeUndefined();
    expect(admitted(spec(), account({ automountServiceAccountToken: false })).spec.volumes).toBeUndefined();
    expect(admitted(spec(true), account({ automountServiceAccountToken: false })).spec.volumes).toHaveLength(1);
    expect(admitted(spec(false), account({ automountServiceAccountToken: true })).spec.containers[0].volumeMounts).toBeUndefined();
  });

  it('TestAddImagePullSecrets / TestDoNotAddImagePullSecrets: the account\'s pull secrets when the pod has none', () => {
    const sa = account({ imagePullSecrets: [{ name: 'foo' }, { name: 'bar' }] });
    expect(admitted({ spec: { automountServiceAccountToken: false, containers: [{ name: 'c' }] } }, sa).spec.imagePullSecrets).toEqual([{ name: 'foo' }, { name: 'bar' }]);
    expect(admitted({ spec: { automountServiceAccountToken: false, imagePullSecrets: [{ name: 'mine' }], containers: [{ name: 'c' }] } }, sa).spec.imagePullSecrets).toEqual([{ name: 'mine' }]);
  });

  it('in a cluster: a pod gets kube-api-access-XXXXX (five characters of the safe alphabet), with the real shape', () => {
    const c = createCluster({ nodes: 0 });
    c.advance(1_000);
    const created = c.client.create(pod('web'));
    const volume = created.spec!.volumes![0]!;
    expect(volume.name).toMatch(/^kube-api-access-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    expect(volume).toEqual(tokenVolume(volume.name));
    expect(created.spec!.containers[0]!.volumeMounts).toEqual([tokenMount(volume.name)]);
    c.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'quiet' }, automountServiceAccountToken: false } as never);
    expect(c.client.create(pod('silent', 'quiet')).spec!.volumes).toBeUndefined();
    c.stop();
  });
});

/** Cases of admission_test.go for `kubernetes.io/enforce-mountable-secrets` (limitSecretReferences). */
describe('ServiceAccount admission: enforce-mountable-secrets (admission_test.go)', () => {
  const enforcing = (extra: Record<string, unknown> = {}) => account({ metadata: { name: 'default', namespace: 'myns', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }, ...extra });
  const refused = (spec: Record<string, unknown>, sa = enforcing()) => admitServiceAccount({ spec: { automountServiceAccountToken: false, ...spec } } as never, 'myns', sa, gen);
  const envFrom = (name: string) => [{ name: 'container-1', image: 'x', env: [{ name: 'env-1', valueFrom: { secretKeyRef: { name, key: 'k' } } }] }];

  it('TestAllowsReferencedSecret: a secret volume, a container\'s and an init container\'s secretKeyRef of a listed secret', () => {
    const sa = enforcing({ secrets: [{ name: 'foo' }] });
    expect(refused({ volumes: [{ name: 'v', secret: { secretName: 'foo' } }], containers: [{ name: 'c' }] }, sa)).toBeUndefined();
    expect(refused({ containers: envFrom('foo') }, sa)).toBeUndefined();
    expect(refused({ initContainers: envFrom('foo'), containers: [{ name: 'c' }] }, sa)).toBeUndefined();
    expect(refused({ containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'foo' } }] }] }, sa)).toBeUndefined();
  });

  it('TestRejectsUnreferencedSecretVolumes: the plugin\'s messages for a volume, an env var, an init container and envFrom', () => {
    expect(refused({ volumes: [{ name: 'v', secret: { secretName: 'foo' } }], containers: [{ name: 'c' }] })).toBe('volume with secret.secretName="foo" is not allowed because service account default does not reference that secret');
    expect(refused({ containers: envFrom('foo') })).toBe('container container-1 with envVar env-1 referencing secret.secretName="foo" is not allowed because service account default does not reference that secret');
    expect(refused({ initContainers: envFrom('foo'), containers: [{ name: 'c' }] })).toBe('init container container-1 with envVar env-1 referencing secret.secretName="foo" is not allowed because service account default does not reference that secret');
    // CVE-2024-3177: envFrom is checked too
    expect(refused({ containers: [{ name: 'c', envFrom: [{ secretRef: { name: 'foo' } }] }] })).toBe('container c with envFrom referencing secret.secretName="foo" is not allowed because service account default does not reference that secret');
    expect(refused({ initContainers: [{ name: 'i', envFrom: [{ secretRef: { name: 'foo' } }] }], containers: [{ name: 'c' }] })).toBe('init container i with envFrom referencing secret.secretName="foo" is not allowed because service account default does not reference that secret');
    // only secret volumes are checked, as in kube (a projected secret is not)
    expect(refused({ volumes: [{ name: 'p', projected: { sources: [{ secret: { name: 'foo' } }] } }], containers: [{ name: 'c' }] })).toBeUndefined();
  });

  it('TestAllowUnreferencedSecretVolumesForPermissiveSAs: without the annotation (or with a value ParseBool reads as false) nothing is limited', () => {
    const spec = { volumes: [{ name: 'v', secret: { secretName: 'foo' } }], containers: [{ name: 'c' }] };
    expect(refused(spec, account())).toBeUndefined();
    expect(refused(spec, account({ metadata: { name: 'default', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'yes' } } }))).toBeUndefined();
    expect(refused(spec, account({ metadata: { name: 'default', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'True' } } }))).toBe('volume with secret.secretName="foo" is not allowed because service account default does not reference that secret');
  });

  it('TestAllowsReferencedImagePullSecrets / TestRejectsUnreferencedImagePullSecrets: only the account\'s imagePullSecrets (its secrets do not count)', () => {
    expect(refused({ imagePullSecrets: [{ name: 'foo' }], containers: [{ name: 'c' }] }, enforcing({ imagePullSecrets: [{ name: 'foo' }] }))).toBeUndefined();
    expect(refused({ imagePullSecrets: [{ name: 'foo' }], containers: [{ name: 'c' }] }, enforcing({ secrets: [{ name: 'foo' }] }))).toBe(
      'imagePullSecrets[0].name="foo" is not allowed because service account default does not reference that imagePullSecret',
    );
    // the account's pull secrets copied to a pod that had none are its own
    expect(refused({ containers: [{ name: 'c' }] }, enforcing({ imagePullSecrets: [{ name: 'foo' }, { name: 'bar' }] }))).toBeUndefined();
  });

  it('through the API server: a pod and an ephemeral container refused with 403, the listed secret admitted', () => {
    const c = createCluster({ nodes: 0 });
    c.advance(1_000);
    c.client.create({ apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'strict', annotations: { 'kubernetes.io/enforce-mountable-secrets': 'true' } }, secrets: [{ name: 'allowed' }] } as never);
    const withSecret = (name: string, secret: string): Pod => ({ ...pod(name, 'strict'), spec: { serviceAccountName: 'strict', containers: [{ name: 'c', image: 'nginx:1.27', envFrom: [{ secretRef: { name: secret } }] }] } });
    expect(refusal(() => c.client.create(withSecret('bad', 'other')))).toMatchObject({
      code: 403,
      reason: 'Forbidden',
      message: 'pods "bad" is forbidden: container c with envFrom referencing secret.secretName="other" is not allowed because service account strict does not reference that secret',
    });
    c.client.create(withSecret('good', 'allowed'));
    const current = c.object<Pod>('pods', 'good')!;
    const debug = (secret: string) => ({ ...current, spec: { ...current.spec!, ephemeralContainers: [{ name: 'dbg', image: 'busybox:1.36', env: [{ name: 'TOKEN', valueFrom: { secretKeyRef: { name: secret, key: 'k' } } }] }] } });
    expect(refusal(() => c.client.update(debug('other') as Pod, { subresource: 'ephemeralcontainers' }))).toMatchObject({
      code: 403,
      message: 'pods "good" is forbidden: ephemeral container dbg with envVar TOKEN referencing secret.secretName="other" is not allowed because service account strict does not reference that secret',
    });
    expect(c.client.update(debug('allowed') as Pod, { subresource: 'ephemeralcontainers' }).spec?.ephemeralContainers).toHaveLength(1);
    c.stop();
  });
});
