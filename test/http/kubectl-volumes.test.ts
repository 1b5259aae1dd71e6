/**
 * Topology-aware volume binding end to end with the real kubectl: a StorageClass with
 * `volumeBindingMode: WaitForFirstConsumer` and `allowedTopologies` over two zones, a claim that
 * waits (`kubectl describe pvc` shows the PV controller's WaitForFirstConsumer event), and a
 * StatefulSet whose claim template names the class: each replica's claim is provisioned in the
 * zone of the node its pod was scheduled to.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = Record<string, any>;
const ZONE = 'topology.kubernetes.io/zone';

const MANIFESTS = `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: zonal
provisioner: example.com/zonal-csi
volumeBindingMode: WaitForFirstConsumer
allowedTopologies:
- matchLabelExpressions:
  - key: ${ZONE}
    values: [zone-a, zone-b]
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: lonely
spec:
  accessModes: [ReadWriteOnce]
  storageClassName: zonal
  resources:
    requests:
      storage: 1Gi
`;

const STATEFULSET = `apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: db
spec:
  replicas: 4
  serviceName: db
  podManagementPolicy: Parallel
  selector:
    matchLabels:
      app: db
  template:
    metadata:
      labels:
        app: db
    spec:
      containers:
      - name: db
        image: postgres:16
        volumeMounts:
        - name: data
          mountPath: /var/lib/postgresql
  volumeClaimTemplates:
  - metadata:
      name: data
    spec:
      accessModes: [ReadWriteOnce]
      storageClassName: zonal
      resources:
        requests:
          storage: 1Gi
`;

describe.skipIf(!HAS_KUBECTL)(`kubectl with WaitForFirstConsumer volumes${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({
      cluster: {
        seed: 5,
        nodes: [
          { name: 'a-1', labels: { [ZONE]: 'zone-a' } },
          { name: 'a-2', labels: { [ZONE]: 'zone-a' } },
          { name: 'b-1', labels: { [ZONE]: 'zone-b' } },
          { name: 'b-2', labels: { [ZONE]: 'zone-b' } },
        ],
      },
      speed: 10,
    });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('a claim of a WaitForFirstConsumer class stays Pending with the PV controller\'s event', async () => {
    const file = join(s.dir, 'zonal.yaml');
    writeFileSync(file, MANIFESTS);
    const applied = await s.kubectl(['apply', '-f', file]);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe('storageclass.storage.k8s.io/zonal created\npersistentvolumeclaim/lonely created\n');
    await waitFor('the WaitForFirstConsumer event', () => s.cluster.objects<Obj>('events', 'default').some((e) => e.reason === 'WaitForFirstConsumer'), 30_000);
    const described = await s.kubectl(['describe', 'pvc', 'lonely']);
    expect(described.stderr).toBe('');
    expect(described.stdout).toMatch(/Status:\s+Pending/);
    expect(described.stdout).toMatch(/Normal\s+WaitForFirstConsumer\s+.*persistentvolume-controller\s+waiting for first consumer to be created before binding/);
  });

  it('a StatefulSet over the class gets each claim provisioned in the zone of its pod\'s node', async () => {
    const file = join(s.dir, 'db.yaml');
    writeFileSync(file, STATEFULSET);
    const applied = await s.kubectl(['apply', '-f', file]);
    expect(applied.stderr).toBe('');
    const rollout = await s.kubectl(['rollout', 'status', 'statefulset/db', '--timeout=120s'], { timeoutMs: 120_000 });
    expect(rollout.stderr).toBe('');
    const pods = JSON.parse((await s.kubectl(['get', 'pods', '-l', 'app=db', '-o', 'json'])).stdout).items as Obj[];
    const claims = JSON.parse((await s.kubectl(['get', 'pvc', '-o', 'json'])).stdout).items as Obj[];
    const volumes = JSON.parse((await s.kubectl(['get', 'pv', '-o', 'json'])).stdout).items as Obj[];
    const nodes = JSON.parse((await s.kubectl(['get', 'nodes', '-o', 'json'])).stdout).items as Obj[];
    const zoneOf = (node: string) => nodes.find((n) => n.metadata.name === node)!.metadata.labels[ZONE];
    expect(pods).toHaveLength(4);
    const zones = new Set<string>();
    for (const pod of pods) {
      const claim = claims.find((c) => c.metadata.name === `data-${pod.metadata.name}`)!;
      expect(claim.status.phase).toBe('Bound');
      expect(claim.metadata.annotations['volume.kubernetes.io/selected-node']).toBe(pod.spec.nodeName);
      const pv = volumes.find((v) => v.metadata.name === claim.spec.volumeName)!;
      const zone = zoneOf(pod.spec.nodeName);
      zones.add(zone);
      expect(pv.spec.nodeAffinity.required.nodeSelectorTerms).toEqual([{ matchExpressions: [{ key: ZONE, operator: 'In', values: [zone] }] }]);
    }
    expect([...zones].sort()).toEqual(['zone-a', 'zone-b']);
    // the claim no pod uses is still waiting
    expect(claims.find((c) => c.metadata.name === 'lonely')!.status.phase).toBe('Pending');
  });
});
