/**
 * Graceful termination as a container's process takes SIGTERM: a shell or `sleep` as PID 1 has no
 * SIGTERM handler (the kernel gives PID 1 none by default), so `kubectl delete pod` waits the whole
 * terminationGracePeriodSeconds and the kubelet SIGKILLs it (137); nginx stops at once (0); a
 * script that traps TERM stops on it; `--grace-period=0 --force` removes the pod at once.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerStatus, KubeObject, Pod } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';

const pod = (name: string, container: Record<string, unknown>, spec: Record<string, unknown> = {}) =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name, ...container }], ...spec } }) as unknown as KubeObject;

/** Deletes the pod and runs until it is gone: the virtual ms it took and the last status the kubelet wrote. */
function deleteAndWait(c: Cluster, name: string, gracePeriodSeconds?: number): { ms: number; last: ContainerStatus | undefined } {
  const start = c.kernel.now();
  let last: ContainerStatus | undefined;
  c.client.delete('pods', name, gracePeriodSeconds === undefined ? {} : { gracePeriodSeconds });
  expect(
    c.runUntil(() => {
      const p = c.object<Pod>('pods', name);
      if (p) last = p.status?.containerStatuses?.[0];
      return p === undefined;
    }, { timeout: 120_000 }),
  ).toBe(true);
  return { ms: c.kernel.now() - start, last };
}

function running(c: Cluster, name: string): void {
  expect(c.runUntil(() => c.object<Pod>('pods', name)?.status?.phase === 'Running', { timeout: 30_000 })).toBe(true);
}

describe('graceful termination: who handles SIGTERM', () => {
  it('busybox sleep 3600 as PID 1 ignores SIGTERM: the deletion waits the 30 s grace period, then SIGKILL (137)', () => {
    const c = createCluster({ nodes: 1, seed: 1 });
    c.client.create(pod('sleeper', { image: 'busybox:1.36', command: ['sleep', '3600'] }));
    running(c, 'sleeper');
    const { ms, last } = deleteAndWait(c, 'sleeper');
    expect(ms).toBeGreaterThanOrEqual(30_000);
    expect(last?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    c.stop();
  });

  it('a shell script as PID 1 too; with terminationGracePeriodSeconds: 3 it is SIGKILLed after 3 s', () => {
    const c = createCluster({ nodes: 1, seed: 1 });
    c.client.create(pod('loop', { image: 'busybox:1.36', command: ['sh', '-c', 'while true; do echo hi; sleep 5; done'] }, { terminationGracePeriodSeconds: 3 }));
    running(c, 'loop');
    const { ms, last } = deleteAndWait(c, 'loop');
    expect(ms).toBeGreaterThanOrEqual(3_000);
    expect(ms).toBeLessThan(30_000);
    expect(last?.state?.terminated?.exitCode).toBe(137);
    c.stop();
  });

  it('nginx and a script that traps TERM stop on SIGTERM: exit 0, no wait for the grace period', () => {
    const c = createCluster({ nodes: 1, seed: 1 });
    c.client.create(pod('web', { image: 'nginx:1.27' }));
    c.client.create(pod('trapper', { image: 'busybox:1.36', command: ['sh', '-c', "trap 'exit 0' TERM; while true; do sleep 1; done"] }));
    running(c, 'web');
    running(c, 'trapper');
    for (const name of ['web', 'trapper']) {
      const { ms, last } = deleteAndWait(c, name);
      expect(ms).toBeLessThan(30_000);
      expect(last?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    }
    c.stop();
  });

  it('--grace-period=0 --force: the pod object goes at once; a preStop hook of a SIGTERM-ignoring container still runs before the SIGKILL', () => {
    const c = createCluster({ nodes: 1, seed: 1 });
    c.client.create(pod('forced', { image: 'busybox:1.36', command: ['sleep', '3600'] }));
    c.client.create(pod('hooked', { image: 'busybox:1.36', command: ['sleep', '3600'], lifecycle: { preStop: { exec: { command: ['sleep', '2'] } } } }, { terminationGracePeriodSeconds: 10 }));
    running(c, 'forced');
    running(c, 'hooked');
    c.client.delete('pods', 'forced', { gracePeriodSeconds: 0 });
    expect(c.object<Pod>('pods', 'forced')).toBeUndefined();
    const { ms, last } = deleteAndWait(c, 'hooked');
    expect(ms).toBeGreaterThanOrEqual(10_000);
    expect(last?.state?.terminated?.exitCode).toBe(137);
    c.stop();
  });
});
