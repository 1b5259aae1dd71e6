import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';

describe('pod creation merges matchLabelKeys / mismatchLabelKeys into the affinity label selector', () => {
  it('adds In and NotIn requirements with the pod\'s own label values, skipping keys it lacks', () => {
    const c = createCluster({ nodes: 1 });
    const pod = c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: { app: 'web', 'pod-template-hash': 'abc', tenant: 't1' } },
      spec: {
        containers: [{ name: 'c', image: 'nginx' }],
        affinity: {
          podAntiAffinity: {
            requiredDuringSchedulingIgnoredDuringExecution: [
              { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname', matchLabelKeys: ['pod-template-hash', 'absent'], mismatchLabelKeys: ['tenant'] },
            ],
          },
          podAffinity: {
            // without a label selector the term selects nothing and is left alone
            preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, podAffinityTerm: { topologyKey: 'zone', matchLabelKeys: ['app'] } }],
          },
        },
      },
    } as Pod);
    const term = pod.spec!.affinity!.podAntiAffinity!.requiredDuringSchedulingIgnoredDuringExecution![0]!;
    expect(term.labelSelector).toEqual({
      matchLabels: { app: 'web' },
      matchExpressions: [
        { key: 'pod-template-hash', operator: 'In', values: ['abc'] },
        { key: 'tenant', operator: 'NotIn', values: ['t1'] },
      ],
    });
    expect(pod.spec!.affinity!.podAffinity!.preferredDuringSchedulingIgnoredDuringExecution![0]!.podAffinityTerm.labelSelector).toBeUndefined();
    c.stop();
  });
});
