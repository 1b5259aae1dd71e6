import { describe, expect, it } from 'vitest';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import type { KubeObject, Pod } from '../../../src/api/types.js';

describe('kubelet: a pod waits for its PersistentVolumeClaims', () => {
  it('does not start a pod until its claim is bound, warning FailedMount meanwhile (a pod bound by nodeName, past the scheduler\'s volume binding)', () => {
    const c = createCluster({ nodes: 1, seed: 41 });
    c.advance(2_000);
    c.client.create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'later' }, provisioner: 'example.com/disk', volumeBindingMode: 'WaitForFirstConsumer' } as KubeObject);
    c.client.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { storageClassName: 'later', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } as KubeObject);
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'app' },
      spec: { nodeName: c.nodes[0], containers: [{ name: 'app', image: 'nginx' }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    } as Pod);
    c.advance(30_000);
    const pod = c.object<Pod>('pods', 'app', 'default')!;
    expect(pod.spec!.nodeName).toBe(c.nodes[0]);
    expect(pod.status!.phase).toBe('Pending');
    const events = c.objects<KubeObject & { reason?: string; message?: string }>('events', 'default').filter((e) => e.reason === 'FailedMount');
    expect(events).toHaveLength(1);
    expect(events[0]!.message).toBe('Unable to attach or mount volumes: pod has unbound immediate PersistentVolumeClaims (claim data is Pending)');
    // the scheduler's choice reaches the claim: it is provisioned and bound, and the pod starts
    c.client.patch('persistentvolumeclaims', 'data', { metadata: { annotations: { 'volume.kubernetes.io/selected-node': c.nodes[0] } } });
    c.runUntil(() => c.object<Pod>('pods', 'app', 'default')?.status?.phase === 'Running', { timeout: 60_000 });
    expect(c.object<Pod>('pods', 'app', 'default')!.status!.phase).toBe('Running');
  });
});
