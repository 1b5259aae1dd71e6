import { describe, expect, it } from 'vitest';
import type { Event, KubeObject, PersistentVolume, PersistentVolumeClaim, Pod, StatefulSet } from '../../../../src/api/types.js';
import { createCluster, type Cluster } from '../../../../src/cluster/create-cluster.js';

const ZONE = 'topology.kubernetes.io/zone';

/** Two nodes in zone-a, two in zone-b. */
const twoZones = (seed: number): Cluster => {
  const c = createCluster({
    seed,
    nodes: [
      { name: 'a-1', labels: { [ZONE]: 'zone-a' } },
      { name: 'a-2', labels: { [ZONE]: 'zone-a' } },
      { name: 'b-1', labels: { [ZONE]: 'zone-b' } },
      { name: 'b-2', labels: { [ZONE]: 'zone-b' } },
    ],
  });
  c.advance(2_000);
  return c;
};

const zonalClass = (name: string, zones?: string[]): KubeObject =>
  ({
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name },
    provisioner: 'example.com/zonal-csi',
    volumeBindingMode: 'WaitForFirstConsumer',
    allowedTopologies: [{ matchLabelExpressions: [{ key: ZONE, values: zones ?? ['zone-a', 'zone-b'] }] }],
  }) as KubeObject;

const claim = (name: string, storageClassName: string, accessModes: NonNullable<NonNullable<PersistentVolumeClaim['spec']>['accessModes']> = ['ReadWriteOnce']): PersistentVolumeClaim => ({
  apiVersion: 'v1',
  kind: 'PersistentVolumeClaim',
  metadata: { name },
  spec: { accessModes, resources: { requests: { storage: '1Gi' } }, storageClassName },
});

const podUsing = (name: string, claimName: string, extra: Record<string, unknown> = {}): Pod =>
  ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name },
    spec: { containers: [{ name: 'c', image: 'nginx', volumeMounts: [{ name: 'd', mountPath: '/data' }] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName } }], ...extra },
  });

const pvc = (c: Cluster, name: string) => c.object<PersistentVolumeClaim>('persistentvolumeclaims', name, 'default');
const pod = (c: Cluster, name: string) => c.object<Pod>('pods', name, 'default');
const nodeZone = (c: Cluster, node: string) => c.object<KubeObject & { metadata: { labels: Record<string, string> } }>('nodes', node)!.metadata.labels[ZONE];
const events = (c: Cluster, name: string) => c.objects<Event>('events', 'default').filter((e) => e.involvedObject?.name === name);

describe('VolumeBinding in a running cluster', () => {
  it('WaitForFirstConsumer: the claim waits for a pod, then is provisioned in the zone of the node the pod was scheduled to', () => {
    const c = twoZones(41);
    c.client.create(zonalClass('zonal'));
    c.client.create(claim('data', 'zonal'));
    c.advance(10_000);
    expect(pvc(c, 'data')!.status!.phase).toBe('Pending');
    expect(events(c, 'data').map((e) => [e.reason, e.message])).toContainEqual(['WaitForFirstConsumer', 'waiting for first consumer to be created before binding']);
    expect(c.objects('persistentvolumes')).toHaveLength(0);

    c.client.create(podUsing('user', 'data'));
    c.runUntil(() => pod(c, 'user')?.status?.phase === 'Running', { timeout: 60_000 });
    const node = pod(c, 'user')!.spec!.nodeName!;
    const bound = pvc(c, 'data')!;
    expect(bound.metadata!.annotations!['volume.kubernetes.io/selected-node']).toBe(node);
    expect(bound.status!.phase).toBe('Bound');
    const pv = c.object<PersistentVolume>('persistentvolumes', bound.spec!.volumeName!)!;
    expect(pv.spec!.nodeAffinity!.required!.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: ZONE, operator: 'In', values: [nodeZone(c, node)] }] }]);
    expect(c.kernel.errors).toEqual([]);
  });

  it('a pod whose bound volume is in one zone goes to that zone; allowedTopologies keep provisioning out of the other', () => {
    const c = twoZones(42);
    c.client.create(zonalClass('only-b', ['zone-b']));
    c.client.create(claim('b-data', 'only-b'));
    c.client.create(podUsing('first', 'b-data'));
    c.runUntil(() => pod(c, 'first')?.spec?.nodeName !== undefined && pvc(c, 'b-data')?.status?.phase === 'Bound', { timeout: 60_000 });
    expect(nodeZone(c, pod(c, 'first')!.spec!.nodeName!)).toBe('zone-b');
    // a pod pinned to zone-a cannot use the zone-b volume
    c.client.delete('pods', 'first');
    c.runUntil(() => !pod(c, 'first'), { timeout: 60_000 });
    c.client.create(podUsing('second', 'b-data', { nodeSelector: { [ZONE]: 'zone-a' } }));
    c.runUntil(() => pod(c, 'second')?.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.reason === 'Unschedulable') === true, { timeout: 60_000 });
    const cond = pod(c, 'second')!.status!.conditions!.find((x) => x.type === 'PodScheduled')!;
    expect(cond.message).toBe(
      "0/4 nodes are available: 2 node(s) didn't match Pod's node affinity/selector, 2 node(s) had volume node affinity conflict. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.",
    );
  });

  it('an Immediate claim that is not bound yet keeps its pod Pending with the PreFilter message', () => {
    const c = twoZones(43);
    c.client.create({ apiVersion: 'storage.k8s.io/v1', kind: 'StorageClass', metadata: { name: 'manual' }, provisioner: 'kubernetes.io/no-provisioner', volumeBindingMode: 'Immediate' } as KubeObject);
    c.client.create(claim('manual-data', 'manual'));
    c.client.create(podUsing('waiter', 'manual-data'));
    c.runUntil(() => pod(c, 'waiter')?.status?.conditions?.some((x) => x.type === 'PodScheduled') === true, { timeout: 60_000 });
    expect(pod(c, 'waiter')!.status!.conditions!.find((x) => x.type === 'PodScheduled')!.message).toBe(
      '0/4 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: 0/4 nodes are available: 4 Preemption is not helpful for scheduling.',
    );
    // a matching volume appears: the claim binds and the pod is scheduled
    c.client.create({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: 'manual-pv' },
      spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: 'manual', hostPath: { path: '/data/manual' } },
    } as KubeObject);
    c.runUntil(() => pod(c, 'waiter')?.spec?.nodeName !== undefined, { timeout: 120_000 });
    expect(pvc(c, 'manual-data')!.spec!.volumeName).toBe('manual-pv');
  });

  it('a ReadWriteOncePod claim in use keeps a second pod Pending (VolumeRestrictions)', () => {
    const c = twoZones(44);
    c.client.create(claim('solo', 'standard', ['ReadWriteOncePod']));
    c.client.create(podUsing('one', 'solo'));
    c.runUntil(() => pod(c, 'one')?.status?.phase === 'Running', { timeout: 60_000 });
    c.client.create(podUsing('two', 'solo'));
    c.runUntil(() => pod(c, 'two')?.status?.conditions?.some((x) => x.type === 'PodScheduled') === true, { timeout: 60_000 });
    expect(pod(c, 'two')!.status!.conditions!.find((x) => x.type === 'PodScheduled')!.message).toBe(
      '0/4 nodes are available: 4 node has pod using PersistentVolumeClaim with the same name and ReadWriteOncePod access mode. preemption: 0/4 nodes are available: 4 No preemption victims found for incoming pod.',
    );
  });

  it('a StatefulSet whose claim template names a WaitForFirstConsumer class gets each claim provisioned in its pod\'s zone', () => {
    const c = twoZones(45);
    c.client.create(zonalClass('zonal'));
    const sts: StatefulSet = {
      apiVersion: 'apps/v1',
      kind: 'StatefulSet',
      metadata: { name: 'db' },
      spec: {
        replicas: 4,
        serviceName: 'db',
        podManagementPolicy: 'Parallel',
        selector: { matchLabels: { app: 'db' } },
        template: { metadata: { labels: { app: 'db' } }, spec: { containers: [{ name: 'db', image: 'postgres', volumeMounts: [{ name: 'data', mountPath: '/var/lib/postgresql' }] }] } },
        volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: 'zonal', resources: { requests: { storage: '1Gi' } } } }],
      },
    };
    c.client.create(sts);
    const ready = () => c.object<StatefulSet>('statefulsets', 'db', 'default')?.status?.readyReplicas === 4;
    c.runUntil(ready, { timeout: 180_000 });
    const zones = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const p = pod(c, `db-${i}`)!;
      const claimed = pvc(c, `data-db-${i}`)!;
      expect(claimed.metadata!.annotations!['volume.kubernetes.io/selected-node']).toBe(p.spec!.nodeName);
      const pv = c.object<PersistentVolume>('persistentvolumes', claimed.spec!.volumeName!)!;
      const zone = nodeZone(c, p.spec!.nodeName!)!;
      zones.add(zone);
      expect(pv.spec!.nodeAffinity!.required!.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: ZONE, operator: 'In', values: [zone] }] }]);
    }
    // the default spreading puts the replicas in both zones, and so their volumes
    expect([...zones].sort()).toEqual(['zone-a', 'zone-b']);
    expect(c.kernel.errors).toEqual([]);
  });
});
