import { describe, expect, it } from 'vitest';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { podMachine } from '../../../machines/pod.js';

describe('kubelet: pod worker errors', () => {
  it("reports a worker's error to the kernel under the worker's address, once, and keeps running the other pods", () => {
    // a pod worker whose container start throws for one pod only
    const pod = podMachine.provide({
      actions: {
        startContainers: ({ context }) => {
          if (context.pod.metadata?.name === 'broken') throw new Error('boom in startContainers');
        },
      },
    });
    const c = createCluster({ seed: 3, nodes: 1, logic: { pod } });
    c.runUntil(() => c.objects('nodes').length === 1, { timeout: 30_000 });
    const manifest = (name: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } });
    c.client.apply(manifest('broken'));
    c.client.apply(manifest('fine'));
    c.advance(30_000);
    const errors = c.kernel.errors.map((e) => ({ address: e.address, message: (e.error as Error).message }));
    expect(errors).toEqual([{ address: 'pod/default/broken', message: 'boom in startContainers' }]);
    // the kubelet itself did not fail, and still answers for its other pods
    expect(c.actor('kubelet/node-1')?.getSnapshot().status).toBe('active');
    expect(c.actor('pod/default/fine')?.getSnapshot().status).toBe('active');
    c.stop();
  });
});
