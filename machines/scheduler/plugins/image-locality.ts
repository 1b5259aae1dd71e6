/**
 * ImageLocality (kube-scheduler `plugins/imagelocality`): favours nodes that already have the
 * pod's images (`status.images`). Each image present counts its size scaled by the share of
 * nodes that have it (so an image on every node counts fully, one on a single node little);
 * the sum, clamped to 23 MiB .. 1000 MiB × containers, maps linearly to 0..100. Image names
 * without a tag get `:latest` (`normalizedImageName`).
 */
import type { Pod } from '../../../src/api/types.js';
import { MAX_NODE_SCORE, type CycleState, type ScorePlugin } from '../framework.js';
import { type NodeInfo } from '../node-info.js';

/** The plugin's name. */
const IMAGE_LOCALITY = 'ImageLocality';

const MB = 1024 * 1024;
const MIN_THRESHOLD = 23 * MB;
const MAX_CONTAINER_THRESHOLD = 1000 * MB;

/** `normalizedImageName`: adds `:latest` when the name has no tag. */
export function normalizedImageName(name: string): string {
  return name.lastIndexOf(':') <= name.lastIndexOf('/') ? `${name}:latest` : name;
}

/** `calculatePriority`. */
export function imageLocalityPriority(sumScores: number, numContainers: number): number {
  const maxThreshold = MAX_CONTAINER_THRESHOLD * numContainers;
  const s = Math.min(Math.max(sumScores, MIN_THRESHOLD), maxThreshold);
  return Math.trunc((MAX_NODE_SCORE * (s - MIN_THRESHOLD)) / (maxThreshold - MIN_THRESHOLD));
}

interface ImageLocalityState {
  /** The pod's images, normalized, in container order (init containers first). */
  readonly images: readonly string[];
  /** How many nodes have each image. */
  readonly numNodes: ReadonlyMap<string, number>;
  readonly totalNodes: number;
}

/** The ImageLocality score plugin. */
export const ImageLocality: ScorePlugin = {
  name: IMAGE_LOCALITY,
  preScore(pod: Pod, state: CycleState): 'skip' | void {
    if (state.snapshot.nodesWithImages === 0) return 'skip';
    const images = [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].map((c) => normalizedImageName(c.image ?? ''));
    const wanted = new Set(images);
    const numNodes = new Map<string, number>();
    const nodes = state.snapshot.nodes;
    for (let i = 0; i < nodes.length; i++) {
      const sizes = nodes[i]!.imageSizes;
      if (!sizes) continue;
      for (const n of wanted) if (sizes.has(n)) numNodes.set(n, (numNodes.get(n) ?? 0) + 1);
    }
    if (numNodes.size === 0) return 'skip';
    state.data.set(IMAGE_LOCALITY, { images, numNodes, totalNodes: state.snapshot.nodes.length } satisfies ImageLocalityState);
  },
  score(_pod: Pod, ni: NodeInfo, state: CycleState): number {
    const s = state.data.get(IMAGE_LOCALITY) as ImageLocalityState | undefined;
    if (!s) return 0;
    const sizes = ni.imageSizes;
    if (!sizes) return 0;
    let sum = 0;
    for (const image of s.images) {
      const size = sizes.get(image);
      if (size === undefined) continue;
      sum += Math.trunc(size * ((s.numNodes.get(image) ?? 0) / s.totalNodes));
    }
    return imageLocalityPriority(sum, s.images.length);
  },
};
