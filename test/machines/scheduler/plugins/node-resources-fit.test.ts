import { describe, it, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { NodeResourcesFit, fitsRequest } from '../../../../machines/scheduler/plugins/node-resources-fit.js';
import { SUCCESS } from '../../../../machines/scheduler/framework.js';
import { makeNode, makePod, nodeInfo, registration, stateOf } from '../helpers.js';
import { ActionType, type QueueingHint } from '../../../../machines/scheduler/events.js';

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

describe('NodeResourcesFit events and queueing hints (after TestEventsToRegister / Test_isSchedulableAfterNodeChange)', () => {
  it('registers Pod Delete and Node Add | UpdateNodeAllocatable', () => {
    expect(NodeResourcesFit.events!.map((e) => [e.event.resource, e.event.actionType])).toEqual([
      ['Pod', ActionType.Delete],
      ['Node', ActionType.Add | ActionType.UpdateNodeAllocatable],
    ]);
  });
  const pod = makePod('p', { cpu: '4' });
  const nodeHint = registration(NodeResourcesFit, 'Node').hint;
  const podHint = registration(NodeResourcesFit, 'Pod').hint;
  it.each<[string, ReturnType<typeof makeNode> | undefined, ReturnType<typeof makeNode>, QueueingHint]>([
    ['queue-on-node-add', undefined, makeNode('n', { cpu: '6' }), 'Queue'],
    ['skip-queue-on-node-add-with-insufficient-resource', undefined, makeNode('n', { cpu: '2' }), 'QueueSkip'],
    ['skip-queue-on-node-changes-from-suitable-to-unsuitable', makeNode('n', { cpu: '6' }), makeNode('n', { cpu: '2' }), 'QueueSkip'],
    ['queue-on-node-changes-from-unsuitable-to-suitable', makeNode('n', { cpu: '2' }), makeNode('n', { cpu: '6' }), 'Queue'],
    ['skip-queue-on-node-changes-of-a-resource-the-pod-does-not-request', makeNode('n', { cpu: '6', memory: '1Gi' }), makeNode('n', { cpu: '6', memory: '2Gi' }), 'QueueSkip'],
    ['queue-on-node-accepting-more-pods', makeNode('n', { cpu: '6', pods: 1 }), makeNode('n', { cpu: '6', pods: 2 }), 'Queue'],
  ])('%s', (_name, before, after, want) => {
    expect(nodeHint(pod, before, after)).toBe(want);
  });
  it('a pod deletion queues when the pod was bound, not when it was pending; updates never (no in-place resize in v1.32)', () => {
    expect(podHint(pod, makePod('x', { cpu: '1', nodeName: 'n' }), undefined)).toBe('Queue');
    expect(podHint(pod, makePod('x', { cpu: '1' }), undefined)).toBe('QueueSkip');
    expect(podHint(pod, makePod('x', { cpu: '2', nodeName: 'n' }), makePod('x', { cpu: '1', nodeName: 'n' }))).toBe('QueueSkip');
  });
});
