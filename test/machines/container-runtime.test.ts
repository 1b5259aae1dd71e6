import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createActor } from 'xstate';
import { Kernel } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';
import { containerRuntimeMachine } from '../../machines/container-runtime.js';
import type { RuntimePull, RuntimePulled } from '../../machines/protocol.js';
import { fast } from '../../src/profiles/index.js';
import { createNode, makePod } from '../profiles/harness.js';

const RT = 'container-runtime/n1';

function runtime(images?: string[]) {
  const kernel = new Kernel({ seed: 5, network: { local: { latency: 0 } } });
  const answers: { time: number; to: string; event: RuntimePulled }[] = [];
  for (const pod of ['pod/a', 'pod/b', 'pod/c', 'pod/d']) kernel.register(pod, { send: (event) => answers.push({ time: kernel.now(), to: pod, event }) }, { host: 'n1' });
  const actor = createActor(containerRuntimeMachine, { input: { port: new Port(kernel, RT), node: 'n1', images }, clock: kernel.clock });
  actor.subscribe({ error: (error) => kernel.reportError(RT, error) });
  kernel.register(RT, actor, { host: 'n1' });
  actor.start();
  const pull = (from: string, image: string, policy: RuntimePull['policy'] = 'IfNotPresent', pullMs = 100, fails = false, container = 'c') => {
    const request: RuntimePull = { type: 'runtime.pull', from, container, image, policy, pullMs, fails };
    kernel.send(from, RT, request);
  };
  return { kernel, actor, answers, pull };
}

describe('container runtime', () => {
  it('pulls an image once per node: later IfNotPresent requests are answered from the cache at once', () => {
    const r = runtime();
    r.pull('pod/a', 'nginx:1.25');
    r.kernel.runUntilIdle();
    r.kernel.advance(100);
    expect(r.answers).toEqual([{ time: 100, to: 'pod/a', event: { type: 'runtime.pulled', container: 'c', image: 'nginx:1.25', ok: true } }]);
    r.pull('pod/b', 'nginx:1.25');
    r.pull('pod/c', 'docker.io/library/nginx:1.25');
    r.kernel.runUntilIdle();
    expect(r.answers.slice(1).map((a) => [a.time, a.to, a.event.ok])).toEqual([
      [100, 'pod/b', true],
      [100, 'pod/c', true],
    ]);
    expect(r.actor.getSnapshot().context.pulls).toBe(1);
    expect(r.actor.getSnapshot().value).toBe('idle');
  });

  it('serialises pulls: one at a time, in arrival order', () => {
    const r = runtime();
    r.pull('pod/a', 'nginx:1.25', 'IfNotPresent', 300);
    r.pull('pod/b', 'redis:7', 'IfNotPresent', 100);
    r.pull('pod/c', 'python:3.12', 'IfNotPresent', 50);
    r.kernel.advance(10_000);
    expect(r.answers.map((a) => [a.time, a.to])).toEqual([
      [300, 'pod/a'],
      [400, 'pod/b'],
      [450, 'pod/c'],
    ]);
    expect(Object.keys(r.actor.getSnapshot().context.images).sort()).toEqual(['docker.io/library/nginx:1.25', 'docker.io/library/python:3.12', 'docker.io/library/redis:7']);
  });

  it('a pull answers the queued IfNotPresent requests for the same image', () => {
    const r = runtime();
    r.pull('pod/a', 'nginx:1.25');
    r.pull('pod/b', 'redis:7');
    r.pull('pod/c', 'nginx:1.25');
    r.kernel.advance(1_000);
    expect(r.answers.map((a) => [a.time, a.to])).toEqual([
      [100, 'pod/a'],
      [100, 'pod/c'],
      [200, 'pod/b'],
    ]);
    expect(r.actor.getSnapshot().context.pulls).toBe(2);
  });

  it('Always pulls even when cached', () => {
    const r = runtime(['nginx:latest']);
    r.pull('pod/a', 'nginx', 'Always', 80);
    r.kernel.advance(1_000);
    expect(r.answers.map((a) => [a.time, a.event.ok])).toEqual([[80, true]]);
    expect(r.actor.getSnapshot().context.pulls).toBe(1);
  });

  it('Never: cached is fine, missing is ErrImageNeverPull at once', () => {
    const r = runtime(['busybox:1.36']);
    r.pull('pod/a', 'busybox:1.36', 'Never');
    r.pull('pod/b', 'nginx:1.25', 'Never');
    r.kernel.runUntilIdle();
    expect(r.answers.map((a) => [a.time, a.to, a.event])).toEqual([
      [0, 'pod/a', { type: 'runtime.pulled', container: 'c', image: 'busybox:1.36', ok: true }],
      [
        0,
        'pod/b',
        { type: 'runtime.pulled', container: 'c', image: 'nginx:1.25', ok: false, reason: 'ErrImageNeverPull', message: 'Container image "nginx:1.25" is not present with pull policy of Never' },
      ],
    ]);
  });

  it('a failing pull answers ErrImagePull after pullMs and caches nothing', () => {
    const r = runtime();
    r.pull('pod/a', 'nginx:nope', 'IfNotPresent', 70, true);
    r.kernel.advance(1_000);
    expect(r.answers).toHaveLength(1);
    expect(r.answers[0]).toMatchObject({ time: 70, event: { ok: false, reason: 'ErrImagePull' } });
    expect(r.answers[0]!.event.message).toContain('failed to resolve reference "docker.io/library/nginx:nope"');
    expect(r.actor.getSnapshot().context.images).toEqual({});
  });

  it('runtime.crash fails the pulls in flight and queued, and keeps the cache', () => {
    const r = runtime();
    r.pull('pod/a', 'nginx:1.25');
    r.kernel.advance(150);
    r.pull('pod/b', 'redis:7');
    r.pull('pod/c', 'python:3.12');
    r.kernel.advance(50);
    r.kernel.send('pod/d', RT, { type: 'runtime.crash' });
    r.kernel.advance(1_000);
    expect(r.answers.map((a) => [a.time, a.to, a.event.ok])).toEqual([
      [100, 'pod/a', true],
      [200, 'pod/b', false],
      [200, 'pod/c', false],
    ]);
    expect(r.answers[1]!.event.message).toContain('code = Unavailable');
    r.pull('pod/d', 'nginx:1.25');
    r.kernel.runUntilIdle();
    expect(r.answers.at(-1)).toMatchObject({ time: 1_200, to: 'pod/d', event: { ok: true } });
    expect(r.actor.getSnapshot().context.pulls).toBe(1);
  });

  it('pods on one node share the cache: one pull for many pods of one image', () => {
    const sim = createNode(fast);
    for (let i = 0; i < 20; i++) sim.addPod(makePod({ name: `p${i}`, containers: [{ name: 'app', image: 'nginx:1.25' }] }));
    sim.kernel.advance(1_000);
    expect(sim.runtime.getSnapshot().context.pulls).toBe(1);
    for (let i = 0; i < 20; i++) expect(sim.latest(`p${i}`)?.phase).toBe('Running');
  });

  it('property: every request gets exactly one answer; pulls are serial and never more than requests', () => {
    const images = ['a:1', 'b:1', 'c:1'];
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            at: fc.integer({ min: 0, max: 500 }),
            image: fc.constantFrom(...images),
            policy: fc.constantFrom<RuntimePull['policy']>('Always', 'IfNotPresent', 'Never'),
            pullMs: fc.integer({ min: 1, max: 100 }),
            fails: fc.boolean(),
          }),
          { maxLength: 25 },
        ),
        (requests) => {
          const r = runtime();
          const sorted = requests.map((q, i) => ({ ...q, container: `c${i}` })).sort((x, y) => x.at - y.at);
          for (const q of sorted) r.kernel.setTimer(() => r.pull('pod/a', q.image, q.policy, q.pullMs, q.fails, q.container), q.at);
          r.kernel.advance(100_000);
          const byContainer = new Map<string, number>();
          for (const a of r.answers) byContainer.set(a.event.container, (byContainer.get(a.event.container) ?? 0) + 1);
          expect(byContainer.size).toBe(requests.length);
          for (const n of byContainer.values()) expect(n).toBe(1);
          const ctx = r.actor.getSnapshot().context;
          expect(ctx.pulls).toBeLessThanOrEqual(requests.length);
          expect(ctx.queue).toHaveLength(0);
          // serial: total time of real pulls fits before the last answer
          const lastAnswer = Math.max(0, ...r.answers.map((a) => a.time));
          expect(r.kernel.errors).toEqual([]);
          expect(lastAnswer).toBeLessThanOrEqual(600 + 100 * requests.length);
          // a successful pull is cached; a Never request for a cached image succeeds
          for (const a of r.answers) if (!a.event.ok) expect(['ErrImagePull', 'ErrImageNeverPull']).toContain(a.event.reason);
        },
      ),
      { numRuns: 200, seed: 7 },
    );
  });
});

describe('container runtime: images a container cannot get', () => {
  it('a failing request is never answered from the cache (Never answers at once)', () => {
    const r = runtime(['nginx:1.25']);
    r.pull('pod/a', 'nginx:1.25', 'IfNotPresent', 40, true);
    r.pull('pod/b', 'nginx:1.25', 'Never', 40, true);
    r.pull('pod/c', 'nginx:1.25', 'IfNotPresent', 40, false);
    r.kernel.advance(1_000);
    expect(r.answers.map((a) => [a.time, a.to, a.event.ok, a.event.reason])).toEqual([
      [0, 'pod/b', false, 'ErrImageNeverPull'],
      [0, 'pod/c', true, undefined],
      [40, 'pod/a', false, 'ErrImagePull'],
    ]);
  });
});
