/** Cluster events (kube-scheduler `framework/events.go`, `types.go`'s ClusterEvent.Match). */
import { describe, expect, it } from 'vitest';
import {
  ActionType,
  EVENT_UNSCHEDULABLE_TIMEOUT,
  eventLabel,
  eventMatches,
  isSamePod,
  nodeSchedulingPropertiesChange,
  podSchedulingPropertiesChange,
  type ClusterEvent,
} from '../../../machines/scheduler/events.js';
import type { Node, Pod } from '../../../src/api/types.js';
import { makeNode, makePod } from './helpers.js';

const names = (events: readonly ClusterEvent[]) => events.map(eventLabel);

describe('ClusterEvent.Match', () => {
  it('a Pod registration matches assigned and unscheduled pod events with a common action bit', () => {
    const reg: ClusterEvent = { resource: 'Pod', actionType: ActionType.Add | ActionType.UpdatePodLabel };
    expect(eventMatches(reg, { resource: 'AssignedPod', actionType: ActionType.Add })).toBe(true);
    expect(eventMatches(reg, { resource: 'UnschedulablePod', actionType: ActionType.UpdatePodLabel })).toBe(true);
    expect(eventMatches(reg, { resource: 'AssignedPod', actionType: ActionType.Delete })).toBe(false);
    expect(eventMatches(reg, { resource: 'Node', actionType: ActionType.Add })).toBe(false);
    expect(eventMatches({ resource: 'AssignedPod', actionType: ActionType.All }, { resource: 'UnschedulablePod', actionType: ActionType.Add })).toBe(false);
  });
  it('Update covers every update subtype, and a wildcard registration covers everything', () => {
    const update: ClusterEvent = { resource: 'Node', actionType: ActionType.Update };
    expect(eventMatches(update, { resource: 'Node', actionType: ActionType.UpdateNodeTaint })).toBe(true);
    expect(eventMatches(update, { resource: 'Node', actionType: ActionType.Add })).toBe(false);
    expect(eventMatches({ resource: '*', actionType: ActionType.All }, { resource: 'AssignedPod', actionType: ActionType.UpdatePodOther })).toBe(true);
  });
  it('labels events as kube-scheduler does', () => {
    expect(eventLabel({ resource: 'Node', actionType: ActionType.Add })).toBe('NodeAdd');
    expect(eventLabel({ resource: 'AssignedPod', actionType: ActionType.Delete })).toBe('AssignedPodDelete');
    expect(eventLabel({ resource: 'UnschedulablePod', actionType: ActionType.UpdatePodOther })).toBe('UnschedulablePodUpdate');
    expect(eventLabel(EVENT_UNSCHEDULABLE_TIMEOUT)).toBe('UnschedulableTimeout');
  });
});

describe('NodeSchedulingPropertiesChange (after TestNodeSchedulingPropertiesChange)', () => {
  const base = makeNode('n', { labels: { a: 'b' } });
  const withStatus = (n: Node, status: Partial<NonNullable<Node['status']>>): Node => ({ ...n, status: { ...n.status, ...status } });
  it('a heartbeat (same condition statuses, new times) is no event', () => {
    const a = withStatus(base, { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:00Z' }] });
    const b = withStatus(base, { conditions: [{ type: 'Ready', status: 'True', lastHeartbeatTime: '2026-01-01T00:00:10Z' }] });
    expect(nodeSchedulingPropertiesChange(b, a)).toEqual([]);
  });
  it.each<[string, Node, Node, string[]]>([
    ['labels', base, makeNode('n', { labels: { a: 'c' } }), ['NodeUpdateNodeLabel']],
    ['taints', base, { ...base, spec: { taints: [{ key: 'k', effect: 'NoSchedule' }] } }, ['NodeUpdateNodeTaint']],
    ['allocatable', base, makeNode('n', { labels: { a: 'b' }, cpu: '8' }), ['NodeUpdateNodeAllocatable']],
    ['uncordoned (UpdateNodeTaint)', makeNode('n', { labels: { a: 'b' }, unschedulable: true }), base, ['NodeUpdateNodeTaint']],
    ['cordoned (no event)', base, makeNode('n', { labels: { a: 'b' }, unschedulable: true }), []],
    ['condition status', withStatus(base, { conditions: [{ type: 'Ready', status: 'True' }] }), withStatus(base, { conditions: [{ type: 'Ready', status: 'False' }] }), ['NodeUpdateNodeCondition']],
    ['annotations', base, { ...base, metadata: { ...base.metadata, annotations: { x: 'y' } } }, ['NodeUpdateNodeAnnotation']],
    ['labels and allocatable, in kube order', base, makeNode('n', { labels: { a: 'c' }, cpu: '8' }), ['NodeUpdateNodeAllocatable', 'NodeUpdateNodeLabel']],
  ])('%s', (_name, oldNode, newNode, want) => {
    expect(names(nodeSchedulingPropertiesChange(newNode, oldNode))).toEqual(want);
  });
});

describe('PodSchedulingPropertiesChange (after TestPodSchedulingPropertiesChange)', () => {
  const pod = makePod('p', { labels: { a: 'b' }, cpu: '1' });
  const bound = makePod('p', { labels: { a: 'b' }, cpu: '1', nodeName: 'n' });
  it.each<[string, Pod, Pod, string[]]>([
    ['labels of a pending pod', pod, makePod('p', { labels: { a: 'c' }, cpu: '1' }), ['UnschedulablePodUpdatePodLabel']],
    ['labels of a bound pod', bound, makePod('p', { labels: { a: 'c' }, cpu: '1', nodeName: 'n' }), ['AssignedPodUpdatePodLabel']],
    ['a toleration added', pod, makePod('p', { labels: { a: 'b' }, cpu: '1', tolerations: [{ key: 'k', operator: 'Exists' }] }), ['UnschedulablePodUpdatePodTolerations']],
    ['requests lowered', bound, makePod('p', { labels: { a: 'b' }, cpu: '500m', nodeName: 'n' }), ['AssignedPodUpdatePodScaleDown']],
    ['scheduling gates removed', { ...pod, spec: { ...pod.spec!, schedulingGates: [{ name: 'g' }] } }, pod, ['UnschedulablePodUpdatePodSchedulingGatesEliminated']],
    ['a status change only', pod, { ...pod, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } }, ['UnschedulablePodUpdate']],
  ])('%s', (_name, oldPod, newPod, want) => {
    expect(names(podSchedulingPropertiesChange(newPod, oldPod))).toEqual(want);
  });
  it('isSamePod compares uids, or names without them', () => {
    expect(isSamePod(makePod('a'), makePod('a'))).toBe(true);
    expect(isSamePod(makePod('a'), makePod('a', { namespace: 'x' }))).toBe(false);
    const withUid = (uid: string) => ({ ...makePod('a'), metadata: { ...makePod('a').metadata, uid } });
    expect(isSamePod(withUid('1'), withUid('2'))).toBe(false);
  });
});
