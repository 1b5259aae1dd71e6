import { describe, it, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import {
  compareGoStrings,
  defaultNormalizeScore,
  fitErrorMessage,
  unresolvable,
  unschedulable,
  type PluginStatus,
} from '../../../machines/scheduler/framework.js';
import { computePodRequests } from '../../../machines/scheduler/node-info.js';
import type { Pod } from '../../../src/api/types.js';

const GI = 1024 ** 3;
const MI = 1024 ** 2;

function pod(spec: NonNullable<Pod['spec']>): Pod {
  return { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', namespace: 'default' }, spec };
}
const c = (name: string, requests?: Record<string, string>, restartPolicy?: string) => ({
  name,
  image: 'i',
  resources: requests ? { requests } : undefined,
  restartPolicy,
});

describe('computePodRequests', () => {
  it('sums app containers and takes the max with each init container (kube example)', () => {
    const p = pod({
      initContainers: [c('ic1', { cpu: '2', memory: '1G' }), c('ic2', { cpu: '2', memory: '3G' })],
      containers: [c('c1', { cpu: '2', memory: '1G' }), c('c2', { cpu: '1', memory: '1G' })],
    });
    expect(computePodRequests(p)).toEqual({ milliCpu: 3000, memory: 3e9, ephemeralStorage: 0, pods: 1 });
  });

  it('adds sidecars (restartPolicy Always) to the sum and to later init containers', () => {
    const p = pod({
      initContainers: [c('side', { cpu: '500m' }, 'Always'), c('init', { cpu: '1' })],
      containers: [c('app', { cpu: '200m' })],
    });
    // app 200m + sidecar 500m = 700m; init while the sidecar runs: 1000m + 500m = 1500m
    expect(computePodRequests(p).milliCpu).toBe(1500);
  });

  it('adds the pod overhead and honours pod-level requests', () => {
    const p = pod({
      containers: [c('a', { cpu: '100m', memory: '100Mi', 'ephemeral-storage': '1Gi' })],
      overhead: { cpu: '50m', memory: '10Mi' },
    });
    expect(computePodRequests(p)).toEqual({ milliCpu: 150, memory: 110 * MI, ephemeralStorage: GI, pods: 1 });
    const podLevel = pod({ containers: [c('a', { cpu: '100m' }), c('b')], resources: { requests: { cpu: '2' } } });
    expect(computePodRequests(podLevel).milliCpu).toBe(2000);
  });

  it('with nonZero counts 100m / 200Mi per container missing a request (not one set to 0)', () => {
    const p = pod({ containers: [c('a'), c('b', { cpu: '0', memory: '1Gi' }), c('d', { cpu: '300m' })] });
    expect(computePodRequests(p)).toMatchObject({ milliCpu: 300, memory: GI });
    expect(computePodRequests(p, { nonZero: true })).toMatchObject({ milliCpu: 100 + 0 + 300, memory: 200 * MI + GI + 200 * MI });
  });
});

describe('defaultNormalizeScore', () => {
  it('scales to the maximum with integer division', () => {
    const s = [1, 2, 3];
    defaultNormalizeScore(100, false, s);
    expect(s).toEqual([33, 66, 100]);
  });
  it('reverses', () => {
    const s = [1, 2, 3];
    defaultNormalizeScore(100, true, s);
    expect(s).toEqual([67, 34, 0]);
  });
  it('leaves all-zero scores at 0, or 100 reversed', () => {
    const a = [0, 0];
    defaultNormalizeScore(100, false, a);
    expect(a).toEqual([0, 0]);
    defaultNormalizeScore(100, true, a);
    expect(a).toEqual([100, 100]);
  });
});

describe('fitErrorMessage', () => {
  const st = (plugin: string, s: PluginStatus['status']): PluginStatus => ({ plugin, status: s });
  it('words the histogram as kube-scheduler, sorted as Go sorts strings', () => {
    const nodeStatuses = new Map<string, PluginStatus>([
      ['w1', st('NodeResourcesFit', unschedulable('Insufficient cpu'))],
      ['cp1', st('TaintToleration', unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'))],
      ['cp2', st('TaintToleration', unresolvable('node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }'))],
    ]);
    expect(fitErrorMessage({ numAllNodes: 3, nodeStatuses, absentStatus: undefined, preFilterMessage: undefined })).toBe(
      '0/3 nodes are available: 1 Insufficient cpu, 2 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }.',
    );
  });
  it('sorts counts as strings ("10 ..." before "2 ...") and counts every reason of a node', () => {
    const nodeStatuses = new Map<string, PluginStatus>();
    for (let i = 0; i < 10; i++) nodeStatuses.set(`a${i}`, st('NodeResourcesFit', unschedulable('Insufficient memory')));
    nodeStatuses.set('b0', st('NodeResourcesFit', unschedulable('Insufficient cpu', 'Insufficient memory')));
    nodeStatuses.set('b1', st('NodeResourcesFit', unschedulable('Insufficient cpu')));
    expect(fitErrorMessage({ numAllNodes: 12, nodeStatuses, absentStatus: undefined, preFilterMessage: undefined }, 'x')).toBe(
      '0/12 nodes are available: 11 Insufficient memory, 2 Insufficient cpu. x',
    );
  });
  it('counts absent nodes with the absent status, and lets a pre-filter message stand alone', () => {
    const absent = st('NodeAffinity', unresolvable("node(s) didn't satisfy plugin(s) [NodeAffinity]"));
    const nodeStatuses = new Map([['n1', st('NodeResourcesFit', unschedulable('Too many pods'))]]);
    expect(fitErrorMessage({ numAllNodes: 46, nodeStatuses, absentStatus: absent, preFilterMessage: undefined })).toBe(
      "0/46 nodes are available: 1 Too many pods, 45 node(s) didn't satisfy plugin(s) [NodeAffinity].",
    );
    expect(fitErrorMessage({ numAllNodes: 3, nodeStatuses: new Map(), absentStatus: absent, preFilterMessage: 'pod affinity terms conflict' })).toBe(
      '0/3 nodes are available: pod affinity terms conflict.',
    );
  });
});

describe('compareGoStrings', () => {
  test.prop([fc.string({ unit: 'grapheme' }), fc.string({ unit: 'grapheme' })])('orders like UTF-8 bytes', (a, b) => {
    const bytes = Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
    expect(Math.sign(compareGoStrings(a, b))).toBe(bytes);
  });
});
