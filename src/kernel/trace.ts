import { Observable, Subject } from 'rxjs';

/** What happened to a message. */
export type TraceStatus = 'delivered' | 'dropped';

/**
 * One recorded message. `from` and `to` are canonical component names (`kubectl`, `api-server`,
 * `etcd`, `scheduler`, `controller-manager/<controller>`, `kubelet/<node>`, `kube-proxy/<node>`,
 * `node/<node>`, `pod/<namespace>/<name>`).
 */
export interface TraceEntry {
  /** Position in the trace: 0, 1, 2, ... in the order things happened. */
  seq: number;
  /** Virtual time (ms) of delivery or drop. */
  time: number;
  /** Virtual time (ms) the message was sent. */
  sent: number;
  /** The message's own id (send order); a duplicate shares its original's id. */
  msg: number;
  from: string;
  to: string;
  /** The event type, `noun.verb` (`api.request`, `watch.added`, `pod.sync`). */
  type: string;
  /** A short, human summary of the payload (`POST pods default/nginx`). */
  summary: string;
  status: TraceStatus;
  /** Why a message was dropped (`partition`, `loss`, `unreachable`, `unknown address`, `not running`). */
  reason?: string;
  /** True for the extra copy of a duplicated message. */
  duplicate?: boolean;
  /** The flow this message belongs to (the request that caused it, followed through every hop). */
  flow?: string;
  /** The event itself (kept by reference, never copied; left out of JSON). */
  event?: unknown;
}

/** Options of the trace: how much to keep. */
export interface TraceOptions {
  /** Keep at most this many entries (a ring buffer); older ones are forgotten. Default: unbounded. */
  capacity?: number;
  /** Keep a reference to each event's payload (for the inspector). Default: true. */
  payloads?: boolean;
  /** Record nothing at all (the live observable still works). Default: true. */
  enabled?: boolean;
}

/** Turns an event into a short summary for the trace. */
export type Summarizer = (event: { readonly type: string }) => string;

/**
 * The message trace: every delivered or dropped message, as an array, as JSON Lines and as a
 * live rxjs Observable.
 */
export class Trace {
  /**
   * The kept entries; with a finite capacity a ring whose oldest entry, at `start`, is overwritten.
   * Not the controllers' work queue ring (machines/controllers/workqueue.ts): that one is an
   * unbounded FIFO that keeps every key and compacts its consumed head.
   */
  private readonly buffer: TraceEntry[] = [];
  private start = 0;
  private count = 0;
  private readonly capacity: number;
  private readonly subject = new Subject<TraceEntry>();
  readonly payloads: boolean;
  enabled: boolean;

  /**
   * For each kept entry whose summary is not written yet, the event to write it from (same index
   * as the buffer). Summaries are written when an entry is read or streamed, not when recorded:
   * a long run keeps only the last entries and reads few of them.
   */
  private readonly sources: unknown[] = [];
  private readonly summarize: Summarizer;
  /** Whether summaries wait until read (the events are kept meanwhile: only when bounded, or kept anyway). */
  private readonly lazy: boolean;

  constructor(options: TraceOptions = {}, summarize: Summarizer = (event) => event.type) {
    this.capacity = options.capacity ?? Infinity;
    if (!(this.capacity > 0)) throw new RangeError(`trace capacity must be positive; got ${options.capacity}`);
    this.payloads = options.payloads ?? true;
    this.enabled = options.enabled ?? true;
    this.summarize = summarize;
    this.lazy = this.payloads || Number.isFinite(this.capacity);
  }

  /** Live entries as they are recorded. */
  get entries$(): Observable<TraceEntry> {
    return this.subject.asObservable();
  }

  /** How many entries were ever recorded (including those a bounded trace has forgotten). */
  get total(): number {
    return this.count;
  }

  /** True when anyone subscribed to the live stream. */
  get observed(): boolean {
    return this.subject.observed;
  }

  /** True when an entry would be kept or streamed (the kernel builds entries only then). */
  get wanted(): boolean {
    return this.enabled || this.subject.observed;
  }

  /** @internal Counts a message that is not recorded (the trace is off and nobody listens). */
  skip(): void {
    this.count++;
  }

  /**
   * @internal Records an entry; the kernel calls this. Every entry has the same shape (absent
   * fields are `undefined`, which JSON leaves out), so building one is cheap. Without a `summary`
   * the trace's summarizer writes it from `event` when the entry is first read or streamed.
   */
  record(
    time: number,
    sent: number,
    msg: number,
    from: string,
    to: string,
    type: string,
    summary: string | undefined,
    status: TraceStatus,
    reason: string | undefined,
    duplicate: boolean,
    flow: string | undefined,
    event: unknown,
  ): void {
    if (!this.enabled && !this.subject.observed) {
      this.count++;
      return;
    }
    if (summary === undefined && (!this.lazy || this.subject.observed)) summary = this.summarize(event as { type: string });
    const full: TraceEntry = {
      seq: this.count++,
      time,
      sent,
      msg,
      from,
      to,
      type,
      summary: summary as string,
      status,
      reason,
      duplicate: duplicate || undefined,
      flow,
      event: this.payloads ? event : undefined,
    };
    if (this.enabled) {
      const source = summary === undefined ? event : undefined;
      if (this.buffer.length < this.capacity) {
        this.buffer.push(full);
        this.sources.push(source);
      } else {
        this.buffer[this.start] = full;
        this.sources[this.start] = source;
        this.start = (this.start + 1) % this.capacity;
      }
    }
    if (this.subject.observed) this.subject.next(full);
  }

  /** The kept entries, oldest first. */
  toArray(): TraceEntry[] {
    this.writeSummaries();
    if (this.start === 0) return this.buffer.slice();
    return this.buffer.slice(this.start).concat(this.buffer.slice(0, this.start));
  }

  /** The kept entries with `seq >= from` (for a client resuming after a disconnect). */
  since(from: number): TraceEntry[] {
    const all = this.toArray();
    if (all.length === 0 || from <= all[0]!.seq) return all;
    const offset = from - all[0]!.seq;
    return offset >= all.length ? [] : all.slice(offset);
  }

  /** One JSON object per line, without payloads: byte-identical for identical runs. */
  toJSONL(): string {
    let out = '';
    for (const entry of this.toArray()) out += traceEntryToJSON(entry) + '\n';
    return out;
  }

  /** Forgets every kept entry (the sequence numbers go on). */
  clear(): void {
    this.buffer.length = 0;
    this.sources.length = 0;
    this.start = 0;
  }

  /** Writes the summaries not written yet (from the kept events, which are then let go). */
  private writeSummaries(): void {
    const { buffer, sources } = this;
    for (let k = 0; k < buffer.length; k++) {
      const i = (this.start + k) % buffer.length; // oldest first
      const source = sources[i];
      if (source === undefined) continue;
      buffer[i]!.summary = this.summarize(source as { type: string });
      sources[i] = undefined;
    }
  }

  /** @internal Ends the live stream. */
  complete(): void {
    this.subject.complete();
  }
}

/** One trace entry as a JSON line (no payload, fixed key order). */
export function traceEntryToJSON(entry: TraceEntry): string {
  const { event: _event, ...rest } = entry;
  return JSON.stringify(rest);
}
