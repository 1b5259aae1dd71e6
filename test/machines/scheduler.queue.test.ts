import { describe, expect, it } from 'vitest';
import { SchedulingQueue } from '../../machines/scheduler.js';

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
