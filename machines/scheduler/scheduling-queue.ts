/**
 * The scheduling queue (kube-scheduler `backend/queue/scheduling_queue.go`'s PriorityQueue with the
 * PrioritySort plugin and queueing hints, as v1.32 runs it with `SchedulerQueueingHints` on):
 *
 * - the **active queue**, a heap ordered by `spec.priority` (highest first), then by arrival;
 * - the **back-off queue**: pods waiting out their back-off (1 s doubling to 10 s per attempt,
 *   counted from their last failure) before they go back to the active queue;
 * - the **unschedulable pool**: pods that fit nowhere, each with the plugins that rejected it
 *   (`UnschedulablePlugins`). A cluster event moves a pod out only when one of those plugins
 *   registered the event and its queueing hint says `Queue` (`isPodWorthRequeuing`); the pod then
 *   goes to the back-off queue if its back-off has not ended, else to the active queue. A pod no
 *   plugin rejected (no nodes at all, or an error) moves on any event. Every 30 s, pods parked for
 *   longer than `podMaxInUnschedulablePodsDuration` (5 min) are moved anyway
 *   (`flushUnschedulablePodsLeftover`).
 */
import type { KubeObject, Pod } from '../../src/api/types.js';
import {
  eventLabel,
  eventMatches,
  isWildCard,
  podSchedulingPropertiesChange,
  ALL_EVENTS,
  EVENT_UNSCHEDULABLE_TIMEOUT,
  type ClusterEvent,
  type ClusterEventWithHint,
  type HintContext,
  type QueueingHintFn,
} from './events.js';
import type { FilterPlugin } from './framework.js';
import { BinaryHeap } from '../../src/kernel/binary-heap.js';

/** kube-scheduler's `DefaultPodInitialBackoffDuration` (ms). */
const DEFAULT_POD_INITIAL_BACKOFF = 1_000;
/** kube-scheduler's `DefaultPodMaxBackoffDuration` (ms). */
const DEFAULT_POD_MAX_BACKOFF = 10_000;
/** kube-scheduler's `DefaultPodMaxInUnschedulablePodsDuration` (ms). */
const POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION = 300_000;
/** How often the unschedulable pool is checked for pods parked too long (`flushUnschedulablePodsLeftover`'s period). */
const LEFTOVER_FLUSH_PERIOD = 30_000;

/** `calculateBackoffDuration`: the initial back-off doubling per attempt, at most the maximum. */
function backoffDuration(attempts: number, initial: number, max: number): number {
  let d = initial;
  for (let i = 1; i < attempts; i++) {
    if (d > max - d) return max;
    d += d;
  }
  return d;
}

/** Options of a {@link SchedulingQueue}. */
export interface SchedulingQueueOptions {
  /** The profile's registered events ({@link queueingHintMap}); none: every event moves every pod. */
  readonly hints?: readonly RegisteredHint[];
  /** `podInitialBackoffSeconds`, in ms (default 1,000). */
  readonly initialBackoffMs?: number;
  /** `podMaxBackoffSeconds`, in ms (default 10,000). */
  readonly maxBackoffMs?: number;
}

/** A registered event of one plugin (an entry of kube-scheduler's `queueingHintMap`). */
export interface RegisteredHint {
  /** The plugin that registered it. */
  readonly plugin: string;
  /** The event and its hint. */
  readonly entry: ClusterEventWithHint;
}

/**
 * The queueing hint map of a profile: every filter plugin's registered events, in the profile's
 * order; a plugin that registers none gets every event (`ALL_EVENTS`).
 */
export function queueingHintMap(filters: readonly FilterPlugin[]): RegisteredHint[] {
  const out: RegisteredHint[] = [];
  for (const f of filters) for (const entry of f.events ?? ALL_EVENTS) out.push({ plugin: f.name, entry });
  return out;
}

/** A pod waiting out its back-off. */
interface Backoff {
  attempts: number;
  /** When it may be tried again (virtual ms). */
  until: number;
}

/** A pod in the unschedulable pool. */
interface Parked {
  /** When it was parked (its `Timestamp`). */
  readonly since: number;
  /** The plugins that rejected it in its last cycle. */
  readonly plugins: ReadonlySet<string>;
}

/** An entry of the active heap: higher priority first, then first come first served (PrioritySort). */
interface QueuedPod {
  readonly key: string;
  readonly priority: number;
  readonly seq: number;
}

function before(a: QueuedPod, b: QueuedPod): boolean {
  return a.priority !== b.priority ? a.priority > b.priority : a.seq < b.seq;
}

/** What a move did with one pod. */
type Strategy = 'skip' | 'backoff';

/**
 * The scheduling queue. Keys are `namespace/name`; the pods themselves are read through the
 * `podOf` function a cluster event passes (the scheduler's informer).
 */
export class SchedulingQueue {
  /** The active heap (entries of keys no longer active are dropped when they surface). */
  private readonly heap = new BinaryHeap<QueuedPod>(before);
  private seq = 0;
  private readonly inActive = new Set<string>();
  /** Each known key's priority (kept while the pod waits anywhere in the queue). */
  private readonly priorities = new Map<string, number>();
  /** Keys backing off after a failed attempt. */
  readonly backoff = new Map<string, Backoff>();
  /** Keys that fit nowhere, with the plugins that rejected them. */
  readonly unschedulable = new Map<string, Parked>();
  private readonly attempts = new Map<string, number>();
  /** When the unschedulable pool is next checked for leftovers; set by the first flush. */
  private nextLeftoverFlush: number | undefined = undefined;
  /** Pods moved out of the unschedulable pool, by the event's label (for the inspector and tests). */
  readonly moves = new Map<string, number>();

  private readonly hints: readonly RegisteredHint[];
  private readonly initialBackoff: number;
  private readonly maxBackoff: number;

  constructor(options: SchedulingQueueOptions = {}) {
    this.hints = options.hints ?? [];
    this.initialBackoff = options.initialBackoffMs ?? DEFAULT_POD_INITIAL_BACKOFF;
    this.maxBackoff = options.maxBackoffMs ?? DEFAULT_POD_MAX_BACKOFF;
  }

  private backoffFor(attempts: number): number {
    return backoffDuration(attempts, this.initialBackoff, this.maxBackoff);
  }

  private push(key: string): void {
    this.inActive.add(key);
    const e: QueuedPod = { key, priority: this.priorities.get(key) ?? 0, seq: this.seq++ };
    this.heap.push(e);
  }

  private popHeap(): QueuedPod | undefined {
    return this.heap.pop();
  }

  /** Adds a pending pod with its priority (ignored while it is already queued somewhere). */
  add(key: string, priority = 0): void {
    if (this.inActive.has(key) || this.backoff.has(key) || this.unschedulable.has(key)) return;
    this.priorities.set(key, priority);
    this.push(key);
  }

  /** The most important active pod. */
  pop(): string | undefined {
    for (let e = this.popHeap(); e; e = this.popHeap()) {
      if (this.inActive.delete(e.key)) return e.key;
    }
    return undefined;
  }

  /** True while a pod waits in the active queue. */
  get hasActive(): boolean {
    return this.inActive.size > 0;
  }

  /** Forgets a pod (deleted, bound, or no longer this scheduler's). */
  delete(key: string): void {
    this.inActive.delete(key);
    this.priorities.delete(key);
    this.backoff.delete(key);
    this.unschedulable.delete(key);
    this.attempts.delete(key);
  }

  /** A failed binding: back off (1 s doubling to 10 s by default: podInitialBackoff / podMaxBackoff). */
  retryLater(key: string, now: number): void {
    const attempts = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempts);
    this.inActive.delete(key);
    this.backoff.set(key, { attempts, until: now + this.backoffFor(attempts) });
  }

  /**
   * The pod fits nowhere now (`AddUnschedulableIfNotPresent`): it waits in the unschedulable pool
   * with the plugins that rejected it.
   */
  parkUnschedulable(key: string, now: number, plugins: readonly string[] = []): void {
    const attempts = (this.attempts.get(key) ?? 0) + 1;
    this.attempts.set(key, attempts);
    this.inActive.delete(key);
    this.unschedulable.delete(key);
    this.unschedulable.set(key, { since: now, plugins: new Set(plugins) });
  }

  /** The plugins that rejected a parked pod, sorted (undefined when the pod is not parked). */
  unschedulablePlugins(key: string): string[] | undefined {
    const p = this.unschedulable.get(key);
    return p ? [...p.plugins].sort() : undefined;
  }

  /** `isPodWorthRequeuing` without pending plugins: `backoff` (queueAfterBackoff) or `skip`. */
  private strategy(parked: Parked, relevant: readonly RegisteredHint[], event: ClusterEvent, oldObj: KubeObject | undefined, newObj: KubeObject | undefined, pod: Pod | undefined, context: HintContext): Strategy {
    if (parked.plugins.size === 0 || isWildCard(event) || !pod) return 'backoff';
    for (const { plugin, entry } of relevant) {
      if (!parked.plugins.has(plugin)) continue;
      if (!entry.hint) return 'backoff';
      // the entry's resource decides the objects' type: a Node hint gets nodes, a Pod hint pods
      const hint = entry.hint as QueueingHintFn<KubeObject>;
      if (hint(pod, oldObj, newObj, context) === 'Queue') return 'backoff';
    }
    return 'skip';
  }

  /** `requeuePodViaQueueingHint` for a pod leaving the pool: back-off queue while backing off, else active. */
  private requeue(key: string, parked: Parked, now: number, label: string): void {
    this.unschedulable.delete(key);
    this.moves.set(label, (this.moves.get(label) ?? 0) + 1);
    const attempts = this.attempts.get(key) ?? 1;
    const until = parked.since + this.backoffFor(attempts);
    if (until > now) this.backoff.set(key, { attempts, until });
    else this.push(key);
  }

  /**
   * A cluster event happened (`MoveAllToActiveOrBackoffQueue`): moves the parked pods the event
   * may make schedulable, in the order they were parked.
   *
   * @param oldObj the object before (undefined for an Add).
   * @param newObj the object after (undefined for a Delete).
   * @param podOf the current pod object of a key.
   * @returns how many pods moved.
   */
  moveOnEvent(
    event: ClusterEvent,
    oldObj: KubeObject | undefined,
    newObj: KubeObject | undefined,
    now: number,
    podOf: (key: string) => Pod | undefined,
    context: HintContext = {},
  ): number {
    if (this.unschedulable.size === 0) return 0;
    const relevant = this.hints.filter((h) => eventMatches(h.entry.event, event));
    const label = eventLabel(event);
    let moved = 0;
    for (const [key, parked] of [...this.unschedulable]) {
      if (this.strategy(parked, relevant, event, oldObj, newObj, podOf(key), context) === 'skip') continue;
      this.requeue(key, parked, now, label);
      moved++;
    }
    return moved;
  }

  /**
   * A pending pod was updated (`PriorityQueue.Update` with queueing hints): when it is parked, each
   * event the update stands for is offered to the plugins that rejected it, and the first that
   * says `Queue` moves it.
   */
  podUpdated(key: string, oldPod: Pod, newPod: Pod, now: number, context: HintContext = {}): boolean {
    const parked = this.unschedulable.get(key);
    if (!parked) return false;
    for (const event of podSchedulingPropertiesChange(newPod, oldPod)) {
      const relevant = this.hints.filter((h) => eventMatches(h.entry.event, event));
      if (this.strategy(parked, relevant, event, oldPod, newPod, newPod, context) === 'skip') continue;
      this.requeue(key, parked, now, eventLabel(event));
      return true;
    }
    return false;
  }

  /**
   * Moves pods whose back-off ended to the active queue; every 30 s, moves the pods parked for
   * longer than 5 minutes (`UnschedulableTimeout`).
   */
  flush(now: number): void {
    for (const [key, b] of this.backoff) {
      if (b.until <= now) {
        this.backoff.delete(key);
        this.push(key);
      }
    }
    if (this.nextLeftoverFlush !== undefined && now < this.nextLeftoverFlush) return;
    this.nextLeftoverFlush = now + LEFTOVER_FLUSH_PERIOD;
    const label = eventLabel(EVENT_UNSCHEDULABLE_TIMEOUT);
    for (const [key, parked] of [...this.unschedulable]) {
      if (now - parked.since > POD_MAX_IN_UNSCHEDULABLE_PODS_DURATION) this.requeue(key, parked, now, label);
    }
  }

  /**
   * The earliest moment `flush` may have something to do: a back-off expiring, or the next check
   * of the unschedulable pool for leftovers (-Infinity before the first flush set its period).
   */
  dueAt(): number {
    if (this.nextLeftoverFlush === undefined) return -Infinity;
    let due = this.nextLeftoverFlush;
    for (const b of this.backoff.values()) if (b.until < due) due = b.until;
    return due;
  }

  /** Sizes, for the inspector. */
  toJSON(): { active: number; backoff: number; unschedulable: number } {
    return { active: this.inActive.size, backoff: this.backoff.size, unschedulable: this.unschedulable.size };
  }
}
