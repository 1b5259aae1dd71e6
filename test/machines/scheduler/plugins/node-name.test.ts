import { describe, it, expect } from 'vitest';
import { NodeName } from '../../../../machines/scheduler/plugins/node-name.js';
import { SUCCESS } from '../../../../machines/scheduler/framework.js';
import { makeNode, makePod, nodeInfo, stateOf } from '../helpers.js';

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
