import { describe, it, expect } from 'vitest';
import { NodeUnschedulable } from '../../../../machines/scheduler/plugins/node-unschedulable.js';
import { SUCCESS } from '../../../../machines/scheduler/framework.js';
import type { Toleration } from '../../../../src/api/types.js';
import { makeNode, makePod, nodeInfo, registration, stateOf } from '../helpers.js';
import { ActionType, type QueueingHint } from '../../../../machines/scheduler/events.js';

describe('NodeUnschedulable', () => {
  it('passes a schedulable node', () => {
    const pod = makePod('p');
    expect(NodeUnschedulable.filter(pod, nodeInfo(makeNode('n')), stateOf(pod))).toBe(SUCCESS);
  });
  it('rejects a cordoned node as unresolvable', () => {
    const pod = makePod('p');
    const st = NodeUnschedulable.filter(pod, nodeInfo(makeNode('n', { unschedulable: true })), stateOf(pod));
    expect(st).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ['node(s) were unschedulable'] });
  });
  it('lets a pod tolerating node.kubernetes.io/unschedulable:NoSchedule onto a cordoned node', () => {
    const tolerations: Toleration[] = [
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unschedulable', operator: 'Exists' },
      { operator: 'Exists' },
    ];
    for (const t of tolerations) {
      const pod = makePod('p', { tolerations: [t] });
      expect(NodeUnschedulable.filter(pod, nodeInfo(makeNode('n', { unschedulable: true })), stateOf(pod))).toBe(SUCCESS);
    }
    const wrongEffect = makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoExecute' }] });
    expect(NodeUnschedulable.filter(wrongEffect, nodeInfo(makeNode('n', { unschedulable: true })), stateOf(wrongEffect)).code).toBe(
      'UnschedulableAndUnresolvable',
    );
  });
});

describe('NodeUnschedulable events and queueing hints (after TestIsSchedulableAfterNodeChange / TestIsSchedulableAfterPodTolerationChange)', () => {
  it('registers Node Add | UpdateNodeTaint and Pod UpdatePodTolerations', () => {
    expect(NodeUnschedulable.events!.map((e) => [e.event.resource, e.event.actionType])).toEqual([
      ['Node', ActionType.Add | ActionType.UpdateNodeTaint],
      ['Pod', ActionType.UpdatePodTolerations],
    ]);
  });
  const nodeHint = registration(NodeUnschedulable, 'Node').hint;
  const podHint = registration(NodeUnschedulable, 'Pod').hint;
  const pod = makePod('p');
  it.each<[string, boolean | undefined, boolean, QueueingHint]>([
    ['skip-queue-on-unschedulable-node-added', undefined, true, 'QueueSkip'],
    ['queue-on-schedulable-node-added', undefined, false, 'Queue'],
    ['skip-unrelated-change', true, true, 'QueueSkip'],
    ['skip-queue-on-a-node-cordoned', false, true, 'QueueSkip'],
    ['queue-on-unschedulable-field-change', true, false, 'Queue'],
  ])('%s', (_name, before, after, want) => {
    expect(nodeHint(pod, before === undefined ? undefined : makeNode('n', { unschedulable: before }), makeNode('n', { unschedulable: after }))).toBe(want);
  });
  it('queues the pod itself when it now tolerates node.kubernetes.io/unschedulable', () => {
    const tolerating = makePod('p', { tolerations: [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }] });
    const unrelated = makePod('p', { tolerations: [{ key: 'other', operator: 'Exists' }] });
    expect(podHint(pod, pod, tolerating)).toBe('Queue');
    expect(podHint(pod, pod, unrelated)).toBe('QueueSkip');
    expect(podHint(pod, makePod('q'), makePod('q', { tolerations: tolerating.spec!.tolerations }))).toBe('QueueSkip');
  });
});
