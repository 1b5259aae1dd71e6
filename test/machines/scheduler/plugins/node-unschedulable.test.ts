import { describe, it, expect } from 'vitest';
import { NodeUnschedulable } from '../../../../machines/scheduler/plugins/node-unschedulable.js';
import { SUCCESS } from '../../../../machines/scheduler/framework.js';
import type { Toleration } from '../../../../src/api/types.js';
import { makeNode, makePod, nodeInfo, stateOf } from '../helpers.js';

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
