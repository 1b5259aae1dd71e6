import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseSchedulerConfiguration, schedulerConfiguration, SchedulerConfigurationError } from '../../../machines/scheduler/configuration.js';
import { defaultProfile } from '../../../machines/scheduler/registry.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { makeNode, makePod, nodeInfo, stateOf } from './helpers.js';

const BASE = { apiVersion: 'kubescheduler.config.k8s.io/v1', kind: 'KubeSchedulerConfiguration' };
const cfg = (profile: object, top: object = {}) => schedulerConfiguration({ ...BASE, ...top, profiles: [profile] });
const filterNames = (p: ReturnType<typeof cfg>) => p.profile.filters.map((f) => f.name);
const scoreWeights = (p: ReturnType<typeof cfg>) => p.profile.scores.map((s) => [s.plugin.name, s.weight]);

describe('KubeSchedulerConfiguration', () => {
  it('without plugins is the default profile: filters in order, weights, DefaultPreemption, the default scheduler name and back-off', () => {
    const c = schedulerConfiguration(BASE);
    expect(filterNames(c)).toEqual(defaultProfile.filters.map((f) => f.name));
    expect(scoreWeights(c)).toEqual(defaultProfile.scores.map((s) => [s.plugin.name, s.weight]));
    expect(c.profile.postFilter?.name).toBe('DefaultPreemption');
    expect(c.profile.percentageOfNodesToScore).toBeUndefined();
    expect(c).toMatchObject({ schedulerName: 'default-scheduler', podInitialBackoffMs: 1000, podMaxBackoffMs: 10000 });
  });

  it('disables plugins per extension point or everywhere (multiPoint), and all defaults of a point with *', () => {
    const c = cfg({ plugins: { score: { disabled: [{ name: 'ImageLocality' }] }, multiPoint: { disabled: [{ name: 'NodePorts' }] } } });
    expect(filterNames(c)).not.toContain('NodePorts');
    expect(scoreWeights(c).map(([n]) => n)).not.toContain('ImageLocality');
    expect(filterNames(c)).toContain('TaintToleration');
    const onlyFit = cfg({ plugins: { score: { disabled: [{ name: '*' }], enabled: [{ name: 'NodeResourcesFit', weight: 4 }] } } });
    expect(scoreWeights(onlyFit)).toEqual([['NodeResourcesFit', 4]]);
    expect(cfg({ plugins: { postFilter: { disabled: [{ name: 'DefaultPreemption' }] } } }).profile.postFilter).toBeUndefined();
  });

  it('a plugin enabled at score overrides its multiPoint entry and comes first (expandMultiPointPlugins), with its weight', () => {
    const c = cfg({ plugins: { score: { enabled: [{ name: 'ImageLocality', weight: 5 }] } } });
    expect(scoreWeights(c)[0]).toEqual(['ImageLocality', 5]);
    expect(scoreWeights(c).filter(([n]) => n === 'ImageLocality')).toHaveLength(1);
    // a multiPoint re-configuration keeps the default order; weight 0 means 1
    const m = cfg({ plugins: { multiPoint: { enabled: [{ name: 'TaintToleration', weight: 0 }] } } });
    expect(scoreWeights(m)[0]).toEqual(['TaintToleration', 1]);
  });

  it('takes percentageOfNodesToScore from the profile, else from the top level; the scheduler name and back-off', () => {
    expect(cfg({}, { percentageOfNodesToScore: 30 }).profile.percentageOfNodesToScore).toBe(30);
    expect(cfg({ percentageOfNodesToScore: 70 }, { percentageOfNodesToScore: 30 }).profile.percentageOfNodesToScore).toBe(70);
    expect(cfg({ schedulerName: 'packer' }, { podInitialBackoffSeconds: 2, podMaxBackoffSeconds: 60 })).toMatchObject({ schedulerName: 'packer', podInitialBackoffMs: 2000, podMaxBackoffMs: 60000 });
  });

  it('NodeResourcesFit scoringStrategy MostAllocated prefers the fuller node, RequestedToCapacityRatio follows its shape', () => {
    const full = nodeInfo(makeNode('full', { cpu: '4', memory: '8Gi' }), [makePod('a', { cpu: '2', memory: '4Gi' })]);
    const empty = nodeInfo(makeNode('empty', { cpu: '4', memory: '8Gi' }));
    const pod = makePod('p', { cpu: '1', memory: '2Gi' });
    const fit = (c: ReturnType<typeof cfg>) => c.profile.scores.find((s) => s.plugin.name === 'NodeResourcesFit')!.plugin;
    const most = fit(cfg({ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }] }));
    // full: cpu 3000*100/4000 = 75, memory 6Gi*100/8Gi = 75; empty: 25, 25
    expect([most.score(pod, full, stateOf(pod)), most.score(pod, empty, stateOf(pod))]).toEqual([75, 25]);
    const rtc = fit(cfg({ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 0, score: 0 }, { utilization: 100, score: 10 }] } } } }] }));
    expect([rtc.score(pod, full, stateOf(pod)), rtc.score(pod, empty, stateOf(pod))]).toEqual([75, 25]);
    const least = fit(cfg({ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'LeastAllocated', resources: [{ name: 'cpu', weight: 3 }, { name: 'memory', weight: 1 }] } } }] }));
    expect(least.score(pod, empty, stateOf(pod))).toBe(75);
  });

  it('passes PodTopologySpread and InterPodAffinity args to the plugins, checking them as kube does', () => {
    expect(() => cfg({ pluginConfig: [{ name: 'PodTopologySpread', args: { defaultingType: 'List', defaultConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] } }] })).not.toThrow();
    expect(() => cfg({ pluginConfig: [{ name: 'PodTopologySpread', args: { defaultConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule' }] } }] })).toThrow(
      'profiles[0].pluginConfig[0].args: defaultConstraints: Invalid value: when .defaultingType is "System", .defaultConstraints must be empty',
    );
    expect(() => cfg({ pluginConfig: [{ name: 'InterPodAffinity', args: { hardPodAffinityWeight: 101 } }] })).toThrow('profiles[0].pluginConfig[0].args.hardPodAffinityWeight: Invalid value: 101: not in valid range [0, 100]');
    expect(() => cfg({ pluginConfig: [{ name: 'InterPodAffinity', args: { kind: 'InterPodAffinityArgs', hardPodAffinityWeight: 5 } }] })).not.toThrow();
  });

  it('refuses what it cannot honour, naming the field', () => {
    const refused: [unknown, string][] = [
      [{ ...BASE, parallelism: 16, foo: 1 }, 'foo: unknown field "foo"'],
      [{ ...BASE, apiVersion: 'kubescheduler.config.k8s.io/v1beta3' }, 'apiVersion: Unsupported value: "kubescheduler.config.k8s.io/v1beta3"'],
      [{ ...BASE, profiles: [{}, { schedulerName: 'b' }] }, 'profiles[1]: Unsupported value: kube-actors runs one scheduling profile'],
      [{ ...BASE, extenders: [{ urlPrefix: 'http://x' }] }, 'extenders: Unsupported value'],
      [{ ...BASE, profiles: [{ plugins: { filter: { enabled: [{ name: 'Foo' }] } } }] }, 'profiles[0].plugins.filter.enabled[0].name: Invalid value: "Foo": plugin "Foo" does not exist'],
      [{ ...BASE, profiles: [{ plugins: { filter: { enabled: [{ name: 'NodeVolumeLimits' }] } } }] }, 'profiles[0].plugins.filter.enabled[0].name: Unsupported value: "NodeVolumeLimits": plugin NodeVolumeLimits is not modelled by kube-actors'],
      [{ ...BASE, profiles: [{ plugins: { preBind: { disabled: [{ name: 'VolumeBinding' }] } } }] }, 'profiles[0].plugins.preBind: Unsupported value: "VolumeBinding": its Filter, Reserve and PreBind run together in kube-actors; enable or disable them all'],
      [{ ...BASE, profiles: [{ pluginConfig: [{ name: 'VolumeBinding', args: { shape: [] } }] }] }, 'profiles[0].pluginConfig[0].args.shape: Forbidden: not allowed if VolumeCapacityPriority feature is disabled'],
      [{ ...BASE, profiles: [{ plugins: { score: { enabled: [{ name: 'NodeName' }] } } }] }, 'plugin "NodeName" does not extend Score'],
      [{ ...BASE, profiles: [{ plugins: { score: { enabled: [{ name: 'ImageLocality', weight: -1 }] } } }] }, 'profiles[0].plugins.score.enabled[0].weight: Invalid value: -1'],
      [{ ...BASE, profiles: [{ plugins: { filter: { enabled: [{ name: 'NodeName', extra: 1 }] } } }] }, 'profiles[0].plugins.filter.enabled[0].extra: unknown field "extra"'],
      [{ ...BASE, profiles: [{ plugins: { preFilter: { disabled: [{ name: 'PodTopologySpread' }] } } }] }, 'profiles[0].plugins.preFilter: Unsupported value: "PodTopologySpread": its PreFilter and Filter run together'],
      [{ ...BASE, profiles: [{ plugins: { queueSort: { disabled: [{ name: 'PrioritySort' }] } } }] }, "kube-actors' scheduler always runs PrioritySort"],
      [{ ...BASE, profiles: [{ pluginConfig: [{ name: 'DefaultPreemption', args: { minCandidateNodesPercentage: 50 } }] }] }, 'profiles[0].pluginConfig[0].args.minCandidateNodesPercentage: Unsupported value: 50'],
      [{ ...BASE, profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'Random' } } }] }] }, 'scoringStrategy.type: Unsupported value: "Random"'],
      [{ ...BASE, profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { resources: [{ name: 'nvidia.com/gpu', weight: 1 }] } } }] }] }, 'scoringStrategy.resources[0].name: Unsupported value: "nvidia.com/gpu"'],
      [{ ...BASE, profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { ignoredResources: ['x'] } }] }] }, 'profiles[0].pluginConfig[0].args.ignoredResources: Unsupported value'],
      [{ ...BASE, profiles: [{ pluginConfig: [{ name: 'NodeName', args: {} }, { name: 'NodeName', args: {} }] }] }, 'profiles[0].pluginConfig[1]: Duplicate value: "NodeName"'],
      [{ ...BASE, profiles: [{ pluginConfig: [{ name: 'TaintToleration', args: {} }] }] }, 'plugin TaintToleration takes no args'],
      [{ ...BASE, profiles: [{ pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'RequestedToCapacityRatio', requestedToCapacityRatio: { shape: [{ utilization: 50, score: 1 }, { utilization: 10, score: 2 }] } } } }] }] }, 'shape[1].utilization: Invalid value: 10: utilization values must be sorted in increasing order'],
      [{ ...BASE, podInitialBackoffSeconds: 5, podMaxBackoffSeconds: 2 }, 'podMaxBackoffSeconds: Invalid value: 2'],
    ];
    for (const [config, message] of refused) {
      let error: unknown;
      try {
        schedulerConfiguration(config);
      } catch (e) {
        error = e;
      }
      expect(error, message).toBeInstanceOf(SchedulerConfigurationError);
      expect((error as Error).message).toContain(message);
    }
  });

  it('accepts disabling the volume plugins kube-actors does not model (kube configurations often do)', () => {
    expect(filterNames(cfg({ plugins: { multiPoint: { disabled: [{ name: 'VolumeZone' }, { name: 'NodeVolumeLimits' }] } } }))).toEqual(defaultProfile.filters.map((f) => f.name));
  });

  it('disables and configures the volume plugins it models', () => {
    expect(filterNames(cfg({ plugins: { multiPoint: { disabled: [{ name: 'VolumeBinding' }, { name: 'VolumeRestrictions' }] } } }))).toEqual(
      defaultProfile.filters.map((f) => f.name).filter((n) => n !== 'VolumeBinding' && n !== 'VolumeRestrictions'),
    );
    expect(filterNames(cfg({ pluginConfig: [{ name: 'VolumeBinding', args: { bindTimeoutSeconds: 30 } }] }))).toEqual(defaultProfile.filters.map((f) => f.name));
  });

  it('reads the YAML of a file: examples/scheduler/bin-packing.yaml', () => {
    const c = parseSchedulerConfiguration(readFileSync('examples/scheduler/bin-packing.yaml', 'utf8'));
    expect(scoreWeights(c).map(([n]) => n)).toEqual(['TaintToleration', 'NodeAffinity', 'NodeResourcesFit', 'InterPodAffinity', 'ImageLocality']);
    expect(() => parseSchedulerConfiguration('profiles: [')).toThrow(/<file>: does not parse as YAML or JSON/);
  });

  it('createCluster({ schedulerConfiguration }) schedules with it: MostAllocated packs pods on one node; exclusive with schedulerProfile', { timeout: 60_000 }, () => {
    const config = parseYaml();
    const cluster = createCluster({ nodes: 3, seed: 2, schedulerConfiguration: config });
    try {
      for (let i = 0; i < 3; i++) cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, namespace: 'default' }, spec: { containers: [{ name: 'a', image: 'nginx', resources: { requests: { cpu: '500m', memory: '256Mi' } } }] } } as never);
      cluster.runUntil(() => cluster.objects('pods', 'default').every((p) => (p as { spec?: { nodeName?: string } }).spec?.nodeName), { timeout: 60_000 });
      const nodes = new Set(cluster.objects('pods', 'default').map((p) => (p as { spec?: { nodeName?: string } }).spec?.nodeName));
      expect(nodes.size).toBe(1);
    } finally {
      cluster.stop();
    }
    expect(() => createCluster({ schedulerConfiguration: config, schedulerProfile: defaultProfile })).toThrow('schedulerConfiguration and schedulerProfile are exclusive');
    expect(() => createCluster({ schedulerConfiguration: { ...BASE, profiles: [{ plugins: { filter: { enabled: [{ name: 'Nope' }] } } }] } })).toThrow(SchedulerConfigurationError);
  });
});

function parseYaml(): unknown {
  return { ...BASE, profiles: [{ plugins: { score: { disabled: [{ name: 'NodeResourcesBalancedAllocation' }, { name: 'PodTopologySpread' }] } }, pluginConfig: [{ name: 'NodeResourcesFit', args: { scoringStrategy: { type: 'MostAllocated' } } }] }] };
}
