/**
 * Lifecycle hooks through a whole cluster, as a user sees them in `kubectl describe pod`: a failed
 * postStart records FailedPostStartHook and Killing, a failed preStop FailedPreStopHook, with the
 * kubelet's messages, and a preStop hook delays the pod's deletion.
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';

interface Ev {
  reason: string;
  type: string;
  message: string;
  involvedObject: { name: string; fieldPath?: string };
}
const eventsOf = (c: Cluster, name: string) => (c.objects('events', 'default') as unknown as Ev[]).filter((e) => e.involvedObject.name === name);
const pod = (name: string, lifecycle: Record<string, unknown>, grace = 30): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { terminationGracePeriodSeconds: grace, containers: [{ name: 'app', image: 'nginx:1.25', lifecycle }] } });

describe('lifecycle hooks in a cluster', () => {
  it('a failing postStart: FailedPostStartHook with the hook’s message, Killing "FailedPostStartHook", and the container restarts', () => {
    const c = createCluster({ nodes: 1, seed: 5 });
    c.client.create(pod('hooked', { postStart: { httpGet: { path: '/ready', port: 9000 } } }));
    expect(c.runUntil(() => eventsOf(c, 'hooked').some((e) => e.reason === 'FailedPostStartHook'), { timeout: 60_000 })).toBe(true);
    c.advance(60_000);
    const p = c.object<Pod>('pods', 'hooked')!;
    const events = eventsOf(c, 'hooked');
    const failed = events.find((e) => e.reason === 'FailedPostStartHook')!;
    expect(failed).toMatchObject({ type: 'Warning', involvedObject: { fieldPath: 'spec.containers{app}' } });
    expect(failed.message).toBe(
      `HTTP lifecycle hook (/ready) for Container "app" in Pod "hooked_default(${p.metadata!.uid})" failed - error: Get "http://${p.status!.podIP}:9000/ready": dial tcp ${p.status!.podIP}:9000: connect: connection refused`,
    );
    expect(events.find((e) => e.reason === 'Killing')).toMatchObject({ type: 'Normal', message: 'FailedPostStartHook' });
    expect(p.status!.containerStatuses![0]!.restartCount).toBeGreaterThanOrEqual(1);
    expect(p.status!.containerStatuses![0]!.ready).toBe(false);
    c.stop();
  });

  it('a failing preStop on delete: FailedPreStopHook, and the pod goes once the hook and the stop are over', () => {
    const c = createCluster({ nodes: 1, seed: 5 });
    c.client.create(pod('stopper', { preStop: { exec: { command: ['sh', '-c', 'sleep 4; echo draining failed; exit 2'] } } }));
    expect(c.runUntil(() => c.object<Pod>('pods', 'stopper')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
    const uid = c.object<Pod>('pods', 'stopper')!.metadata!.uid!;
    c.client.delete('pods', 'stopper');
    const t0 = c.kernel.now();
    expect(c.runUntil(() => c.object<Pod>('pods', 'stopper') === undefined, { timeout: 60_000 })).toBe(true);
    // the hook ran 4 s before SIGTERM
    expect(c.kernel.now() - t0).toBeGreaterThanOrEqual(4_000);
    const failed = eventsOf(c, 'stopper').find((e) => e.reason === 'FailedPreStopHook')!;
    expect(failed).toMatchObject({ type: 'Warning', involvedObject: { fieldPath: 'spec.containers{app}' } });
    expect(failed.message).toBe(
      `Exec lifecycle hook ([sh -c sleep 4; echo draining failed; exit 2]) for Container "app" in Pod "stopper_default(${uid})" failed - error: command 'sh -c sleep 4; echo draining failed; exit 2' exited with 2: , message: "draining failed\\n"`,
    );
    c.stop();
  });
});
