import { describe, it, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { NodeResourcesFit, fitsRequest } from '../../../../machines/scheduler/plugins/node-resources-fit.js';
import { SUCCESS } from '../../../../machines/scheduler/framework.js';
import { makeNode, makePod, nodeInfo, stateOf } from '../helpers.js';

const filter = (pod: ReturnType<typeof makePod>, ni: ReturnType<typeof nodeInfo>) => NodeResourcesFit.filter(pod, ni, stateOf(pod));

describe('NodeResourcesFit filter', () => {
  it('passes a pod that fits what is left', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '2', memory: '4Gi' }), [makePod('a', { cpu: '1500m', memory: '3Gi' })]);
    expect(filter(makePod('p', { cpu: '500m', memory: '1Gi' }), ni)).toBe(SUCCESS);
  });

  it('reports Insufficient cpu when the request exceeds allocatable minus requested', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '2' }), [makePod('a', { cpu: '1500m' })]);
    const st = filter(makePod('p', { cpu: '501m' }), ni);
    expect(st.code).toBe('Unschedulable');
    expect(st.reasons).toEqual(['Insufficient cpu']);
  });

  it('reports every shortfall in kube order: pods, cpu, memory, ephemeral-storage', () => {
    const node = makeNode('n', { cpu: '1', memory: '1Gi', pods: 1, ephemeralStorage: '1Gi' });
    const ni = nodeInfo(node, [makePod('a', { cpu: '100m' })]);
    const st = filter(makePod('p', { cpu: '2', memory: '2Gi', ephemeralStorage: '2Gi' }), ni);
    expect(st.reasons).toEqual(['Too many pods', 'Insufficient cpu', 'Insufficient memory', 'Insufficient ephemeral-storage']);
  });

  it('checks only the pod count for a pod without requests, even on an overcommitted node', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '1', pods: 2 }), [makePod('a', { cpu: '3' })]);
    expect(filter(makePod('p'), ni)).toBe(SUCCESS);
    const full = nodeInfo(makeNode('n', { cpu: '1', pods: 1 }), [makePod('a')]);
    expect(filter(makePod('p'), full).reasons).toEqual(['Too many pods']);
  });

  it('ignores a resource the pod does not request on an overcommitted node', () => {
    const ni = nodeInfo(makeNode('n', { cpu: '1', memory: '1Gi' }), [makePod('a', { cpu: '2' })]);
    expect(filter(makePod('p', { memory: '100Mi' }), ni)).toBe(SUCCESS);
  });

  it('a node without ephemeral-storage rejects a pod that requests it', () => {
    const ni = nodeInfo(makeNode('n'));
    expect(filter(makePod('p', { ephemeralStorage: '1Mi' }), ni).reasons).toEqual(['Insufficient ephemeral-storage']);
  });

  test.prop([fc.integer({ min: 0, max: 8000 }), fc.integer({ min: 0, max: 8000 }), fc.integer({ min: 1, max: 8000 })])(
    'passes exactly when request <= allocatable - requested (cpu)',
    (alloc, used, req) => {
      const ni = nodeInfo(makeNode('n', { cpu: `${alloc}m` }), used > 0 ? [makePod('a', { cpu: `${used}m` })] : []);
      const st = filter(makePod('p', { cpu: `${req}m` }), ni);
      expect(st === SUCCESS).toBe(req <= alloc - used);
      expect(fitsRequest(stateOf(makePod('p', { cpu: `${req}m` })).requests, ni).length === 0).toBe(req <= alloc - used);
    },
  );
});
