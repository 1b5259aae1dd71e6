import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor, setup, spawnChild, type AnyActorRef } from 'xstate';
import { Kernel } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';
import type { ContainerStatus } from '../../src/api/types.js';
import {
  containerIdOf,
  containerMachine,
  fateOf,
  imageIdOf,
  initialContainerStatus,
  type ContainerInput,
  type ContainerOutput,
  type RestartPolicy,
} from '../../machines/container.js';
import { KUBELET_DEFAULTS, type ResolvedBehavior } from '../../src/profiles/profile.js';

const BASE: ResolvedBehavior = { pullMs: 10, createMs: 2, startMs: 3, readyAfterMs: 5, neverReady: false, pullFails: false, stopMs: 5, stopExitCode: 0 };
const KUBELET = { ...KUBELET_DEFAULTS, plegRelistMs: 10 };

interface Host {
  kernel: Kernel;
  out: { time: number; event: ContainerOutput }[];
  statuses: { time: number; status: ContainerStatus }[];
  child: () => AnyActorRef;
  send: (event: { type: string; [k: string]: unknown }) => void;
  state: () => unknown;
  last: () => ContainerStatus;
  /** Answers every pull request as the runtime would, after `pullMs`, failing when asked. */
  autoPull: boolean;
}

/** A container alone, hosted by a minimal parent that records what it says and answers its pulls. */
function host(over: Partial<ResolvedBehavior> = {}, opts: { init?: boolean; restartPolicy?: RestartPolicy; image?: string; pullRequested?: boolean; kubelet?: Partial<typeof KUBELET>; graceMs?: number } = {}): Host {
  const kernel = new Kernel({ seed: 3 });
  const h: Host = {
    kernel,
    out: [],
    statuses: [],
    child: () => undefined as never,
    send: () => {},
    state: () => undefined,
    last: () => h.statuses.at(-1)!.status,
    autoPull: true,
  };
  const input: ContainerInput = {
    port: new Port(kernel, 'pod/default/p'),
    spec: { name: 'app', image: opts.image ?? 'nginx:1.25' },
    index: 0,
    init: opts.init ?? false,
    restartPolicy: opts.restartPolicy ?? 'Always',
    behavior: { ...BASE, ...over },
    kubelet: { ...KUBELET, ...opts.kubelet },
    gracePeriodMs: opts.graceMs ?? 30_000,
    podKey: 'p_default(uid-1)',
    pullRequested: opts.pullRequested ?? false,
  };
  const parent = setup({ actors: { container: containerMachine } }).createMachine({
    entry: spawnChild('container', { id: 'app', input }),
    on: {
      '*': {
        actions: ({ event }) => {
          const e = event as ContainerOutput;
          h.out.push({ time: kernel.now(), event: e });
          if (e.type === 'container.status') h.statuses.push({ time: kernel.now(), status: e.status });
          if (e.type === 'container.pull' && h.autoPull) {
            kernel.setTimer(() => h.child().send({ type: 'container.pulled', image: e.image, ok: !e.fails, ...(e.fails ? { reason: 'ErrImagePull', message: 'not found' } : {}) }), e.pullMs);
          }
        },
      },
    },
  });
  const actor = createActor(parent, { clock: kernel.clock });
  actor.subscribe({ error: (error) => kernel.reportError('host', error) });
  actor.start();
  h.child = () => actor.getSnapshot().children.app as AnyActorRef;
  h.send = (event) => h.child().send(event);
  h.state = () => h.child().getSnapshot().value;
  return h;
}

const kinds = (h: Host) => h.statuses.map(({ status }) => describe1(status));
function describe1(s: ContainerStatus): string {
  const st = s.state ?? {};
  if (st.running) return s.ready ? 'ready' : 'running';
  if (st.terminated) return `${st.terminated.reason}(${st.terminated.exitCode})`;
  return st.waiting?.reason ?? '?';
}

describe('container: a normal life', () => {
  it('pulls, creates, starts and turns ready, reporting only changes', () => {
    const h = host();
    expect(h.out[0]).toMatchObject({ time: 0, event: { type: 'container.pull', container: 'app', image: 'nginx:1.25', policy: 'IfNotPresent', pullMs: 10, fails: false } });
    h.kernel.advance(14.9);
    expect(h.statuses).toHaveLength(0);
    expect(h.state()).toEqual({ waiting: 'creating' });
    h.kernel.advance(0.1);
    expect(h.statuses.map((s) => [s.time, describe1(s.status)])).toEqual([[15, 'running']]);
    h.kernel.advance(5);
    expect(h.statuses.map((s) => [s.time, describe1(s.status)])).toEqual([
      [15, 'running'],
      [20, 'ready'],
    ]);
    const s = h.last();
    expect(s).toMatchObject({
      name: 'app',
      image: 'docker.io/library/nginx:1.25',
      imageID: imageIdOf('nginx:1.25'),
      containerID: containerIdOf('p_default(uid-1)', 'app', 1),
      ready: true,
      started: true,
      restartCount: 0,
      lastState: {},
    });
    expect(s.containerID).toMatch(/^containerd:\/\/[0-9a-f]{64}$/);
    expect(s.imageID).toMatch(/^docker\.io\/library\/nginx@sha256:[0-9a-f]{64}$/);
    h.kernel.advance(3_600_000);
    expect(h.statuses).toHaveLength(2);
    expect(h.kernel.errors).toEqual([]);
  });

  it('does not ask for the first pull when the pod already did', () => {
    const h = host({}, { pullRequested: true });
    expect(h.out).toHaveLength(0);
    h.send({ type: 'container.pulled', image: 'nginx:1.25', ok: true });
    h.kernel.advance(5);
    expect(kinds(h)).toEqual(['running']);
  });

  it('ignores an answer for another image', () => {
    const h = host({}, { pullRequested: true });
    h.send({ type: 'container.pulled', image: 'redis:7', ok: true });
    h.kernel.advance(100);
    expect(h.state()).toEqual({ waiting: 'pulling' });
  });

  it('starts as PodInitializing for an init container and ContainerCreating otherwise', () => {
    expect(initialContainerStatus({ name: 'a', image: 'x' }, 'PodInitializing').state).toEqual({ waiting: { reason: 'PodInitializing' } });
    expect(initialContainerStatus({ name: 'a', image: 'x' }, 'ContainerCreating')).toMatchObject({ ready: false, restartCount: 0, imageID: '', image: 'x' });
  });
});

describe('container: exits and restart policies', () => {
  it('exit 0 with Never: Completed, no restart', () => {
    const h = host({ exit: { afterMs: 100, code: 0 } }, { restartPolicy: 'Never' });
    h.kernel.advance(10_000);
    expect(kinds(h)).toEqual(['running', 'ready', 'Completed(0)']);
    expect(h.statuses.at(-1)!.time).toBe(115);
    const t = h.last().state!.terminated!;
    expect(t).toMatchObject({ exitCode: 0, reason: 'Completed', startedAt: '2026-01-01T00:00:00Z', finishedAt: '2026-01-01T00:00:00Z' });
    expect(t.containerID).toBe(h.last().containerID);
    expect(h.state()).toEqual({ terminated: 'done' });
  });

  it('exit 1 with Never: Error, no restart', () => {
    const h = host({ exit: { afterMs: 100, code: 1 } }, { restartPolicy: 'Never' });
    h.kernel.advance(60_000);
    expect(kinds(h)).toEqual(['running', 'ready', 'Error(1)']);
  });

  it('OnFailure: exit 0 stays Completed, exit 3 restarts', () => {
    const ok = host({ exit: { afterMs: 100, code: 0 } }, { restartPolicy: 'OnFailure' });
    ok.kernel.advance(60_000);
    expect(kinds(ok)).toEqual(['running', 'ready', 'Completed(0)']);
    const bad = host({ exit: { afterMs: 100, code: 3 } }, { restartPolicy: 'OnFailure' });
    bad.kernel.advance(1_000);
    expect(kinds(bad)).toEqual(['running', 'ready', 'Error(3)', 'running', 'ready', 'Error(3)', 'CrashLoopBackOff']);
    expect(bad.last().restartCount).toBe(1);
    expect(bad.last().lastState!.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
  });

  it('Always: the first restart is immediate, then CrashLoopBackOff 10 s, 20 s, 40 s ... capped at 300 s', () => {
    const h = host({ exit: { afterMs: 50, code: 1 } });
    h.kernel.advance(40 * 60_000);
    const ends = h.statuses.filter((s) => s.status.state?.terminated).map((s) => s.time);
    const starts = h.statuses.filter((s) => s.status.state?.running && !s.status.ready).map((s) => s.time);
    // restart k begins (pull request) at finish + back-off; it runs after the pull (10 ms) and create+start (5 ms).
    const gaps = starts.slice(1).map((t, i) => Math.round(t - ends[i]! - 15));
    expect(gaps.slice(0, 9)).toEqual([10, 10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    const restarts = h.statuses.filter((s) => s.status.state?.running && !s.status.ready).map((s) => s.status.restartCount);
    expect(restarts.slice(0, 6)).toEqual([0, 1, 2, 3, 4, 5]);
    const messages = h.statuses.filter((s) => s.status.state?.waiting?.reason === 'CrashLoopBackOff').map((s) => s.status.state!.waiting!.message);
    expect(messages.slice(0, 7)).toEqual(
      ['10s', '20s', '40s', '1m20s', '2m40s', '5m0s', '5m0s'].map((d) => `back-off ${d} restarting failed container=app pod=p_default(uid-1)`),
    );
    // while backing off, the last run is lastState and the pod counts restarts
    const loop = h.statuses.find((s) => s.status.state?.waiting?.reason === 'CrashLoopBackOff')!.status;
    expect(loop.lastState!.terminated).toMatchObject({ exitCode: 1, reason: 'Error' });
    expect(loop.ready).toBe(false);
  });

  it('the back-off starts over after 10 minutes of clean running', () => {
    const short = host({ exit: { afterMs: 9 * 60_000, code: 1 } });
    short.kernel.advance(20 * 60_000);
    expect(kinds(short).filter((k) => k === 'CrashLoopBackOff')).toHaveLength(1);
    const long = host({ exit: { afterMs: 11 * 60_000, code: 1 } });
    long.kernel.advance(40 * 60_000);
    expect(kinds(long).filter((k) => k === 'CrashLoopBackOff')).toHaveLength(0);
    expect(long.last().restartCount).toBeGreaterThanOrEqual(3);
  });

  it('restartsBeforeHealthy: crashes that many times, then runs for good', () => {
    const h = host({ exit: { afterMs: 50, code: 1 }, restartsBeforeHealthy: 2 });
    h.kernel.advance(3_600_000);
    expect(kinds(h)).toEqual(['running', 'ready', 'Error(1)', 'running', 'ready', 'Error(1)', 'CrashLoopBackOff', 'running', 'ready']);
    expect(h.last().restartCount).toBe(2);
  });

  it('OOM: reason OOMKilled, exit code 137', () => {
    const h = host({ oomAfterMs: 200 }, { restartPolicy: 'Never' });
    h.kernel.advance(1_000);
    expect(h.last().state!.terminated).toMatchObject({ reason: 'OOMKilled', exitCode: 137 });
  });

  it('the earliest of exit, OOM and liveness failure ends the run', () => {
    expect(fateOf({ ...BASE, exit: { afterMs: 300, code: 2 }, oomAfterMs: 200, livenessFailsAfterMs: 250 }, 0)).toEqual({ afterMs: 200, event: { type: 'process.oomKilled' } });
    expect(fateOf({ ...BASE, exit: { afterMs: 100, code: 2 }, oomAfterMs: 200 }, 0)?.event).toEqual({ type: 'process.exited', code: 2 });
    expect(fateOf({ ...BASE, livenessFailsAfterMs: 1 }, 0)?.event).toEqual({ type: 'probe.livenessFailed' });
    expect(fateOf({ ...BASE, exit: { afterMs: 1, code: 1 }, restartsBeforeHealthy: 1 }, 1)).toBeUndefined();
    expect(fateOf(BASE, 0)).toBeUndefined();
  });
});

describe('container: probes', () => {
  it('never-ready: running, never ready', () => {
    const h = host({ neverReady: true });
    h.kernel.advance(3_600_000);
    expect(kinds(h)).toEqual(['running']);
    expect(h.state()).toEqual({ running: 'notReady' });
  });

  it('liveness failure: SIGTERM, stops, restarts (even with OnFailure and exit 0)', () => {
    const h = host({ livenessFailsAfterMs: 300, stopMs: 20 }, { restartPolicy: 'OnFailure' });
    h.kernel.advance(330);
    // the state stays running while the process stops
    expect(kinds(h)).toEqual(['running', 'ready']);
    expect(h.state()).toEqual('terminating');
    h.kernel.advance(100);
    expect(kinds(h)).toEqual(['running', 'ready', 'Completed(0)', 'running', 'ready']);
    expect(h.statuses[2]!.time).toBe(15 + 300 + 20);
    expect(h.last()).toMatchObject({ restartCount: 1, lastState: { terminated: { reason: 'Completed', exitCode: 0 } } });
  });

  it('liveness failure with Never: stays terminated', () => {
    const h = host({ livenessFailsAfterMs: 300 }, { restartPolicy: 'Never' });
    h.kernel.advance(60_000);
    expect(kinds(h)).toEqual(['running', 'ready', 'Completed(0)']);
  });

  it('a liveness kill past the grace period is a SIGKILL: 137', () => {
    const h = host({ livenessFailsAfterMs: 300, stopMs: 60_000 }, { graceMs: 5_000 });
    h.kernel.advance(5_400);
    expect(h.statuses[2]).toMatchObject({ time: 5_315, status: { state: { terminated: { exitCode: 137, reason: 'Error', signal: 9 } } } });
  });
});

describe('container: pulls', () => {
  it('a failing pull: ErrImagePull, then ImagePullBackOff, retried after 10 s, 20 s, 40 s ... up to 300 s', () => {
    const h = host({ pullFails: true });
    h.kernel.advance(30 * 60_000);
    const pulls = h.out.filter((o) => o.event.type === 'container.pull').map((o) => o.time);
    const gaps = pulls.slice(1).map((t, i) => t - pulls[i]! - 10);
    expect(gaps.slice(0, 8)).toEqual([10_000, 20_000, 40_000, 80_000, 160_000, 300_000, 300_000, 300_000]);
    expect(kinds(h).slice(0, 4)).toEqual(['ErrImagePull', 'ImagePullBackOff', 'ErrImagePull', 'ImagePullBackOff']);
    const [err, backOff] = h.statuses;
    expect(err!.time).toBe(10);
    expect(err!.status.state!.waiting).toEqual({ reason: 'ErrImagePull', message: 'not found' });
    expect(backOff!.time).toBe(20);
    expect(backOff!.status.state!.waiting).toEqual({ reason: 'ImagePullBackOff', message: 'Back-off pulling image "nginx:1.25"' });
  });

  it('ErrImageNeverPull stays as it is (no ImagePullBackOff)', () => {
    const h = host({}, { pullRequested: true });
    h.send({ type: 'container.pulled', image: 'nginx:1.25', ok: false, reason: 'ErrImageNeverPull', message: 'Container image "nginx:1.25" is not present with pull policy of Never' });
    h.autoPull = false;
    h.kernel.advance(100_000);
    expect(kinds(h)).toEqual(['ErrImageNeverPull']);
  });

  it('uses the image pull policy Kubernetes defaults to', () => {
    expect(host({}, { image: 'nginx' }).out[0]!.event).toMatchObject({ policy: 'Always' });
    expect(host({}, { image: 'nginx:latest' }).out[0]!.event).toMatchObject({ policy: 'Always' });
    expect(host({}, { image: 'nginx:1.25' }).out[0]!.event).toMatchObject({ policy: 'IfNotPresent' });
  });
});

describe('container: kill and update', () => {
  it('kill: stops after stopMs within the grace period, exit 0, and stays stopped', () => {
    const h = host({ stopMs: 700 });
    h.kernel.advance(100);
    h.send({ type: 'container.kill', gracePeriodMs: 30_000 });
    h.kernel.advance(699);
    expect(kinds(h)).toEqual(['running', 'ready']);
    h.kernel.advance(1);
    expect(kinds(h)).toEqual(['running', 'ready', 'Completed(0)']);
    h.kernel.advance(3_600_000);
    expect(h.state()).toEqual({ terminated: 'stopped' });
  });

  it('kill: SIGKILL at the end of the grace period (never less than 2 s), exit 137', () => {
    const h = host({ stopMs: 60_000 });
    h.kernel.advance(100);
    h.send({ type: 'container.kill', gracePeriodMs: 0 });
    h.kernel.advance(10_000);
    expect(h.statuses.at(-1)).toMatchObject({ time: 2_100, status: { state: { terminated: { exitCode: 137, reason: 'Error' } } } });
  });

  it('a second kill can only shorten the wait', () => {
    const h = host({ stopMs: 60_000 });
    h.kernel.advance(100);
    h.send({ type: 'container.kill', gracePeriodMs: 30_000 });
    h.kernel.advance(1_000);
    h.send({ type: 'container.kill', gracePeriodMs: 5_000 });
    h.kernel.advance(60_000);
    expect(h.statuses.filter((s) => s.status.state?.terminated).map((s) => s.time)).toEqual([6_100]);
  });

  it('kill of a waiting container: ContainerStatusUnknown at once', () => {
    const h = host({ pullMs: 1_000 });
    h.kernel.advance(100);
    h.send({ type: 'container.kill', gracePeriodMs: 30_000 });
    expect(h.last().state!.terminated).toEqual({ exitCode: 137, reason: 'ContainerStatusUnknown', message: 'The container could not be located when the pod was terminated' });
    h.kernel.advance(10_000);
    expect(h.statuses).toHaveLength(1);
  });

  it('update while running: stops the old process and starts the new image at once', () => {
    const h = host();
    h.kernel.advance(100);
    h.send({ type: 'container.update', spec: { name: 'app', image: 'nginx:1.27' }, behavior: BASE });
    h.kernel.advance(100);
    expect(kinds(h)).toEqual(['running', 'ready', 'Completed(0)', 'running', 'ready']);
    expect(h.last()).toMatchObject({ image: 'docker.io/library/nginx:1.27', restartCount: 1, lastState: { terminated: { reason: 'Completed' } } });
    expect(h.out.filter((o) => o.event.type === 'container.pull').map((o) => (o.event as { image: string }).image)).toEqual(['nginx:1.25', 'nginx:1.27']);
  });

  it('update while waiting: shows and pulls the new image', () => {
    const h = host({ pullFails: true });
    h.kernel.advance(50);
    h.send({ type: 'container.update', spec: { name: 'app', image: 'nginx:1.27' }, behavior: BASE });
    h.kernel.advance(100);
    expect(h.last()).toMatchObject({ image: 'docker.io/library/nginx:1.27', ready: true, restartCount: 0 });
  });
});

describe('container: init containers', () => {
  it('run to completion, ready once Completed, never restarted after success', () => {
    const h = host({ exit: { afterMs: 30, code: 0 } }, { init: true, restartPolicy: 'Always' });
    h.kernel.advance(3_600_000);
    expect(h.statuses.map((s) => [s.time, describe1(s.status), s.status.ready])).toEqual([
      [15, 'running', false],
      [45, 'Completed(0)', true],
    ]);
  });

  it('restart on failure unless the pod says Never', () => {
    const again = host({ exit: { afterMs: 30, code: 1 } }, { init: true, restartPolicy: 'Always' });
    again.kernel.advance(100);
    expect(kinds(again).slice(0, 3)).toEqual(['running', 'Error(1)', 'running']);
    const never = host({ exit: { afterMs: 30, code: 1 } }, { init: true, restartPolicy: 'Never' });
    never.kernel.advance(3_600_000);
    expect(kinds(never)).toEqual(['running', 'Error(1)']);
  });
});

describe('container: properties', () => {
  it('whatever the behavior, statuses are well-formed, restartCount never decreases and a Never container ends once', () => {
    fc.assert(
      fc.property(
        fc.record({
          exit: fc.option(fc.record({ afterMs: fc.integer({ min: 0, max: 5_000 }), code: fc.integer({ min: 0, max: 3 }) }), { nil: undefined }),
          oomAfterMs: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
          livenessFailsAfterMs: fc.option(fc.integer({ min: 0, max: 5_000 }), { nil: undefined }),
          neverReady: fc.boolean(),
          stopMs: fc.integer({ min: 0, max: 5_000 }),
        }),
        fc.constantFrom<RestartPolicy>('Always', 'OnFailure', 'Never'),
        fc.boolean(),
        (over, policy, init) => {
          const h = host(over, { restartPolicy: policy, init });
          h.kernel.advance(15 * 60_000);
          let restarts = 0;
          for (const { status } of h.statuses) {
            const st = status.state!;
            expect(Object.keys(st)).toHaveLength(1);
            expect(status.restartCount).toBeGreaterThanOrEqual(restarts);
            restarts = status.restartCount;
            if (!st.running) expect(status.ready).toBe(init && st.terminated?.exitCode === 0);
          }
          if (policy === 'Never') expect(h.statuses.filter((s) => s.status.state?.terminated).length).toBeLessThanOrEqual(1);
          // a status is only reported when it changed
          for (let i = 1; i < h.statuses.length; i++) expect(h.statuses[i]!.status).not.toEqual(h.statuses[i - 1]!.status);
          expect(h.kernel.errors).toEqual([]);
        },
      ),
      { numRuns: 150, seed: 42 },
    );
  });
});
