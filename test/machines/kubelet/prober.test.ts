import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';

const pod = (name: string, container: Record<string, unknown>, restartPolicy = 'Always'): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { restartPolicy, containers: [{ name, ...container }] } }) as Pod;
const ready = (p: Pod | undefined) => p?.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
type Ev = { reason: string; message: string; count: number; type: string; involvedObject: { name: string } };
const events = (c: ReturnType<typeof createCluster>, name: string) => (c.objects('events', 'default') as unknown as Ev[]).filter((e) => e.involvedObject.name === name);

describe('the prober', () => {
  it('readiness exec [false]: Running, never Ready, Unhealthy events with a count', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('nr', { image: 'nginx:1.27', readinessProbe: { exec: { command: ['false'] }, periodSeconds: 5 } }));
    c.advance(60_000);
    const p = c.object<Pod>('pods', 'nr')!;
    expect(p.status!.phase).toBe('Running');
    expect(ready(p)).toBe(false);
    expect(p.status!.containerStatuses![0]!.ready).toBe(false);
    const unhealthy = events(c, 'nr').filter((e) => e.reason === 'Unhealthy');
    expect(unhealthy).toHaveLength(1);
    expect(unhealthy[0]).toMatchObject({ type: 'Warning', message: 'Readiness probe failed: ' });
    expect(unhealthy[0]!.count).toBeGreaterThanOrEqual(10);
    c.stop();
  });

  it('readiness httpGet with initialDelaySeconds 30: not Ready before 30 s, Ready at the first probe after', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('slow', { image: 'nginx:1.27', readinessProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 30, periodSeconds: 10 } }));
    expect(c.runUntil(() => c.object<Pod>('pods', 'slow')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
    const started = Date.parse(c.object<Pod>('pods', 'slow')!.status!.containerStatuses![0]!.state!.running!.startedAt!);
    c.advance(25_000);
    expect(ready(c.object<Pod>('pods', 'slow'))).toBe(false);
    expect(c.runUntil(() => ready(c.object<Pod>('pods', 'slow')), { timeout: 60_000 })).toBe(true);
    const readyAt = Date.parse(c.object<Pod>('pods', 'slow')!.status!.conditions!.find((x) => x.type === 'Ready')!.lastTransitionTime!);
    expect(readyAt - started).toBeGreaterThanOrEqual(30_000);
    expect(readyAt - started).toBeLessThan(32_000);
    c.stop();
  });

  it('httpGet to a path nginx does not have fails with the status code; to a closed port, connection refused', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('missing', { image: 'nginx:1.27', readinessProbe: { httpGet: { path: '/healthz', port: 80 } } }));
    c.client.create(pod('closed', { image: 'nginx:1.27', readinessProbe: { tcpSocket: { port: 8080 } } }));
    c.advance(40_000);
    expect(events(c, 'missing').find((e) => e.reason === 'Unhealthy')!.message).toBe('Readiness probe failed: HTTP probe failed with statuscode: 404');
    const ip = c.object<Pod>('pods', 'closed')!.status!.podIP;
    expect(events(c, 'closed').find((e) => e.reason === 'Unhealthy')!.message).toBe(`Readiness probe failed: dial tcp ${ip}:8080: connect: connection refused`);
    c.stop();
  });

  it('liveness exec, the documentation example: healthy for 30 s, then restarted with Unhealthy and Killing, restartCount counts it', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(
      pod('liveness-exec', {
        image: 'busybox:1.36',
        args: ['/bin/sh', '-c', 'touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600'],
        livenessProbe: { exec: { command: ['cat', '/tmp/healthy'] }, initialDelaySeconds: 5, periodSeconds: 5 },
      }),
    );
    c.advance(30_000);
    expect(c.object<Pod>('pods', 'liveness-exec')!.status!.containerStatuses![0]!.restartCount).toBe(0);
    expect(c.runUntil(() => c.object<Pod>('pods', 'liveness-exec')!.status!.containerStatuses![0]!.restartCount === 1, { timeout: 120_000 })).toBe(true);
    const evs = events(c, 'liveness-exec');
    expect(evs.find((e) => e.reason === 'Unhealthy')!.message).toBe("Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory");
    expect(evs.find((e) => e.reason === 'Killing')!.message).toBe('Container liveness-exec failed liveness probe, will be restarted');
    // the probe ran at 35, 40, 45 s: three failures, then the kill
    expect(evs.find((e) => e.reason === 'Unhealthy')!.count).toBe(3);
    c.stop();
  });

  it('startup probe: not started and not ready until it passes; failing it restarts the container', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('boot', { image: 'busybox:1.36', command: ['sh', '-c', 'sleep 20; touch /tmp/up; sleep 3600'], startupProbe: { exec: { command: ['test', '-f', '/tmp/up'] }, periodSeconds: 5, failureThreshold: 10 } }));
    c.client.create(pod('never', { image: 'busybox:1.36', command: ['sleep', '3600'], startupProbe: { exec: { command: ['false'] }, periodSeconds: 2, failureThreshold: 3 } }));
    expect(c.runUntil(() => c.object<Pod>('pods', 'boot')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
    c.advance(10_000);
    const early = c.object<Pod>('pods', 'boot')!.status!.containerStatuses![0]!;
    expect(early.started).toBe(false);
    expect(early.ready).toBe(false);
    expect(c.runUntil(() => ready(c.object<Pod>('pods', 'boot')), { timeout: 60_000 })).toBe(true);
    expect(c.object<Pod>('pods', 'boot')!.status!.containerStatuses![0]!.started).toBe(true);
    expect(c.runUntil(() => (c.object<Pod>('pods', 'never')?.status?.containerStatuses?.[0]?.restartCount ?? 0) >= 1, { timeout: 60_000 })).toBe(true);
    expect(events(c, 'never').find((e) => e.reason === 'Killing')!.message).toBe('Container never failed startup probe, will be restarted');
    c.stop();
  });

  it('a pod without probes arms no prober timers', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('plain', { image: 'nginx:1.27' }));
    expect(c.runUntil(() => ready(c.object<Pod>('pods', 'plain')), { timeout: 60_000 })).toBe(true);
    const container = (c.podActor('default', 'plain')!.getSnapshot().children as Record<string, { getSnapshot(): { children: Record<string, unknown> } }>).plain!;
    expect(Object.keys(container.getSnapshot().children)).toEqual([]);
    c.stop();
  });
});
