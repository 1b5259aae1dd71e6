import { describe, expect, it } from 'vitest';
import { Rng } from '../../src/kernel/rng.js';
import { curveFactor, DEFAULT_USAGE, parseUsageAnnotation, sampleUsage, servedCpu, usageProblems, usageSpecOf, type UsageSpec } from '../../src/metrics/usage.js';
import type { ClientFlows } from '../../src/cluster/traffic.js';
import type { KubeObject } from '../../src/api/types.js';

const container = { resources: { requests: { cpu: '200m', memory: '128Mi' } } };
const rng = new Rng(7).fork('metrics');

function sample(spec: UsageSpec, time = 30_000, extra: { sharers?: number; uid?: string; rng?: Rng } = {}) {
  return sampleUsage({ spec, container, time, rng: extra.rng ?? rng, uid: extra.uid ?? 'uid-1', containerName: 'c', sharers: extra.sharers });
}

describe('the usage model', () => {
  it('gives a quantity level as is and a percentage of the request', () => {
    expect(sample({ cpu: '250m', memory: '64Mi' })).toEqual({ cpuNanos: 250_000_000, memoryBytes: 64 * 2 ** 20, diskBytes: 0, inodes: 0, pids: 1 });
    expect(sample({ cpu: '50%', memory: '25%' })).toEqual({ cpuNanos: 100_000_000, memoryBytes: 32 * 2 ** 20, diskBytes: 0, inodes: 0, pids: 1 });
    // a percentage without a request is nothing
    expect(sampleUsage({ spec: { cpu: '50%' }, container: {}, time: 0, rng, uid: 'u', containerName: 'c' }).cpuNanos).toBe(0);
  });

  it('splits a shared level among the workload running pods', () => {
    expect(sample({ cpu: '600m', shared: true }, 0, { sharers: 3 }).cpuNanos).toBe(200_000_000);
    expect(sample({ cpu: '600m' }, 0, { sharers: 3 }).cpuNanos).toBe(600_000_000);
  });

  it('follows a daily curve (lowest 12 h from the peak) and steps', () => {
    const daily = { type: 'daily', min: 0.2, max: 1, peakMs: 0, periodMs: 1000 } as const;
    expect(curveFactor(daily, 0)).toBeCloseTo(1);
    expect(curveFactor(daily, 500)).toBeCloseTo(0.2);
    expect(curveFactor(daily, 250)).toBeCloseTo(0.6);
    const steps = { type: 'steps', steps: [{ atMs: 100, factor: 3 }, { atMs: 200, factor: 0.5 }] } as const;
    expect([0, 100, 199, 200, 10_000].map((t) => curveFactor(steps, t))).toEqual([1, 3, 3, 0.5, 0.5]);
    expect(sample({ cpu: '100m', curve: steps }, 150).cpuNanos).toBe(300_000_000);
  });

  it('draws noise per (pod, container, scrape) from the seeded generator: the same sample however often it is read', () => {
    const spec: UsageSpec = { cpu: '100m', memory: '100Mi', noise: 0.2 };
    const a = sample(spec, 30_000);
    expect(sample(spec, 30_000)).toEqual(a);
    // anywhere in the same 15 s scrape: the same noise
    expect(sample(spec, 44_999)).toEqual(a);
    expect(sample(spec, 45_000)).not.toEqual(a);
    expect(sample(spec, 30_000, { uid: 'uid-2' })).not.toEqual(a);
    expect(a.cpuNanos).toBeGreaterThanOrEqual(80_000_000);
    expect(a.cpuNanos).toBeLessThanOrEqual(120_000_000);
    // another seed, other noise
    expect(sample(spec, 30_000, { rng: new Rng(8).fork('metrics') })).not.toEqual(a);
    // over many scrapes the noise stays within its amplitude and averages to the level
    let sum = 0;
    for (let i = 0; i < 400; i++) {
      const s = sample(spec, i * 15_000).cpuNanos;
      expect(Math.abs(s - 100_000_000)).toBeLessThanOrEqual(20_000_000);
      sum += s;
    }
    expect(Math.abs(sum / 400 - 100_000_000)).toBeLessThan(5_000_000);
  });

  it('layers the profile, the pod annotation and the container annotation', () => {
    const pod: KubeObject = {
      metadata: { name: 'p', annotations: { 'kube-actors.io/usage': '{"cpu":"300m","noise":0}', 'kube-actors.io/usage.side': '{"cpu":"5m"}' } },
    };
    expect(usageSpecOf(DEFAULT_USAGE, pod, 'main')).toEqual({ cpu: '300m', memory: '8Mi', noise: 0 });
    expect(usageSpecOf(DEFAULT_USAGE, pod, 'side')).toEqual({ cpu: '5m', memory: '8Mi', noise: 0 });
    expect(usageSpecOf(DEFAULT_USAGE, { metadata: { name: 'q' } }, 'main')).toBe(DEFAULT_USAGE.container);
  });

  it('local storage, inodes and processes: a level, or a percentage of the ephemeral-storage request; the curve applies, no noise', () => {
    const spec: UsageSpec = { 'ephemeral-storage': '50%', inodes: 1000, pids: 40, noise: 0.5, curve: { type: 'steps', steps: [{ atMs: 60_000, factor: 2 }] } };
    const container = { resources: { requests: { 'ephemeral-storage': '2Gi' } } };
    const at = (time: number) => sampleUsage({ spec, container, time, rng, uid: 'u', containerName: 'c' });
    expect(at(0)).toMatchObject({ diskBytes: 2 ** 30, inodes: 1000, pids: 40 });
    expect(at(60_000)).toMatchObject({ diskBytes: 2 ** 31, inodes: 2000, pids: 80 });
    expect(usageProblems({ 'ephemeral-storage': 'big', inodes: -1, pids: 1.5 })).toEqual([
      '"ephemeral-storage" must be a non-negative quantity (e.g. "250m", "64Mi") or a percentage of the request (e.g. "60%"); got "big"',
      '"inodes" must be a whole number, 0 or more; got -1',
      '"pids" must be a whole number, 0 or more; got 1.5',
    ]);
  });

  it('names every problem of a bad spec', () => {
    expect(usageProblems({ cpu: 'lots', noise: 2, speed: 1, curve: { type: 'daily', min: 2, max: 1 } })).toEqual([
      'unknown field "speed" (known: cpu, memory, ephemeral-storage, emptyDir, inodes, pids, noise, curve, shared)',
      '"cpu" must be a non-negative quantity (e.g. "250m", "64Mi") or a percentage of the request (e.g. "60%"); got "lots"',
      '"noise" must be a number from 0 to 1; got 2',
      'a daily curve needs factors "min" <= "max", both non-negative numbers; got min 2, max 1',
    ]);
    expect(usageProblems({ curve: { type: 'steps', steps: [{ atMs: 5, factor: 1 }, { atMs: 1, factor: 1 }] } })).toEqual(['"curve.steps" must be in increasing "atMs" order; steps[1].atMs 1 < 5']);
    expect(() => parseUsageAnnotation('kube-actors.io/usage', '{cpu')).toThrow(/^annotation kube-actors.io\/usage must hold a JSON object: /);
    expect(() => parseUsageAnnotation('kube-actors.io/usage', '{"cpu": -1}')).toThrow('annotation kube-actors.io/usage: "cpu" must be a non-negative quantity');
  });
});

describe('the CPU of the requests a server serves (the HorizontalPodAutoscaler walkthrough)', () => {
  // registry.k8s.io/hpa-example: 20 ms of CPU per request; the walkthrough's pod requests 200m, limited to 500m
  const php = { resources: { requests: { cpu: '200m' }, limits: { cpu: '500m' } } };
  const server = (pod: string) => ({ uid: `uid-${pod}`, namespace: 'default', pod, container: 'php-apache', cpuMsPerRequest: 20 });
  // the load generator's loop: 10 ms of sleep and a 20 ms request, 33.3 requests per second spread over the backends
  const loop = (pods: string[], fromMs = 0, toMs = Infinity): ClientFlows => ({
    client: { uid: 'uid-load', container: 'load-generator' },
    startMs: 0,
    flows: [{ fromMs, toMs, servers: pods.map((p) => ({ server: server(p), perSecond: 1000 / 30 / pods.length })) }],
  });
  const running = () => true;
  const window = { fromMs: 45_000, toMs: 60_000 };
  const cpu = (servedCores: number, spec: UsageSpec = { cpu: '1m' }) => sampleUsage({ spec, container: php, time: 60_000, rng, uid: 'uid-php-1', containerName: 'php-apache', servedCores }).cpuNanos;

  it('is the rate of requests served times the CPU of one: 33.3 requests a second of 20 ms are 667m', () => {
    const served = servedCpu([loop(['php-1'])], window, running);
    expect(served.get('uid-php-1/php-apache')).toBeCloseTo(2 / 3, 9);
  });

  it('is capped by the container CPU limit (with its idle baseline): 500m, 250% of its 200m request', () => {
    expect(cpu(2 / 3)).toBe(500_000_000);
    expect(cpu(0.1)).toBe(101_000_000);
    expect(cpu(0)).toBe(1_000_000);
    // no limit, no cap
    expect(sampleUsage({ spec: { cpu: '1m' }, container: { resources: { requests: { cpu: '200m' } } }, time: 0, rng, uid: 'u', containerName: 'c', servedCores: 2 / 3 }).cpuNanos).toBe(667_666_667);
    // a level above the limit is left as it is (the requests add nothing)
    expect(cpu(0.2, { cpu: '600m' })).toBe(600_000_000);
  });

  it('is shared by the replicas the Service spreads the requests over: 7 pods get 95m each, 48% of 200m', () => {
    const pods = ['php-1', 'php-2', 'php-3', 'php-4', 'php-5', 'php-6', 'php-7'];
    const served = servedCpu([loop(pods)], window, running);
    expect([...served.keys()]).toEqual(pods.map((p) => `uid-${p}/php-apache`));
    for (const cores of served.values()) expect(cores).toBeCloseTo(2 / 3 / 7, 9);
    expect(Math.floor((cpu(served.get('uid-php-1/php-apache')!) * 100) / 200_000_000)).toBe(48);
  });

  it('counts the part of the window a flow covers, and only the flows of clients still running', () => {
    // the flow starts 5 s before the scrape: a third of the 15 s window
    expect(servedCpu([loop(['php-1'], 55_000)], window, running).get('uid-php-1/php-apache')).toBeCloseTo(2 / 9, 9);
    expect(servedCpu([loop(['php-1'], 0, 45_000)], window, running).size).toBe(0);
    // the load generator was stopped (its pod deleted): nothing
    expect(servedCpu([loop(['php-1'])], window, (uid) => uid !== 'uid-load').size).toBe(0);
  });
});
