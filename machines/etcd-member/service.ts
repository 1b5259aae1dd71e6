/**
 * The etcd service of one member: the `etcd.*` protocol the API server speaks, on top of Raft.
 * Writes become log commands, applied in log order to the member's own MvccStore (so every
 * member's revisions match); reads are served from the leader's applied store once ReadIndex
 * confirms it; a follower forwards to its leader and relays the answer; watches are served from
 * the member's own applied state. No timers: the etcd-member machine drives it.
 */
import type { KubeObject } from '../../src/api/types.js';
import { MvccStore } from '../etcd/store.js';
import type {
  EtcdChange,
  EtcdChanged,
  EtcdRequest,
  EtcdResult,
  EtcdWatch,
  KeyValue,
} from '../protocol.js';
import type { LogEntry, RaftDisk } from './raft.js';

/** A command in the replicated log. */
export type EtcdCommand =
  | { op: 'noop' }
  | { op: 'create'; req: string; key: string; value: KubeObject }
  | { op: 'update'; req: string; key: string; value: KubeObject; expectedModRevision?: number }
  | { op: 'delete'; req: string; key: string; expectedModRevision?: number }
  | { op: 'compact'; req: string; revision: number };

/** The requests that are log commands. */
export type EtcdWrite = Extract<EtcdRequest, { type: 'etcd.create' | 'etcd.update' | 'etcd.delete' | 'etcd.compact' }>;
/** The requests served by ReadIndex. */
export type EtcdRead = Extract<EtcdRequest, { type: 'etcd.get' | 'etcd.range' }>;

/** How the service reaches the network. */
export interface EtcdServiceIo {
  self: string;
  send(to: string, event: EtcdResult | EtcdChanged | EtcdRequest | { type: 'etcd.progress'; watchId: string; revision: number }): void;
  now(): number;
}

interface Watcher {
  id: string;
  to: string;
  prefix: string;
}

interface Waiter {
  to: string;
  id: string;
  at: number;
}

const STORE_FIELDS = ['revision', 'compactRevision', 'dirs', 'size', 'history', 'historyStart'];

/**
 * A copy of a store (a snapshot for InstallSnapshot): its own key index and history, sharing the
 * immutable key-values.
 */
export function cloneStore(store: MvccStore): MvccStore {
  const copy = new MvccStore();
  const src = store as unknown as Record<string, unknown>;
  const dst = copy as unknown as Record<string, unknown>;
  for (const key of Object.keys(dst)) {
    if (!STORE_FIELDS.includes(key)) throw new Error(`cloneStore does not know the MvccStore field "${key}"`);
  }
  const dirs = src.dirs as Map<string, Map<string, KeyValue>>;
  const history = src.history as unknown[];
  dst.revision = src.revision;
  dst.compactRevision = src.compactRevision;
  dst.dirs = new Map([...dirs].map(([dir, keys]) => [dir, new Map(keys)]));
  dst.size = src.size;
  dst.history = history.slice(src.historyStart as number);
  dst.historyStart = 0;
  return copy;
}

/** The etcd service of a member. */
export class EtcdService {
  readonly watchers = new Map<string, Watcher>();
  /** Writes this member proposed, by request id: answered when applied. */
  readonly waiters = new Map<string, Waiter>();
  /** Requests forwarded to the leader, by forwarded id: the answer is relayed. */
  readonly forwards = new Map<string, Waiter>();
  private seq = 0;
  readonly stats = { applied: 0, forwarded: 0, refused: 0 };

  constructor(
    private readonly io: EtcdServiceIo,
    private readonly disk: RaftDisk<EtcdCommand, MvccStore>,
  ) {}

  /** The member's applied store. */
  get store(): MvccStore {
    return this.disk.state;
  }

  /** The log command of a write request. */
  commandOf(request: EtcdWrite): EtcdCommand {
    switch (request.type) {
      case 'etcd.create':
        return { op: 'create', req: request.id, key: request.key, value: request.value };
      case 'etcd.update':
        return { op: 'update', req: request.id, key: request.key, value: request.value, expectedModRevision: request.expectedModRevision };
      case 'etcd.delete':
        return { op: 'delete', req: request.id, key: request.key, expectedModRevision: request.expectedModRevision };
      case 'etcd.compact':
        return { op: 'compact', req: request.id, revision: request.revision };
    }
  }

  /** Remembers who waits for a proposed write. */
  wait(request: EtcdWrite): void {
    this.waiters.set(request.id, { to: request.from, id: request.id, at: this.io.now() });
  }

  /** Applies one committed entry to the store: the compare-and-swap checks happen here, the same on every member. */
  apply(entry: LogEntry<EtcdCommand>): void {
    const cmd = entry.command;
    if (cmd.op === 'noop') return;
    this.stats.applied++;
    const store = this.store;
    let result: Omit<EtcdResult, 'type' | 'revision' | 'id'>;
    let change: EtcdChange | undefined;
    switch (cmd.op) {
      case 'create':
        if (store.get(cmd.key)) result = { ok: false, error: 'KeyExists', current: store.get(cmd.key) };
        else {
          change = store.create(cmd.key, cmd.value);
          result = { ok: true, kv: change!.kv };
        }
        break;
      case 'update':
      case 'delete': {
        const current = store.get(cmd.key);
        if (!current) result = { ok: false, error: 'KeyNotFound' };
        else if (cmd.expectedModRevision !== undefined && current.modRevision !== cmd.expectedModRevision) result = { ok: false, error: 'Conflict', current };
        else {
          change = cmd.op === 'update' ? store.update(cmd.key, cmd.value) : store.delete(cmd.key);
          result = { ok: true, kv: change!.kv };
        }
        break;
      }
      case 'compact':
        result = store.compact(cmd.revision) ? { ok: true } : { ok: false, error: 'FutureRevision' };
        break;
    }
    const waiter = this.waiters.get(cmd.req);
    if (waiter) {
      this.waiters.delete(cmd.req);
      this.reply(waiter.to, { id: waiter.id, ...result });
    }
    if (change) this.notify(change);
  }

  /** Serves a read from the applied store (the leader, after ReadIndex). */
  serveRead(request: EtcdRead): void {
    const store = this.store;
    if (request.type === 'etcd.get') {
      const kv = store.get(request.key);
      this.reply(request.from, kv ? { id: request.id, ok: true, kv } : { id: request.id, ok: false, error: 'KeyNotFound' });
      return;
    }
    const { kvs, more } = store.range(request.prefix, { limit: request.limit, startAfter: request.startAfter });
    this.reply(request.from, { id: request.id, ok: true, kvs, more });
  }

  /** Answers a request this member cannot serve now (no leader, not the leader): retryable. */
  refuse(request: EtcdRequest): void {
    this.stats.refused++;
    this.reply(request.from, { id: request.id, ok: false, error: 'Unavailable' });
  }

  /** Sends a request on to the leader; its answer is relayed back (`relay`). */
  forward(request: EtcdWrite | EtcdRead, leader: string): void {
    this.stats.forwarded++;
    const id = `${this.io.self}>${++this.seq}`;
    this.forwards.set(id, { to: request.from, id: request.id, at: this.io.now() });
    this.io.send(leader, { ...request, id, from: this.io.self });
  }

  /** True when a result answers a forwarded request. */
  isRelay(result: EtcdResult): boolean {
    return this.forwards.has(result.id);
  }

  /** Relays the leader's answer to whoever asked this member. */
  relay(result: EtcdResult): void {
    const f = this.forwards.get(result.id);
    if (!f) return;
    this.forwards.delete(result.id);
    this.io.send(f.to, { ...result, id: f.id });
  }

  /** Starts a watch on the applied state, replaying history from the requested revision. */
  watch(request: EtcdWatch): void {
    const store = this.store;
    if (request.fromRevision > 0 && request.fromRevision <= store.compactRevision) {
      this.reply(request.from, { id: request.id, ok: false, error: 'Compacted' });
      return;
    }
    this.watchers.set(request.id, { id: request.id, to: request.from, prefix: request.prefix });
    this.reply(request.from, { id: request.id, ok: true });
    const from = request.fromRevision > 0 ? request.fromRevision : store.revision + 1;
    for (const { change } of store.changesSince(from, request.prefix) ?? []) {
      this.io.send(request.from, { type: 'etcd.changed', watchId: request.id, revision: change.kv.modRevision, changes: [change] });
    }
  }

  /** Ends a watch. */
  unwatch(id: string): void {
    this.watchers.delete(id);
  }

  /** Drops every watch (the member stopped serving). */
  dropWatches(): void {
    this.watchers.clear();
  }

  /** A snapshot replaced the store: watchers get what happened since the old revision. */
  installed(oldRevision: number): void {
    for (const w of this.watchers.values()) {
      for (const { change } of this.store.changesSince(oldRevision + 1, w.prefix) ?? []) {
        this.io.send(w.to, { type: 'etcd.changed', watchId: w.id, revision: change.kv.modRevision, changes: [change] });
      }
    }
  }

  /** Progress notifications: everything up to the applied revision was sent. */
  progress(): void {
    for (const w of this.watchers.values()) this.io.send(w.to, { type: 'etcd.progress', watchId: w.id, revision: this.store.revision });
  }

  /** Forgets waiters and forwards nobody will answer any more (older than `maxAgeMs`). */
  sweep(maxAgeMs = 30_000): void {
    const limit = this.io.now() - maxAgeMs;
    for (const [id, w] of this.waiters) if (w.at < limit) this.waiters.delete(id);
    for (const [id, f] of this.forwards) if (f.at < limit) this.forwards.delete(id);
  }

  private reply(to: string, result: Omit<EtcdResult, 'type' | 'revision'>): void {
    this.io.send(to, { type: 'etcd.result', revision: this.store.revision, ...result });
  }

  private notify(change: EtcdChange): void {
    for (const w of this.watchers.values()) {
      if (change.kv.key.startsWith(w.prefix)) {
        this.io.send(w.to, { type: 'etcd.changed', watchId: w.id, revision: change.kv.modRevision, changes: [change] });
      }
    }
  }
}
