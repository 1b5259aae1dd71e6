import { describe, it, expect } from 'vitest';
import { NodeAffinity, requiredNodeNames } from '../../../../machines/scheduler/plugins/node-affinity.js';
import { SUCCESS, SKIP } from '../../../../machines/scheduler/framework.js';
import { compileLabelRequirement, isValidLabelKey, parseInt64 } from '../../../../machines/scheduler/node-selector.js';
import type { NodeSelectorRequirement, NodeSelectorTerm } from '../../../../src/api/types.js';
import { makeNode, makePod, nodeInfo, registration, stateOf } from '../helpers.js';
import { ActionType, type QueueingHint } from '../../../../machines/scheduler/events.js';

const required = (...terms: NodeSelectorTerm[]) => ({
  nodeAffinity: { requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: terms } },
});

function fits(labels: Record<string, string>, affinity?: ReturnType<typeof required>, nodeSelector?: Record<string, string>, name = 'n'): boolean {
  const pod = makePod('p', { affinity, nodeSelector });
  const st = NodeAffinity.filter(pod, nodeInfo(makeNode(name, { labels })), stateOf(pod));
  if (st !== SUCCESS) expect(st).toEqual({ code: 'UnschedulableAndUnresolvable', reasons: ["node(s) didn't match Pod's node affinity/selector"] });
  return st === SUCCESS;
}

const expr = (key: string, operator: string, values?: string[]): NodeSelectorTerm => ({
  matchExpressions: [{ key, operator, values } as NodeSelectorRequirement],
});

describe('NodeAffinity filter: nodeSelector', () => {
  it('requires every selector label with the same value', () => {
    expect(fits({ zone: 'a', disk: 'ssd' }, undefined, { zone: 'a', disk: 'ssd' })).toBe(true);
    expect(fits({ zone: 'a' }, undefined, { zone: 'a', disk: 'ssd' })).toBe(false);
    expect(fits({ zone: 'b', disk: 'ssd' }, undefined, { zone: 'a' })).toBe(false);
  });
  it('does not confuse a prototype property with a label', () => {
    expect(fits({}, undefined, { constructor: 'x' })).toBe(false);
    expect(fits({}, required(expr('constructor', 'Exists')))).toBe(false);
  });
});

describe('NodeAffinity filter: operators', () => {
  const labels = { zone: 'a', gen: '5', name: 'x' };
  const table: [string, NodeSelectorTerm, boolean][] = [
    ['In matching', expr('zone', 'In', ['a', 'b']), true],
    ['In not matching', expr('zone', 'In', ['b']), false],
    ['In on a missing label', expr('absent', 'In', ['a']), false],
    ['NotIn matching another value', expr('zone', 'NotIn', ['b']), true],
    ['NotIn with the value', expr('zone', 'NotIn', ['a']), false],
    ['NotIn on a missing label', expr('absent', 'NotIn', ['a']), true],
    ['Exists', expr('zone', 'Exists'), true],
    ['Exists missing', expr('absent', 'Exists'), false],
    ['DoesNotExist missing', expr('absent', 'DoesNotExist'), true],
    ['DoesNotExist present', expr('zone', 'DoesNotExist'), false],
    ['Gt smaller bound', expr('gen', 'Gt', ['4']), true],
    ['Gt equal bound', expr('gen', 'Gt', ['5']), false],
    ['Lt larger bound', expr('gen', 'Lt', ['6']), true],
    ['Lt equal bound', expr('gen', 'Lt', ['5']), false],
    ['Gt on a non-integer label', expr('name', 'Gt', ['1']), false],
    ['Gt on a missing label', expr('absent', 'Gt', ['1']), false],
    // invalid requirements: the term matches nothing
    ['In without values', expr('zone', 'In', []), false],
    ['Exists with values', expr('zone', 'Exists', ['a']), false],
    ['Gt with two values', expr('gen', 'Gt', ['1', '2']), false],
    ['Gt with a non-integer bound', expr('gen', 'Gt', ['x']), false],
    ['unknown operator', expr('zone', 'Equals', ['a']), false],
    ['invalid key', expr('-bad-', 'Exists'), false],
    ['empty term', {}, false],
  ];
  for (const [name, term, expected] of table) it(name, () => expect(fits(labels, required(term))).toBe(expected));

  it('ANDs the requirements of a term', () => {
    const term: NodeSelectorTerm = {
      matchExpressions: [
        { key: 'zone', operator: 'In', values: ['a'] },
        { key: 'gen', operator: 'Gt', values: ['6'] },
      ],
    };
    expect(fits(labels, required(term))).toBe(false);
  });

  it('ORs the terms; an invalid or empty term does not block a valid one', () => {
    expect(fits(labels, required(expr('zone', 'In', ['b']), expr('gen', 'Lt', ['9'])))).toBe(true);
    expect(fits(labels, required({}, expr('zone', 'In', [])))).toBe(false);
    expect(fits(labels, required({}, expr('zone', 'In', []), expr('zone', 'Exists')))).toBe(true);
  });

  it('requires nodeSelector and affinity together', () => {
    expect(fits(labels, required(expr('zone', 'Exists')), { gen: '4' })).toBe(false);
    expect(fits(labels, required(expr('zone', 'Exists')), { gen: '5' })).toBe(true);
  });

  it('matchFields metadata.name In / NotIn', () => {
    const inTerm: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1'] }] };
    const notIn: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['node-1'] }] };
    expect(fits({}, required(inTerm), undefined, 'node-1')).toBe(true);
    expect(fits({}, required(inTerm), undefined, 'node-2')).toBe(false);
    expect(fits({}, required(notIn), undefined, 'node-1')).toBe(false);
    expect(fits({}, required(notIn), undefined, 'node-2')).toBe(true);
    const twoValues: NodeSelectorTerm = { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['node-1', 'node-2'] }] };
    expect(fits({}, required(twoValues), undefined, 'node-1')).toBe(false);
  });
});

describe('NodeAffinity preFilter', () => {
  it('skips pods with neither selector nor required affinity', () => {
    expect(NodeAffinity.preFilter!(makePod('p'), stateOf(makePod('p')))).toEqual({ status: SKIP });
  });
  it('restricts to the named nodes of a DaemonSet-style term', () => {
    const pod = makePod('p', {
      affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n2'] }] }),
    });
    expect(NodeAffinity.preFilter!(pod, stateOf(pod))).toEqual({ nodeNames: new Set(['n2']) });
  });
  it('unions across terms, intersects within a term, and gives up when a term names no node', () => {
    const a = makePod('a', {
      affinity: required(
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1', 'n2'] }, { key: 'metadata.name', operator: 'In', values: ['n2', 'n3'] }] },
        { matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n9'] }] },
      ),
    });
    expect(requiredNodeNames(a)).toEqual(new Set(['n2', 'n9']));
    const b = makePod('b', { affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }] }, expr('zone', 'Exists')) });
    expect(requiredNodeNames(b)).toBeUndefined();
  });
  it('reports conflicting terms', () => {
    const pod = makePod('p', {
      affinity: required({ matchFields: [{ key: 'metadata.name', operator: 'In', values: ['n1'] }, { key: 'metadata.name', operator: 'In', values: ['n2'] }] }),
    });
    expect(NodeAffinity.preFilter!(pod, stateOf(pod))).toEqual({
      status: { code: 'UnschedulableAndUnresolvable', reasons: ['pod affinity terms conflict'] },
    });
  });
});

describe('NodeAffinity score', () => {
  it('sums the weights of matching preferred terms and normalizes to 100', () => {
    const pod = makePod('p', {
      affinity: {
        nodeAffinity: {
          preferredDuringSchedulingIgnoredDuringExecution: [
            { weight: 10, preference: expr('zone', 'In', ['a']) },
            { weight: 30, preference: expr('disk', 'In', ['ssd']) },
            { weight: 50, preference: {} }, // empty preference: ignored
            { weight: 0, preference: expr('zone', 'Exists') }, // weight 0: ignored
          ],
        },
      },
    });
    const state = stateOf(pod);
    expect(NodeAffinity.preScore!(pod, state, [])).toBeUndefined();
    const nodes = [makeNode('x', { labels: { zone: 'a', disk: 'ssd' } }), makeNode('y', { labels: { zone: 'a' } }), makeNode('z')];
    const raw = nodes.map((n) => NodeAffinity.score(pod, nodeInfo(n), state));
    expect(raw).toEqual([40, 10, 0]);
    NodeAffinity.normalize!(raw, state);
    expect(raw).toEqual([100, 25, 0]);
  });
  it('is skipped without preferred terms', () => {
    expect(NodeAffinity.preScore!(makePod('p'), stateOf(makePod('p')), [])).toBe('skip');
  });
});

describe('label helpers', () => {
  it('parses int64 like strconv.ParseInt', () => {
    expect(parseInt64('42')).toBe(42n);
    expect(parseInt64('+7')).toBe(7n);
    expect(parseInt64('9223372036854775807')).toBe(9223372036854775807n);
    expect(parseInt64('9223372036854775808')).toBeUndefined();
    expect(parseInt64('1.5')).toBeUndefined();
    expect(parseInt64('')).toBeUndefined();
  });
  it('validates label keys', () => {
    expect(isValidLabelKey('topology.kubernetes.io/zone')).toBe(true);
    expect(isValidLabelKey('app')).toBe(true);
    expect(isValidLabelKey('a/b/c')).toBe(false);
    expect(isValidLabelKey('UPPER.example/x')).toBe(false);
    expect(isValidLabelKey('x'.repeat(64))).toBe(false);
  });
  it('rejects a Gt bound that is not a valid label value', () => {
    expect(compileLabelRequirement({ key: 'k', operator: 'Gt', values: ['-1'] })).toBeUndefined();
  });
});

describe('NodeAffinity events and queueing hint (after Test_isSchedulableAfterNodeChange)', () => {
  it('registers Node Add | UpdateNodeLabel', () => {
    expect(NodeAffinity.events!.map((e) => [e.event.resource, e.event.actionType])).toEqual([['Node', ActionType.Add | ActionType.UpdateNodeLabel]]);
  });
  const { hint } = registration(NodeAffinity, 'Node');
  const pod = makePod('p', { affinity: required({ matchExpressions: [{ key: 'foo', operator: 'In', values: ['bar'] }] }) });
  const selectorPod = makePod('p', { nodeSelector: { foo: 'bar' } });
  it.each<[string, ReturnType<typeof makePod>, Record<string, string> | undefined, Record<string, string>, QueueingHint]>([
    ['skip-queue-on-add', pod, undefined, {}, 'QueueSkip'],
    ['queue-on-add', pod, undefined, { foo: 'bar' }, 'Queue'],
    ['skip-unrelated-changes', pod, {}, { aaa: 'bbb' }, 'QueueSkip'],
    ['skip-unrelated-changes-on-labels', pod, { foo: 'bar' }, { foo: 'bar', aaa: 'bbb' }, 'QueueSkip'],
    ['queue-on-labels-change', pod, {}, { foo: 'bar' }, 'Queue'],
    ['skip-queue-on-node-selector-not-matching', selectorPod, {}, { foo: 'baz' }, 'QueueSkip'],
    ['queue-on-node-selector-matching', selectorPod, {}, { foo: 'bar' }, 'Queue'],
  ])('%s', (_name, p, before, after, want) => {
    expect(hint(p, before ? makeNode('n', { labels: before }) : undefined, makeNode('n', { labels: after }))).toBe(want);
  });
});
