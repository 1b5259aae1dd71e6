/**
 * The kernel's agenda: a binary min-heap ordered by (time, seq). Timers and in-flight messages
 * share it, so everything that happens in a simulation has one total order.
 */

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
  private heap: T[] = [];

  get size(): number {
    return this.heap.length;
  }

  push(item: T): void {
    const heap = this.heap;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(item, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  /** The earliest entry that is not cancelled, without removing it. */
  peek(): T | undefined {
    const heap = this.heap;
    while (heap.length > 0 && heap[0]!.cancelled) this.pop();
    return heap[0];
  }

  pop(): T | undefined {
    const heap = this.heap;
    if (heap.length === 0) return undefined;
    const top = heap[0]!;
    const last = heap.pop()!;
    if (heap.length > 0) {
      let i = 0;
      const n = heap.length;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= n) break;
        const r = l + 1;
        const child = r < n && before(heap[r]!, heap[l]!) ? r : l;
        if (!before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }

  clear(): void {
    this.heap = [];
  }
}

function before(a: Scheduled, b: Scheduled): boolean {
  return a.time < b.time || (a.time === b.time && a.seq < b.seq);
}
