/**
 * The scheduler benchmark on a tiny cluster: it runs both workloads under both profiles and prints
 * its columns (the figures themselves are never asserted).
 */
import { describe, expect, it } from 'vitest';
import { benchScheduler, formatSchedulerBench } from '../../src/bench/scheduler.js';

describe('scheduler benchmark', () => {
  it('times plain and constrained pods under the default profile and the older plugins, and the precomputation', () => {
    const r = benchScheduler({ nodes: 60, podsPerNode: 2, batch: 8, batches: 1 });
    expect(r.runs.map((x) => `${x.workload}/${x.profile}`)).toEqual([
      'plain/older plugins',
      'plain/default',
      'spread+anti-affinity/older plugins',
      'spread+anti-affinity/default',
    ]);
    for (const x of r.runs) expect(x.evaluatedNodes).toBeGreaterThan(0);
    expect(r.precomputation.map((p) => p.plugin)).toEqual(['PodTopologySpread', 'InterPodAffinity']);
    const text = formatSchedulerBench(r);
    expect(text).toContain('scheduler: one scheduling cycle (schedulePod + cache.assume) at 60 nodes × 2 pods');
    expect(text).toMatch(/precomputation PodTopologySpread +PreFilter \d+ µs/);
  });
});
