import { describe, expect, it } from 'vitest';
import type { Deployment, Pod } from '../../../../src/api/types.js';
import { createCluster } from '../../../../src/cluster/create-cluster.js';

const antiAffine = (name: string, replicas: number): Deployment =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: {
          containers: [{ name: 'c', image: 'nginx' }],
          affinity: {
            podAntiAffinity: {
              requiredDuringSchedulingIgnoredDuringExecution: [{ labelSelector: { matchLabels: { app: name } }, topologyKey: 'kubernetes.io/hostname' }],
            },
          },
        },
      },
    },
  });

describe('InterPodAffinity in a running cluster', () => {
  it('a Deployment with required hostname anti-affinity puts one replica per node and leaves the extra one Pending with the real message', () => {
    const c = createCluster({ nodes: 3, seed: 7 });
    c.client.create(antiAffine('web', 4));
    const pods = () => c.client.list<Pod>('pods', { labelSelector: 'app=web' }).items;
    c.runUntil(() => pods().filter((p) => p.spec?.nodeName).length === 3 && pods().length === 4, { timeout: 120_000 });
    const unschedulable = () => pods().find((p) => p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.reason === 'Unschedulable'));
    c.runUntil(() => unschedulable() !== undefined, { timeout: 60_000 });
    const bound = pods().filter((p) => p.spec?.nodeName);
    expect(new Set(bound.map((p) => p.spec!.nodeName)).size).toBe(3);
    const pending = pods().find((p) => !p.spec?.nodeName)!;
    const cond = pending.status?.conditions?.find((x) => x.type === 'PodScheduled');
    expect(cond?.message).toBe(
      "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.",
    );
    c.stop();
  });
});
