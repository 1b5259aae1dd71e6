import { describe, expect, it } from 'vitest';
import { misfit, nodeAllocatable, podRequests, podsByNode, selectorMatches, tolerates, untoleratedTaints, usedBy } from '../../src/verify/resources.js';
import type { Pod } from '../../src/api/types.js';

const p = (cpu: string, memory: string, extra: Partial<Pod['spec']> = {}, phase = 'Running', node = 'node-1'): Pod =>
  ({ metadata: { name: 'x' }, spec: { nodeName: node, containers: [{ name: 'a', resources: { requests: { cpu, memory } } }], ...extra }, status: { phase } }) as Pod;

describe('resource arithmetic', () => {
  it('sums containers and raises to the largest init container', () => {
    const pod = { spec: { containers: [{ name: 'a', resources: { requests: { cpu: '100m', memory: '64Mi' } } }, { name: 'b', resources: { requests: { cpu: '0.2' } } }], initContainers: [{ name: 'i', resources: { requests: { cpu: '1', memory: '32Mi' } } }] } } as unknown as Pod;
    expect(podRequests(pod)).toEqual({ cpu: 1000, memory: 64 * 2 ** 20, pods: 1 });
    expect(podRequests({ spec: { containers: [{ name: 'a', resources: { requests: { cpu: 'lots' } } }] } } as unknown as Pod)).toEqual({ cpu: 0, memory: 0, pods: 1 });
  });

  it('counts only pods that still hold resources', () => {
    expect(usedBy([p('500m', '1Gi'), p('1', '1Gi', {}, 'Succeeded'), p('250m', '0', {}, 'Pending')])).toEqual({ cpu: 750, memory: 2 ** 30, pods: 2 });
  });

  it('reads allocatable from the Node, else what its kubelet computes from its spec', () => {
    expect(nodeAllocatable({ status: { allocatable: { cpu: '2', memory: '4Gi', pods: '10' } } } as never)).toEqual({ cpu: 2000, memory: 4 * 2 ** 30, pods: 10 });
    // the kubelet's default hard eviction threshold (memory.available<100Mi) is not allocatable
    expect(nodeAllocatable(undefined, { name: 'n', capacity: { cpu: '1', memory: '1Gi', pods: '3' }, address: '', podCIDR: '' })).toEqual({ cpu: 1000, memory: 2 ** 30 - 100 * 2 ** 20, pods: 3 });
    expect(nodeAllocatable(undefined, { name: 'n', capacity: { cpu: '1', memory: '1Gi', pods: '3' }, allocatable: { cpu: '1', memory: '1Gi', pods: '3' }, address: '', podCIDR: '' })).toEqual({ cpu: 1000, memory: 2 ** 30, pods: 3 });
  });

  it('tolerates as Kubernetes does', () => {
    const taint = { key: 'dedicated', value: 'infra', effect: 'NoSchedule' as const };
    expect(tolerates({ key: 'dedicated', operator: 'Exists' }, taint)).toBe(true);
    expect(tolerates({ key: 'dedicated', operator: 'Equal', value: 'infra', effect: 'NoSchedule' }, taint)).toBe(true);
    expect(tolerates({ key: 'dedicated', operator: 'Equal', value: 'db' }, taint)).toBe(false);
    expect(tolerates({ operator: 'Exists' }, taint)).toBe(true);
    expect(tolerates({ key: 'dedicated', operator: 'Exists', effect: 'NoExecute' }, taint)).toBe(false);
    expect(untoleratedTaints(p('1', '1'), [taint, { key: 'soft', effect: 'PreferNoSchedule' }])).toEqual([taint]);
  });

  it('says why a pod does not fit', () => {
    const alloc = { cpu: 1000, memory: 2 ** 30, pods: 2 };
    const bound = [p('600m', '100Mi')];
    expect(misfit(p('300m', '100Mi'), alloc, bound, {}, [])).toEqual([]);
    expect(misfit(p('500m', '1Gi', { nodeSelector: { zone: 'a' } }), alloc, bound, { zone: 'b' }, [{ key: 'x', effect: 'NoExecute' }])).toEqual(['node selector', 'taint', 'cpu', 'memory']);
    expect(misfit(p('1m', '1'), { ...alloc, pods: 1 }, bound, {}, [])).toEqual(['pods']);
    expect(selectorMatches(p('1', '1', { nodeSelector: { zone: 'a' } }), { zone: 'a', other: 'x' })).toBe(true);
  });

  it('groups bound pods by node', () => {
    const map = podsByNode([p('1', '1', {}, 'Running', 'node-1'), p('1', '1', {}, 'Running', 'node-2'), { spec: {} } as Pod, p('1', '1', {}, 'Running', 'node-1')]);
    expect([...map.keys()]).toEqual(['node-1', 'node-2']);
    expect(map.get('node-1')!.length).toBe(2);
  });
});
