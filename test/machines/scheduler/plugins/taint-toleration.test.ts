import { describe, it, expect } from 'vitest';
import { TaintToleration, toleratesTaint } from '../../../../machines/scheduler/plugins/taint-toleration.js';
import { SUCCESS } from '../../../../machines/scheduler/framework.js';
import type { Taint, Toleration } from '../../../../src/api/types.js';
import { makeNode, makePod, nodeInfo, registration, stateOf } from '../helpers.js';
import { ActionType, type QueueingHint } from '../../../../machines/scheduler/events.js';

const cp: Taint = { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' };

describe('toleratesTaint', () => {
  const taint: Taint = { key: 'k', value: 'v', effect: 'NoSchedule' };
  const cases: [string, Toleration, boolean][] = [
    ['Equal with same key, value, effect', { key: 'k', operator: 'Equal', value: 'v', effect: 'NoSchedule' }, true],
    ['empty operator means Equal', { key: 'k', value: 'v', effect: 'NoSchedule' }, true],
    ['Equal with another value', { key: 'k', operator: 'Equal', value: 'w', effect: 'NoSchedule' }, false],
    ['Equal without value vs valued taint', { key: 'k', operator: 'Equal', effect: 'NoSchedule' }, false],
    ['Exists ignores the value', { key: 'k', operator: 'Exists', effect: 'NoSchedule' }, true],
    ['empty effect matches every effect', { key: 'k', operator: 'Exists' }, true],
    ['another effect does not match', { key: 'k', operator: 'Exists', effect: 'NoExecute' }, false],
    ['another key does not match', { key: 'x', operator: 'Exists' }, false],
    ['empty key with Exists tolerates everything', { operator: 'Exists' }, true],
    ['alpha Gt operator tolerates nothing', { key: 'k', operator: 'Gt' as Toleration['operator'], value: '1' }, false],
  ];
  for (const [name, toleration, expected] of cases) {
    it(name, () => expect(toleratesTaint(toleration, taint)).toBe(expected));
  }
  it('an empty taint value equals an empty toleration value', () => {
    expect(toleratesTaint({ key: cp.key, operator: 'Equal', effect: 'NoSchedule' }, cp)).toBe(true);
  });
});

describe('TaintToleration filter', () => {
  it('passes an untainted node', () => {
    expect(TaintToleration.filter(makePod('p'), nodeInfo(makeNode('n')), stateOf(makePod('p')))).toBe(SUCCESS);
  });

  it('rejects an untolerated NoSchedule taint, naming it', () => {
    const pod = makePod('p');
    const st = TaintToleration.filter(pod, nodeInfo(makeNode('n', { taints: [cp] })), stateOf(pod));
    expect(st.code).toBe('UnschedulableAndUnresolvable');
    expect(st.reasons).toEqual(['node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }']);
  });

  it('rejects NoExecute, names the first untolerated taint, ignores PreferNoSchedule', () => {
    const taints: Taint[] = [
      { key: 'soft', value: 'x', effect: 'PreferNoSchedule' },
      { key: 'tolerated', value: 'y', effect: 'NoSchedule' },
      { key: 'gpu', value: 'true', effect: 'NoExecute' },
      { key: 'other', value: 'z', effect: 'NoSchedule' },
    ];
    const pod = makePod('p', { tolerations: [{ key: 'tolerated', operator: 'Exists' }] });
    const st = TaintToleration.filter(pod, nodeInfo(makeNode('n', { taints })), stateOf(pod));
    expect(st.reasons).toEqual(['node(s) had untolerated taint {gpu: true}']);
    const soft = makeNode('s', { taints: [taints[0]!] });
    expect(TaintToleration.filter(pod, nodeInfo(soft), stateOf(pod))).toBe(SUCCESS);
  });

  it('passes when a toleration covers the taint', () => {
    const pod = makePod('p', { tolerations: [{ key: cp.key, operator: 'Exists', effect: 'NoSchedule' }] });
    expect(TaintToleration.filter(pod, nodeInfo(makeNode('n', { taints: [cp] })), stateOf(pod))).toBe(SUCCESS);
  });
});

describe('TaintToleration score', () => {
  const soft = (key: string): Taint => ({ key, value: 'v', effect: 'PreferNoSchedule' });
  it('counts intolerable PreferNoSchedule taints and normalizes in reverse', () => {
    const pod = makePod('p', { tolerations: [{ key: 'a', operator: 'Exists', effect: 'PreferNoSchedule' }, { key: 'b', operator: 'Exists', effect: 'NoSchedule' }] });
    const state = stateOf(pod);
    const nodes = [
      makeNode('zero'),
      makeNode('tolerated', { taints: [soft('a')] }),
      makeNode('one', { taints: [soft('b')] }), // the toleration's effect is NoSchedule: not counted as tolerating
      makeNode('two', { taints: [soft('b'), soft('c'), { key: 'hard', effect: 'NoSchedule' }] }),
    ];
    const raw = nodes.map((n) => TaintToleration.score(pod, nodeInfo(n), state));
    expect(raw).toEqual([0, 0, 1, 2]);
    TaintToleration.normalize!(raw, state);
    expect(raw).toEqual([100, 100, 50, 0]);
  });
  it('gives every node 100 when none has intolerable soft taints', () => {
    const scores = [0, 0, 0];
    TaintToleration.normalize!(scores, stateOf(makePod('p')));
    expect(scores).toEqual([100, 100, 100]);
  });
});

describe('TaintToleration events and queueing hints (after Test_isSchedulableAfterNodeChange / Test_isSchedulableAfterPodTolerationChange)', () => {
  it('registers Node Add | UpdateNodeTaint and Pod UpdatePodTolerations', () => {
    expect(TaintToleration.events!.map((e) => [e.event.resource, e.event.actionType])).toEqual([
      ['Node', ActionType.Add | ActionType.UpdateNodeTaint],
      ['Pod', ActionType.UpdatePodTolerations],
    ]);
  });
  const nodeHint = registration(TaintToleration, 'Node').hint;
  const podHint = registration(TaintToleration, 'Pod').hint;
  const t1: Taint = { key: 'taint-key', value: 'taint-value', effect: 'NoSchedule' };
  const t2: Taint = { key: 'taint-key', value: 'other', effect: 'NoSchedule' };
  const pod = makePod('pod1', { tolerations: [{ key: 'taint-key', operator: 'Equal', value: 'taint-value', effect: 'NoSchedule' }] });
  it.each<[string, Taint[] | undefined, Taint[], QueueingHint]>([
    ['skip-queue-on-untoleratedtaint-node-added', undefined, [t2], 'QueueSkip'],
    ['queue-on-toleratedtaint-node-added', undefined, [t1], 'Queue'],
    ['skip-unrelated-change', [t2], [t2, { key: 'another', effect: 'NoSchedule' }], 'QueueSkip'],
    ['queue-on-taint-change', [t2], [t1], 'Queue'],
    ['skip-queue-on-a-node-already-tolerated', [t1], [t1, { key: 'x', effect: 'PreferNoSchedule' }], 'QueueSkip'],
  ])('%s', (_name, before, after, want) => {
    expect(nodeHint(pod, before ? makeNode('n', { taints: before }) : undefined, makeNode('n', { taints: after }))).toBe(want);
  });
  it('queues the pod itself when it gets a toleration, not for another pod', () => {
    const updated = { ...pod, spec: { ...pod.spec!, tolerations: [...pod.spec!.tolerations!, { key: 'k', operator: 'Exists' as const }] } };
    expect(podHint(pod, pod, updated)).toBe('Queue');
    const other = makePod('other');
    expect(podHint(pod, other, { ...other, spec: updated.spec })).toBe('QueueSkip');
  });
});
