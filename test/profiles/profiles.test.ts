import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../src/kernel/rng.js';
import type { Pod } from '../../src/api/types.js';
import {
  BehaviorAnnotationError,
  behaviorProblems,
  chaos,
  commandBehavior,
  defaultPullPolicy,
  drawMillis,
  fast,
  getProfile,
  imageMatches,
  normalizeImage,
  profiles,
  realistic,
  resolveBehavior,
  validateProfile,
  type TimingProfile,
} from '../../src/profiles/index.js';
import { makePod } from './harness.js';
import type { Profile as DeprecatedProfile, TimingProfile as PublicTimingProfile } from '../../src/index.js';

const STANDARD_PRESETS = ['run-forever', 'complete', 'crash', 'fail-pull', 'oom', 'slow-start', 'never-ready', 'liveness-fail'];

function resolve(profile: TimingProfile, pod: Pod, name = pod.spec!.containers[0]!.name, seed = 1) {
  const c = [...(pod.spec!.initContainers ?? []), ...pod.spec!.containers].find((x) => x.name === name)!;
  return resolveBehavior(profile, pod, c, new Rng(seed));
}

describe('profiles', () => {
  it('keeps the old name Profile, deprecated, for the TimingProfile type of the public API', () => {
    // a user's profile written against the old name still type-checks and is a TimingProfile
    const old: DeprecatedProfile = { ...fast, name: 'old-name' };
    const timing: PublicTimingProfile = old;
    expect(validateProfile(timing)).toBe(old);
  });
  it('the built-in profiles are valid and have the standard presets', () => {
    expect(Object.keys(profiles)).toEqual(['fast', 'realistic', 'chaos']);
    for (const profile of Object.values(profiles)) {
      expect(validateProfile(profile)).toBe(profile);
      for (const preset of STANDARD_PRESETS) expect(profile.presets).toHaveProperty([preset]);
      expect(profile.kubelet).toMatchObject({ leaseRenewMs: 10_000, crashLoopBackOffMs: 10_000, maxCrashLoopBackOffMs: 300_000, backOffResetMs: 600_000 });
    }
    expect(getProfile('chaos')).toBe(chaos);
    expect(() => getProfile('slow')).toThrow('unknown profile "slow" (known: fast, realistic, chaos)');
  });

  it('validateProfile lists every problem', () => {
    const bad = { ...fast, container: { ...fast.container, pullMs: -1, createMs: [5, 1] }, presets: { x: { exit: { afterMs: 1, code: 300 } } }, faults: [{ name: 'f', chance: 2, behavior: 'nope' }] } as unknown as TimingProfile;
    expect(() => validateProfile(bad)).toThrow(/invalid profile "fast"/);
    try {
      validateProfile(bad);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('"pullMs" must be a finite, non-negative number of milliseconds; got -1');
      expect(message).toContain('"createMs" must be a non-negative number of milliseconds or a [min, max] pair with min <= max; got [5,1]');
      expect(message).toContain('presets.x: "exit.code" must be an integer from 0 to 255; got 300');
      expect(message).toContain('faults[0].chance must be a probability in [0, 1]; got 2');
      expect(message).toContain('faults[0] names unknown preset "nope"');
    }
  });

  it('fast: fixed millisecond timings, init containers complete', () => {
    const pod = makePod({ name: 'p', initContainers: [{ name: 'init' }] });
    expect(resolve(fast, pod)).toEqual({ pullMs: 10, createMs: 2, startMs: 3, readyAfterMs: 5, neverReady: false, pullFails: false, stopMs: 5, stopExitCode: 0 });
    expect(resolve(fast, pod, 'init').exit).toEqual({ afterMs: 10, code: 0 });
  });

  it('realistic: pulls by image size class, seconds-scale starts and readiness', () => {
    const pull = (image: string) => resolve(realistic, makePod({ name: 'p', containers: [{ name: 'c', image }] })).pullMs;
    for (let seed = 1; seed < 50; seed++) {
      const b = resolve(realistic, makePod({ name: 'p', containers: [{ name: 'c', image: 'nginx:1.25' }] }), 'c', seed);
      expect(b.pullMs).toBeGreaterThanOrEqual(2_000);
      expect(b.pullMs).toBeLessThanOrEqual(4_000);
      expect(b.createMs + b.startMs).toBeGreaterThanOrEqual(400);
      expect(b.createMs + b.startMs).toBeLessThanOrEqual(1_000);
      expect(b.readyAfterMs).toBeGreaterThanOrEqual(1_000);
      expect(b.readyAfterMs).toBeLessThanOrEqual(3_000);
    }
    expect(pull('busybox:1.36')).toBeLessThanOrEqual(2_000);
    expect(pull('registry.k8s.io/pause:3.10')).toBeLessThanOrEqual(2_000);
    expect(pull('python:3.12')).toBeGreaterThanOrEqual(5_000);
    expect(pull('docker.io/library/postgres:16')).toBeGreaterThanOrEqual(5_000);
    const other = pull('ghcr.io/acme/app:1');
    expect(other).toBeGreaterThanOrEqual(2_000);
    expect(other).toBeLessThanOrEqual(5_000);
  });

  it('draws ranges reproducibly from the generator it is given, within bounds', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 0, max: 10_000 }), (seed, a, b) => {
        const [min, max] = a <= b ? [a, b] : [b, a];
        const x = drawMillis([min, max], new Rng(seed));
        expect(x).toBeGreaterThanOrEqual(min);
        expect(x).toBeLessThanOrEqual(max);
        expect(Number.isInteger(x)).toBe(true);
        expect(drawMillis([min, max], new Rng(seed))).toBe(x);
      }),
      { numRuns: 300, seed: 5 },
    );
    const pod = makePod({ name: 'p', containers: [{ name: 'c', image: 'nginx:1.25' }] });
    expect(resolve(realistic, pod, 'c', 7)).toEqual(resolve(realistic, pod, 'c', 7));
    expect(resolve(realistic, pod, 'c', 7)).not.toEqual(resolve(realistic, pod, 'c', 8));
  });

  it('chaos: a fraction of containers crash, fail pulls or OOM, drawn from the seed', () => {
    const rng = new Rng(2024);
    const pod = makePod({ name: 'p', containers: [{ name: 'c', image: 'nginx:1.25' }] });
    let faulty = 0;
    const n = 4_000;
    for (let i = 0; i < n; i++) {
      const b = resolveBehavior(chaos, pod, pod.spec!.containers[0]!, rng);
      if (b.exit || b.pullFails || b.oomAfterMs !== undefined) faulty++;
    }
    // 1 - (0.95 * 0.98 * 0.97 * 0.99) = 10.6%
    expect(faulty / n).toBeGreaterThan(0.085);
    expect(faulty / n).toBeLessThan(0.13);
    // realistic draws no faults
    for (let i = 0; i < 200; i++) {
      const b = resolveBehavior(realistic, pod, pod.spec!.containers[0]!, rng);
      expect(b.exit ?? b.oomAfterMs ?? (b.pullFails || undefined)).toBeUndefined();
    }
  });
});

describe('annotations', () => {
  it('a preset for the pod, another for one container', () => {
    const pod = makePod({
      name: 'p',
      containers: [{ name: 'a' }, { name: 'b' }],
      annotations: { 'kube-actors.io/behavior': 'crash', 'kube-actors.io/behavior.b': 'never-ready' },
    });
    expect(resolve(fast, pod, 'a').exit).toEqual({ afterMs: 50, code: 1 });
    const b = resolve(fast, pod, 'b');
    expect(b.neverReady).toBe(true);
    expect(b.exit).toEqual({ afterMs: 50, code: 1 });
  });

  it('JSON of a partial behavior, optionally on top of a preset', () => {
    const pod = makePod({ name: 'p', annotations: { 'kube-actors.io/behavior': '{"preset":"crash","exit":{"afterMs":[100,200],"code":4},"stopMs":0}' } });
    const b = resolve(fast, pod);
    expect(b.exit!.code).toBe(4);
    expect(b.exit!.afterMs).toBeGreaterThanOrEqual(100);
    expect(b.exit!.afterMs).toBeLessThanOrEqual(200);
    expect(b.stopMs).toBe(0);
    expect(resolve(fast, makePod({ name: 'p', annotations: { 'kube-actors.io/behavior': ' {"pullFails": true} ' } })).pullFails).toBe(true);
  });

  it('bad annotations: a clear error naming the annotation, the pod and the problem', () => {
    const bad = (value: string, key = 'kube-actors.io/behavior') => () => resolve(fast, makePod({ name: 'web', namespace: 'shop', annotations: { [key]: value } }));
    expect(bad('explode')).toThrow(BehaviorAnnotationError);
    expect(bad('explode')).toThrow(
      'invalid annotation kube-actors.io/behavior on pod shop/web: unknown preset "explode" in profile "fast" (known: complete, crash, fail-pull, liveness-fail, never-ready, oom, run-forever, slow-start; or JSON of a behavior)',
    );
    expect(bad('{"pullMs": "soon"}', 'kube-actors.io/behavior.app')).toThrow(
      'invalid annotation kube-actors.io/behavior.app on pod shop/web: "pullMs" must be a non-negative number of milliseconds or a [min, max] pair with min <= max; got "soon"',
    );
    expect(bad('{"pullMS": 1}')).toThrow('unknown field "pullMS"');
    expect(bad('{"exit": {"afterMs": 1, "code": 256}}')).toThrow('"exit.code" must be an integer from 0 to 255; got 256');
    expect(bad('{"exit": 3}')).toThrow('"exit" must be { "afterMs": ..., "code": ... }; got 3');
    expect(bad('{"startMs": [9, 1]}')).toThrow('got [9,1]');
    expect(bad('{"neverReady": "yes"}')).toThrow('"neverReady" must be true or false');
    expect(bad('{oops')).toThrow(/kube-actors\.io\/behavior on pod shop\/web: not valid JSON/);
    expect(bad('{"preset": "nope"}')).toThrow('unknown preset "nope"');
    // the same bad value fails the same way the second time (parse results are cached)
    expect(bad('{oops')).toThrow(/not valid JSON/);
  });

  it('behaviorProblems accepts every valid partial behavior', () => {
    const millis = fc.oneof(fc.nat(100_000), fc.tuple(fc.nat(1_000), fc.nat(1_000)).map(([a, b]) => [Math.min(a, b), Math.max(a, b)] as [number, number]));
    fc.assert(
      fc.property(
        fc.record(
          {
            pullMs: millis,
            startMs: millis,
            neverReady: fc.boolean(),
            exit: fc.record({ afterMs: millis, code: fc.integer({ min: 0, max: 255 }) }),
            oomAfterMs: millis,
            restartsBeforeHealthy: fc.nat(10),
            stopExitCode: fc.integer({ min: 0, max: 255 }),
          },
          { requiredKeys: [] },
        ),
        (partial) => {
          expect(behaviorProblems(partial)).toEqual([]);
          const pod = makePod({ name: 'p', annotations: { 'kube-actors.io/behavior': JSON.stringify(partial) } });
          const b = resolve(fast, pod);
          if (partial.exit) expect(b.exit!.code).toBe(partial.exit.code);
          if (typeof partial.pullMs === 'number') expect(b.pullMs).toBe(partial.pullMs);
        },
      ),
      { numRuns: 200, seed: 3 },
    );
  });
});

describe('commands', () => {
  const cmd = (command: string[], args?: string[]) => commandBehavior({ command, args });
  it('recognises a few well-known commands', () => {
    expect(cmd(['true'])).toEqual({ exit: { afterMs: 0, code: 0 } });
    expect(cmd(['/bin/false'])).toEqual({ exit: { afterMs: 0, code: 1 } });
    expect(cmd(['sh', '-c', 'exit 3'])).toEqual({ exit: { afterMs: 0, code: 3 } });
    expect(cmd(['/bin/bash', '-c', 'exit'])).toEqual({ exit: { afterMs: 0, code: 0 } });
    expect(cmd(['sleep', '30'])).toEqual({ exit: { afterMs: 30_000, code: 0 } });
    expect(cmd(['sleep'], ['2.5'])).toEqual({ exit: { afterMs: 2_500, code: 0 } });
    expect(cmd(['sh', '-c', 'sleep 5; exit 1'])).toEqual({ exit: { afterMs: 5_000, code: 1 } });
    expect(cmd(['sh', '-c', 'sleep 5 && false'])).toEqual({ exit: { afterMs: 5_000, code: 1 } });
    expect(cmd(['sleep', 'infinity'])).toEqual({});
    expect(cmd(['nginx', '-g', 'daemon off;'])).toBeUndefined();
    expect(cmd(['sh', '-c', 'echo hi'])).toBeUndefined();
    expect(commandBehavior({})).toBeUndefined();
  });

  it('a command shapes the behavior, an annotation still wins', () => {
    const pod = makePod({ name: 'p', containers: [{ name: 'c', command: ['sh', '-c', 'exit 7'] }] });
    expect(resolve(fast, pod, 'c').exit).toEqual({ afterMs: 0, code: 7 });
    pod.metadata!.annotations = { 'kube-actors.io/behavior.c': 'run-forever' };
    expect(resolve(fast, pod, 'c').exit).toEqual({ afterMs: 0, code: 7 });
    pod.metadata!.annotations = { 'kube-actors.io/behavior.c': '{"exit":{"afterMs":9,"code":0}}' };
    expect(resolve(fast, pod, 'c').exit).toEqual({ afterMs: 9, code: 0 });
  });
});

describe('images', () => {
  it('normalizes references as container runtimes print them', () => {
    expect(normalizeImage('nginx')).toBe('docker.io/library/nginx:latest');
    expect(normalizeImage('nginx:1.25')).toBe('docker.io/library/nginx:1.25');
    expect(normalizeImage('bitnami/redis:7')).toBe('docker.io/bitnami/redis:7');
    expect(normalizeImage('registry.k8s.io/pause:3.10')).toBe('registry.k8s.io/pause:3.10');
    expect(normalizeImage('localhost:5000/app')).toBe('localhost:5000/app:latest');
    expect(normalizeImage('nginx@sha256:abc')).toBe('docker.io/library/nginx@sha256:abc');
  });

  it('matches globs against the image as written, its full reference and its short name', () => {
    expect(imageMatches('busybox*', 'busybox')).toBe(true);
    expect(imageMatches('busybox*', 'docker.io/library/busybox:1.36')).toBe(true);
    expect(imageMatches('pause*', 'registry.k8s.io/pause:3.10')).toBe(true);
    expect(imageMatches('nginx:1.2?', 'nginx:1.25')).toBe(true);
    expect(imageMatches('nginx:1.2?', 'nginx:1.3')).toBe(false);
    expect(imageMatches('*cuda*', 'nvcr.io/nvidia/cuda:12.4.0-base')).toBe(true);
    expect(imageMatches('busybox*', 'alpine')).toBe(false);
    expect(imageMatches('quay.io/x.y', 'quay.io/xzy')).toBe(false);
  });

  it('defaults the pull policy as Kubernetes does', () => {
    expect(defaultPullPolicy('nginx')).toBe('Always');
    expect(defaultPullPolicy('nginx:latest')).toBe('Always');
    expect(defaultPullPolicy('nginx:1.25')).toBe('IfNotPresent');
    expect(defaultPullPolicy('localhost:5000/app')).toBe('Always');
    expect(defaultPullPolicy('nginx@sha256:abc')).toBe('IfNotPresent');
  });
});
