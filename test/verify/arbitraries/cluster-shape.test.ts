import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clusterShape, describeShape, shapeToClusterOptions } from '../../../src/verify/arbitraries/cluster-shape.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';

describe('clusterShape', () => {
  it('has 1 to 5 nodes by default, within the bounds given otherwise', () => {
    fc.assert(fc.property(clusterShape(), (s) => s.nodes.length >= 1 && s.nodes.length <= 5), { seed: 1, numRuns: 300 });
    fc.assert(fc.property(clusterShape({ minNodes: 2, maxNodes: 3 }), (s) => s.nodes.length >= 2 && s.nodes.length <= 3), { seed: 1, numRuns: 100 });
    const lengths = new Set(fc.sample(clusterShape(), { seed: 3, numRuns: 300 }).map((s) => s.nodes.length));
    expect([...lengths].sort()).toEqual([1, 2, 3, 4, 5]);
  });

  it('refuses impossible bounds', () => {
    expect(() => clusterShape({ minNodes: 0 })).toThrow(RangeError);
    expect(() => clusterShape({ minNodes: 3, maxNodes: 2 })).toThrow(RangeError);
  });

  it('becomes createCluster options whose nodes register with the generated capacity, labels and taints', () => {
    const [shape] = fc.sample(clusterShape({ minNodes: 3, maxNodes: 3 }), { seed: 9, numRuns: 1 });
    const options = shapeToClusterOptions(shape!);
    const cluster = createCluster({ ...options, seed: 4 });
    try {
      cluster.advance(2_000);
      const nodes = cluster.objects('nodes') as { metadata: { name: string; labels: Record<string, string> }; spec?: { taints?: unknown[] }; status: { capacity: Record<string, string> } }[];
      expect(nodes.map((n) => n.metadata.name)).toEqual(['node-1', 'node-2', 'node-3']);
      nodes.forEach((n, i) => {
        expect(n.status.capacity.cpu).toBe(shape!.nodes[i]!.capacity.cpu);
        expect(n.metadata.labels.zone).toBe(shape!.nodes[i]!.labels.zone);
        expect(n.spec?.taints ?? []).toEqual(shape!.nodes[i]!.taints);
      });
    } finally {
      cluster.stop();
    }
    expect(describeShape(shape!)).toMatch(/^3 nodes: node-1 \d+cpu\/\d+Gi\/\d+pods zone=[ab]/);
  });
});
