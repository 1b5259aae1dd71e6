import { describe, it, expect } from 'vitest';
import { NodeName } from '../../../../machines/scheduler/plugins/node-name.js';
import { SUCCESS } from '../../../../machines/scheduler/framework.js';
import { makeNode, makePod, nodeInfo, registration, stateOf } from '../helpers.js';
import { ActionType, type QueueingHint } from '../../../../machines/scheduler/events.js';

describe('NodeName', () => {
  it('passes every node for a pod without spec.nodeName', () => {
    const pod = makePod('p');
    expect(NodeName.filter(pod, nodeInfo(makeNode('a')), stateOf(pod))).toBe(SUCCESS);
  });
  it('passes only the named node', () => {
    const pod = makePod('p', { nodeName: 'b' });
    expect(NodeName.filter(pod, nodeInfo(makeNode('b')), stateOf(pod))).toBe(SUCCESS);
    expect(NodeName.filter(pod, nodeInfo(makeNode('a')), stateOf(pod))).toEqual({
      code: 'UnschedulableAndUnresolvable',
      reasons: ["node(s) didn't match the requested node name"],
    });
  });
});

describe('NodeName events and queueing hint (isSchedulableAfterNodeAdd)', () => {
  it('registers Node Add and queues only for the named node', () => {
    expect(NodeName.events!.map((e) => [e.event.resource, e.event.actionType])).toEqual([['Node', ActionType.Add]]);
    const { hint } = registration(NodeName, 'Node');
    const want: QueueingHint[] = [hint(makePod('p', { nodeName: 'a' }), undefined, makeNode('a')), hint(makePod('p', { nodeName: 'a' }), undefined, makeNode('b'))];
    expect(want).toEqual(['Queue', 'QueueSkip']);
  });
});
