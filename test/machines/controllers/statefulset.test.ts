import { describe, expect, it } from 'vitest';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';
import type { KubeObject, Pod, StatefulSet } from '../../../src/api/types.js';
import { claimName, claimOwnerRefs, ordinalOf } from '../../../machines/controllers/statefulset.js';
import { stepUntil } from './harness.js';

const labels = { app: 'db' };

function statefulSet(spec: Record<string, unknown> = {}): StatefulSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'StatefulSet',
    metadata: { name: 'db' },
    spec: {
      serviceName: 'db',
      replicas: 3,
      selector: { matchLabels: labels },
      template: { metadata: { labels }, spec: { containers: [{ name: 'pg', image: 'postgres:16' }] } },
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } }],
      ...spec,
    },
  };
}

const live = (c: Cluster) => c.objects<Pod>('pods', 'default').filter((p) => !p.metadata?.deletionTimestamp);
const readyPod = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false;
const sts = (c: Cluster) => c.object<StatefulSet>('statefulsets', 'db', 'default')!;
const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name!).sort();

describe('StatefulSet helpers (stateful_set_utils_test cases)', () => {
  it('parses ordinals and names claims', () => {
    expect(ordinalOf('db', 'db-0')).toBe(0);
    expect(ordinalOf('db', 'db-12')).toBe(12);
    expect(ordinalOf('db', 'db-01')).toBe(-1);
    expect(ordinalOf('db', 'web-1')).toBe(-1);
    expect(ordinalOf('db', 'db-x')).toBe(-1);
    expect(claimName('data', 'db', 2)).toBe('data-db-2');
  });

  it('sets the claim owner references the retention policy asks for', () => {
    const set = { metadata: { name: 'db', uid: 'set-uid' }, spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Delete', whenScaled: 'Retain' } } } as never;
    const pod = { metadata: { name: 'db-0', uid: 'pod-uid' } } as Pod;
    const claim = { metadata: { name: 'data-db-0' } } as KubeObject;
    expect(claimOwnerRefs(claim, set, pod, false)).toEqual([{ apiVersion: 'apps/v1', kind: 'StatefulSet', name: 'db', uid: 'set-uid' }]);
    const scaled = { metadata: { name: 'db', uid: 'set-uid' }, spec: { persistentVolumeClaimRetentionPolicy: { whenDeleted: 'Retain', whenScaled: 'Delete' } } } as never;
    expect(claimOwnerRefs(claim, scaled, pod, false)).toBeUndefined();
    expect(claimOwnerRefs(claim, scaled, pod, true)).toEqual([{ apiVersion: 'v1', kind: 'Pod', name: 'db-0', uid: 'pod-uid' }]);
  });
});

describe('StatefulSet controller in a cluster', () => {
  it('creates db-0, db-1, db-2 in order, each after the previous is ready, with claims, hostname and subdomain', () => {
    const c = createCluster({ nodes: 3, seed: 21 });
    c.advance(2_000);
    c.client.create(statefulSet());
    const order: string[] = [];
    let violation = '';
    stepUntil(
      c,
      () => live(c).filter(readyPod).length === 3,
      () => {
        const pods = live(c);
        for (const p of pods) if (!order.includes(p.metadata!.name!)) order.push(p.metadata!.name!);
        // OrderedReady: a pod exists only when every lower ordinal is ready
        for (const p of pods) {
          const ord = ordinalOf('db', p.metadata!.name!);
          for (let i = 0; i < ord; i++) {
            const lower = pods.find((x) => x.metadata!.name === `db-${i}`);
            if (!lower || !readyPod(lower)) violation = `${p.metadata!.name} before db-${i} was ready`;
          }
        }
      },
      120_000,
    );
    expect(violation).toBe('');
    expect(order).toEqual(['db-0', 'db-1', 'db-2']);
    const pod = c.object<Pod>('pods', 'db-1', 'default')!;
    expect(pod.spec!.hostname).toBe('db-1');
    expect(pod.spec!.subdomain).toBe('db');
    expect(pod.metadata!.labels).toMatchObject({ app: 'db', 'statefulset.kubernetes.io/pod-name': 'db-1', 'apps.kubernetes.io/pod-index': '1' });
    expect(pod.spec!.volumes!.find((v) => v.name === 'data')!.persistentVolumeClaim).toEqual({ claimName: 'data-db-1' });
    expect(names(c.objects('persistentvolumeclaims', 'default') as unknown as Pod[])).toEqual(['data-db-0', 'data-db-1', 'data-db-2']);
    c.advance(2_000);
    const status = sts(c).status!;
    expect(status).toMatchObject({ replicas: 3, readyReplicas: 3, availableReplicas: 3, currentReplicas: 3, updatedReplicas: 3, observedGeneration: 1 });
    expect(status.currentRevision).toBe(status.updateRevision);
    expect(status.currentRevision).toBe(pod.metadata!.labels!['controller-revision-hash']);
  });

  it('scales down from the highest ordinal, keeping the claims (Retain)', () => {
    const c = createCluster({ nodes: 3, seed: 22 });
    c.advance(2_000);
    c.client.create(statefulSet({ podManagementPolicy: 'Parallel' }));
    c.runUntil(() => live(c).filter(readyPod).length === 3, { timeout: 60_000 });
    c.client.scale('statefulsets', 'db', 1);
    c.runUntil(() => live(c).length === 1 && c.objects('pods', 'default').length === 1, { timeout: 120_000 });
    expect(names(live(c))).toEqual(['db-0']);
    expect(c.objects('persistentvolumeclaims', 'default')).toHaveLength(3);
  });

  it('rolls out from the highest ordinal down to the partition', () => {
    const c = createCluster({ nodes: 3, seed: 23 });
    c.advance(2_000);
    c.client.create(statefulSet({ updateStrategy: { type: 'RollingUpdate', rollingUpdate: { partition: 1 } } }));
    c.runUntil(() => live(c).filter(readyPod).length === 3, { timeout: 120_000 });
    c.client.patch('statefulsets', 'db', { spec: { template: { spec: { containers: [{ name: 'pg', image: 'postgres:17' }] } } } });
    const image = (n: string) => c.object<Pod>('pods', n, 'default')?.spec?.containers[0]?.image;
    let twoDown = false;
    stepUntil(
      c,
      () => image('db-2') === 'postgres:17' && image('db-1') === 'postgres:17' && live(c).filter(readyPod).length === 3,
      () => {
        if (live(c).filter(readyPod).length < 2) twoDown = true;
      },
      120_000,
    );
    expect(twoDown).toBe(false);
    c.advance(5_000);
    expect(image('db-0')).toBe('postgres:16'); // below the partition
    const s = sts(c).status!;
    expect(s.updatedReplicas).toBe(2);
    expect(s.currentRevision).not.toBe(s.updateRevision);
    expect(c.objects('controllerrevisions', 'default')).toHaveLength(2);
    // partition 0: db-0 follows
    c.client.patch('statefulsets', 'db', { spec: { updateStrategy: { rollingUpdate: { partition: 0 } } } });
    c.runUntil(() => image('db-0') === 'postgres:17' && sts(c).status!.currentRevision === sts(c).status!.updateRevision, { timeout: 120_000 });
    expect(sts(c).status!.currentRevision).toBe(sts(c).status!.updateRevision);
  });

  it('never runs two pods with the same ordinal when a pod is deleted', () => {
    const c = createCluster({ nodes: 2, seed: 24 });
    c.advance(2_000);
    c.client.create(statefulSet({ replicas: 2 }));
    c.runUntil(() => live(c).filter(readyPod).length === 2, { timeout: 120_000 });
    const uid = c.object<Pod>('pods', 'db-0', 'default')!.metadata!.uid;
    c.client.delete('pods', 'db-0');
    c.runUntil(() => {
      const p = c.object<Pod>('pods', 'db-0', 'default');
      return !!p && p.metadata!.uid !== uid && readyPod(p);
    }, { timeout: 120_000 });
    expect(c.object<Pod>('pods', 'db-0', 'default')!.metadata!.uid).not.toBe(uid);
  });
});
