/**
 * A binary min-heap over an array, ordered by a strict `before(a, b)` (a comes out first). The
 * kernel's agenda (time, then sequence) and the scheduler's active queue (priority, then arrival)
 * are both this heap with their own order.
 */
export class BinaryHeap<T> {
  private items: T[] = [];

  constructor(private readonly before: (a: T, b: T) => boolean) {}

  /** How many entries the heap holds. */
  get size(): number {
    return this.items.length;
  }

  /** The first entry, without removing it. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Adds an entry. */
  push(item: T): void {
    const heap = this.items;
    heap.push(item);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(item, heap[parent]!)) break;
      heap[i] = heap[parent]!;
      i = parent;
    }
    heap[i] = item;
  }

  /** Removes and returns the first entry. */
  pop(): T | undefined {
    const heap = this.items;
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
        const child = r < n && this.before(heap[r]!, heap[l]!) ? r : l;
        if (!this.before(heap[child]!, last)) break;
        heap[i] = heap[child]!;
        i = child;
      }
      heap[i] = last;
    }
    return top;
  }

  /** Removes every entry. */
  clear(): void {
    this.items = [];
  }
}
