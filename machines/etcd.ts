/**
 * etcd: the cluster's key-value store. Only the API server talks to it (an invariant the
 * verification checks from the trace). States `available` / `unavailable`: while unavailable it
 * answers every request with `Unavailable` and its watches go quiet; nothing it acknowledged is
 * ever lost.
 */
import { assign, setup } from 'xstate';
import type { Port } from '../src/kernel/port.js';
import { MvccStore } from './etcd/store.js';
import type {
  EtcdChange,
  EtcdChanged,
  EtcdCompact,
  EtcdCreate,
  EtcdDelete,
  EtcdGet,
  EtcdRange,
  EtcdRequest,
  EtcdResult,
  EtcdUnavailable,
  EtcdWatch,
  EtcdCancelWatch,
  EtcdUpdate,
} from './protocol.js';

/** A watch etcd keeps for a client. */
interface Watcher {
  id: string;
  to: string;
  prefix: string;
}

/** Input of the etcd machine. */
export interface EtcdInput {
  port: Port;
  /** A store to start from (a data directory); a new empty one by default. */
  store?: MvccStore;
}

/** Context of the etcd machine. */
export interface EtcdContext {
  port: Port;
  store: MvccStore;
  watchers: Map<string, Watcher>;
}

/** Events etcd handles: its requests, and the faults that take it down and bring it back. */
export type EtcdEvent = EtcdRequest | EtcdUnavailable;

function reply(ctx: EtcdContext, to: string, result: Omit<EtcdResult, 'type' | 'revision'>): void {
  ctx.port.send(to, { type: 'etcd.result', revision: ctx.store.revision, ...result });
}

function notify(ctx: EtcdContext, change: EtcdChange | undefined): void {
  if (!change) return;
  for (const w of ctx.watchers.values()) {
    if (change.kv.key.startsWith(w.prefix)) {
      ctx.port.send(w.to, { type: 'etcd.changed', watchId: w.id, revision: change.kv.modRevision, changes: [change] } satisfies EtcdChanged);
    }
  }
}

/** The client a request came from: etcd answers on the same connection. */
const requester = (event: EtcdRequest): string => event.from;

/**
 * The etcd machine. Every operation is a transition whose guards are named (`keyExists`,
 * `keyMissing`, `revisionMismatch`, ...), so a mutant can `.provide()` a broken one (an etcd
 * without compare-and-swap is `revisionMismatch: () => false`).
 */
export const etcdMachine = setup({
  types: {
    input: {} as EtcdInput,
    context: {} as EtcdContext,
    events: {} as EtcdEvent,
  },
  delays: {
    /** How often watchers get a progress notification (etcd's WithProgressNotify). */
    progressInterval: 5_000,
  },
  guards: {
    keyExists: ({ context, event }) => context.store.get((event as EtcdCreate).key) !== undefined,
    keyMissing: ({ context, event }) => context.store.get((event as EtcdUpdate).key) === undefined,
    revisionMismatch: ({ context, event }) => {
      const e = event as EtcdUpdate | EtcdDelete;
      if (e.expectedModRevision === undefined) return false;
      return context.store.get(e.key)?.modRevision !== e.expectedModRevision;
    },
    compacted: ({ context, event }) => (event as EtcdWatch).fromRevision <= context.store.compactRevision && (event as EtcdWatch).fromRevision > 0,
  },
  actions: {
    doCreate: ({ context, event }) => {
      const e = event as EtcdCreate;
      const change = context.store.create(e.key, e.value);
      reply(context, requester(e), { id: e.id, ok: true, kv: change!.kv });
      notify(context, change);
    },
    doUpdate: ({ context, event }) => {
      const e = event as EtcdUpdate;
      const change = context.store.update(e.key, e.value);
      reply(context, requester(e), { id: e.id, ok: true, kv: change!.kv });
      notify(context, change);
    },
    doDelete: ({ context, event }) => {
      const e = event as EtcdDelete;
      const change = context.store.delete(e.key);
      reply(context, requester(e), { id: e.id, ok: true, kv: change!.kv });
      notify(context, change);
    },
    doGet: ({ context, event }) => {
      const e = event as EtcdGet;
      const kv = context.store.get(e.key);
      if (kv) reply(context, requester(e), { id: e.id, ok: true, kv });
      else reply(context, requester(e), { id: e.id, ok: false, error: 'KeyNotFound' });
    },
    doRange: ({ context, event }) => {
      const e = event as EtcdRange;
      const { kvs, more } = context.store.range(e.prefix, { limit: e.limit, startAfter: e.startAfter });
      reply(context, requester(e), { id: e.id, ok: true, kvs, more });
    },
    doWatch: ({ context, event }) => {
      const e = event as EtcdWatch;
      const to = requester(e);
      context.watchers.set(e.id, { id: e.id, to, prefix: e.prefix });
      reply(context, to, { id: e.id, ok: true });
      const from = e.fromRevision > 0 ? e.fromRevision : context.store.revision + 1;
      for (const { change } of context.store.changesSince(from, e.prefix) ?? []) {
        context.port.send(to, { type: 'etcd.changed', watchId: e.id, revision: change.kv.modRevision, changes: [change] } satisfies EtcdChanged);
      }
    },
    doUnwatch: ({ context, event }) => {
      context.watchers.delete((event as EtcdCancelWatch).id);
    },
    doCompact: ({ context, event }) => {
      const e = event as EtcdCompact;
      const ok = context.store.compact(e.revision);
      reply(context, requester(e), ok ? { id: e.id, ok: true } : { id: e.id, ok: false, error: 'FutureRevision' });
    },
    replyKeyExists: ({ context, event }) => {
      const e = event as EtcdCreate;
      reply(context, requester(e), { id: e.id, ok: false, error: 'KeyExists', current: context.store.get(e.key) });
    },
    replyKeyNotFound: ({ context, event }) => {
      const e = event as EtcdUpdate;
      reply(context, requester(e), { id: e.id, ok: false, error: 'KeyNotFound' });
    },
    replyConflict: ({ context, event }) => {
      const e = event as EtcdUpdate;
      reply(context, requester(e), { id: e.id, ok: false, error: 'Conflict', current: context.store.get(e.key) });
    },
    replyCompacted: ({ context, event }) => {
      const e = event as EtcdWatch;
      reply(context, requester(e), { id: e.id, ok: false, error: 'Compacted' });
    },
    replyUnavailable: ({ context, event }) => {
      const e = event as EtcdRequest;
      if ('id' in e) reply(context, requester(e), { id: e.id, ok: false, error: 'Unavailable' });
    },
    notifyProgress: ({ context }) => {
      for (const w of context.watchers.values()) {
        context.port.send(w.to, { type: 'etcd.progress', watchId: w.id, revision: context.store.revision });
      }
    },
    dropWatches: assign({ watchers: () => new Map<string, Watcher>() }),
  },
}).createMachine({
  id: 'etcd',
  context: ({ input }) => ({ port: input.port, store: input.store ?? new MvccStore(), watchers: new Map() }),
  initial: 'available',
  states: {
    available: {
      after: { progressInterval: { target: 'available', reenter: true, actions: 'notifyProgress' } },
      on: {
        'etcd.create': [{ guard: 'keyExists', actions: 'replyKeyExists' }, { actions: 'doCreate' }],
        'etcd.update': [
          { guard: 'keyMissing', actions: 'replyKeyNotFound' },
          { guard: 'revisionMismatch', actions: 'replyConflict' },
          { actions: 'doUpdate' },
        ],
        'etcd.delete': [
          { guard: 'keyMissing', actions: 'replyKeyNotFound' },
          { guard: 'revisionMismatch', actions: 'replyConflict' },
          { actions: 'doDelete' },
        ],
        'etcd.get': { actions: 'doGet' },
        'etcd.range': { actions: 'doRange' },
        'etcd.watch': [{ guard: 'compacted', actions: 'replyCompacted' }, { actions: 'doWatch' }],
        'etcd.unwatch': { actions: 'doUnwatch' },
        'etcd.compact': { actions: 'doCompact' },
        'etcd.fail': { target: 'unavailable' },
      },
    },
    unavailable: {
      entry: 'dropWatches',
      on: {
        'etcd.create': { actions: 'replyUnavailable' },
        'etcd.update': { actions: 'replyUnavailable' },
        'etcd.delete': { actions: 'replyUnavailable' },
        'etcd.get': { actions: 'replyUnavailable' },
        'etcd.range': { actions: 'replyUnavailable' },
        'etcd.watch': { actions: 'replyUnavailable' },
        'etcd.compact': { actions: 'replyUnavailable' },
        'etcd.recover': { target: 'available' },
      },
    },
  },
});
