/**
 * Node-pressure eviction as a user sees it with the real kubectl: a pod filling the node's disk is
 * evicted (Failed, reason Evicted, the kubelet's message), and `kubectl describe node` shows DiskPressure, the
 * disk-pressure taint and the kubelet's events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = Record<string, any>;

describe.skipIf(!HAS_KUBECTL)(`disk pressure with kubectl${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: [{ name: 'node-1', capacity: { 'ephemeral-storage': '10Gi' } }], seed: 3 }, speed: 20 });
    s.cluster.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'writer', namespace: 'default', annotations: { 'kube-actors.io/usage': '{"ephemeral-storage": "9Gi"}' } },
      spec: { containers: [{ name: 'writer', image: 'nginx:1.27' }] },
    } as never);
    await waitFor('DiskPressure and its taint', () => {
      const node = s.cluster.object<Obj>('nodes', 'node-1');
      return node?.status?.conditions?.some((c: Obj) => c.type === 'DiskPressure' && c.status === 'True') && node?.spec?.taints?.some((t: Obj) => t.key === 'node.kubernetes.io/disk-pressure');
    }, 60_000);
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('kubectl get pod shows it Failed, reason Evicted, with the kubelet message', async () => {
    const r = await s.kubectl(['get', 'pod', 'writer', '-o', 'jsonpath={.status.phase} {.status.reason} {.status.message}']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe(
      'Failed Evicted The node was low on resource: ephemeral-storage. Threshold quantity: 1536Mi, available: 1Gi. Container writer was using 9Gi, request is 0, has larger consumption of ephemeral-storage. ',
    );
  });

  it('kubectl describe node shows the condition, the taint and the events', async () => {
    const r = await s.kubectl(['describe', 'node', 'node-1']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toMatch(/Taints:\s+node\.kubernetes\.io\/disk-pressure:NoSchedule/);
    expect(r.stdout).toMatch(/DiskPressure\s+True\s.*KubeletHasDiskPressure\s+kubelet has disk pressure/);
    expect(r.stdout).toMatch(/PIDPressure\s+False\s.*KubeletHasSufficientPID\s+kubelet has sufficient PID available/);
    expect(r.stdout).toMatch(/Warning\s+EvictionThresholdMet\s.*Attempting to reclaim ephemeral-storage/);
    expect(r.stdout).toMatch(/Normal\s+NodeHasDiskPressure\s.*Node node-1 status is now: NodeHasDiskPressure/);
  });
});
