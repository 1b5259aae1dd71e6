/**
 * `clusterShape()`: a small cluster to verify on: 1-5 worker nodes (by default), each a
 * `nodeShape()`, turned into `createCluster` options by `shapeToClusterOptions`.
 */
import fc from 'fast-check';
import type { ClusterOptions, NodeOptions } from '../../cluster/create-cluster.js';
import { nodeShape, type NodeShape, type NodeShapeOptions } from './node-shape.js';

/** A generated cluster: its worker nodes, in order (named node-1 … node-N). */
export interface ClusterShape {
  nodes: NodeShape[];
}

/** Options of `clusterShape`. */
export interface ClusterShapeOptions extends NodeShapeOptions {
  /** Fewest nodes. Default 1. */
  minNodes?: number;
  /** Most nodes. Default 5. */
  maxNodes?: number;
}

/** An arbitrary cluster shape of `minNodes`..`maxNodes` nodes. */
export function clusterShape(options: ClusterShapeOptions = {}): fc.Arbitrary<ClusterShape> {
  const minLength = options.minNodes ?? 1;
  const maxLength = options.maxNodes ?? 5;
  if (!(minLength >= 1 && maxLength >= minLength)) throw new RangeError(`a cluster needs 1 <= minNodes <= maxNodes; got ${minLength}..${maxLength}`);
  return fc.array(nodeShape(options), { minLength, maxLength }).map((nodes) => ({ nodes }));
}

/** The `createCluster` options of a shape (nodes named node-1 … node-N). */
export function shapeToClusterOptions(shape: ClusterShape): ClusterOptions {
  const nodes: NodeOptions[] = shape.nodes.map((n, i) => ({
    name: `node-${i + 1}`,
    capacity: { ...n.capacity },
    labels: { ...n.labels },
    ...(n.taints.length > 0 ? { taints: n.taints.map((t) => ({ ...t })) } : {}),
  }));
  return { nodes };
}

/** One line for a shape: `3 nodes: node-1 2cpu/4Gi/10 zone=a, node-2 4cpu/8Gi/110 zone=b tainted, …`. */
export function describeShape(shape: ClusterShape): string {
  const nodes = shape.nodes.map((n, i) => `node-${i + 1} ${n.capacity.cpu}cpu/${n.capacity.memory}/${n.capacity.pods}pods zone=${n.labels.zone}${n.taints.length ? ' tainted' : ''}`);
  return `${shape.nodes.length} node${shape.nodes.length === 1 ? '' : 's'}: ${nodes.join(', ')}`;
}
