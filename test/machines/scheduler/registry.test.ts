import { describe, it, expect } from 'vitest';
import { DEFAULT_FILTERS, DEFAULT_SCORES, createProfile, defaultProfile } from '../../../machines/scheduler/registry.js';
import { SUCCESS, unresolvable, type FilterPlugin, type ScorePlugin } from '../../../machines/scheduler/framework.js';

describe('default profile', () => {
  it('runs the filters in kube-scheduler order', () => {
    expect(defaultProfile.filters.map((p) => p.name)).toEqual([
      'NodeUnschedulable',
      'NodeName',
      'TaintToleration',
      'NodeAffinity',
      'NodePorts',
      'NodeResourcesFit',
      'VolumeRestrictions',
      'VolumeBinding',
      'PodTopologySpread',
      'InterPodAffinity',
    ]);
  });
  it('weights the scores as kube-scheduler does', () => {
    expect(defaultProfile.scores.map((s) => [s.plugin.name, s.weight])).toEqual([
      ['TaintToleration', 3],
      ['NodeAffinity', 2],
      ['NodeResourcesFit', 1],
      ['PodTopologySpread', 2],
      ['InterPodAffinity', 2],
      ['NodeResourcesBalancedAllocation', 1],
      ['ImageLocality', 1],
    ]);
  });
  it('uses the adaptive percentage and DefaultPreemption', () => {
    expect(defaultProfile.percentageOfNodesToScore).toBeUndefined();
    expect(defaultProfile.postFilter?.name).toBe('DefaultPreemption');
  });
});

describe('createProfile', () => {
  const gpuOnly: FilterPlugin = { name: 'GpuOnly', filter: (_p, ni) => (ni.name.startsWith('gpu') ? SUCCESS : unresolvable('no gpu')) };
  const alphabetical: ScorePlugin = { name: 'Alphabetical', score: (_p, ni) => (ni.name < 'm' ? 100 : 0) };

  it('adds plain-object plugins after the defaults, a bare score plugin with weight 1', () => {
    const p = createProfile({ addFilters: [gpuOnly], addScores: [alphabetical, { plugin: { name: 'X', score: () => 0 }, weight: 5 }] });
    expect(p.filters.map((f) => f.name)).toEqual([...DEFAULT_FILTERS.map((f) => f.name), 'GpuOnly']);
    expect(p.scores.slice(-2).map((s) => [s.plugin.name, s.weight])).toEqual([
      ['Alphabetical', 1],
      ['X', 5],
    ]);
  });

  it('removes defaults by name from every list', () => {
    const p = createProfile({ disable: ['TaintToleration', 'NodeResourcesBalancedAllocation', 'DefaultPreemption'] });
    expect(p.filters.map((f) => f.name)).not.toContain('TaintToleration');
    expect(p.scores.map((s) => s.plugin.name)).toEqual(['NodeAffinity', 'NodeResourcesFit', 'PodTopologySpread', 'InterPodAffinity', 'ImageLocality']);
    expect(p.postFilter).toBeUndefined();
  });

  it('replaces the lists', () => {
    const p = createProfile({ filters: [gpuOnly], scores: [], postFilter: null, percentageOfNodesToScore: 30 });
    expect(p.filters).toEqual([gpuOnly]);
    expect(p.scores).toEqual([]);
    expect(p.percentageOfNodesToScore).toBe(30);
    expect(DEFAULT_SCORES).toHaveLength(7);
  });

  it('rejects bad plugins and settings', () => {
    expect(() => createProfile({ addFilters: [DEFAULT_FILTERS[0]!] })).toThrow(/listed twice/);
    expect(() => createProfile({ addFilters: [{ name: 'NoFn' } as FilterPlugin] })).toThrow(TypeError);
    expect(() => createProfile({ addScores: [{ plugin: alphabetical, weight: 0 }] })).toThrow(RangeError);
    expect(() => createProfile({ percentageOfNodesToScore: 101 })).toThrow(RangeError);
    expect(createProfile({ percentageOfNodesToScore: 0 }).percentageOfNodesToScore).toBeUndefined();
  });
});
