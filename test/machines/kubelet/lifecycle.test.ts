/**
 * Lifecycle hooks: the hook runner (pkg/kubelet/lifecycle/handlers.go) against a container's
 * process, and the container's life around them as kuberuntime_container.go runs it (postStart
 * after the start, before the container shows Running; a failed postStart kills it; preStop before
 * SIGTERM, within the grace period).
 */
import { describe, expect, it } from 'vitest';
import type { Container, ContainerStatus, Pod, PodStatus } from '../../../src/api/types.js';
import { runHook } from '../../../machines/kubelet/lifecycle.js';
import { processOf } from '../../../machines/kubelet/process.js';
import { fast } from '../../../src/profiles/index.js';
import { createNode, makePod } from '../../profiles/harness.js';

const pod = makePod({ name: 'web', containers: [{ name: 'app', image: 'nginx:1.25' }] });
const target = (c: Container = pod.spec!.containers[0]!) => ({
  process: processOf(pod, c, { podIP: '10.244.0.10', hostIP: '192.168.0.2' }),
  podIP: '10.244.0.10',
  container: { name: c.name, ports: [{ name: 'web', containerPort: 80 }] },
  startMs: 0,
  startAbsMs: Date.parse('2026-01-01T00:00:00Z'),
});
const podKey = 'web_default(uid-web)';

describe('runHook', () => {
  it('exec: the command runs in the container; its duration is the command’s, a non-zero exit fails with the kubelet’s message', () => {
    expect(runHook({ exec: { command: ['sh', '-c', 'sleep 2'] } }, target(), 100, podKey)).toEqual({ durationMs: 2000, ok: true, message: '' });
    expect(runHook({ exec: { command: ['sh', '-c', 'echo nope; echo bad >&2; exit 3'] } }, target(), 100, podKey)).toEqual({
      durationMs: 0,
      ok: false,
      message: `Exec lifecycle hook ([sh -c echo nope; echo bad >&2; exit 3]) for Container "app" in Pod "web_default(uid-web)" failed - error: command 'sh -c echo nope; echo bad >&2; exit 3' exited with 3: bad\n, message: "nope\\nbad\\n"`,
    });
    // a command that never exits: the hook never returns
    expect(runHook({ exec: { command: ['sleep', 'infinity'] } }, target(), 0, podKey).durationMs).toBeUndefined();
  });

  it('httpGet: a port the process listens on answers (named ports resolve); another refuses the connection', () => {
    expect(runHook({ httpGet: { path: '/started', port: 'web' } }, target(), 0, podKey)).toEqual({ durationMs: 0, ok: true, message: '' });
    expect(runHook({ httpGet: { path: '/hook', port: 8080 } }, target(), 0, podKey)).toEqual({
      durationMs: 0,
      ok: false,
      message: 'HTTP lifecycle hook (/hook) for Container "app" in Pod "web_default(uid-web)" failed - error: Get "http://10.244.0.10:8080/hook": dial tcp 10.244.0.10:8080: connect: connection refused',
    });
  });

  it('sleep: waits its seconds', () => {
    expect(runHook({ sleep: { seconds: 7 } }, target(), 0, podKey)).toEqual({ durationMs: 7000, ok: true, message: '' });
  });
});

const app = (s: PodStatus | undefined): ContainerStatus => s!.containerStatuses![0]!;
const ms = (timestamp: string | undefined) => Date.parse(timestamp!) - Date.parse('2026-01-01T00:00:00Z');

describe('postStart', () => {
  it('the container shows Running only once its postStart hook returned, with startedAt at its real start', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'web', containers: [{ name: 'app', image: 'nginx:1.25', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'sleep 5'] } } } }] }));
    sim.kernel.advance(4_000);
    expect(app(sim.latest('web')).state!.waiting!.reason).toBe('ContainerCreating');
    expect(sim.latest('web')!.phase).toBe('Pending');
    sim.kernel.advance(10_000);
    const s = app(sim.latest('web'));
    expect(s.state!.running).toBeDefined();
    const shownAt = sim.reportsOf('web').find((r) => app(r.event.status).state?.running)!.time;
    // started within the first second (timestamps have whole seconds), shown 5 s later
    expect(ms(s.state!.running!.startedAt)).toBe(0);
    expect(shownAt).toBeGreaterThanOrEqual(5_000);
    expect(shownAt).toBeLessThan(5_100);
    expect(s.restartCount).toBe(0);
    expect(sim.latest('web')!.phase).toBe('Running');
  });

  it('a failed postStart kills the container: PostStartHookError with the hook’s message, then restarts with the crash-loop back-off', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'web', containers: [{ name: 'app', image: 'nginx:1.25', lifecycle: { postStart: { exec: { command: ['sh', '-c', 'exit 1'] } } } }] }));
    sim.kernel.advance(5_000);
    const reasons = sim.reportsOf('web').map((r) => app(r.event.status).state!.waiting?.reason);
    expect(reasons).toContain('PostStartHookError');
    const hookError = sim.reportsOf('web').map((r) => app(r.event.status)).find((s) => s.state!.waiting?.reason === 'PostStartHookError')!;
    expect(hookError.state!.waiting!.message).toBe(
      `Exec lifecycle hook ([sh -c exit 1]) for Container "app" in Pod "web_default(uid-web)" failed - error: command 'sh -c exit 1' exited with 1: , message: ""`,
    );
    expect(hookError.lastState!.terminated).toBeDefined();
    // the container never showed Running
    expect(sim.reportsOf('web').some((r) => app(r.event.status).state?.running)).toBe(false);
    sim.kernel.advance(5 * 60_000);
    expect(app(sim.latest('web')).restartCount).toBeGreaterThanOrEqual(3);
    expect(sim.reportsOf('web').map((r) => app(r.event.status).state!.waiting?.reason)).toContain('CrashLoopBackOff');
  });
});

describe('preStop', () => {
  const withPreStop = (name: string, preStop: NonNullable<NonNullable<Container['lifecycle']>['preStop']>, annotations?: Record<string, string>): Pod =>
    makePod({ name, terminationGracePeriodSeconds: 30, annotations, containers: [{ name: 'app', image: 'nginx:1.25', lifecycle: { preStop } }] });

  it('runs before SIGTERM: a 5 s sleep hook delays the stop by 5 s', () => {
    const sim = createNode(fast);
    sim.addPod(withPreStop('web', { sleep: { seconds: 5 } }, { 'kube-actors.io/behavior': '{"stopMs":1000}' }));
    sim.kernel.advance(10_000);
    const t0 = sim.kernel.now();
    sim.sendToPod('web', { type: 'pod.kill', gracePeriodSeconds: 30 });
    sim.kernel.advance(60_000);
    const final = sim.reports.at(-1)!.event;
    expect(final.type).toBe('pod.terminated');
    expect(ms(app(final.status).state!.terminated!.finishedAt) - t0).toBe(6_000);
    expect(app(final.status).state!.terminated!.exitCode).toBe(0);
  });

  it('a hook longer than the grace period is cut at its end; the container then gets the kubelet’s minimum before SIGKILL', () => {
    const sim = createNode(fast);
    sim.addPod(withPreStop('web', { exec: { command: ['sleep', '3600'] } }, { 'kube-actors.io/behavior': '{"stopMs":10000}' }));
    sim.kernel.advance(10_000);
    const t0 = sim.kernel.now();
    sim.sendToPod('web', { type: 'pod.kill', gracePeriodSeconds: 30 });
    sim.kernel.advance(60_000);
    const final = sim.reports.at(-1)!.event;
    expect(ms(app(final.status).state!.terminated!.finishedAt) - t0).toBe(30_000 + fast.kubelet.minGracePeriodMs);
    expect(app(final.status).state!.terminated).toMatchObject({ exitCode: 137 });
  });
});
