import { describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';
import type { KubeObject, PersistentVolume, PersistentVolumeClaim, Pod } from '../../../src/api/types.js';
import { findBestMatch, provisionedNodeAffinity } from '../../../machines/controllers/persistentvolume-binder.js';

const claim = (name: string, spec: Record<string, unknown> = {}): PersistentVolumeClaim =>
  ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } }, ...spec } });
const volume = (name: string, size: string, spec: Record<string, unknown> = {}, labels?: Record<string, string>): PersistentVolume =>
  ({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name, ...(labels ? { labels } : {}) }, spec: { capacity: { storage: size }, accessModes: ['ReadWriteOnce'], hostPath: { path: `/data/${name}` }, storageClassName: '', ...spec } });

const pvc = (c: Cluster, name: string) => c.object<PersistentVolumeClaim>('persistentvolumeclaims', name, 'default');
const pv = (c: Cluster, name: string) => c.object<PersistentVolume>('persistentvolumes', name);
const boot = (seed: number) => {
  const c = createCluster({ nodes: 2, seed });
  c.advance(2_000);
  return c;
};

describe('findBestMatchForClaim (ported cases of pv_controller_test / index_test)', () => {
  const base = (name: string, size: string, extra: Record<string, unknown> = {}, labels?: Record<string, string>) =>
    ({ ...volume(name, size, extra, labels), status: { phase: 'Available' } }) as PersistentVolume & Record<string, any>;
  const c0 = { ...claim('data', { storageClassName: '' }), metadata: { name: 'data', namespace: 'default', uid: 'u1' } } as PersistentVolumeClaim & Record<string, any>;
  it('takes the smallest volume that fits, with every access mode and the claim\'s class', () => {
    const vols = [base('big', '10Gi'), base('small', '500Mi'), base('fit', '2Gi'), base('rwx', '1Gi', { accessModes: ['ReadWriteMany'] }), base('other', '1Gi', { storageClassName: 'fast' })];
    expect(findBestMatch(vols, c0, undefined)?.metadata?.name).toBe('fit');
  });
  it('honours the claim\'s selector, a pre-bound volume, and skips volumes bound elsewhere', () => {
    const vols = [base('a', '1Gi', {}, { tier: 'gold' }), base('b', '1Gi', {}, { tier: 'silver' })];
    expect(findBestMatch(vols, { ...c0, spec: { ...c0.spec, selector: { matchLabels: { tier: 'silver' } } } }, undefined)?.metadata?.name).toBe('b');
    const taken = base('taken', '1Gi', { claimRef: { namespace: 'default', name: 'other', uid: 'u9' } });
    const mine = base('mine', '5Gi', { claimRef: { namespace: 'default', name: 'data' } });
    expect(findBestMatch([taken, base('x', '3Gi'), mine], c0, undefined)?.metadata?.name).toBe('mine');
    expect(findBestMatch([taken], c0, undefined)).toBeUndefined();
  });
});

describe('the provisioned volume\'s node affinity (a topology-aware CSI provisioner\'s requisite topology)', () => {
  const ZONE = 'topology.kubernetes.io/zone';
  const sc = (allowed?: { key: string; values: string[] }[]) =>
    ({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'c' }, provisioner: 'x', ...(allowed ? { allowedTopologies: [{ matchLabelExpressions: allowed }] } : {}) }) as never;
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1', labels: { [ZONE]: 'zone-b', 'kubernetes.io/hostname': 'n1' } } } as never;
  it('the selected node\'s values of the allowedTopologies keys', () => {
    expect(provisionedNodeAffinity(sc([{ key: ZONE, values: ['zone-a', 'zone-b'] }]), node, 'n1')).toEqual([{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-b'] }] }]);
  });
  it('the node\'s hostname for a class without allowedTopologies', () => {
    expect(provisionedNodeAffinity(sc(), node, 'n1')).toEqual([{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: ['n1'] }] }]);
  });
  it('no node: the first allowed segment, or nothing', () => {
    expect(provisionedNodeAffinity(sc([{ key: ZONE, values: ['zone-a', 'zone-b'] }]), undefined, undefined)).toEqual([{ matchExpressions: [{ key: ZONE, operator: 'In', values: ['zone-a'] }] }]);
    expect(provisionedNodeAffinity(sc(), undefined, undefined)).toBeUndefined();
  });
});

describe('PersistentVolume binder, provisioner and protection in a cluster', () => {
  it('installs the default class, defaults a claim to it, provisions a volume and binds both ways', () => {
    const c = boot(31);
    const sc = c.object<KubeObject & Record<string, any>>('storageclasses', 'standard')!;
    expect(sc.metadata!.annotations).toEqual({ 'storageclass.kubernetes.io/is-default-class': 'true' });
    const created = c.client.create(claim('data'));
    expect(created.spec!.storageClassName).toBe('standard');
    expect(created.metadata!.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    c.runUntil(() => pvc(c, 'data')?.status?.phase === 'Bound', { timeout: 30_000 });
    const bound = pvc(c, 'data')!;
    const name = `pvc-${created.metadata!.uid}`;
    expect(bound.spec!.volumeName).toBe(name);
    expect(bound.status).toEqual({ phase: 'Bound', accessModes: ['ReadWriteOnce'], capacity: { storage: '1Gi' } });
    expect(bound.metadata!.annotations).toMatchObject({ 'pv.kubernetes.io/bind-completed': 'yes', 'volume.kubernetes.io/storage-provisioner': 'kube-actors.io/simulated' });
    c.runUntil(() => pv(c, name)?.status?.phase === 'Bound', { timeout: 30_000 });
    const v = pv(c, name)!;
    expect(v.spec!.claimRef).toMatchObject({ namespace: 'default', name: 'data', uid: created.metadata!.uid });
    expect(v.spec!.persistentVolumeReclaimPolicy).toBe('Delete');
    expect(v.metadata!.finalizers).toEqual(['kubernetes.io/pv-protection']);
    expect(v.metadata!.annotations!['pv.kubernetes.io/provisioned-by']).toBe('kube-actors.io/simulated');
    // reclaim policy Delete: the claim goes, the volume goes
    c.client.delete('persistentvolumeclaims', 'data');
    c.runUntil(() => !pvc(c, 'data') && !pv(c, name), { timeout: 60_000 });
    expect(pv(c, name)).toBeUndefined();
    expect(c.kernel.errors).toEqual([]);
  });

  it('binds a claim without class to a static volume, and Retain leaves the volume Released', () => {
    const c = boot(32);
    c.client.create(volume('small', '1Gi'));
    c.client.create(volume('large', '10Gi'));
    c.runUntil(() => pv(c, 'small')?.status?.phase === 'Available', { timeout: 30_000 });
    c.client.create(claim('static', { storageClassName: '' }));
    c.runUntil(() => pvc(c, 'static')?.status?.phase === 'Bound', { timeout: 30_000 });
    expect(pvc(c, 'static')!.spec!.volumeName).toBe('small');
    expect(pv(c, 'large')!.status!.phase).toBe('Available');
    c.client.delete('persistentvolumeclaims', 'static');
    c.runUntil(() => pv(c, 'small')?.status?.phase === 'Released', { timeout: 30_000 });
    c.advance(20_000);
    expect(pv(c, 'small')!.status!.phase).toBe('Released');
  });

  it('keeps a claim in use until its pod is gone (kubernetes.io/pvc-protection)', () => {
    const c = boot(33);
    c.client.create(claim('data'));
    c.runUntil(() => pvc(c, 'data')?.status?.phase === 'Bound', { timeout: 30_000 });
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'user' },
      spec: { containers: [{ name: 'app', image: 'nginx', volumeMounts: [{ name: 'd', mountPath: '/data' }] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    } as Pod);
    c.runUntil(() => c.object<Pod>('pods', 'user', 'default')?.status?.phase === 'Running', { timeout: 30_000 });
    c.client.delete('persistentvolumeclaims', 'data');
    c.advance(10_000);
    const kept = pvc(c, 'data')!;
    expect(kept.metadata!.deletionTimestamp).toBeDefined();
    expect(kept.metadata!.finalizers).toEqual(['kubernetes.io/pvc-protection']);
    c.client.delete('pods', 'user');
    c.runUntil(() => !pvc(c, 'data'), { timeout: 120_000 });
    expect(pvc(c, 'data')).toBeUndefined();
  });

  it('WaitForFirstConsumer: nothing happens until a node is selected, then the volume is made for that node', () => {
    const c = boot(34);
    c.client.create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'local' }, provisioner: 'example.com/local', volumeBindingMode: 'WaitForFirstConsumer' } as KubeObject);
    c.client.create(claim('late', { storageClassName: 'local' }));
    c.advance(10_000);
    expect(pvc(c, 'late')!.status!.phase).toBe('Pending');
    expect(c.objects('persistentvolumes')).toHaveLength(0);
    const node = c.nodes[1]!;
    c.client.patch('persistentvolumeclaims', 'late', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': node } } });
    c.runUntil(() => pvc(c, 'late')?.status?.phase === 'Bound', { timeout: 30_000 });
    const v = pv(c, pvc(c, 'late')!.spec!.volumeName!)!;
    expect(v.spec!.nodeAffinity!.required!.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [node] }] }]);
  });
});
