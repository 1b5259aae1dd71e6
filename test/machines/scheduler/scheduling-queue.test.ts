import { describe, expect, it } from 'vitest';
import { SchedulingQueue, queueingHintMap } from '../../../machines/scheduler/scheduling-queue.js';
import { ActionType, nodeSchedulingPropertiesChange, type ClusterEvent } from '../../../machines/scheduler/events.js';
import { defaultProfile } from '../../../machines/scheduler/registry.js';
import type { Node, Pod } from '../../../src/api/types.js';
import { makeNode, makePod } from './helpers.js';

describe('SchedulingQueue (PrioritySort)', () => {
  it('pops the highest priority first, first come first served within a priority', () => {
    const q = new SchedulingQueue();
    q.add('a', 0);
    q.add('b', 100);
    q.add('c', 0);
    q.add('d', 100);
    q.add('e', 2000000000);
    const order: string[] = [];
    for (let k = q.pop(); k; k = q.pop()) order.push(k);
    expect(order).toEqual(['e', 'b', 'd', 'a', 'c']);
  });
  it('keeps a pod\'s priority through back-off, and forgets deleted pods', () => {
    const q = new SchedulingQueue();
    q.add('low', 1);
    q.add('high', 10);
    expect(q.pop()).toBe('high');
    q.retryLater('high', 0);
    q.add('gone', 50);
    q.delete('gone');
    q.flush(1_000);
    expect(q.pop()).toBe('high');
    expect(q.pop()).toBe('low');
    expect(q.pop()).toBeUndefined();
  });
});

describe('SchedulingQueue.dueAt (when the scheduler\'s housekeeping next has something to flush)', () => {
  it('is due at once before the first flush, then at the next leftover check or back-off expiry', () => {
    const q = new SchedulingQueue();
    expect(q.dueAt()).toBe(-Infinity);
    q.flush(500);
    // the unschedulable pool is checked for leftovers every 30 s
    expect(q.dueAt()).toBe(30_500);
    q.add('p', 0);
    expect(q.pop()).toBe('p');
    q.retryLater('p', 2_000);
    const until = q.dueAt();
    expect(until).toBeGreaterThan(2_000);
    expect(until).toBeLessThan(30_500);
    q.flush(until - 1);
    expect(q.pop()).toBeUndefined();
    q.flush(until);
    expect(q.pop()).toBe('p');
    expect(q.dueAt()).toBe(30_500);
  });
});

describe('SchedulingQueue with queueing hints (the default profile)', () => {
  const ASSIGNED_POD_DELETE: ClusterEvent = { resource: 'AssignedPod', actionType: ActionType.Delete };
  const NODE_ADD: ClusterEvent = { resource: 'Node', actionType: ActionType.Add };
  const withPort = (p: Pod, port: number): Pod => ({ ...p, spec: { ...p.spec!, containers: [{ ...p.spec!.containers[0]!, ports: [{ containerPort: port, hostPort: port }] }] } });

  /** A queue holding one pod parked at t=0 by `plugins`, and a `nodeUpdate` helper that sends the update's events. */
  function parked(pod: Pod, plugins: string[]) {
    const q = new SchedulingQueue({ hints: queueingHintMap(defaultProfile.filters) });
    const key = `default/${pod.metadata!.name}`;
    const podOf = (k: string) => (k === key ? pod : undefined);
    q.add(key);
    expect(q.pop()).toBe(key);
    q.parkUnschedulable(key, 0, plugins);
    const nodeUpdate = (oldNode: Node, newNode: Node, now: number) => {
      for (const e of nodeSchedulingPropertiesChange(newNode, oldNode)) q.moveOnEvent(e, oldNode, newNode, now, podOf);
    };
    return { q, key, podOf, nodeUpdate };
  }

  it('a pod NodePorts rejected is not retried on an unrelated node label update, a pod deletion freeing no port, or a pending pod deletion', () => {
    const pod = withPort(makePod('web'), 8080);
    const { q, key, podOf, nodeUpdate } = parked(pod, ['NodePorts']);
    expect(q.unschedulablePlugins(key)).toEqual(['NodePorts']);
    nodeUpdate(makeNode('n1'), makeNode('n1', { labels: { disk: 'ssd' } }), 20_000);
    q.moveOnEvent(ASSIGNED_POD_DELETE, makePod('other', { nodeName: 'n1' }), undefined, 20_000, podOf);
    q.moveOnEvent(ASSIGNED_POD_DELETE, withPort(makePod('pending'), 8080), undefined, 20_000, podOf);
    expect(q.unschedulable.has(key)).toBe(true);
    expect(q.hasActive).toBe(false);
  });

  it('a pod NodePorts rejected is retried when the pod holding its host port is deleted (its back-off over: straight to active)', () => {
    const pod = withPort(makePod('web'), 8080);
    const { q, key, podOf } = parked(pod, ['NodePorts']);
    expect(q.moveOnEvent(ASSIGNED_POD_DELETE, withPort(makePod('holder', { nodeName: 'n1' }), 8080), undefined, 20_000, podOf)).toBe(1);
    expect(q.unschedulable.has(key)).toBe(false);
    expect(q.pop()).toBe(key);
    expect(q.moves.get('AssignedPodDelete')).toBe(1);
  });

  it('a moved pod still backing off waits in the back-off queue until its back-off ends', () => {
    const pod = withPort(makePod('web'), 8080);
    const { q, key, podOf } = parked(pod, ['NodePorts']);
    // a node is added 400 ms after the failure: NodePorts registered Node Add without a hint (Queue)
    q.moveOnEvent(NODE_ADD, undefined, makeNode('n2'), 400, podOf);
    expect(q.backoff.get(key)).toEqual({ attempts: 1, until: 1_000 });
    q.flush(999);
    expect(q.hasActive).toBe(false);
    q.flush(1_000);
    expect(q.pop()).toBe(key);
  });

  it('a pod NodeResourcesFit rejected is retried when a node\'s allocatable grows enough, not on a label change or a too small growth', () => {
    const pod = makePod('big', { cpu: '6' });
    const { q, key, nodeUpdate } = parked(pod, ['NodeResourcesFit']);
    nodeUpdate(makeNode('n1'), makeNode('n1', { labels: { a: 'b' } }), 20_000);
    nodeUpdate(makeNode('n1'), makeNode('n1', { cpu: '5' }), 20_000);
    expect(q.unschedulable.has(key)).toBe(true);
    nodeUpdate(makeNode('n1', { cpu: '5' }), makeNode('n1', { cpu: '8' }), 20_000);
    expect(q.unschedulable.has(key)).toBe(false);
    expect(q.pop()).toBe(key);
    expect(q.moves.get('NodeUpdateNodeAllocatable')).toBe(1);
  });

  it('only the plugins that rejected the pod are asked: a taint removal does not move a pod only NodeResourcesFit rejected', () => {
    const pod = makePod('big', { cpu: '6' });
    const { q, key, nodeUpdate } = parked(pod, ['NodeResourcesFit']);
    nodeUpdate(makeNode('n1', { cpu: '8', taints: [{ key: 'k', effect: 'NoSchedule' }] }), makeNode('n1', { cpu: '8' }), 20_000);
    expect(q.unschedulable.has(key)).toBe(true);
    const { q: q2, key: key2, nodeUpdate: update2 } = parked(pod, ['NodeResourcesFit', 'TaintToleration']);
    update2(makeNode('n1', { cpu: '8', taints: [{ key: 'k', effect: 'NoSchedule' }] }), makeNode('n1', { cpu: '8' }), 20_000);
    expect(q2.unschedulable.has(key2)).toBe(false);
  });

  it('a pod no plugin rejected (no nodes at all) moves on any event', () => {
    const { q, key, podOf } = parked(makePod('p'), []);
    q.moveOnEvent({ resource: 'Node', actionType: ActionType.UpdateNodeAnnotation }, makeNode('n'), makeNode('n'), 5_000, podOf);
    expect(q.pop()).toBe(key);
  });

  it('a parked pod\'s own update is offered to its rejecting plugins: a new toleration moves a pod TaintToleration rejected, a status change does not', () => {
    const pod = makePod('p');
    const { q, key } = parked(pod, ['TaintToleration']);
    expect(q.podUpdated(key, pod, { ...pod, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False' }] } }, 5_000)).toBe(false);
    expect(q.podUpdated(key, pod, makePod('p', { tolerations: [{ key: 'k', operator: 'Exists' }] }), 5_000)).toBe(true);
    expect(q.pop()).toBe(key);
  });

  it('pods parked longer than podMaxInUnschedulablePodsDuration (5 min) are flushed by the 30 s leftover check', () => {
    const { q, key } = parked(makePod('p', { cpu: '6' }), ['NodeResourcesFit']);
    let movedAt: number | undefined;
    for (let t = 1_000; t <= 400_000 && movedAt === undefined; t += 1_000) {
      q.flush(t);
      if (q.hasActive) movedAt = t;
    }
    // checks at 1 s, 31 s, ..., 301 s: the first with more than 300 s parked
    expect(movedAt).toBe(301_000);
    expect(q.pop()).toBe(key);
    expect(q.moves.get('UnschedulableTimeout')).toBe(1);
  });
});
