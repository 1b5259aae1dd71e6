import { describe, expect, it } from 'vitest';
import type { Node, Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { kubeletConfiguration } from '../../../machines/kubelet/configuration.js';
import { admitUnderPressure, evictionGracePeriod, evictionMessage, rank, synchronize, INITIAL_EVICTION_STATE, type ContainerStats, type Observations } from '../../../machines/kubelet/eviction.js';

const Mi = 2 ** 20;
const Gi = 2 ** 30;
type Event = { reason: string; type: string; message: string; involvedObject: { name: string; kind: string }; firstTimestamp: string } & Pod;

const pod = (name: string, opts: { storage?: string; priority?: number; grace?: number } = {}): Pod =>
  ({
    metadata: { name, namespace: 'default' },
    spec: {
      ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
      ...(opts.grace !== undefined ? { terminationGracePeriodSeconds: opts.grace } : {}),
      containers: [{ name, image: 'x', ...(opts.storage ? { resources: { requests: { 'ephemeral-storage': opts.storage } } } : {}) }],
    },
  }) as Pod;
const stats = (name: string, extra: Partial<ContainerStats>): ContainerStats => ({ name, bytes: 0, diskBytes: 0, inodes: 0, pids: 1, ...extra });
const obsOf = (usage: Record<string, Partial<ContainerStats>>, signals: Observations['signals'] = {}): Observations => ({
  signals,
  pods: new Map(Object.entries(usage).map(([name, u]) => [`default/${name}`, [stats(name, u)]])),
});
const names = (pods: Pod[]) => pods.map((p) => p.metadata!.name);

describe('rankDiskPressureFunc and rankPIDPressure (pkg/kubelet/eviction helpers_test.go)', () => {
  it('TestOrderedByExceedsRequestDisk: the pod above its ephemeral-storage request first', () => {
    const obs = obsOf({ below: { diskBytes: 99 * Mi }, above: { diskBytes: 101 * Mi } });
    expect(names(rank('ephemeral-storage', [pod('below', { storage: '100Mi' }), pod('above', { storage: '100Mi' })], obs))).toEqual(['above', 'below']);
  });

  it('TestOrderedByPriorityDisk: then the lower priority', () => {
    const obs = obsOf({ low: { diskBytes: 10 * Mi }, high: { diskBytes: 500 * Mi } });
    expect(names(rank('ephemeral-storage', [pod('high', { priority: 10 }), pod('low', { priority: 1 })], obs))).toEqual(['low', 'high']);
  });

  it('TestOrderedbyDisk: then the larger local storage use above the request; pods without stats first', () => {
    const obs = obsOf({ a: { diskBytes: 300 * Mi }, b: { diskBytes: 800 * Mi }, c: { diskBytes: 500 * Mi }, d: { diskBytes: 700 * Mi } });
    const pods = [pod('a'), pod('b', { storage: '700Mi' }), pod('c'), pod('d', { storage: '100Mi' }), pod('starting')];
    // all exceed their requests; usage above request: a 300, b 100, c 500, d 600
    expect(names(rank('ephemeral-storage', pods, obs))).toEqual(['starting', 'd', 'c', 'a', 'b']);
  });

  it('inodes: any use exceeds a request of 0; then above the ephemeral-storage request, as the kubelet compares them', () => {
    const obs = obsOf({ few: { inodes: 10 }, many: { inodes: 5000 }, none: { inodes: 0 } });
    expect(names(rank('inodes', [pod('none'), pod('few'), pod('many')], obs))).toEqual(['many', 'few', 'none']);
  });

  it('TestOrderedByPriority / TestOrderedbyPids: priority first, then the larger process count', () => {
    const obs = obsOf({ calm: { pids: 5 }, forky: { pids: 900 }, important: { pids: 2000 } });
    expect(names(rank('pids', [pod('calm'), pod('important', { priority: 100 }), pod('forky')], obs))).toEqual(['forky', 'calm', 'important']);
  });
});

describe('synchronize: thresholds, conditions, grace periods, minimum reclaim (eviction_manager_test.go)', () => {
  const disk = (available: number, capacity = 10 * Gi): Observations['signals'] => ({ 'nodefs.available': { capacity, available }, 'imagefs.available': { capacity, available } });

  it('TestDiskPressureNodeFs: below nodefs.available and imagefs.available: DiskPressure, reclaim ephemeral-storage (imagefs first, by name)', () => {
    const s = synchronize(kubeletConfiguration(undefined), obsOf({}, disk(900 * Mi)), INITIAL_EVICTION_STATE, 0);
    expect(s.conditions).toEqual(['DiskPressure']);
    expect(s.reclaim).toMatchObject({ resource: 'ephemeral-storage', threshold: { signal: 'imagefs.available', text: '15%' } });
    expect(s.thresholds.map((t) => t.signal)).toEqual(['imagefs.available', 'nodefs.available']);
    expect(synchronize(kubeletConfiguration(undefined), obsOf({}, disk(2 * Gi)), INITIAL_EVICTION_STATE, 0)).toMatchObject({ conditions: [], thresholds: [] });
  });

  it('memory goes before the other resources (byEvictionPriority)', () => {
    const signals = { ...disk(100 * Mi), 'memory.available': { capacity: Gi, available: 50 * Mi }, 'pid.available': { capacity: 1000, available: 10 } };
    const s = synchronize(kubeletConfiguration({ evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '10%', 'pid.available': '5%' } }), obsOf({}, signals), INITIAL_EVICTION_STATE, 0);
    expect(s.conditions).toEqual(['MemoryPressure', 'DiskPressure', 'PIDPressure']);
    expect(s.thresholds.map((t) => t.signal)).toEqual(['memory.available', 'nodefs.available', 'pid.available']);
    expect(s.reclaim?.resource).toBe('memory');
  });

  it('TestMemoryPressure (soft): the condition at once, eviction only once the soft threshold was met for its grace period', () => {
    const config = kubeletConfiguration({ evictionHard: { 'memory.available': '100Mi' }, evictionSoft: { 'memory.available': '300Mi' }, evictionSoftGracePeriod: { 'memory.available': '1m' } });
    const obs = obsOf({}, { 'memory.available': { capacity: Gi, available: 200 * Mi } });
    const first = synchronize(config, obs, INITIAL_EVICTION_STATE, 10_000);
    expect(first.conditions).toEqual(['MemoryPressure']);
    expect(first.reclaim).toBeUndefined();
    const before = synchronize(config, obs, first.state, 69_999);
    expect(before.reclaim).toBeUndefined();
    const after = synchronize(config, obs, before.state, 70_000);
    expect(after.reclaim?.threshold).toMatchObject({ text: '300Mi', gracePeriodMs: 60_000 });
    // relieved for one pass: the grace period starts again
    const relieved = synchronize(config, obsOf({}, { 'memory.available': { capacity: Gi, available: 500 * Mi } }), after.state, 80_000);
    expect(relieved).toMatchObject({ conditions: [], thresholds: [] });
    expect(synchronize(config, obs, relieved.state, 90_000).reclaim).toBeUndefined();
  });

  it('TestMinReclaim: a threshold met stays met until the minimum reclaim is available beyond it', () => {
    const config = kubeletConfiguration({ evictionHard: { 'memory.available': '1Gi' }, evictionMinimumReclaim: { 'memory.available': '500Mi' } });
    const at = (available: number) => obsOf({}, { 'memory.available': { capacity: 4 * Gi, available } });
    const met = synchronize(config, at(500 * Mi), INITIAL_EVICTION_STATE, 0);
    expect(met.reclaim?.resource).toBe('memory');
    // above the threshold, not yet by the minimum reclaim: still met, still evicting
    const partly = synchronize(config, at(1200 * Mi), met.state, 10_000);
    expect(partly.conditions).toEqual(['MemoryPressure']);
    expect(partly.reclaim?.resource).toBe('memory');
    const done = synchronize(config, at(2 * Gi), partly.state, 20_000);
    expect(done).toMatchObject({ conditions: [], thresholds: [] });
    // without a minimum reclaim, 1200Mi is enough
    const plain = kubeletConfiguration({ evictionHard: { 'memory.available': '1Gi' } });
    expect(synchronize(plain, at(1200 * Mi), synchronize(plain, at(500 * Mi), INITIAL_EVICTION_STATE, 0).state, 10_000).conditions).toEqual([]);
  });

  it("the eviction grace period: 1 s for a hard threshold; a soft one's evictionMaxPodGracePeriod, or the pod's own when shorter", () => {
    const config = kubeletConfiguration({ evictionSoft: { 'memory.available': '1Gi' }, evictionSoftGracePeriod: { 'memory.available': '1m' }, evictionMaxPodGracePeriod: 20 });
    const soft = config.evictionSoft[0]!;
    const hard = config.evictionHard[0]!;
    expect(evictionGracePeriod(config, hard, pod('p', { grace: 30 }))).toBe(1);
    expect(evictionGracePeriod(config, soft, pod('p', { grace: 30 }))).toBe(20);
    expect(evictionGracePeriod(config, soft, pod('p', { grace: 5 }))).toBe(5);
    expect(evictionGracePeriod(config, soft, pod('p'))).toBe(20);
  });

  it("the kubelet's messages for ephemeral-storage (containers above their request), inodes and pids (no container lines)", () => {
    const config = kubeletConfiguration({ evictionHard: { 'nodefs.available': '1Gi', 'nodefs.inodesFree': '5%', 'pid.available': '10%' } });
    const p = { ...pod('writer'), spec: { containers: [{ name: 'app', image: 'x', resources: { requests: { 'ephemeral-storage': '1Gi' } } }, { name: 'logs', image: 'x' }], initContainers: [{ name: 'init', image: 'x' }] } } as Pod;
    const obs: Observations = {
      signals: { 'nodefs.available': { capacity: 10 * Gi, available: 512 * Mi }, 'nodefs.inodesFree': { capacity: 100_000, available: 1500 }, 'pid.available': { capacity: 4000, available: 250 } },
      pods: new Map([['default/writer', [stats('app', { diskBytes: 3 * Gi, inodes: 90_000, pids: 3000 }), stats('logs', { diskBytes: 0 }), stats('init', { diskBytes: 1536 * 1024 })]]]),
    };
    const { thresholds } = synchronize(config, obs, INITIAL_EVICTION_STATE, 0);
    expect(evictionMessage('ephemeral-storage', p, thresholds, obs)).toBe(
      'The node was low on resource: ephemeral-storage. Threshold quantity: 1Gi, available: 512Mi. Container app was using 3Gi, request is 1Gi, has larger consumption of ephemeral-storage. Container init was using 1536Ki, request is 0, has larger consumption of ephemeral-storage. ',
    );
    expect(evictionMessage('inodes', p, thresholds, obs)).toBe('The node was low on resource: inodes. Threshold quantity: 5000, available: 1500. ');
    expect(evictionMessage('pids', p, thresholds, obs)).toBe('The node was low on resource: pids. Threshold quantity: 400, available: 250. ');
  });

  it('TestAdmitUnderNodeConditions: under DiskPressure or PIDPressure every pod but a critical one is refused', () => {
    const burstable = { ...pod('b'), status: { qosClass: 'Burstable' } } as Pod;
    const tolerant = { ...pod('t'), spec: { ...pod('t').spec!, tolerations: [{ operator: 'Exists' }] }, status: { qosClass: 'BestEffort' } } as Pod;
    expect(admitUnderPressure(burstable, ['DiskPressure'])).toEqual({ admit: false, reason: 'Evicted', message: 'The node had condition: [DiskPressure]. ' });
    expect(admitUnderPressure(tolerant, ['PIDPressure'])).toEqual({ admit: false, reason: 'Evicted', message: 'The node had condition: [PIDPressure]. ' });
    expect(admitUnderPressure(pod('c', { priority: 2_000_000_000 }), ['DiskPressure', 'PIDPressure'])).toEqual({ admit: true });
  });
});

const usage = (u: Record<string, unknown>) => ({ 'kube-actors.io/usage': JSON.stringify({ memory: '8Mi', noise: 0, ...u }) });
const create = (c: ReturnType<typeof createCluster>, name: string, u: Record<string, unknown>, spec: Record<string, unknown> = {}, container: Record<string, unknown> = {}) =>
  c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', annotations: usage(u) }, spec: { ...spec, containers: [{ name, image: 'nginx:1.27', ...container }] } } as Pod);
const phase = (c: ReturnType<typeof createCluster>, name: string) => c.object<Pod>('pods', name)?.status?.phase;
const condition = (c: ReturnType<typeof createCluster>, type: string) => c.object<Node>('nodes', 'node-1')?.status?.conditions?.find((x) => x.type === type);
const events = (c: ReturnType<typeof createCluster>) => c.objects<Event>('events', 'default');

describe('disk and PID pressure in a cluster', () => {
  it('ephemeral-storage: DiskPressure, the disk-pressure taint, the pod above its request evicted first with the kubelet message; admission refuses every pod', () => {
    const c = createCluster({ nodes: [{ name: 'node-1', capacity: { 'ephemeral-storage': '10Gi' } }] });
    create(c, 'within', { 'ephemeral-storage': '3Gi' }, {}, { resources: { requests: { 'ephemeral-storage': '4Gi' } } });
    create(c, 'quiet', { 'ephemeral-storage': '100Mi' });
    expect(c.runUntil(() => phase(c, 'within') === 'Running' && phase(c, 'quiet') === 'Running', { timeout: 60_000 })).toBe(true);
    expect(condition(c, 'DiskPressure')).toMatchObject({ status: 'False', reason: 'KubeletHasNoDiskPressure' });
    // 10Gi − 3Gi − 100Mi − 6Gi = 924Mi available: below imagefs.available<15% (1536Mi) and nodefs.available<10%
    create(c, 'writer', { 'ephemeral-storage': '6Gi' });
    expect(c.runUntil(() => phase(c, 'writer') === 'Failed' || phase(c, 'quiet') === 'Failed' || phase(c, 'within') === 'Failed', { timeout: 60_000 })).toBe(true);
    const message = 'The node was low on resource: ephemeral-storage. Threshold quantity: 1536Mi, available: 924Mi. Container writer was using 6Gi, request is 0, has larger consumption of ephemeral-storage. ';
    expect(c.object<Pod>('pods', 'writer')!.status).toMatchObject({ phase: 'Failed', reason: 'Evicted', message });
    expect(phase(c, 'quiet')).toBe('Running');
    expect(phase(c, 'within')).toBe('Running');
    expect(c.runUntil(() => c.object<Node>('nodes', 'node-1')?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/disk-pressure') === true, { timeout: 30_000 })).toBe(true);
    expect(condition(c, 'DiskPressure')).toMatchObject({ status: 'True', reason: 'KubeletHasDiskPressure', message: 'kubelet has disk pressure' });
    expect(condition(c, 'MemoryPressure')).toMatchObject({ status: 'False' });
    const nodeEvents = events(c).filter((e) => e.involvedObject.kind === 'Node');
    expect(nodeEvents.map((e) => [e.type, e.reason, e.message]).sort()).toEqual([
      ['Normal', 'NodeHasDiskPressure', 'Node node-1 status is now: NodeHasDiskPressure'],
      ['Warning', 'EvictionThresholdMet', 'Attempting to reclaim ephemeral-storage'],
    ]);
    expect(events(c).filter((e) => e.involvedObject.name === 'writer' && e.reason === 'Evicted').map((e) => e.message)).toEqual([message]);
    // under DiskPressure the kubelet admits no pod, BestEffort or not
    create(c, 'late', {}, { nodeName: 'node-1' }, { resources: { requests: { memory: '10Mi' } } });
    expect(c.runUntil(() => phase(c, 'late') === 'Failed', { timeout: 30_000 })).toBe(true);
    expect(c.object<Pod>('pods', 'late')!.status).toMatchObject({ reason: 'Evicted', message: 'Pod was rejected: The node had condition: [DiskPressure]. ' });
    // the writer gone, the disk is fine again: the condition clears after the transition period
    expect(c.runUntil(() => condition(c, 'DiskPressure')?.status === 'False', { timeout: 10 * 60_000 })).toBe(true);
    expect(condition(c, 'DiskPressure')).toMatchObject({ reason: 'KubeletHasNoDiskPressure', message: 'kubelet has no disk pressure' });
    expect(phase(c, 'quiet')).toBe('Running');
    c.stop();
  });

  it('pid.available: PIDPressure and the pid-pressure taint; the lower priority pod goes, then the one with more processes', () => {
    const c = createCluster({ nodes: [{ name: 'node-1', pidMax: 1000 }], kubeletConfiguration: { evictionHard: { 'pid.available': '10%' } } });
    c.client.create({ apiVersion: 'scheduling.k8s.io/v1', kind: 'PriorityClass', metadata: { name: 'high' }, value: 1000 } as never);
    create(c, 'important', { pids: 500 }, { priorityClassName: 'high' });
    create(c, 'small', { pids: 20 });
    expect(c.runUntil(() => phase(c, 'important') === 'Running' && phase(c, 'small') === 'Running', { timeout: 60_000 })).toBe(true);
    expect(condition(c, 'PIDPressure')).toMatchObject({ status: 'False', reason: 'KubeletHasSufficientPID' });
    create(c, 'forky', { pids: 400 });
    // 1000 − 500 − 20 − 400 = 80 available, below 10% (100): the lowest priority first, then the most processes
    expect(c.runUntil(() => ['important', 'small', 'forky'].some((n) => phase(c, n) === 'Failed'), { timeout: 60_000 })).toBe(true);
    expect(c.object<Pod>('pods', 'forky')!.status).toMatchObject({ phase: 'Failed', reason: 'Evicted', message: 'The node was low on resource: pids. Threshold quantity: 100, available: 80. ' });
    expect(phase(c, 'small')).toBe('Running');
    expect(phase(c, 'important')).toBe('Running');
    expect(c.runUntil(() => c.object<Node>('nodes', 'node-1')?.spec?.taints?.some((t) => t.key === 'node.kubernetes.io/pid-pressure') === true, { timeout: 30_000 })).toBe(true);
    expect(condition(c, 'PIDPressure')).toMatchObject({ status: 'True', reason: 'KubeletHasInsufficientPID', message: 'kubelet has insufficient PID available' });
    expect(events(c).filter((e) => e.involvedObject.kind === 'Node').map((e) => e.reason).sort()).toEqual(['EvictionThresholdMet', 'NodeHasInsufficientPID']);
    c.stop();
  });

  it('a soft threshold: MemoryPressure at once, the eviction only after evictionSoftGracePeriod', () => {
    const c = createCluster({
      nodes: [{ name: 'node-1', capacity: { memory: '1200Mi' } }],
      kubeletConfiguration: { evictionHard: { 'memory.available': '50Mi' }, evictionSoft: { 'memory.available': '150Mi' }, evictionSoftGracePeriod: { 'memory.available': '1m30s' }, evictionMaxPodGracePeriod: 5 },
    });
    // 1200Mi − 512Mi node overhead − 600Mi = 88Mi: below the soft threshold only
    create(c, 'hog', { memory: '600Mi' });
    expect(c.runUntil(() => condition(c, 'MemoryPressure')?.status === 'True', { timeout: 60_000 })).toBe(true);
    const pressureAt = c.now();
    expect(phase(c, 'hog')).toBe('Running');
    expect(c.runUntil(() => phase(c, 'hog') === 'Failed', { timeout: 5 * 60_000 })).toBe(true);
    expect(c.now() - pressureAt).toBeGreaterThanOrEqual(80_000);
    expect(c.object<Pod>('pods', 'hog')!.status?.message).toBe('The node was low on resource: memory. Threshold quantity: 150Mi, available: 88Mi. Container hog was using 600Mi, request is 0, has larger consumption of memory. ');
    c.stop();
  });

  it('local storage limits (localStorageEviction): the pod over its total limit, a container over its own; no DisruptionTarget, no node condition', () => {
    const c = createCluster({ nodes: 1 });
    create(c, 'quiet', { 'ephemeral-storage': '100Mi' }, {}, { resources: { limits: { 'ephemeral-storage': '1Gi' } } });
    create(c, 'filler', { 'ephemeral-storage': '2Gi' }, {}, { resources: { limits: { 'ephemeral-storage': '1Gi' } } });
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'two', namespace: 'default', annotations: { ...usage({}), 'kube-actors.io/usage.app': JSON.stringify({ 'ephemeral-storage': '1536Mi' }) } },
      spec: {
        containers: [
          { name: 'app', image: 'nginx:1.27', resources: { limits: { 'ephemeral-storage': '1Gi' } } },
          { name: 'side', image: 'nginx:1.27', resources: { limits: { 'ephemeral-storage': '2Gi' } } },
        ],
      },
    } as Pod);
    expect(c.runUntil(() => phase(c, 'filler') === 'Failed' && phase(c, 'two') === 'Failed', { timeout: 60_000 })).toBe(true);
    expect(c.object<Pod>('pods', 'filler')!.status).toMatchObject({ phase: 'Failed', reason: 'Evicted', message: 'Pod ephemeral local storage usage exceeds the total limit of containers 1Gi. ' });
    expect(c.object<Pod>('pods', 'two')!.status).toMatchObject({ reason: 'Evicted', message: 'Container app exceeded its local ephemeral storage limit "1Gi". ' });
    expect(c.object<Pod>('pods', 'filler')!.status?.conditions?.some((x) => x.type === 'DisruptionTarget')).toBe(false);
    expect(events(c).filter((e) => e.reason === 'Evicted').map((e) => e.involvedObject.name).sort()).toEqual(['filler', 'two']);
    c.advance(30_000);
    expect(phase(c, 'quiet')).toBe('Running');
    expect(c.objects<Node>('nodes').every((n) => n.status?.conditions?.find((x) => x.type === 'DiskPressure')?.status === 'False')).toBe(true);
    expect(events(c).filter((e) => e.reason === 'EvictionThresholdMet')).toEqual([]);
    c.stop();
  });

  it("emptyDir sizeLimit (emptyDirLimitEviction): a volume over its limit by what the pod's containers wrote into it together; a volume under its limit, or without one, keeps its pod", () => {
    const c = createCluster({ nodes: 1 });
    const vol = (name: string, sizeLimit?: string) => ({ name, emptyDir: sizeLimit === undefined ? {} : { sizeLimit } });
    const mount = (name: string) => ({ volumeMounts: [{ name, mountPath: '/cache' }] });
    // one container, 600Mi into a 1Gi volume: kept; 2Gi into a volume with no limit: kept
    create(c, 'under', { emptyDir: { cache: '600Mi' } }, { volumes: [vol('cache', '1Gi')] }, mount('cache'));
    create(c, 'unlimited', { emptyDir: { cache: '2Gi' } }, { volumes: [vol('cache')] }, mount('cache'));
    // two containers, 600Mi each into one 1Gi volume: 1200Mi > 1Gi
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'shared', namespace: 'default', annotations: usage({ emptyDir: { cache: '600Mi' } }) },
      spec: {
        volumes: [vol('cache', '1Gi')],
        containers: [
          { name: 'a', image: 'nginx:1.27', ...mount('cache') },
          { name: 'b', image: 'nginx:1.27', ...mount('cache') },
        ],
      },
    } as Pod);
    expect(c.runUntil(() => phase(c, 'shared') === 'Failed', { timeout: 60_000 })).toBe(true);
    expect(c.object<Pod>('pods', 'shared')!.status).toMatchObject({ phase: 'Failed', reason: 'Evicted', message: 'Usage of EmptyDir volume "cache" exceeds the limit "1Gi". ' });
    expect(c.object<Pod>('pods', 'shared')!.status?.conditions?.some((x) => x.type === 'DisruptionTarget')).toBe(false);
    c.advance(30_000);
    expect(phase(c, 'under')).toBe('Running');
    expect(phase(c, 'unlimited')).toBe('Running');
    c.stop();
  });

  it('a usage emptyDir entry that is not a quantity is refused, naming the volume', () => {
    const c = createCluster({ nodes: 1 });
    expect(() => create(c, 'bad', { emptyDir: { cache: 'lots' } })).toThrow('"emptyDir.cache" must be a non-negative quantity (e.g. "1Gi"); got "lots"');
    c.stop();
  });
});
