import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { kubeletConfiguration } from '../../../machines/kubelet/configuration.js';
import { admitUnderPressure, evictedStatus, evictionMessage, rank, thresholdsMet, type ContainerStats, type Observations } from '../../../machines/kubelet/eviction.js';

const Mi = 2 ** 20;
const pod = (name: string, opts: { request?: string; priority?: number } = {}): Pod =>
  ({
    metadata: { name, namespace: 'default' },
    spec: { ...(opts.priority !== undefined ? { priority: opts.priority } : {}), containers: [{ name, image: 'x', ...(opts.request ? { resources: { requests: { memory: opts.request } } } : {}) }] },
  }) as Pod;
const stats = (name: string, bytes: number, extra: Partial<ContainerStats> = {}): ContainerStats => ({ name, bytes, diskBytes: 0, inodes: 0, pids: 1, ...extra });
const observation = (usage: Record<string, number>, availableBytes = 50 * Mi): Observations => ({
  signals: { 'memory.available': { capacity: 1024 * Mi, available: availableBytes } },
  pods: new Map(Object.entries(usage).map(([name, bytes]) => [`default/${name}`, [stats(name, bytes)]])),
});
const rankForMemory = (pods: Pod[], obs: Observations) => rank('memory', pods, obs);
const memoryThresholdMet = (config: ReturnType<typeof kubeletConfiguration>, obs: Observations) => thresholdsMet(config.evictionHard, obs, false)[0];
const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name);

describe('rankMemoryPressure (pkg/kubelet/eviction helpers_test.go)', () => {
  it('TestOrderedByExceedsRequestMemory: the pod above its request goes first', () => {
    const below = pod('below-requests', { request: '200Mi' });
    const exceeds = pod('above-requests', { request: '200Mi' });
    const obs = observation({ 'below-requests': 199 * Mi, 'above-requests': 201 * Mi });
    expect(names(rankForMemory([below, exceeds], obs))).toEqual(['above-requests', 'below-requests']);
  });

  it('TestOrderedByPriority: among pods alike, the lower priority first', () => {
    const obs = observation({ low: 10 * Mi, mid: 10 * Mi, high: 10 * Mi });
    expect(names(rankForMemory([pod('high', { priority: 2 }), pod('low', { priority: 1 }), pod('mid', { priority: 2 })], obs).slice(0, 1))).toEqual(['low']);
  });

  it('TestOrderedbyMemory: then the larger usage above the request first', () => {
    const obs = observation({ 'best-effort-high': 500 * Mi, 'best-effort-low': 300 * Mi, 'burstable-high': 800 * Mi, 'burstable-low': 300 * Mi });
    const ranked = rankForMemory([pod('best-effort-low'), pod('best-effort-high'), pod('burstable-low', { request: '100Mi' }), pod('burstable-high', { request: '100Mi' })], obs);
    expect(names(ranked)).toEqual(['burstable-high', 'best-effort-high', 'best-effort-low', 'burstable-low']);
  });

  it('pods without stats (no running container) come first', () => {
    expect(names(rankForMemory([pod('running'), pod('starting')], observation({ running: 900 * Mi })))).toEqual(['starting', 'running']);
  });
});

describe('thresholds, message and status', () => {
  it('memory.available is met below the threshold, a percentage of the capacity counted against it', () => {
    expect(memoryThresholdMet(kubeletConfiguration(undefined), observation({}, 99 * Mi))?.text).toBe('100Mi');
    expect(memoryThresholdMet(kubeletConfiguration(undefined), observation({}, 100 * Mi))).toBeUndefined();
    expect(memoryThresholdMet(kubeletConfiguration({ evictionHard: { 'memory.available': '10%' } }), observation({}, 102 * Mi))?.text).toBe('10%');
    expect(memoryThresholdMet(kubeletConfiguration({ evictionHard: { 'nodefs.available': '10%' } }), observation({}, 0))).toBeUndefined();
  });

  it("the kubelet's message names the threshold, what was available, and each container above its request", () => {
    const t = kubeletConfiguration(undefined).evictionHard.find((x) => x.signal === 'memory.available')!;
    const p = { ...pod('hog'), spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { memory: '64Mi' } } }, { name: 'side', image: 'x' }, { name: 'small', image: 'x', resources: { requests: { memory: '1Gi' } } }] } } as Pod;
    const obs: Observations = { signals: { 'memory.available': { capacity: 1024 * Mi, available: 81920 * 1024 } }, pods: new Map([['default/hog', [stats('app', 600 * Mi), stats('side', 5000 * 1024), stats('small', 10 * Mi)]]]) };
    expect(evictionMessage('memory', p, [t], obs)).toBe(
      'The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi. Container app was using 600Mi, request is 64Mi, has larger consumption of memory. Container side was using 5000Ki, request is 0, has larger consumption of memory. ',
    );
  });

  it('an evicted status: Failed, Evicted, DisruptionTarget TerminationByKubelet', () => {
    const s = evictedStatus({ phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] }, { uid: 'u', message: 'm', at: '2026-01-01T00:00:00Z', disruptionTarget: true });
    expect(s).toMatchObject({ phase: 'Failed', reason: 'Evicted', message: 'm' });
    expect(s.conditions).toEqual([
      { type: 'Ready', status: 'False' },
      { type: 'DisruptionTarget', status: 'True', lastProbeTime: null, lastTransitionTime: '2026-01-01T00:00:00Z', reason: 'TerminationByKubelet', message: 'm' },
    ]);
  });
});

describe('node-pressure eviction in a cluster', () => {
  it('memory.available below 100Mi: MemoryPressure, the taint, one pod evicted as the kubelet does it, then the condition clears after the transition period', () => {
    const c = createCluster({ nodes: [{ name: 'node-1', capacity: { memory: '1200Mi' } }] });
    const usage = (memory: string) => ({ 'kube-actors.io/usage': JSON.stringify({ memory, noise: 0 }) });
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'quiet', namespace: 'default', annotations: usage('8Mi') }, spec: { containers: [{ name: 'quiet', image: 'nginx:1.27', resources: { requests: { memory: '64Mi' } } }] } } as Pod);
    expect(c.runUntil(() => c.object<Pod>('pods', 'quiet')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hog', namespace: 'default', annotations: usage('600Mi') }, spec: { containers: [{ name: 'hog', image: 'nginx:1.27' }] } } as Pod);
    // 1200Mi − 512Mi node overhead − 8Mi − 600Mi = 80Mi available, below memory.available<100Mi
    expect(c.runUntil(() => c.object<Pod>('pods', 'hog')?.status?.phase === 'Failed', { timeout: 60_000 })).toBe(true);
    const hog = c.object<Pod>('pods', 'hog')!;
    const message = 'The node was low on resource: memory. Threshold quantity: 100Mi, available: 80Mi. Container hog was using 600Mi, request is 0, has larger consumption of memory. ';
    expect(hog.status).toMatchObject({ phase: 'Failed', reason: 'Evicted', message });
    expect(hog.status?.conditions?.find((x) => x.type === 'DisruptionTarget')).toMatchObject({ status: 'True', reason: 'TerminationByKubelet', message });
    const events = c.objects<{ reason: string; type: string; message: string; involvedObject: { name: string; kind: string } } & Pod>('events', 'default');
    expect(events.filter((e) => e.involvedObject.name === 'hog' && e.reason === 'Evicted').map((e) => [e.type, e.message])).toEqual([['Warning', message]]);
    // the node's condition, its event, and the node lifecycle controller's taint
    expect(c.runUntil(() => c.object<Node>('nodes', 'node-1')?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/memory-pressure') === true, { timeout: 30_000 })).toBe(true);
    const node = c.object<Node>('nodes', 'node-1')!;
    expect(node.status?.conditions?.find((x) => x.type === 'MemoryPressure')).toMatchObject({ status: 'True', reason: 'KubeletHasInsufficientMemory', message: 'kubelet has insufficient memory available' });
    expect(node.spec?.taints).toContainEqual(expect.objectContaining({ key: 'node.kubernetes.io/memory-pressure', effect: 'NoSchedule' }));
    const nodeEvents = c.objects<{ reason: string; type: string; message: string; involvedObject: { kind: string } } & Pod>('events', 'default').filter((e) => e.involvedObject.kind === 'Node');
    expect(nodeEvents.map((e) => [e.type, e.reason, e.message]).sort()).toEqual([
      ['Normal', 'NodeHasInsufficientMemory', 'Node node-1 status is now: NodeHasInsufficientMemory'],
      ['Warning', 'EvictionThresholdMet', 'Attempting to reclaim memory'],
    ]);
    // one pod goes: the quiet one keeps running, the evicted one is not restarted
    c.advance(60_000);
    expect(c.object<Pod>('pods', 'quiet')?.status?.phase).toBe('Running');
    expect(c.object<Pod>('pods', 'hog')?.status?.phase).toBe('Failed');
    // no threshold met for evictionPressureTransitionPeriod (5m): the condition and the taint go
    const pressure = () => c.object<Node>('nodes', 'node-1')?.status?.conditions?.find((x) => x.type === 'MemoryPressure');
    const since = c.now();
    expect(c.runUntil(() => pressure()?.status === 'False', { timeout: 10 * 60_000 })).toBe(true);
    expect(c.now() - since).toBeGreaterThan(3 * 60_000);
    expect(pressure()).toMatchObject({ reason: 'KubeletHasSufficientMemory' });
    expect(c.runUntil(() => !c.object<Node>('nodes', 'node-1')?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/memory-pressure'), { timeout: 60_000 })).toBe(true);
    c.stop();
  });

  it('admission under MemoryPressure: a BestEffort pod sent to the node is rejected (Evicted), others start; the scheduler keeps new pods off the tainted node', () => {
    const c = createCluster({ nodes: [{ name: 'node-1', capacity: { memory: '1200Mi' } }] });
    const usage = (memory: string) => ({ 'kube-actors.io/usage': JSON.stringify({ memory, noise: 0 }) });
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'hog', namespace: 'default', annotations: usage('600Mi') }, spec: { containers: [{ name: 'hog', image: 'nginx:1.27' }] } } as Pod);
    expect(c.runUntil(() => c.object<Pod>('pods', 'hog')?.status?.phase === 'Failed', { timeout: 60_000 })).toBe(true);
    expect(c.runUntil(() => c.object<Node>('nodes', 'node-1')?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/memory-pressure') === true, { timeout: 30_000 })).toBe(true);
    const bound = (name: string, extra: Record<string, unknown> = {}) =>
      c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { nodeName: 'node-1', containers: [{ name, image: 'nginx:1.27', ...extra }] } } as Pod);
    bound('besteffort');
    bound('burstable', { resources: { requests: { memory: '10Mi' } } });
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'tolerant', namespace: 'default' },
      spec: { nodeName: 'node-1', tolerations: [{ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' }], containers: [{ name: 'tolerant', image: 'nginx:1.27' }] },
    } as Pod);
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'scheduled', namespace: 'default' }, spec: { containers: [{ name: 'scheduled', image: 'nginx:1.27' }] } } as Pod);
    expect(c.runUntil(() => c.object<Pod>('pods', 'besteffort')?.status?.phase === 'Failed', { timeout: 30_000 })).toBe(true);
    expect(c.object<Pod>('pods', 'besteffort')!.status).toMatchObject({ phase: 'Failed', reason: 'Evicted', message: 'Pod was rejected: The node had condition: [MemoryPressure]. ' });
    expect(c.runUntil(() => c.object<Pod>('pods', 'burstable')?.status?.phase === 'Running' && c.object<Pod>('pods', 'tolerant')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
    const events = c.objects<{ reason: string; type: string; message: string; involvedObject: { name: string } } & Pod>('events', 'default');
    expect(events.filter((e) => e.involvedObject.name === 'besteffort').map((e) => [e.type, e.reason, e.message])).toEqual([['Warning', 'Evicted', 'The node had condition: [MemoryPressure]. ']]);
    // TaintToleration: the only node has the untolerated memory-pressure taint
    const scheduled = c.object<Pod>('pods', 'scheduled')!;
    expect(scheduled.spec?.nodeName).toBeUndefined();
    expect(scheduled.status?.conditions?.find((x) => x.type === 'PodScheduled')?.message).toContain("1 node(s) had untolerated taint {node.kubernetes.io/memory-pressure: }");
    c.stop();
  });
});

describe('the eviction manager admit handler (eviction_manager_test.go)', () => {
  const bestEffort = (tolerations: unknown[] = [], priority?: number): Pod =>
    ({ metadata: { name: 'p', namespace: 'default' }, spec: { tolerations, ...(priority !== undefined ? { priority } : {}), containers: [{ name: 'c', image: 'x' }] }, status: { qosClass: 'BestEffort' } }) as Pod;
  const burstable = { metadata: { name: 'b', namespace: 'default' }, spec: { containers: [{ name: 'c', image: 'x' }] }, status: { qosClass: 'Burstable' } } as Pod;
  it('TestMemoryPressure: no condition admits all; under MemoryPressure a BestEffort pod is refused, a Burstable one and a critical one admitted', () => {
    expect(admitUnderPressure(bestEffort(), [])).toEqual({ admit: true });
    expect(admitUnderPressure(bestEffort(), ['MemoryPressure'])).toEqual({ admit: false, reason: 'Evicted', message: 'The node had condition: [MemoryPressure]. ' });
    expect(admitUnderPressure(burstable, ['MemoryPressure'])).toEqual({ admit: true });
    expect(admitUnderPressure(bestEffort([], 2_000_000_000), ['MemoryPressure'])).toEqual({ admit: true });
  });
  it('TestAdmitUnderNodeConditions: a BestEffort pod tolerating the memory-pressure taint is admitted; other conditions refuse every pod', () => {
    expect(admitUnderPressure(bestEffort([{ key: 'node.kubernetes.io/memory-pressure', operator: 'Exists', effect: 'NoSchedule' }]), ['MemoryPressure'])).toEqual({ admit: true });
    expect(admitUnderPressure(bestEffort([{ operator: 'Exists' }]), ['MemoryPressure'])).toEqual({ admit: true });
    expect(admitUnderPressure(bestEffort([{ key: 'node.kubernetes.io/disk-pressure', operator: 'Exists', effect: 'NoSchedule' }]), ['MemoryPressure']).admit).toBe(false);
    expect(admitUnderPressure(burstable, ['MemoryPressure', 'DiskPressure'])).toEqual({ admit: false, reason: 'Evicted', message: 'The node had condition: [MemoryPressure DiskPressure]. ' });
  });
});
