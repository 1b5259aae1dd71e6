import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor, type AnyActorRef, type InspectionEvent } from 'xstate';
import type { PodKill, PodSync } from '../../machines/protocol.js';
import { Kernel } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';
import type { KernelEvent } from '../../src/kernel/kernel.js';
import type { ContainerStatus, PodStatus } from '../../src/api/types.js';
import { podMachine } from '../../machines/pod.js';
import { computePhase, podDisplayStatus } from '../../machines/kubelet/pod-status.js';
import { containerRuntimeMachine } from '../../machines/container-runtime.js';
import { fast, realistic, type TimingProfile } from '../../src/profiles/index.js';
import { containerTimeline, createNode, makePod, type NodeSim } from '../profiles/harness.js';

const cond = (status: PodStatus | undefined, type: string) => status?.conditions?.find((c) => c.type === type);
const app = (status: PodStatus | undefined, i = 0) => status!.containerStatuses![i]!;

function displays(sim: NodeSim, name: string): string[] {
  const pod = sim.pods.get(`default/${name}`)!.getSnapshot().context.pod;
  const out: string[] = [];
  for (const r of sim.reportsOf(name)) {
    const d = podDisplayStatus({ ...pod, status: r.event.status });
    if (out.at(-1) !== d) out.push(d);
  }
  return out;
}

describe('pod: a pod comes up', () => {
  it('reaches Running with Ready=True under fast, with the status the kubelet reports', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'web' }));
    sim.kernel.advance(15.2);
    const running = sim.latest('web')!;
    expect(running.phase).toBe('Running');
    expect(cond(running, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    sim.kernel.advance(10);
    const s = sim.latest('web')!;
    expect(s).toMatchObject({
      phase: 'Running',
      hostIP: '192.168.0.2',
      hostIPs: [{ ip: '192.168.0.2' }],
      podIP: '10.244.0.10',
      podIPs: [{ ip: '10.244.0.10' }],
      startTime: '2026-01-01T00:00:00Z',
    });
    expect(s.conditions!.map((c) => [c.type, c.status])).toEqual([
      ['PodReadyToStartContainers', 'True'],
      ['Initialized', 'True'],
      ['Ready', 'True'],
      ['ContainersReady', 'True'],
      ['PodScheduled', 'True'],
    ]);
    for (const c of s.conditions!) expect(c.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    expect(app(s)).toMatchObject({ name: 'app', ready: true, started: true, restartCount: 0, image: 'docker.io/library/nginx:1.25', state: { running: { startedAt: '2026-01-01T00:00:00Z' } } });
    expect(app(s).containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(app(s).imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    expect(s.initContainerStatuses).toBeUndefined();
    expect(sim.reportsOf('web').map((r) => [r.time, r.event.status.phase])).toEqual([
      [0.05, 'Pending'],
      [15.15, 'Running'],
      [20.15, 'Running'],
    ]);
    expect(displays(sim, 'web')).toEqual(['ContainerCreating', 'Running']);
    expect(sim.kernel.errors).toEqual([]);
  });

  it('the sandbox takes podStartLatencyMs: Pending without an IP first, then the IP and PodReadyToStartContainers', () => {
    const profile: TimingProfile = { ...fast, kubelet: { ...fast.kubelet, podStartLatencyMs: 500 } };
    const sim = createNode(profile);
    sim.addPod(makePod({ name: 'web' }));
    sim.kernel.advance(100);
    expect(sim.latest('web')!.podIP).toBeUndefined();
    expect(cond(sim.latest('web'), 'PodReadyToStartContainers')!.status).toBe('False');
    sim.kernel.advance(450);
    expect(sim.latest('web')!.podIP).toBe('10.244.0.10');
    expect(sim.latest('web')!.phase).toBe('Running');
  });

  it('init containers run one at a time, in order, before the app containers (Init:0/2, Init:1/2, PodInitializing)', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'job', initContainers: [{ name: 'first' }, { name: 'second' }], containers: [{ name: 'app' }, { name: 'side', image: 'redis:7' }] }));
    sim.kernel.advance(1_000);
    expect(displays(sim, 'job')).toEqual(['Init:0/2', 'Init:1/2', 'PodInitializing', 'Running']);
    const timeline = containerTimeline(sim.reportsOf('job'));
    const at = (line: string) => timeline.findIndex((l) => l.endsWith(line));
    expect(at('job/init:first terminated:Completed(0)')).toBeLessThan(at('job/init:second running'));
    expect(at('job/init:second terminated:Completed(0)')).toBeLessThan(at('job/app running'));
    const s = sim.latest('job')!;
    expect(s.initContainerStatuses!.map((c) => [c.name, c.ready, c.state!.terminated?.reason])).toEqual([
      ['first', true, 'Completed'],
      ['second', true, 'Completed'],
    ]);
    const first = s.initContainerStatuses![0]!.state!.terminated!;
    const second = s.initContainerStatuses![1]!.state!.terminated!;
    expect(second.startedAt! >= first.finishedAt!).toBe(true);
    // while the init containers ran, Initialized was False with the kubelet's message
    const early = sim.reportsOf('job')[0]!.event.status;
    expect(cond(early, 'Initialized')).toMatchObject({ status: 'False', reason: 'ContainersNotInitialized', message: 'containers with incomplete status: [first second]' });
    expect(cond(s, 'Initialized')!.status).toBe('True');
    expect(early.containerStatuses!.map((c) => c.state!.waiting!.reason)).toEqual(['PodInitializing', 'PodInitializing']);
  });
});

describe('pod: phases', () => {
  it('complete: Succeeded, Completed', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'job', restartPolicy: 'Never', annotations: { 'kube-actors.io/behavior': 'complete' } }));
    sim.kernel.advance(1_000);
    const s = sim.latest('job')!;
    expect(s.phase).toBe('Succeeded');
    expect(app(s).state!.terminated).toMatchObject({ reason: 'Completed', exitCode: 0 });
    expect(displays(sim, 'job')).toEqual(['ContainerCreating', 'Running', 'Completed']);
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    // no init containers: Initialized is plain True (with init containers it would say PodCompleted)
    expect(cond(s, 'Initialized')).toEqual({ type: 'Initialized', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' });
    expect(cond(s, 'PodReadyToStartContainers')!.status).toBe('False');
    expect(s.podIP).toBe('10.244.0.10');
    // finished, but pod.terminated comes only with pod.kill
    expect(sim.reports.some((r) => r.event.type === 'pod.terminated')).toBe(false);
    expect(sim.pods.get('default/job')!.getSnapshot().value).toEqual({ syncing: 'finished' });
    sim.sendToPod('job', { type: 'pod.kill', gracePeriodSeconds: 30 });
    sim.kernel.advance(10);
    expect(sim.reports.at(-1)!.event).toMatchObject({ type: 'pod.terminated', name: 'job', status: { phase: 'Succeeded' } });
  });

  it('crash with Always: CrashLoopBackOff, restartCount rising, phase Running', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'crash', annotations: { 'kube-actors.io/behavior': 'crash' } }));
    sim.kernel.advance(10 * 60_000);
    const s = sim.latest('crash')!;
    expect(s.phase).toBe('Running');
    expect(app(s).state!.waiting!.reason).toBe('CrashLoopBackOff');
    expect(app(s).restartCount).toBeGreaterThanOrEqual(5);
    expect(app(s).lastState!.terminated).toMatchObject({ reason: 'Error', exitCode: 1 });
    const backOffs = sim
      .reportsOf('crash')
      .map((r) => app(r.event.status).state!.waiting?.message)
      .filter((m): m is string => !!m && m.startsWith('back-off'))
      .map((m) => m.split(' ')[1]);
    expect([...new Set(backOffs)].slice(0, 5)).toEqual(['10s', '20s', '40s', '1m20s', '2m40s']);
    expect(displays(sim, 'crash').slice(0, 5)).toEqual(['ContainerCreating', 'Running', 'Error', 'Running', 'Error']);
    expect(displays(sim, 'crash')).toContain('CrashLoopBackOff');
  });

  it('crash with Never: Failed', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'crash', restartPolicy: 'Never', annotations: { 'kube-actors.io/behavior': 'crash' } }));
    sim.kernel.advance(60_000);
    const s = sim.latest('crash')!;
    expect(s.phase).toBe('Failed');
    expect(app(s).state!.terminated).toMatchObject({ reason: 'Error', exitCode: 1 });
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'PodFailed' });
    expect(app(s).restartCount).toBe(0);
  });

  it('OnFailure: exit 0 Succeeded; exit 2 restarts and stays Running', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'ok', restartPolicy: 'OnFailure', annotations: { 'kube-actors.io/behavior': '{"exit":{"afterMs":100,"code":0}}' } }));
    sim.addPod(makePod({ name: 'bad', restartPolicy: 'OnFailure', annotations: { 'kube-actors.io/behavior': '{"exit":{"afterMs":100,"code":2}}' } }));
    sim.kernel.advance(60_000);
    expect(sim.latest('ok')!.phase).toBe('Succeeded');
    expect(sim.latest('bad')!.phase).toBe('Running');
    expect(app(sim.latest('bad')).restartCount).toBeGreaterThanOrEqual(2);
  });

  it('a failed init container with Never fails the pod; the app containers never start', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', restartPolicy: 'Never', initContainers: [{ name: 'setup', command: ['sh', '-c', 'exit 3'] }] }));
    sim.kernel.advance(60_000);
    const s = sim.latest('p')!;
    expect(s.phase).toBe('Failed');
    expect(s.initContainerStatuses![0]!.state!.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(app(s).state!.waiting!.reason).toBe('PodInitializing');
    expect(podDisplayStatus({ ...makePod({ name: 'p', initContainers: [{ name: 'setup' }] }), status: s })).toBe('Init:Error');
  });

  it('a failing init container with Always: Init:CrashLoopBackOff', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', initContainers: [{ name: 'setup', command: ['false'] }] }));
    sim.kernel.advance(60_000);
    expect(displays(sim, 'p')).toContain('Init:CrashLoopBackOff');
    expect(sim.latest('p')!.phase).toBe('Pending');
  });

  it('fail-pull: ErrImagePull, then ImagePullBackOff', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', annotations: { 'kube-actors.io/behavior': 'fail-pull' } }));
    sim.kernel.advance(60_000);
    expect(displays(sim, 'p').slice(0, 5)).toEqual(['ContainerCreating', 'ErrImagePull', 'ImagePullBackOff', 'ErrImagePull', 'ImagePullBackOff']);
    expect(sim.latest('p')!.phase).toBe('Pending');
    expect(app(sim.latest('p')).state!.waiting!.message).toBe('Back-off pulling image "nginx:1.25"');
    expect(sim.runtime.getSnapshot().context.images).toEqual({});
  });

  it('oom: OOMKilled, exit code 137', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', restartPolicy: 'Never', annotations: { 'kube-actors.io/behavior': 'oom' } }));
    sim.kernel.advance(1_000);
    expect(app(sim.latest('p')).state!.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
    expect(displays(sim, 'p').at(-1)).toBe('OOMKilled');
    expect(sim.latest('p')!.phase).toBe('Failed');
  });

  it('liveness failure: the container is killed and restarted', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', annotations: { 'kube-actors.io/behavior': 'liveness-fail' } }));
    sim.kernel.advance(400);
    const s = app(sim.latest('p'));
    expect(s.restartCount).toBe(1);
    expect(s.state!.running).toBeDefined();
    expect(s.lastState!.terminated).toBeDefined();
  });

  it('never-ready: Running, never Ready', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', annotations: { 'kube-actors.io/behavior': 'never-ready' } }));
    sim.kernel.advance(3_600_000);
    const s = sim.latest('p')!;
    expect(s.phase).toBe('Running');
    expect(cond(s, 'Ready')).toMatchObject({ status: 'False', reason: 'ContainersNotReady', message: 'containers with unready status: [app]' });
    expect(cond(s, 'ContainersReady')!.status).toBe('False');
    expect(app(s).started).toBe(true);
    expect(sim.reportsOf('p')).toHaveLength(2);
  });

  it('per-container annotation: only that container crashes', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', restartPolicy: 'Never', containers: [{ name: 'a' }, { name: 'b' }], annotations: { 'kube-actors.io/behavior.b': 'crash' } }));
    sim.kernel.advance(10_000);
    const s = sim.latest('p')!;
    expect(app(s, 0).state!.running).toBeDefined();
    expect(app(s, 1).state!.terminated!.exitCode).toBe(1);
    expect(s.phase).toBe('Running');
    expect(displays(sim, 'p').at(-1)).toBe('Error');
  });

  it('a bad annotation: CreateContainerConfigError naming the annotation, the pod stays Pending', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', annotations: { 'kube-actors.io/behavior': 'explode' } }));
    sim.kernel.advance(1_000);
    const w = app(sim.latest('p')).state!.waiting!;
    expect(w.reason).toBe('CreateContainerConfigError');
    expect(w.message).toContain('kube-actors.io/behavior');
    expect(w.message).toContain('unknown preset "explode"');
    expect(sim.latest('p')!.phase).toBe('Pending');
    expect(sim.kernel.errors).toEqual([]);
  });

  it('computePhase follows the kubelet for mixed container states', () => {
    const running: ContainerStatus = { name: 'a', image: 'x', imageID: '', ready: true, restartCount: 0, state: { running: {} } };
    const ok: ContainerStatus = { ...running, ready: false, state: { terminated: { exitCode: 0 } } };
    const failed: ContainerStatus = { ...running, ready: false, state: { terminated: { exitCode: 1 } } };
    const waiting: ContainerStatus = { ...running, ready: false, state: { waiting: { reason: 'ContainerCreating' } } };
    const backOff: ContainerStatus = { ...waiting, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1 } } };
    expect(computePhase([], [running, ok], 'Never', false)).toBe('Running');
    expect(computePhase([], [ok, failed], 'Never', false)).toBe('Failed');
    expect(computePhase([], [ok, failed], 'OnFailure', false)).toBe('Running');
    expect(computePhase([], [ok, ok], 'OnFailure', false)).toBe('Succeeded');
    expect(computePhase([], [ok, failed], 'Always', false)).toBe('Running');
    expect(computePhase([], [ok, failed], 'Always', true)).toBe('Failed');
    expect(computePhase([], [ok, ok], 'Always', true)).toBe('Succeeded');
    expect(computePhase([], [running, waiting], 'Always', false)).toBe('Pending');
    expect(computePhase([], [backOff], 'Always', false)).toBe('Running');
    expect(computePhase([failed], [waiting], 'Never', false)).toBe('Failed');
    expect(computePhase([backOff], [waiting], 'Always', false)).toBe('Pending');
  });
});

describe('pod: kill', () => {
  it('graceful stop within the grace period, then pod.terminated', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', annotations: { 'kube-actors.io/behavior': '{"stopMs": 1500}' } }));
    sim.kernel.advance(100);
    const before = sim.reports.length;
    sim.sendToPod('p', { type: 'pod.kill', gracePeriodSeconds: 30 });
    sim.kernel.advance(1_499);
    expect(sim.reports.length).toBe(before);
    sim.kernel.advance(2);
    const last = sim.reports.at(-1)!;
    expect(last.event.type).toBe('pod.terminated');
    expect(last.time).toBeCloseTo(1_600.1, 5);
    expect(last.event.status.phase).toBe('Succeeded');
    expect(app(last.event.status).state!.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(cond(last.event.status, 'PodReadyToStartContainers')!.status).toBe('False');
    expect(sim.pods.get('default/p')!.getSnapshot().status).toBe('done');
  });

  it('SIGKILL after the grace period: exit 137, Failed', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', terminationGracePeriodSeconds: 5, annotations: { 'kube-actors.io/behavior': '{"stopMs": 60000}' } }));
    sim.kernel.advance(100);
    sim.sendToPod('p', { type: 'pod.kill', gracePeriodSeconds: 5 });
    sim.kernel.advance(10_000);
    const last = sim.reports.at(-1)!;
    expect(last.event.type).toBe('pod.terminated');
    expect(last.time).toBeCloseTo(5_100.1, 5);
    expect(app(last.event.status).state!.terminated).toMatchObject({ exitCode: 137, reason: 'Error', signal: 9 });
    expect(last.event.status.phase).toBe('Failed');
  });

  it('a pod killed before its containers started: ContainerStatusUnknown, Failed, at once', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', initContainers: [{ name: 'i' }], containers: [{ name: 'a' }, { name: 'b' }] }));
    sim.kernel.advance(1);
    sim.sendToPod('p', { type: 'pod.kill', gracePeriodSeconds: 30 });
    sim.kernel.advance(1);
    const last = sim.reports.at(-1)!;
    expect(last.event.type).toBe('pod.terminated');
    expect(last.event.status.phase).toBe('Failed');
    for (const s of [...last.event.status.initContainerStatuses!, ...last.event.status.containerStatuses!]) {
      expect(s.state!.terminated).toEqual({ exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' });
    }
    // the runtime's late answer to the init container's pull finds nobody
    sim.kernel.advance(100);
    expect(sim.kernel.errors).toEqual([]);
  });

  it('a second kill with a shorter grace period shortens the wait', () => {
    const sim = createNode(fast);
    sim.addPod(makePod({ name: 'p', annotations: { 'kube-actors.io/behavior': '{"stopMs": 60000}' } }));
    sim.kernel.advance(100);
    sim.sendToPod('p', { type: 'pod.kill', gracePeriodSeconds: 30 });
    sim.kernel.advance(1_000);
    sim.sendToPod('p', { type: 'pod.kill', gracePeriodSeconds: 2 });
    sim.kernel.advance(60_000);
    const last = sim.reports.at(-1)!;
    expect(last.event.type).toBe('pod.terminated');
    // the second kill arrives at 1100.05 and allows 2 s; the report lands 0.05 ms later
    expect(last.time).toBeCloseTo(3_100.1, 5);
  });
});

describe('pod: sync', () => {
  it('a new image restarts that container with it', () => {
    const sim = createNode(fast);
    const pod = makePod({ name: 'p', containers: [{ name: 'a', image: 'nginx:1.25' }, { name: 'b', image: 'redis:7' }] });
    sim.addPod(pod);
    sim.kernel.advance(100);
    sim.sendToPod('p', { type: 'pod.sync', pod });
    sim.kernel.advance(100);
    const unchanged = sim.reports.length;
    const next = structuredClone(pod);
    next.spec!.containers[0]!.image = 'nginx:1.27';
    sim.sendToPod('p', { type: 'pod.sync', pod: next });
    sim.kernel.advance(100);
    expect(sim.reports.length).toBeGreaterThan(unchanged);
    const s = sim.latest('p')!;
    expect(app(s, 0)).toMatchObject({ image: 'docker.io/library/nginx:1.27', restartCount: 1, ready: true });
    expect(app(s, 1)).toMatchObject({ image: 'docker.io/library/redis:7', restartCount: 0 });
    expect(sim.runtime.getSnapshot().context.images).toHaveProperty(['docker.io/library/nginx:1.27']);
  });

  it('an unchanged pod.sync reports nothing', () => {
    const sim = createNode(fast);
    const pod = makePod({ name: 'p' });
    sim.addPod(pod);
    sim.kernel.advance(100);
    const n = sim.reports.length;
    for (let i = 0; i < 5; i++) sim.sendToPod('p', { type: 'pod.sync', pod });
    sim.kernel.advance(100);
    expect(sim.reports.length).toBe(n);
  });
});

describe('pod: reporting and cost', () => {
  /** A node whose pods' ports count the pod.status messages sent per processed kernel step. */
  function countingNode(profile: TimingProfile) {
    const kernel = new Kernel({ seed: 9 });
    let sentThisStep = 0;
    class CountingPort extends Port {
      override send(to: string, event: KernelEvent): void {
        if (event.type === 'pod.status' || event.type === 'pod.terminated') sentThisStep++;
        super.send(to, event);
      }
    }
    kernel.register('kubelet/n', { send: () => {} }, { host: 'n' });
    const rt = createActor(containerRuntimeMachine, { input: { port: new Port(kernel, 'container-runtime/n'), node: 'n' }, clock: kernel.clock });
    kernel.register('container-runtime/n', rt, { host: 'n' });
    rt.start();
    const addPod = (name: string, shape: Parameters<typeof makePod>[0]) => {
      const address = `pod/default/${name}`;
      const actor = createActor(podMachine, {
        input: { port: new CountingPort(kernel, address), pod: makePod(shape), node: 'n', kubelet: 'kubelet/n', runtime: 'container-runtime/n', podIP: '10.0.0.1', profile },
        clock: kernel.clock,
      });
      kernel.register(address, actor, { host: 'n' });
      actor.start();
    };
    /** Steps the kernel for `ms` of virtual time; returns the most status messages one step sent. */
    const run = (ms: number): number => {
      const end = kernel.now() + ms;
      let worst = 0;
      sentThisStep = 0;
      for (;;) {
        const next = kernel.step();
        worst = Math.max(worst, sentThisStep);
        sentThisStep = 0;
        if (!next || next.time > end) break;
      }
      return worst;
    };
    return { kernel, addPod, run };
  }

  it('at most one pod.status per delivered message or timer, even with many containers changing at once', () => {
    const n = countingNode(fast);
    const containers = [{ name: 'a' }, { name: 'b' }, { name: 'c' }];
    n.addPod('multi', { name: 'multi', initContainers: [{ name: 'i1' }, { name: 'i2' }], containers });
    n.addPod('waiting', { name: 'waiting', containers, annotations: { 'kube-actors.io/behavior': 'fail-pull' } });
    expect(n.run(1_000)).toBe(1);
    // let the failing pulls back off for a while, so the kill below finds them waiting
    n.run(20_000);
    const pod = makePod({ name: 'multi', initContainers: [{ name: 'i1' }, { name: 'i2' }], containers });
    const next = structuredClone(pod);
    for (const c of next.spec!.containers) c.image = 'nginx:1.27';
    const sync: PodSync = { type: 'pod.sync', pod: next };
    const kill: PodKill = { type: 'pod.kill', gracePeriodSeconds: 1 };
    n.kernel.send('kubelet/n', 'pod/default/multi', sync);
    n.kernel.send('kubelet/n', 'pod/default/waiting', kill);
    expect(n.run(1_000)).toBe(1);
    n.kernel.send('kubelet/n', 'pod/default/multi', kill);
    expect(n.run(10_000)).toBe(1);
    expect(n.kernel.errors).toEqual([]);
  });

  it('a fast pod with one container reaches Running in 6 transitions (plus 3 actor starts), Ready in 2 more', () => {
    const kernel = new Kernel();
    const steps: string[] = [];
    const inspect = (e: InspectionEvent) => {
      if (e.type === '@xstate.snapshot') steps.push(`${(e.actorRef as AnyActorRef).id}:${e.event.type}`);
    };
    kernel.register('kubelet/n', { send: () => {} }, { host: 'n' });
    const rt = createActor(containerRuntimeMachine, { input: { port: new Port(kernel, 'container-runtime/n'), node: 'n' }, clock: kernel.clock, inspect, id: 'runtime' });
    kernel.register('container-runtime/n', rt, { host: 'n' });
    rt.start();
    const pod = createActor(podMachine, {
      input: { port: new Port(kernel, 'pod/default/p'), pod: makePod({ name: 'p' }), node: 'n', kubelet: 'kubelet/n', runtime: 'container-runtime/n', podIP: '10.0.0.1', profile: fast },
      clock: kernel.clock,
      inspect,
      id: 'pod',
    });
    kernel.register('pod/default/p', pod, { host: 'n' });
    pod.start();
    kernel.runUntil(() => pod.getSnapshot().context.lastStatus?.phase === 'Running');
    // (a child's snapshot is inspected before its parent's when the parent's send made it move, so compare as sets)
    expect([...steps].sort()).toEqual([
      'runtime:xstate.init',
      'app:xstate.init',
      'pod:xstate.init',
      'runtime:runtime.pull',
      'runtime:xstate.after.pullTime.container-runtime.pulling',
      'pod:runtime.pulled',
      'app:container.pulled',
      'app:xstate.after.createTime.container.waiting.creating',
      'pod:container.status',
    ].sort());
    kernel.runUntil(() => cond(pod.getSnapshot().context.lastStatus, 'Ready')?.status === 'True');
    expect(steps.slice(9).sort()).toEqual(['app:xstate.after.readyTime.container.running.starting', 'pod:container.status']);
  });

  it('the same seed gives the same timeline (and trace); another seed another', () => {
    const run = (seed: number) => {
      const sim = createNode(realistic, { seed });
      sim.addPod(makePod({ name: 'web', containers: [{ name: 'nginx', image: 'nginx:1.25' }, { name: 'py', image: 'python:3.12' }] }));
      sim.addPod(makePod({ name: 'job', restartPolicy: 'Never', initContainers: [{ name: 'init', image: 'busybox:1.36' }], annotations: { 'kube-actors.io/behavior': 'complete' } }));
      sim.addPod(makePod({ name: 'crash', annotations: { 'kube-actors.io/behavior': 'crash' } }));
      sim.kernel.advance(5 * 60_000);
      return { timeline: containerTimeline(sim.reports), trace: sim.kernel.trace.toJSONL() };
    };
    const a = run(1);
    const b = run(1);
    expect(b.timeline).toEqual(a.timeline);
    expect(b.trace).toBe(a.trace);
    expect(run(2).timeline).not.toEqual(a.timeline);
  });

  it('property: whatever the preset and policy, the pod reports a consistent status and ends with pod.terminated when killed', () => {
    const presets = Object.keys(fast.presets);
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom(...presets), { minLength: 1, maxLength: 3 }),
        fc.constantFrom<'Always' | 'OnFailure' | 'Never'>('Always', 'OnFailure', 'Never'),
        fc.integer({ min: 0, max: 2 }),
        fc.integer({ min: 0, max: 20_000 }),
        (behaviors, restartPolicy, inits, killAt) => {
          const sim = createNode(fast, { seed: killAt });
          const annotations: Record<string, string> = {};
          behaviors.forEach((b, i) => (annotations[`kube-actors.io/behavior.c${i}`] = b));
          sim.addPod(
            makePod({
              name: 'p',
              restartPolicy,
              annotations,
              containers: behaviors.map((_, i) => ({ name: `c${i}` })),
              initContainers: Array.from({ length: inits }, (_, i) => ({ name: `i${i}` })),
            }),
          );
          sim.kernel.advance(killAt);
          sim.sendToPod('p', { type: 'pod.kill', gracePeriodSeconds: 2 });
          sim.kernel.advance(10_000);
          expect(sim.kernel.errors).toEqual([]);
          const reports = sim.reportsOf('p');
          expect(reports.filter((r) => r.event.type === 'pod.terminated')).toHaveLength(1);
          const final = reports.at(-1)!.event;
          expect(final.type).toBe('pod.terminated');
          expect(['Succeeded', 'Failed']).toContain(final.status.phase);
          for (const s of [...(final.status.initContainerStatuses ?? []), ...final.status.containerStatuses!]) {
            if (s.name.startsWith('c')) expect(s.state!.terminated).toBeDefined();
          }
          const allZero = final.status.containerStatuses!.every((s) => s.state!.terminated!.exitCode === 0);
          expect(final.status.phase).toBe(allZero ? 'Succeeded' : 'Failed');
          for (const r of reports) {
            const ready = cond(r.event.status, 'Ready')!.status === 'True';
            expect(ready).toBe(r.event.status.containerStatuses!.every((c) => c.ready) && r.event.status.phase === 'Running');
          }
        },
      ),
      { numRuns: 120, seed: 11 },
    );
  });
});
