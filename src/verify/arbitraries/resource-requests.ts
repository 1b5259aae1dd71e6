/**
 * `resourceRequests()`: what a generated container asks for: cpu 100m-2 cores, memory
 * 64Mi-2Gi, sized against the generated nodes so that some pods fit anywhere, some only on big
 * nodes, and some nowhere.
 */
import fc from 'fast-check';

/** Requests of a container: cpu in millicores, memory in MiB. */
export interface ResourceRequests {
  cpu: number;
  memory: number;
}

/** An arbitrary container request. */
export function resourceRequests(): fc.Arbitrary<ResourceRequests> {
  return fc.record({
    cpu: fc.constantFrom(100, 250, 500, 1000, 2000),
    memory: fc.constantFrom(64, 128, 256, 512, 1024, 2048),
  });
}
