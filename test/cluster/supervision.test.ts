/**
 * A component that fails (an error thrown in its chart) is not left dead: the kernel records the
 * error with the component's address and the message it was handling, and its supervisor starts it
 * again: a worker node's components after systemd's 10 s, a control-plane static pod after the
 * kubelet's crash-loop back-off (10 s, then 20 s, …), an HA control-plane node's etcd member or
 * API server alike. A kubectl client is only reported.
 */
import { describe, expect, it } from 'vitest';
import type { AnyActorRef } from 'xstate';
import type { Pod } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';
import { kubeletMachine } from '../../machines/kubelet.js';
import { schedulerMachine } from '../../machines/scheduler.js';
import { apiServerMachine } from '../../machines/api-server.js';

type Action = (args: unknown, params: unknown) => void;

/** `logic` with action `name` throwing `times` times (counted across incarnations), then as before. */
function failing<L extends { implementations: { actions: Record<string, unknown> }; provide(i: { actions: Record<string, Action> }): L }>(logic: L, name: string, times: number, message: string): { logic: L; thrown: () => number } {
  const original = logic.implementations.actions[name] as Action;
  let thrown = 0;
  const provided = logic.provide({
    actions: {
      [name]: (args: unknown, params: unknown) => {
        if (thrown < times) {
          thrown++;
          throw new Error(message);
        }
        original(args, params);
      },
    },
  });
  return { logic: provided, thrown: () => thrown };
}

const status = (c: Cluster, address: string) => (c.kernel.target(address) as AnyActorRef | undefined)?.getSnapshot().status;
const pod = (name: string): Pod => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name }, spec: { containers: [{ name: 'app', image: 'nginx:1.14.2' }] } });
const phase = (c: Cluster, name: string) => c.object<Pod>('pods', name)?.status?.phase;

describe('supervision of failed components', () => {
  it("a worker node restarts its failed kubelet 10 s later, and the kubelet's error names the message it was handling", () => {
    const k = failing(kubeletMachine, 'handleWatch', 1, 'kubelet bug');
    const c = createCluster({ nodes: 1, seed: 3, logic: { kubelet: k.logic } });
    c.client.apply(pod('web'));
    expect(c.runUntil(() => c.kernel.errors.length > 0, { timeout: 30_000 })).toBe(true);
    const report = c.kernel.errors[0]!;
    expect(report.address).toBe('kubelet/node-1');
    expect(String(report.error)).toBe('Error: kubelet bug');
    expect(report.message).toMatchObject({ to: 'kubelet/node-1', type: expect.stringMatching(/^watch\./) as unknown });
    const failedAt = report.time;
    expect(status(c, 'kubelet/node-1')).toBe('error');
    // dead until the supervisor's 10 s have passed
    c.runUntil(() => c.now() >= failedAt + 9_900);
    expect(status(c, 'kubelet/node-1')).toBe('error');
    expect(c.runUntil(() => status(c, 'kubelet/node-1') === 'active', { timeout: 1_000 })).toBe(true);
    // the new kubelet runs the node's pods again
    expect(c.runUntil(() => phase(c, 'web') === 'Running', { timeout: 60_000 })).toBe(true);
    expect(k.thrown()).toBe(1);
    expect(c.kernel.errors).toHaveLength(1);
    c.stop();
  });

  it('a failed scheduler is restarted after the crash-loop back-off, 10 s then 20 s, and schedules again', () => {
    const s = failing(schedulerMachine, 'startWatches', 2, 'scheduler bug');
    const c = createCluster({ nodes: 1, seed: 4, logic: { scheduler: s.logic } });
    expect(c.kernel.errors.map((e) => e.address)).toEqual(['scheduler']);
    const first = c.kernel.errors[0]!.time;
    c.client.apply(pod('p'));
    expect(c.runUntil(() => c.kernel.errors.length === 2, { timeout: 60_000 })).toBe(true);
    expect(c.kernel.errors[1]!.time - first).toBe(10_000);
    expect(c.runUntil(() => phase(c, 'p') === 'Running', { timeout: 120_000 })).toBe(true);
    // the third incarnation started 20 s after the second failed
    expect(c.now() - c.kernel.errors[1]!.time).toBeGreaterThanOrEqual(20_000);
    expect(s.thrown()).toBe(2);
    expect(status(c, 'scheduler')).toBe('active');
    c.stop();
  });

  it("an HA control-plane node's kubelet restarts its failed API server; the cluster keeps serving through the others", () => {
    const a = failing(apiServerMachine, 'storeCache', 1, 'api-server bug');
    const c = createCluster({ nodes: 1, seed: 5, controlPlane: { nodes: 3, logic: { apiServer: a.logic } } });
    const failed = c.kernel.errors.find((e) => e.address.startsWith('api-server/'));
    expect(failed).toBeDefined();
    expect(status(c, failed!.address)).toBe('error');
    c.client.apply(pod('q'));
    expect(c.runUntil(() => phase(c, 'q') === 'Running', { timeout: 60_000 })).toBe(true);
    expect(c.runUntil(() => status(c, failed!.address) === 'active', { timeout: 30_000 })).toBe(true);
    expect(a.thrown()).toBe(1);
    c.stop();
  });
});
