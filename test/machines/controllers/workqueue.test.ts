import { describe, expect, it } from 'vitest';
import { WorkQueue } from '../../../machines/controllers/workqueue.js';

describe('WorkQueue', () => {
  it('queues a key once, and again after processing when it was added meanwhile', () => {
    const q = new WorkQueue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.queued()).toEqual(['a', 'b']);
    expect(q.get()).toBe('a');
    q.add('a'); // dirty while processing: not queued now
    expect(q.queued()).toEqual(['b']);
    q.add('a');
    q.done('a');
    expect(q.queued()).toEqual(['b', 'a']);
    expect(q.get()).toBe('b');
    q.done('b');
    expect(q.get()).toBe('a');
    q.done('a');
    expect(q.get()).toBeUndefined();
  });

  it('backs off 5 ms doubling to 1000 s per key, and forgets on success', () => {
    const q = new WorkQueue();
    const delays = Array.from({ length: 20 }, () => q.when('k'));
    expect(delays.slice(0, 6)).toEqual([5, 10, 20, 40, 80, 160]);
    expect(delays.at(-1)).toBe(1_000_000);
    expect(Math.max(...delays)).toBe(1_000_000);
    expect(q.numRequeues('k')).toBe(20);
    expect(q.when('other')).toBe(5);
    q.forget('k');
    expect(q.when('k')).toBe(5);
  });

  it('waits keys until due, keeping the earliest time, in (time, insertion) order', () => {
    const q = new WorkQueue();
    q.addAfter('late', 100, 0);
    q.addAfter('early', 10, 0);
    q.addAfter('late', 50, 0); // earlier: replaces
    q.addAfter('early', 90, 0); // later: ignored
    q.addAfter('tie', 50, 0);
    q.addAfter('now', 0, 0);
    expect(q.queued()).toEqual(['now']);
    expect(q.nextReadyAt()).toBe(10);
    expect(q.promote(9)).toBe(0);
    expect(q.promote(10)).toBe(1);
    expect(q.nextReadyAt()).toBe(50);
    expect(q.promote(1_000)).toBe(2);
    expect(q.queued()).toEqual(['now', 'early', 'late', 'tie']);
    expect(q.nextReadyAt()).toBeUndefined();
  });

  // client-go delaying_queue_test.go TestCopyShifting: keys added with decreasing delays come out
  // in time order, not insertion order
  it('promotes waiting keys in time order whatever the order they were added in', () => {
    const q = new WorkQueue();
    q.addAfter('foo', 3_000, 0);
    q.addAfter('bar', 2_000, 0);
    q.addAfter('zap', 1_000, 0);
    expect(q.length).toBe(0);
    expect(q.waitingCount).toBe(3);
    expect(q.promote(3_000)).toBe(3);
    expect(q.queued()).toEqual(['zap', 'bar', 'foo']);
    expect(q.waitingCount).toBe(0);
  });

  // client-go queue_test.go TestAddWhileProcessing with a delayed add: a key that becomes due
  // while it is being processed is not handed out twice at once
  it('does not hand out a key being processed when its wait ends; it comes back after done', () => {
    const q = new WorkQueue();
    q.add('k');
    expect(q.get()).toBe('k');
    q.addAfter('k', 10, 0);
    expect(q.has('k')).toBe(true);
    expect(q.promote(10)).toBe(1);
    expect(q.get()).toBeUndefined();
    q.done('k');
    expect(q.get()).toBe('k');
  });

  it('keeps FIFO order across the compaction of its ring', () => {
    const q = new WorkQueue();
    for (let i = 0; i < 3_000; i++) q.add(`k${i}`);
    const first: string[] = [];
    for (let i = 0; i < 2_000; i++) {
      const k = q.get()!;
      first.push(k);
      q.done(k);
    }
    for (let i = 3_000; i < 3_010; i++) q.add(`k${i}`);
    expect(first.at(-1)).toBe('k1999');
    expect(q.length).toBe(1_010);
    expect(q.queued()[0]).toBe('k2000');
    expect(q.queued().at(-1)).toBe('k3009');
    expect(q.toJSON()).toEqual({ queued: 1_010, processing: 0, waiting: 0, failing: 0 });
  });

  it('adds a rate-limited key after its back-off and counts the failure', () => {
    const q = new WorkQueue(100, 1_000);
    expect(q.addRateLimited('k', 0)).toBe(100);
    expect(q.nextReadyAt()).toBe(100);
    expect(q.promote(100)).toBe(1);
    expect(q.get()).toBe('k');
    q.done('k');
    expect(q.addRateLimited('k', 100)).toBe(200);
    expect(q.addRateLimited('k', 100)).toBe(400); // an earlier wait is kept: still due at 300
    expect(q.nextReadyAt()).toBe(300);
    expect(q.numRequeues('k')).toBe(3);
  });
});
