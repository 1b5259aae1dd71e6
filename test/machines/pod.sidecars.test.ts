/**
 * Native sidecars (init containers with `restartPolicy: Always`) in the pod worker, as the
 * kubelet runs them: computeInitContainerActions (the next init container starts once the
 * sidecar has started), getPhase and the conditions (kubelet_pods_test.go's
 * TestPodPhaseWithRestartAlwaysRestartableInitContainers and friends), restarts whatever the pod's
 * restartPolicy, a Job-like pod completing with its sidecars stopped, and the termination order.
 */
import { describe, expect, it } from 'vitest';
import type { ContainerStatus, PodStatus } from '../../src/api/types.js';
import { podDisplayStatus } from '../../machines/kubelet/pod-status.js';
import { fast } from '../../src/profiles/index.js';
import { containerTimeline, createNode, makePod } from '../profiles/harness.js';

const cond = (status: PodStatus | undefined, type: string) => status?.conditions?.find((c) => c.type === type);
const init = (status: PodStatus | undefined, name: string) => status!.initContainerStatuses!.find((c) => c.name === name)!;
const app = (status: PodStatus | undefined, name: string) => status!.containerStatuses!.find((c) => c.name === name)!;

describe('pod: native sidecars', () => {
  it('a sidecar starts first, the next init container once it has started, and it keeps running beside the app (Init:1/3 … 2/3 Running)', () => {
    const sim = createNode(fast);
    sim.addPod(
      makePod({
        name: 'web',
        initContainers: [
          { name: 'setup', command: ['sh', '-c', 'exit 0'] },
          { name: 'proxy', image: 'nginx:1.25', restartPolicy: 'Always' },
          { name: 'migrate', command: ['sh', '-c', 'sleep 2'] },
        ],
        containers: [{ name: 'app', image: 'redis:7' }],
      }),
    );
    sim.kernel.advance(60_000);
    const timeline = containerTimeline(sim.reportsOf('web'));
    const at = (line: string) => timeline.findIndex((l) => l.endsWith(line));
    expect(at('web/init:setup terminated:Completed(0)')).toBeLessThan(at('web/init:proxy running'));
    expect(at('web/init:proxy running')).toBeLessThan(at('web/init:migrate running'));
    expect(at('web/init:migrate terminated:Completed(0)')).toBeLessThan(at('web/app running'));
    // the sidecar never stopped
    expect(timeline.filter((l) => l.includes('init:proxy terminated'))).toEqual([]);
    const s = sim.latest('web')!;
    expect(s.phase).toBe('Running');
    expect(init(s, 'proxy')).toMatchObject({ started: true, ready: true, restartCount: 0, state: { running: {} } });
    expect(init(s, 'setup')).toMatchObject({ ready: true, state: { terminated: { reason: 'Completed' } } });
    expect(cond(s, 'Initialized')!.status).toBe('True');
    expect(cond(s, 'ContainersReady')!.status).toBe('True');
    // while migrate ran, the pod was initializing at 2/3 (the started sidecar does not hold it)
    const shown = sim.reportsOf('web').map((r) => podDisplayStatus({ ...sim.pods.get('default/web')!.getSnapshot().context.pod, status: r.event.status }));
    expect(shown).toContain('Init:2/3');
    expect(shown.at(-1)).toBe('Running');
    expect(sim.kernel.errors).toEqual([]);
  });

  it('a sidecar with a startup probe: the next init container waits for the probe to pass', () => {
    const sim = createNode(fast);
    sim.addPod(
      makePod({
        name: 'p',
        initContainers: [
          { name: 'proxy', image: 'nginx:1.25', restartPolicy: 'Always', startupProbe: { httpGet: { path: '/', port: 80 }, initialDelaySeconds: 5, periodSeconds: 1 } },
          { name: 'next', command: ['sh', '-c', 'exit 0'] },
        ],
      }),
    );
    sim.kernel.advance(3_000);
    let s = sim.latest('p')!;
    expect(init(s, 'proxy')).toMatchObject({ started: false, state: { running: {} } });
    expect(init(s, 'next').state!.waiting).toBeDefined();
    expect(s.phase).toBe('Pending');
    expect(cond(s, 'Initialized')).toMatchObject({ status: 'False', message: 'containers with incomplete status: [proxy next]' });
    sim.kernel.advance(60_000);
    s = sim.latest('p')!;
    expect(init(s, 'proxy')).toMatchObject({ started: true, ready: true });
    expect(init(s, 'next').state!.terminated).toMatchObject({ exitCode: 0 });
    const proxyStarted = Date.parse(init(s, 'proxy').state!.running!.startedAt!);
    const nextStarted = Date.parse(init(s, 'next').state!.terminated!.startedAt!);
    expect(nextStarted - proxyStarted).toBeGreaterThanOrEqual(5_000);
    expect(s.phase).toBe('Running');
  });

  it('an unready sidecar keeps the pod unready (ContainersReady lists it before the app containers)', () => {
    const sim = createNode(fast);
    sim.addPod(
      makePod({
        name: 'p',
        initContainers: [{ name: 'proxy', image: 'nginx:1.25', restartPolicy: 'Always', readinessProbe: { exec: { command: ['false'] }, periodSeconds: 1 } }],
      }),
    );
    sim.kernel.advance(60_000);
    const s = sim.latest('p')!;
    expect(s.phase).toBe('Running');
    expect(init(s, 'proxy')).toMatchObject({ started: true, ready: false });
    expect(app(s, 'app').ready).toBe(true);
    expect(cond(s, 'ContainersReady')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [proxy]' });
    expect(cond(s, 'Ready')!.status).toBe('False');
  });

  it('a sidecar that exits is restarted with the crash-loop back-off even when the pod restartPolicy is Never', () => {
    const sim = createNode(fast);
    sim.addPod(
      makePod({
        name: 'p',
        restartPolicy: 'Never',
        initContainers: [{ name: 'shipper', command: ['sh', '-c', 'sleep 1; exit 1'], restartPolicy: 'Always' }],
        containers: [{ name: 'app', image: 'redis:7' }],
      }),
    );
    sim.kernel.advance(5 * 60_000);
    const s = sim.latest('p')!;
    expect(s.phase).toBe('Running');
    const side = init(s, 'shipper');
    expect(side.restartCount).toBeGreaterThanOrEqual(3);
    expect(side.lastState!.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    const messages = sim
      .reportsOf('p')
      .map((r) => init(r.event.status, 'shipper').state!.waiting?.message)
      .filter((m): m is string => m?.startsWith('back-off') ?? false);
    expect([...new Set(messages)].slice(0, 3)).toEqual([
      'back-off 10s restarting failed container=shipper pod=p_default(uid-p)',
      'back-off 20s restarting failed container=shipper pod=p_default(uid-p)',
      'back-off 40s restarting failed container=shipper pod=p_default(uid-p)',
    ]);
    // the app container never restarted
    expect(app(s, 'app')).toMatchObject({ restartCount: 0, state: { running: {} } });
  });

  it('a Job-like pod completes when its regular containers are done: the sidecar is stopped, then Succeeded', () => {
    const sim = createNode(fast);
    sim.addPod(
      makePod({
        name: 'job',
        restartPolicy: 'Never',
        initContainers: [{ name: 'proxy', image: 'nginx:1.25', restartPolicy: 'Always' }],
        containers: [{ name: 'work', image: 'busybox:1.36', command: ['sh', '-c', 'sleep 3'] }],
      }),
    );
    sim.kernel.advance(60_000);
    const s = sim.latest('job')!;
    expect(s.phase).toBe('Succeeded');
    expect(app(s, 'work').state!.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(init(s, 'proxy').state!.terminated).toBeDefined();
    expect(Date.parse(init(s, 'proxy').state!.terminated!.finishedAt!)).toBeGreaterThanOrEqual(Date.parse(app(s, 'work').state!.terminated!.finishedAt!));
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    expect(cond(s, 'PodReadyToStartContainers')!.status).toBe('False');
    expect(sim.pods.get('default/job')!.getSnapshot().value).toEqual({ syncing: 'finished' });
    // while the sidecar was being stopped, the pod was still Running
    const phases = sim.reportsOf('job').map((r) => r.event.status.phase);
    expect(phases.slice(phases.indexOf('Running'))).toEqual([...phases.slice(phases.indexOf('Running')).filter((p) => p === 'Running'), 'Succeeded']);
  });

  it('a failed regular init container with Never fails the pod and stops the sidecar started before it', () => {
    const sim = createNode(fast);
    sim.addPod(
      makePod({
        name: 'p',
        restartPolicy: 'Never',
        initContainers: [
          { name: 'proxy', image: 'nginx:1.25', restartPolicy: 'Always' },
          { name: 'setup', command: ['sh', '-c', 'exit 3'] },
        ],
      }),
    );
    sim.kernel.advance(60_000);
    const s = sim.latest('p')!;
    expect(s.phase).toBe('Failed');
    expect(init(s, 'setup').state!.terminated).toMatchObject({ exitCode: 3 });
    expect(init(s, 'proxy').state!.terminated).toBeDefined();
    expect(app(s, 'app').state!.waiting!.reason).toBe('PodInitializing');
  });

  it('deleting the pod stops the app containers first, then the sidecars in reverse order, within one grace period', () => {
    const sim = createNode(fast);
    sim.addPod(
      makePod({
        name: 'p',
        terminationGracePeriodSeconds: 30,
        // each container takes a while to stop after SIGTERM
        annotations: { 'kube-actors.io/behavior.app': '{"stopMs":3000}', 'kube-actors.io/behavior.first': '{"stopMs":2000}', 'kube-actors.io/behavior.second': '{"stopMs":4000}' },
        initContainers: [
          { name: 'first', image: 'nginx:1.25', restartPolicy: 'Always' },
          { name: 'second', image: 'redis:7', restartPolicy: 'Always' },
        ],
      }),
    );
    sim.kernel.advance(30_000);
    expect(sim.latest('p')!.phase).toBe('Running');
    const t0 = sim.kernel.now();
    sim.sendToPod('p', { type: 'pod.kill', gracePeriodSeconds: 30 });
    sim.kernel.advance(60_000);
    const final = sim.reports.at(-1)!.event;
    expect(final.type).toBe('pod.terminated');
    const end = (s: ContainerStatus) => Date.parse(s.state!.terminated!.finishedAt!) - Date.parse('2026-01-01T00:00:00Z') - t0;
    // app: 3 s; second (the last sidecar) signaled then, 4 s more; first after second, 2 s more
    expect(end(app(final.status, 'app'))).toBe(3_000);
    expect(end(init(final.status, 'second'))).toBe(7_000);
    expect(end(init(final.status, 'first'))).toBe(9_000);
    for (const s of [app(final.status, 'app'), init(final.status, 'first'), init(final.status, 'second')]) expect(s.state!.terminated!.exitCode).toBe(0);
  });

  it('a sidecar waiting for its turn gets only what is left of the grace period (SIGKILL at the deadline)', () => {
    const sim = createNode(fast);
    sim.addPod(
      makePod({
        name: 'p',
        terminationGracePeriodSeconds: 5,
        annotations: { 'kube-actors.io/behavior.app': '{"stopMs":4000}', 'kube-actors.io/behavior.proxy': '{"stopMs":10000}' },
        initContainers: [{ name: 'proxy', image: 'nginx:1.25', restartPolicy: 'Always' }],
      }),
    );
    sim.kernel.advance(30_000);
    const t0 = sim.kernel.now();
    sim.sendToPod('p', { type: 'pod.kill', gracePeriodSeconds: 5 });
    sim.kernel.advance(60_000);
    const final = sim.reports.at(-1)!.event.status;
    const end = (s: ContainerStatus) => Date.parse(s.state!.terminated!.finishedAt!) - Date.parse('2026-01-01T00:00:00Z') - t0;
    expect(end(app(final, 'app'))).toBe(4_000);
    // 1 s was left, but the kubelet gives at least its minimum grace period (2 s)
    expect(end(init(final, 'proxy'))).toBe(4_000 + fast.kubelet.minGracePeriodMs);
    expect(init(final, 'proxy').state!.terminated).toMatchObject({ exitCode: 137 });
  });
});
