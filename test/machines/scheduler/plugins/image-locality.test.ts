/** ImageLocality, after kube-scheduler's `imagelocality/image_locality_test.go`. */
import { describe, it, expect } from 'vitest';
import type { Node, Pod } from '../../../../src/api/types.js';
import { ImageLocality, imageLocalityPriority, normalizedImageName } from '../../../../machines/scheduler/plugins/image-locality.js';
import { clusterOf, makeNode, makePod } from '../helpers.js';

const MB = 1024 * 1024;
const withImages = (node: Node, images: { names: string[]; sizeBytes: number }[]): Node => ({ ...node, status: { ...node.status, images } });
const podWith = (...images: string[]): Pod => {
  const p = makePod('p');
  return { ...p, spec: { ...p.spec, containers: images.map((image, i) => ({ name: `c${i}`, image })) } };
};

// the test's nodes: node1 has 40 MB gcr.io/40 and 300 MB gcr.io/300; node2 250 MB gcr.io/250 and 10 MB gcr.io/10; node3 has 40 MB gcr.io/40 too
const node1 = withImages(makeNode('node1'), [
  { names: ['gcr.io/40:latest', 'gcr.io/40:v1'], sizeBytes: 40 * MB },
  { names: ['gcr.io/300:latest', 'gcr.io/300:v1'], sizeBytes: 300 * MB },
  { names: ['gcr.io/2000:latest'], sizeBytes: 2000 * MB },
]);
const node2 = withImages(makeNode('node2'), [
  { names: ['gcr.io/250:latest'], sizeBytes: 250 * MB },
  { names: ['gcr.io/10:latest', 'gcr.io/10:v1'], sizeBytes: 10 * MB },
]);
const node3 = withImages(makeNode('node3'), [{ names: ['gcr.io/40:latest'], sizeBytes: 40 * MB }]);

function scores(pod: Pod, nodes: Node[]): Record<string, number> | undefined {
  const c = clusterOf(nodes);
  const state = c.state(pod);
  if (ImageLocality.preScore!(pod, state, c.snapshot.nodes) === 'skip') return undefined;
  return Object.fromEntries(c.snapshot.nodes.map((ni) => [ni.name, ImageLocality.score(pod, ni, state)]));
}

describe('ImageLocality', () => {
  it('two images spread on two of three nodes', () => {
    // node1: 40 MB · 2/3 = 26.67 MB → 100·(26.67 - 23)/(2000 - 23) = 0; node2: 250 MB · 1/3 = 83.33 MB → 3
    expect(scores(podWith('gcr.io/40', 'gcr.io/250'), [node1, node2, node3])).toEqual({ node1: 0, node2: 3, node3: 0 });
  });
  it('an image with a tag; the untagged name means :latest', () => {
    // node1: 300 MB · 1/2 = 150 MB for gcr.io/300:v1 + 40 · 1/2 = 20 → 170 MB → 100·(170-23)/(3000-23) = 4; node2: 10·1/2 = 5 → 0
    expect(scores(podWith('gcr.io/40', 'gcr.io/300:v1', 'gcr.io/10:v1'), [node1, node2])).toEqual({ node1: 4, node2: 0 });
    expect(normalizedImageName('gcr.io/40')).toBe('gcr.io/40:latest');
    expect(normalizedImageName('localhost:5000/img')).toBe('localhost:5000/img:latest');
    expect(normalizedImageName('img@sha256:abc')).toBe('img@sha256:abc');
  });
  it('clamps to the thresholds: a very large image present everywhere scores 100', () => {
    expect(scores(podWith('gcr.io/2000'), [node1])).toEqual({ node1: 100 });
    expect(imageLocalityPriority(0, 1)).toBe(0);
  });
  it('is skipped when no node has any of the images', () => {
    expect(scores(podWith('nginx'), [node1, node2])).toBeUndefined();
  });
});
