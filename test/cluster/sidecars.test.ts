/**
 * Native sidecars through a whole cluster: a Job whose pod has a sidecar completes (the kubelet
 * stops the sidecar once the Job's container is done), and a Deployment's pod counts its sidecar
 * toward Ready.
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import type { IJob as Job } from 'kubernetes-models/batch/v1/Job';
import { createCluster } from '../../src/cluster/create-cluster.js';
import { podStatusColumns } from '../../src/api/printers-core.js';

describe('native sidecars in a cluster', () => {
  it('a Job with a sidecar completes: the sidecar is stopped after the work container, the pod Succeeded, the Job Complete', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    c.client.create({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: { name: 'report' },
      spec: {
        backoffLimit: 0,
        template: {
          spec: {
            restartPolicy: 'Never',
            initContainers: [{ name: 'proxy', image: 'nginx:1.25', restartPolicy: 'Always', ports: [{ containerPort: 80 }] }],
            containers: [{ name: 'work', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 5; echo done'] }],
          },
        },
      },
    } as Job);
    expect(c.runUntil(() => (c.object<Job>('jobs', 'report')?.status?.succeeded ?? 0) === 1, { timeout: 120_000 })).toBe(true);
    const pod = c.objects<Pod>('pods').find((p) => p.metadata?.labels?.['job-name'] === 'report')!;
    expect(pod.status!.phase).toBe('Succeeded');
    const proxy = pod.status!.initContainerStatuses![0]!;
    const work = pod.status!.containerStatuses![0]!;
    expect(work.state!.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(proxy.state!.terminated).toBeDefined();
    expect(proxy.restartCount).toBe(0);
    expect(Date.parse(proxy.state!.terminated!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(work.state!.terminated!.finishedAt!));
    // the work container started only after the sidecar had started
    expect(Date.parse(work.state!.terminated!.startedAt!)).toBeGreaterThanOrEqual(Date.parse(proxy.state!.terminated!.startedAt!));
    expect(c.object<Job>('jobs', 'report')!.status!.conditions?.some((x) => x.type === 'Complete' && x.status === 'True')).toBe(true);
    expect(c.kernel.errors).toEqual([]);
    c.stop();
  });

  it('a pod with a sidecar is Ready with both; kubectl shows READY 2/2 from the server', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web' },
      spec: {
        initContainers: [{ name: 'shipper', image: 'busybox:1.36', restartPolicy: 'Always', command: ['sh', '-c', 'sleep 3600'] }],
        containers: [{ name: 'app', image: 'nginx:1.25' }],
      },
    } as Pod);
    expect(c.runUntil(() => c.object<Pod>('pods', 'web')?.status?.conditions?.some((x) => x.type === 'Ready' && x.status === 'True') ?? false, { timeout: 120_000 })).toBe(true);
    const pod = c.object<Pod>('pods', 'web')!;
    expect(pod.status!.initContainerStatuses![0]).toMatchObject({ name: 'shipper', started: true, ready: true, state: { running: {} } });
    expect(pod.status!.phase).toBe('Running');
    expect(podStatusColumns(pod as never, c.kernel.now())).toMatchObject({ ready: '2/2', status: 'Running', restarts: '0' });
    c.stop();
  });
});
