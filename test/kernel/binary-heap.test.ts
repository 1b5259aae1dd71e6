/** The one binary heap: the kernel's agenda and the scheduler's active queue are built on it. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BinaryHeap } from '../../src/kernel/binary-heap.js';

describe('BinaryHeap', () => {
  it('gives its entries back in its order, ties broken by the order itself', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 5 }), fc.nat()), { maxLength: 200 }), (pairs) => {
        const entries = pairs.map(([time], seq) => ({ time, seq }));
        const heap = new BinaryHeap<{ time: number; seq: number }>((a, b) => a.time < b.time || (a.time === b.time && a.seq < b.seq));
        for (const e of entries) heap.push(e);
        expect(heap.size).toBe(entries.length);
        const out: { time: number; seq: number }[] = [];
        for (let e = heap.pop(); e; e = heap.pop()) out.push(e);
        expect(out).toEqual([...entries].sort((a, b) => a.time - b.time || a.seq - b.seq));
        expect(heap.size).toBe(0);
      }),
    );
  });

  it('peeks without removing, interleaves pushes and pops, and clears', () => {
    const heap = new BinaryHeap<number>((a, b) => a > b); // a max-heap, as the scheduler's priorities
    expect(heap.pop()).toBeUndefined();
    expect(heap.peek()).toBeUndefined();
    for (const n of [3, 9, 1]) heap.push(n);
    expect(heap.peek()).toBe(9);
    expect(heap.pop()).toBe(9);
    heap.push(5);
    expect([heap.pop(), heap.pop(), heap.size]).toEqual([5, 3, 1]);
    heap.clear();
    expect(heap.size).toBe(0);
    expect(heap.pop()).toBeUndefined();
  });
});
