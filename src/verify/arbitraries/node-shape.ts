/**
 * `nodeShape()`: one worker node of a generated cluster: its capacity (cpu 1-4 cores, memory
 * 1-8 GiB, 3-110 pods), its `zone` label, and sometimes the `dedicated=infra:NoSchedule` taint
 * (only pods that tolerate it may land there).
 */
import fc from 'fast-check';
import type { Taint } from '../../api/types.js';

/** A node as the arbitraries describe it (the name is given by its position in the cluster). */
export interface NodeShape {
  capacity: { cpu: string; memory: string; pods: string };
  labels: Record<string, string>;
  taints: Taint[];
}

/** The taint some generated nodes carry. */
export const DEDICATED_TAINT: Taint = Object.freeze({ key: 'dedicated', value: 'infra', effect: 'NoSchedule' });

/** Zones nodes are labelled with (`zone=a`, `zone=b`). */
export const ZONES: readonly string[] = Object.freeze(['a', 'b']);

/** Options of `nodeShape`. */
export interface NodeShapeOptions {
  /** Probability-ish weight of the dedicated taint (0 never). Default 1 in 4. */
  taintWeight?: number;
}

/** An arbitrary worker node: capacity, zone label, maybe a taint. */
export function nodeShape(options: NodeShapeOptions = {}): fc.Arbitrary<NodeShape> {
  const taintWeight = options.taintWeight ?? 1;
  return fc.record({
    cpu: fc.constantFrom('1', '2', '4'),
    memory: fc.constantFrom('1Gi', '2Gi', '4Gi', '8Gi'),
    pods: fc.constantFrom('3', '5', '10', '110'),
    zone: fc.constantFrom(...ZONES),
    tainted: taintWeight > 0 ? fc.oneof({ arbitrary: fc.constant(false), weight: 3 }, { arbitrary: fc.constant(true), weight: taintWeight }) : fc.constant(false),
  }).map(({ cpu, memory, pods, zone, tainted }) => ({
    capacity: { cpu, memory, pods },
    labels: { zone },
    taints: tainted ? [{ ...DEDICATED_TAINT }] : [],
  }));
}
