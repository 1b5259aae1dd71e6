/**
 * The kernel's agenda: a binary min-heap ordered by (time, seq). Timers and in-flight messages
 * share it, so everything that happens in a simulation has one total order.
 */
import { BinaryHeap } from './binary-heap.js';

/** Something scheduled on the agenda. */
export interface Scheduled {
  /** Virtual time (ms) at which it happens. */
  time: number;
  /** Global sequence number: ties at the same time go in creation order. */
  seq: number;
  /** Set when cancelled; cancelled entries are skipped when they reach the top. */
  cancelled: boolean;
}

/** A min-heap of scheduled entries, ordered by time then sequence. */
export class Agenda<T extends Scheduled> {
  private readonly heap = new BinaryHeap<T>(before);

  get size(): number {
    return this.heap.size;
  }

  push(item: T): void {
    this.heap.push(item);
  }

  /** The earliest entry that is not cancelled, without removing it. */
  peek(): T | undefined {
    const heap = this.heap;
    while (heap.size > 0 && heap.peek()!.cancelled) heap.pop();
    return heap.peek();
  }

  pop(): T | undefined {
    return this.heap.pop();
  }

  clear(): void {
    this.heap.clear();
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
