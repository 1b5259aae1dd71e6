import { describe, expect, it } from 'vitest';
import type { InspectionEvent } from 'xstate';
import { createCluster, type ClusterOptions } from '../../src/cluster/create-cluster.js';

/** A workload that schedules, fails to schedule, updates, scales and deletes. */
function run(options: ClusterOptions): { trace: string; etcd: string; microsteps: number } {
  let microsteps = 0;
  const c = createCluster({ seed: 5, nodes: 3, nodeCapacity: { cpu: '2', memory: '4Gi' }, ...options, inspect: (e: InspectionEvent) => void (e.type === '@xstate.microstep' && microsteps++) });
  c.runUntil(() => c.objects('nodes').length === 3, { timeout: 30_000 });
  const deployment = (name: string, replicas: number, cpu: string) => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27', resources: { requests: { cpu } } }] } } },
  });
  c.client.apply(deployment('web', 4, '300m'));
  c.client.apply(deployment('huge', 2, '3')); // fits no node: FailedScheduling
  c.advance(20_000);
  c.client.apply(deployment('web', 2, '300m'));
  c.client.delete('deployments', 'huge', { propagationPolicy: 'Foreground' } as never);
  c.advance(30_000);
  const out = { trace: c.kernel.trace.toJSONL(), etcd: JSON.stringify(c.store.all()), microsteps };
  c.stop();
  return out;
}

describe("pipelines: 'fused'", () => {
  it('gives the same trace and the same etcd as the stepwise pipeline and cycle, in far fewer microsteps', () => {
    const steps = run({});
    const fused = run({ pipelines: 'fused' });
    expect(fused.trace).toBe(steps.trace);
    expect(fused.etcd).toBe(steps.etcd);
    expect(steps.etcd).toContain('FailedScheduling');
    expect(fused.microsteps).toBeLessThan(steps.microsteps * 0.8);
  });

  it('does the same with a replicated control plane', () => {
    const steps = run({ controlPlane: { nodes: 3 } });
    const fused = run({ controlPlane: { nodes: 3 }, pipelines: 'fused' });
    expect(fused.trace).toBe(steps.trace);
    expect(fused.etcd).toBe(steps.etcd);
  });

  it('refuses anything but "steps" or "fused"', () => {
    expect(() => createCluster({ pipelines: 'fast' as never })).toThrow('pipelines must be "steps" or "fused"; got "fast"');
    expect(() => createCluster({ apiServer: { pipeline: 'quick' as never } })).toThrow('apiServer.pipeline must be "steps" or "fused"; got "quick"');
  });
});

describe('trace summaries', () => {
  it('written when read are the ones written on delivery: no component changes a message after sending it', () => {
    // a live subscriber makes every summary be written as the message is delivered
    const eager = (() => {
      const c = createCluster({ seed: 5, nodes: 3, nodeCapacity: { cpu: '2', memory: '4Gi' } });
      const lines: string[] = [];
      c.kernel.trace.entries$.subscribe((e) => lines.push(`${e.seq} ${e.type} ${e.summary}`));
      return { c, lines };
    })();
    const lazy = createCluster({ seed: 5, nodes: 3, nodeCapacity: { cpu: '2', memory: '4Gi' } });
    for (const c of [eager.c, lazy]) {
      c.runUntil(() => c.count('nodes') === 3, { timeout: 30_000 });
      c.client.apply({ apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { replicas: 3, selector: { matchLabels: { app: 'web' } }, template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } } });
      c.advance(20_000);
      c.client.apply({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'web' }, spec: { selector: { app: 'web' }, ports: [{ port: 80 }] } });
      c.client.delete('deployments', 'web');
      c.advance(40_000);
    }
    // (the subscriber joined after the cluster's construction had recorded its first entries)
    const first = Number(eager.lines[0]!.split(' ')[0]);
    const read = lazy.kernel.trace.since(first).map((e) => `${e.seq} ${e.type} ${e.summary}`);
    expect(read.length).toBeGreaterThan(500);
    expect(read).toEqual(eager.lines);
    eager.c.stop();
    lazy.stop();
  });
});
