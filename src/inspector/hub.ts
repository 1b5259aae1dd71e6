/**
 * The inspector's view of a running cluster, kept cheap enough to leave on:
 *
 * - `inspect` is the XState inspection callback handed to `createCluster({ inspect })`. Per
 *   event it does a type check and a Set insertion: it remembers new actors and marks actors
 *   whose snapshot changed as dirty. Nothing is serialised there.
 * - `collect()` (called by the server every batch, 50 ms) turns what changed into protocol
 *   messages: actors added and stopped, and for each dirty actor its state *value* (never its
 *   context), only when the value or status really changed.
 * - The trace messages are kept in a bounded ring buffer indexed by seq, so a browser can resume
 *   from any seq the buffer still holds, and ask for a message's payload later.
 */
import type { AnyActor, AnyActorRef, InspectionEvent } from 'xstate';
import type { TraceEntry } from '../kernel/trace.js';
import type { Kernel } from '../kernel/kernel.js';
import type { ActorKind, ActorMessage, ActorNode, MessageEntry, MessageMessage, SnapshotMessage } from './protocol.js';

/** What the hub knows of one actor. */
interface ActorInfo {
  key: string;
  ref: AnyActorRef;
  parent?: ActorInfo;
  kind: ActorKind;
  machine?: string;
  host?: string;
  /** JSON of the last value + status sent. */
  last?: string;
  stopped: boolean;
}

const CONTROL_PLANE = new Set(['api-server', 'etcd', 'scheduler', 'controller-manager']);
/** What a control-plane node of a highly available control plane hosts, by address prefix. */
const CONTROL_PLANE_NODE_PARTS = new Set(['etcd', 'api-server', 'leader-elector']);
/** What a leader elector starts while it leads, by address prefix. */
const ELECTED = new Set(['scheduler', 'controller-manager']);

/**
 * The kind of an actor from its key, its parent's kind and its machine's id.
 *
 * The single control plane's components have the canonical addresses (`etcd`, `api-server`,
 * `scheduler`, `controller-manager`, its controllers at `controller-manager/<name>`). A highly
 * available control plane (`createCluster({ controlPlane: { nodes: 3 } })`) has a
 * `control-plane-node` machine at `node/control-plane-i` whose children are `etcd/control-plane-i`,
 * `api-server/control-plane-i` and the `leader-elector/<lease>/control-plane-i`s, which start
 * `scheduler/control-plane-i` and `controller-manager/control-plane-i` while they lead; the load
 * balancer (machine `load-balancer`) sits at `api-server`.
 */
export function actorKind(key: string, parentKind?: ActorKind, machine?: string): ActorKind {
  if (machine === 'load-balancer') return 'load-balancer';
  if (machine === 'control-plane-node') return 'control-plane-node';
  if (CONTROL_PLANE.has(key)) return key as ActorKind;
  if (key === 'kubectl' || key.startsWith('kubectl/')) return 'kubectl';
  const slash = key.indexOf('/');
  const prefix = slash < 0 ? key : key.slice(0, slash);
  if (parentKind === 'control-plane-node' && CONTROL_PLANE_NODE_PARTS.has(prefix)) return prefix as ActorKind;
  if (parentKind === 'leader-elector' && ELECTED.has(prefix)) return prefix as ActorKind;
  switch (prefix) {
    case 'node':
    case 'kubelet':
    case 'kube-proxy':
    case 'container-runtime':
      return prefix;
    case 'controller-manager':
      return 'controller';
    case 'pod':
      if (parentKind === 'pod') return 'container';
      if (key.split('/').length === 3) return 'pod';
  }
  return parentKind === 'pod' ? 'container' : 'actor';
}

/** A bounded ring buffer of trace entries, addressed by seq. */
export class TraceRing {
  private readonly slots: (TraceEntry | undefined)[];
  /** The seq the next entry will have. */
  next = 0;
  /** The oldest seq still held. */
  oldest = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1) || !Number.isInteger(capacity)) throw new RangeError(`buffer capacity must be a positive integer; got ${capacity}`);
    this.slots = new Array<TraceEntry | undefined>(capacity);
  }

  push(entry: TraceEntry): void {
    if (entry.seq < this.next) return; // seen already (a backfill overlapping the live stream)
    // a gap (the trace forgot entries before we saw them): only what follows is contiguous
    if (entry.seq > this.next) this.oldest = entry.seq;
    this.slots[entry.seq % this.capacity] = entry;
    this.next = entry.seq + 1;
    if (this.next - this.oldest > this.capacity) this.oldest = this.next - this.capacity;
  }

  /** The entry with this seq, if still held. */
  get(seq: number): TraceEntry | undefined {
    if (seq < this.oldest || seq >= this.next) return undefined;
    const e = this.slots[seq % this.capacity];
    return e && e.seq === seq ? e : undefined;
  }

  /** Entries from `from` (clamped to what is held), at most `limit` of them. */
  range(from: number, limit = Infinity): TraceEntry[] {
    const out: TraceEntry[] = [];
    for (let s = Math.max(from, this.oldest); s < this.next && out.length < limit; s++) {
      const e = this.get(s);
      if (e) out.push(e);
    }
    return out;
  }
}

/** A trace entry as the protocol's `message`. */
export function messageOf(e: TraceEntry): MessageMessage {
  const m: MessageMessage = {
    type: 'message',
    seq: e.seq,
    time: round(e.time),
    sent: round(e.sent),
    msg: e.msg,
    from: e.from,
    to: e.to,
    event: e.type,
    summary: e.summary,
    status: e.status,
  };
  if (e.reason !== undefined) m.reason = e.reason;
  if (e.duplicate) m.duplicate = true;
  if (e.flow !== undefined) m.flow = e.flow;
  return m;
}

/** A trace entry without its payload. */
export function entryOf(e: TraceEntry): MessageEntry {
  const { event: _event, ...rest } = e;
  return { ...rest, time: round(e.time), sent: round(e.sent) };
}

const round = (t: number): number => Math.round(t * 1000) / 1000;

/** Options of the hub. */
export interface HubOptions {
  /** How many trace messages to keep for resuming browsers and payload requests. Default 20,000. */
  bufferSize?: number;
  /** Also called with every inspection event (e.g. the bridge to Stately's inspector). */
  forward?: (event: InspectionEvent) => void;
}

/** The inspector's live model of the cluster's actors and messages. */
export class InspectorHub {
  private readonly byKey = new Map<string, ActorInfo>();
  private readonly byRef = new WeakMap<AnyActorRef, ActorInfo>();
  private readonly dirty = new Set<ActorInfo>();
  private changes: { op: 'added' | 'stopped'; info: ActorInfo }[] = [];
  private kernel: Kernel | undefined;
  private unsubscribe: (() => void) | undefined;
  readonly ring: TraceRing;
  private readonly forward?: (event: InspectionEvent) => void;
  /** Listeners told about each new trace entry (the server wakes up its flush). */
  private readonly listeners = new Set<() => void>();

  constructor(options: HubOptions = {}) {
    this.ring = new TraceRing(options.bufferSize ?? 20_000);
    this.forward = options.forward;
  }

  /** The XState inspection callback: give it to `createCluster({ inspect })`. */
  readonly inspect = (event: InspectionEvent): void => {
    switch (event.type) {
      case '@xstate.event':
        // an actor's start is its `xstate.init` event, whose source is the actor that started it
        // (XState's inspection API names the parent there, and nowhere else)
        if (event.event.type === 'xstate.init') this.added(event.actorRef as AnyActorRef, event.sourceRef as AnyActorRef | undefined);
        break;
      case '@xstate.snapshot': {
        const info = this.byRef.get(event.actorRef as AnyActorRef);
        if (info) this.dirty.add(info);
        break;
      }
    }
    if (this.forward) this.forward(event);
  };

  /** Starts following a cluster's kernel: its trace (from the start) and its addresses. */
  attach(kernel: Kernel): void {
    this.kernel = kernel;
    for (const e of kernel.trace.since(0)) this.ring.push(e);
    const sub = kernel.trace.entries$.subscribe((e) => {
      this.ring.push(e);
      for (const l of this.listeners) l();
    });
    this.unsubscribe = () => sub.unsubscribe();
  }

  /** Stops following the trace. */
  detach(): void {
    this.unsubscribe?.();
    this.unsubscribe = undefined;
  }

  /** Called on every new trace entry. */
  onMessage(listener: () => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private added(ref: AnyActorRef, parentRef: AnyActorRef | undefined): void {
    const known = this.byRef.get(ref);
    if (known) {
      // added early as a parent (below); its own start names its parent
      if (!known.parent && parentRef) known.parent = this.byRef.get(parentRef);
      return;
    }
    // a parent that starts components while it initialises (a node, inside its first `assign`)
    // starts them before its own start event: add it first
    if (parentRef && !this.byRef.has(parentRef)) this.added(parentRef, undefined);
    const parent = parentRef ? this.byRef.get(parentRef) : undefined;
    const id = String(ref.id);
    // a controller's key is its address, `controller-manager/<name>`, whichever controller manager
    // (the single one, or `controller-manager/control-plane-i` under its Lease) spawned it
    const key = !parent || id.includes('/') ? id : parent.kind === 'controller-manager' ? `controller-manager/${id}` : `${parent.key}/${id}`;
    const logic = (ref as AnyActor).logic as { id?: unknown; root?: unknown } | undefined;
    const machine = logic && logic.root && typeof logic.id === 'string' ? logic.id : undefined;
    const kind = actorKind(key, parent?.kind, machine);
    const info: ActorInfo = { key, ref, kind, stopped: false };
    if (parent) info.parent = parent;
    if (machine) info.machine = machine;
    this.byKey.set(key, info);
    this.byRef.set(ref, info);
    this.changes.push({ op: 'added', info });
    this.dirty.add(info);
    ref.subscribe({
      complete: () => this.stopped(info),
      error: () => this.stopped(info),
    });
  }

  private stopped(info: ActorInfo): void {
    if (info.stopped) return;
    info.stopped = true;
    this.changes.push({ op: 'stopped', info });
  }

  private hostOf(info: ActorInfo): string | undefined {
    if (info.host) return info.host;
    let host: string | undefined;
    switch (info.kind) {
      case 'node':
      case 'control-plane-node':
      case 'kubelet':
      case 'kube-proxy':
      case 'container-runtime':
        host = info.key.slice(info.key.indexOf('/') + 1);
        break;
      case 'api-server':
      case 'etcd':
      case 'scheduler':
      case 'controller-manager':
      case 'controller':
        // the single control plane's host; with several control-plane nodes, the node it runs on
        host = info.key.includes('/') || info.parent ? (this.kernel?.hostOf(info.key) ?? (info.parent ? this.hostOf(info.parent) : undefined) ?? 'control-plane') : 'control-plane';
        break;
      case 'load-balancer':
        host = this.kernel?.hostOf(info.key) ?? 'load-balancer';
        break;
      case 'kubectl':
        host = 'kubectl';
        break;
      default:
        host = this.kernel?.hostOf(info.key) ?? (info.parent ? this.hostOf(info.parent) : undefined);
    }
    if (host) info.host = host;
    return host;
  }

  /** The actor as the protocol sends it; `record` makes it the baseline of later snapshot changes. */
  private node(info: ActorInfo, record: boolean): ActorNode {
    const snap = info.ref.getSnapshot() as { value?: unknown; status?: string } | undefined;
    const n: ActorNode = { key: info.key, kind: info.kind, status: snap?.status ?? 'active' };
    if (info.parent) n.parent = info.parent.key;
    const host = this.hostOf(info);
    if (host) n.host = host;
    if (info.machine) {
      n.machine = info.machine;
      if (snap && snap.value !== undefined) n.value = snap.value;
    }
    if (record) info.last = JSON.stringify([n.value ?? null, n.status]);
    return n;
  }

  /** Every live actor, parents before children. */
  actors(): ActorNode[] {
    const out: ActorNode[] = [];
    // not a baseline: browsers that connected earlier still get the changes since the last batch
    for (const info of this.byKey.values()) if (!info.stopped) out.push(this.node(info, false));
    return out;
  }

  /** The actor reference of a key. */
  actor(key: string): AnyActorRef | undefined {
    const info = this.byKey.get(key);
    return info && !info.stopped ? info.ref : undefined;
  }

  /** Number of live actors. */
  get size(): number {
    let n = 0;
    for (const info of this.byKey.values()) if (!info.stopped) n++;
    return n;
  }

  /** What changed since the last call: actors added and stopped, then state values that changed. */
  collect(): (ActorMessage | SnapshotMessage)[] {
    const out: (ActorMessage | SnapshotMessage)[] = [];
    const changes = this.changes;
    this.changes = [];
    for (const { op, info } of changes) {
      const current = this.byKey.get(info.key) === info;
      if (op === 'added') {
        if (current && !info.stopped) {
          out.push({ type: 'actor', op: 'added', actor: this.node(info, true) });
          this.dirty.delete(info);
        }
      } else if (current) {
        this.byKey.delete(info.key);
        this.dirty.delete(info);
        const status = (info.ref.getSnapshot() as { status?: string } | undefined)?.status ?? 'stopped';
        out.push({ type: 'actor', op: 'stopped', key: info.key, status });
      }
    }
    for (const info of this.dirty) {
      if (info.stopped || this.byKey.get(info.key) !== info) continue;
      const snap = info.ref.getSnapshot() as { value?: unknown; status?: string } | undefined;
      const value = info.machine ? snap?.value : undefined;
      const status = snap?.status ?? 'active';
      const last = JSON.stringify([value ?? null, status]);
      if (last === info.last) continue;
      info.last = last;
      const m: SnapshotMessage = { type: 'snapshot', key: info.key, status };
      if (value !== undefined) m.value = value;
      out.push(m);
    }
    this.dirty.clear();
    return out;
  }
}
