import { describe, expect, it } from 'vitest';
import { createActor, type AnyActorRef } from 'xstate';
import { Kernel } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';
import { MvccStore } from '../../machines/etcd/store.js';
import { etcdMemberMachine, newDisk, type EtcdMemberContext } from '../../machines/etcd-member.js';
import { RaftLog, type RaftDisk, type RaftRules } from '../../machines/etcd-member/raft.js';
import { cloneStore, type EtcdCommand } from '../../machines/etcd-member/service.js';
import { summarizeMessage, type EtcdChanged, type EtcdResult } from '../../machines/protocol.js';
import { ACK_BEFORE_MAJORITY } from '../../src/ha/mutants.js';

interface Harness {
  kernel: Kernel;
  ids: string[];
  disks: Map<string, RaftDisk<EtcdCommand, MvccStore>>;
  results: Map<string, EtcdResult>;
  changes: EtcdChanged[];
  progress: number[];
  start(id: string): void;
  stop(id: string): void;
  ctx(id: string): EtcdMemberContext;
  leader(): string | undefined;
  send(to: string, request: Record<string, unknown> & { type: string; id: string }, from?: string): void;
  /** A client on the same host as a member (as its API server is). */
  localClient(id: string): string;
  hostOf(id: string): string;
}

function cluster(options: { n?: number; seed?: number; rules?: RaftRules; compactAfter?: number } = {}): Harness {
  const kernel = new Kernel({ seed: options.seed ?? 1, summarize: summarizeMessage });
  const ids = Array.from({ length: options.n ?? 3 }, (_, i) => `etcd/m${i + 1}`);
  const disks = new Map(ids.map((id) => [id, newDisk(new MvccStore())]));
  const actors = new Map<string, AnyActorRef>();
  const results = new Map<string, EtcdResult>();
  const changes: EtcdChanged[] = [];
  const progress: number[] = [];
  let boots = 0;
  const sink = {
    send: (e: { type: string }) => {
      if (e.type === 'etcd.result') results.set((e as EtcdResult).id, e as EtcdResult);
      else if (e.type === 'etcd.changed') changes.push(e as EtcdChanged);
      else if (e.type === 'etcd.progress') progress.push((e as unknown as { revision: number }).revision);
    },
  };
  kernel.register('client', sink);
  const hostOf = (id: string) => id.slice('etcd/'.length);
  const h: Harness = {
    kernel,
    ids,
    disks,
    results,
    changes,
    progress,
    hostOf,
    start(id) {
      const actor = createActor(etcdMemberMachine, {
        clock: kernel.clock,
        input: { port: new Port(kernel, id, kernel.fork(`${id}#${++boots}`)), peers: ids.filter((x) => x !== id), disk: disks.get(id)!, rules: options.rules, compactAfter: options.compactAfter },
      });
      actor.subscribe({ error: (e) => kernel.reportError(id, e) });
      kernel.register(id, actor, { host: hostOf(id), replace: true });
      actors.set(id, actor);
      actor.start();
    },
    stop(id) {
      actors.get(id)?.stop();
      actors.delete(id);
      kernel.unregister(id);
    },
    ctx(id) {
      return actors.get(id)!.getSnapshot().context as EtcdMemberContext;
    },
    leader() {
      let best: { id: string; term: number } | undefined;
      for (const [id, a] of actors) {
        const raft = (a.getSnapshot().context as EtcdMemberContext).raft;
        if (raft.role === 'leader' && (!best || raft.term > best.term)) best = { id, term: raft.term };
      }
      return best?.id;
    },
    send(to, request, from = 'client') {
      kernel.send(from, to, { from, ...request } as never);
    },
    localClient(id) {
      const address = `client@${hostOf(id)}`;
      if (!kernel.has(address)) kernel.register(address, sink, { host: hostOf(id) });
      return address;
    },
  };
  for (const id of ids) h.start(id);
  return h;
}

const cm = (name: string, v: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data: { v } });
const key = (name: string) => `/registry/configmaps/default/${name}`;

describe('etcd member: Raft leader election', () => {
  it('elects exactly one leader; the others follow it in the same term', () => {
    const h = cluster();
    expect(h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 })).toBe(true);
    h.kernel.advance(500);
    const leader = h.leader()!;
    const term = h.ctx(leader).raft.term;
    expect(term).toBeGreaterThanOrEqual(1);
    for (const id of h.ids) {
      const raft = h.ctx(id).raft;
      expect(raft.role).toBe(id === leader ? 'leader' : 'follower');
      expect(raft.term).toBe(term);
      expect(raft.leader).toBe(leader);
    }
    expect(h.kernel.errors).toEqual([]);
  });

  it('draws election timeouts in [1 s, 2 s) from each member’s own generator, so seeds pick different leaders', () => {
    const h = cluster();
    const draws = Array.from({ length: 200 }, () => h.ctx('etcd/m1').raft.electionTimeout());
    expect(Math.min(...draws)).toBeGreaterThanOrEqual(1_000);
    expect(Math.max(...draws)).toBeLessThan(2_000);
    expect(new Set(draws).size).toBeGreaterThan(50);
    const leaders = new Set<string>();
    for (let seed = 1; seed <= 8; seed++) {
      const c = cluster({ seed });
      c.kernel.runUntil(() => c.leader() !== undefined, { timeout: 5_000 });
      leaders.add(c.leader()!);
    }
    expect(leaders.size).toBeGreaterThan(1);
  });

  it('fails over: when the leader stops, a new leader of a higher term takes writes', () => {
    const h = cluster({ seed: 2 });
    h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 });
    const old = h.leader()!;
    const oldTerm = h.ctx(old).raft.term;
    h.stop(old);
    const stoppedAt = h.kernel.now();
    expect(h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 })).toBe(true);
    const leader = h.leader()!;
    expect(leader).not.toBe(old);
    expect(h.ctx(leader).raft.term).toBeGreaterThan(oldTerm);
    // an election timeout at least, at most two of them plus a vote round trip
    expect(h.kernel.now() - stoppedAt).toBeGreaterThanOrEqual(1_000);
    expect(h.kernel.now() - stoppedAt).toBeLessThan(4_100);
    h.send(leader, { type: 'etcd.create', id: 'w1', key: key('a'), value: cm('a', '1') });
    h.kernel.advance(50);
    expect(h.results.get('w1')?.ok).toBe(true);
  });
});

describe('etcd member: replication and acknowledgement', () => {
  it('acknowledges a write only once a majority holds it', () => {
    const h = cluster({ seed: 3 });
    h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 });
    const leader = h.leader()!;
    const others = h.ids.filter((id) => id !== leader).map(h.hostOf);
    // cut the leader from both followers: it cannot reach a majority
    h.kernel.network.partition([h.hostOf(leader)], others);
    h.send(leader, { type: 'etcd.create', id: 'w1', key: key('a'), value: cm('a', '1') });
    h.kernel.advance(300);
    expect(h.ctx(leader).raft.log.lastIndex).toBeGreaterThan(h.ctx(leader).raft.commitIndex);
    expect(h.results.get('w1')).toBeUndefined();
    expect(h.disks.get(leader)!.state.get(key('a'))).toBeUndefined();
    // with one follower back, the leader and that follower are a majority
    h.kernel.network.healLink(h.hostOf(leader), others[0]!);
    h.kernel.advance(300);
    expect(h.results.get('w1')?.ok).toBe(true);
    expect(h.results.get('w1')?.kv?.modRevision).toBe(2);
  });

  it('the ack-before-majority mutant acknowledges the same write while the leader is alone', () => {
    const h = cluster({ seed: 3, rules: ACK_BEFORE_MAJORITY });
    h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 });
    const leader = h.leader()!;
    h.kernel.network.partition([h.hostOf(leader)], h.ids.filter((id) => id !== leader).map(h.hostOf));
    h.send(leader, { type: 'etcd.create', id: 'w1', key: key('a'), value: cm('a', '1') });
    h.kernel.advance(300);
    expect(h.results.get('w1')?.ok).toBe(true);
  });

  it('a follower forwards to the leader and relays the answer; every member applies the same revisions', () => {
    const h = cluster({ seed: 4 });
    h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 });
    const follower = h.ids.find((id) => id !== h.leader())!;
    h.send(follower, { type: 'etcd.create', id: 'w1', key: key('a'), value: cm('a', '1') });
    h.kernel.advance(50);
    const created = h.results.get('w1')!;
    expect(created.ok).toBe(true);
    h.send(follower, { type: 'etcd.update', id: 'w2', key: key('a'), value: cm('a', '2'), expectedModRevision: created.kv!.modRevision });
    h.send(follower, { type: 'etcd.update', id: 'w3', key: key('a'), value: cm('a', '3'), expectedModRevision: created.kv!.modRevision });
    h.kernel.advance(200);
    // compare-and-swap decided in log order, the same way everywhere: one of the two wins
    expect([h.results.get('w2')!.ok, h.results.get('w3')!.ok].sort()).toEqual([false, true]);
    expect([h.results.get('w2')!.error, h.results.get('w3')!.error]).toContain('Conflict');
    const revisions = h.ids.map((id) => h.disks.get(id)!.state.revision);
    expect(new Set(revisions).size).toBe(1);
    const values = h.ids.map((id) => JSON.stringify(h.disks.get(id)!.state.get(key('a'))));
    expect(new Set(values).size).toBe(1);
    expect(h.ctx(follower).service.stats.forwarded).toBe(3);
  });

  it('a member without a leader (a minority) refuses reads and writes with the retryable Unavailable', () => {
    const h = cluster({ seed: 5 });
    h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 });
    const lonely = h.ids.find((id) => id !== h.leader())!;
    h.kernel.network.isolate(h.hostOf(lonely));
    h.kernel.advance(2_500); // its election timeout passed: it campaigns alone
    expect(h.ctx(lonely).raft.role).toBe('candidate');
    const before = h.disks.get(h.leader()!)!.state.revision;
    const lonelyLog = h.ctx(lonely).raft.log.lastIndex;
    const local = h.localClient(lonely);
    h.send(lonely, { type: 'etcd.create', id: 'w1', key: key('a'), value: cm('a', '1') }, local);
    h.send(lonely, { type: 'etcd.get', id: 'r1', key: key('a') }, local);
    h.kernel.advance(10);
    expect(h.results.get('w1')).toMatchObject({ ok: false, error: 'Unavailable' });
    expect(h.results.get('r1')).toMatchObject({ ok: false, error: 'Unavailable' });
    expect(h.disks.get(h.leader()!)!.state.revision).toBe(before);
    expect(h.ctx(lonely).raft.log.lastIndex).toBe(lonelyLog); // nothing was proposed
  });
});

describe('etcd member: linearizable reads', () => {
  it('a deposed leader never serves a stale read: ReadIndex needs a majority after the read arrived', () => {
    const h = cluster({ seed: 6 });
    h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 });
    const old = h.leader()!;
    h.send(old, { type: 'etcd.create', id: 'w1', key: key('a'), value: cm('a', 'old') });
    h.kernel.advance(50);
    expect(h.results.get('w1')?.ok).toBe(true);
    const others = h.ids.filter((id) => id !== old);
    h.kernel.network.partition([h.hostOf(old)], others.map(h.hostOf));
    expect(h.kernel.runUntil(() => others.some((id) => h.ctx(id).raft.role === 'leader'), { timeout: 5_000 })).toBe(true);
    const leader = others.find((id) => h.ctx(id).raft.role === 'leader')!;
    h.send(leader, { type: 'etcd.get', id: 'g0', key: key('a') });
    h.kernel.advance(20);
    h.send(leader, { type: 'etcd.update', id: 'w2', key: key('a'), value: cm('a', 'new'), expectedModRevision: h.results.get('g0')!.kv!.modRevision });
    h.kernel.advance(50);
    expect(h.results.get('w2')?.ok).toBe(true);
    // the old leader still holds 'old' in its store; asked now, it must not answer with it
    h.send(old, { type: 'etcd.get', id: 'stale?', key: key('a') }, h.localClient(old));
    h.kernel.advance(3_000);
    const answer = h.results.get('stale?');
    // it answers, but only with the retryable error, once it noticed it lost its majority
    expect(answer).toMatchObject({ ok: false, error: 'Unavailable' });
    h.send(leader, { type: 'etcd.get', id: 'fresh', key: key('a') });
    h.kernel.advance(50);
    expect((h.results.get('fresh')?.kv?.value as { data: { v: string } }).data.v).toBe('new');
  });
});

describe('etcd member: watches, restarts and snapshots', () => {
  it('a follower serves a watch from its applied state: consecutive revisions, then progress notifications', () => {
    const h = cluster({ seed: 7 });
    h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 });
    const follower = h.ids.find((id) => id !== h.leader())!;
    h.send(follower, { type: 'etcd.watch', id: 'watch-1', prefix: '/registry/', fromRevision: 2 });
    for (let i = 0; i < 5; i++) h.send(h.leader()!, { type: 'etcd.create', id: `w${i}`, key: key(`k${i}`), value: cm(`k${i}`, String(i)) });
    h.kernel.advance(6_000);
    const revisions = h.changes.filter((c) => c.watchId === 'watch-1').map((c) => c.revision);
    expect(revisions).toEqual([2, 3, 4, 5, 6]);
    expect(h.progress.at(-1)).toBe(6);
  });

  it('a member restarted from its data directory keeps its term and catches up', () => {
    const h = cluster({ seed: 8 });
    h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 });
    const follower = h.ids.find((id) => id !== h.leader())!;
    const term = h.ctx(follower).raft.term;
    h.stop(follower);
    for (let i = 0; i < 5; i++) h.send(h.leader()!, { type: 'etcd.create', id: `w${i}`, key: key(`k${i}`), value: cm(`k${i}`, String(i)) });
    h.kernel.advance(100);
    expect(h.disks.get(follower)!.state.revision).toBe(1);
    h.start(follower);
    expect(h.ctx(follower).raft.term).toBe(term);
    h.kernel.advance(500);
    expect(h.disks.get(follower)!.state.revision).toBe(6);
    expect(h.disks.get(follower)!.applied).toBe(h.ctx(h.leader()!).raft.commitIndex);
  });

  it('a member far behind a compacted log gets a snapshot of the leader’s store', () => {
    const h = cluster({ seed: 9, compactAfter: 3 });
    h.kernel.runUntil(() => h.leader() !== undefined, { timeout: 5_000 });
    const leader = h.leader()!;
    const follower = h.ids.find((id) => id !== leader)!;
    h.stop(follower);
    for (let i = 0; i < 20; i++) {
      h.send(leader, { type: 'etcd.create', id: `w${i}`, key: key(`k${i}`), value: cm(`k${i}`, String(i)) });
      h.kernel.advance(20);
    }
    expect(h.ctx(leader).raft.log.snapshotIndex).toBeGreaterThan(1);
    h.start(follower);
    h.kernel.advance(1_000);
    expect(h.ctx(leader).raft.stats.snapshotsSent).toBeGreaterThan(0);
    const a = h.disks.get(leader)!.state;
    const b = h.disks.get(follower)!.state;
    expect(b.revision).toBe(a.revision);
    expect(b.all().map((kv) => kv.key)).toEqual(a.all().map((kv) => kv.key));
    // the installed store is a copy: writes after it do not reach the leader's through it
    expect(b).not.toBe(a);
  });
});

describe('Raft log and store copies (pure)', () => {
  it('RaftLog: terms, slices, truncation, compaction, reset to a snapshot', () => {
    const log = new RaftLog<string>();
    for (let i = 1; i <= 6; i++) log.push({ index: i, term: i <= 3 ? 1 : 2, command: `c${i}` });
    expect([log.lastIndex, log.lastTerm, log.termAt(0), log.termAt(3), log.termAt(4), log.termAt(7)]).toEqual([6, 2, 0, 1, 2, undefined]);
    expect(log.firstIndexOfTerm(6)).toBe(4);
    expect(log.slice(5, 10).map((e) => e.index)).toEqual([5, 6]);
    log.truncateAfter(4);
    expect(log.lastIndex).toBe(4);
    log.compact(2);
    expect([log.snapshotIndex, log.snapshotTerm, log.termAt(1), log.termAt(2), log.entry(3)?.command]).toEqual([2, 1, undefined, 1, 'c3']);
    expect(() => log.push({ index: 9, term: 2, command: 'x' })).toThrow(RangeError);
    log.resetTo(3, 1); // agrees with entry 3: entry 4 stays
    expect([log.snapshotIndex, log.lastIndex]).toEqual([3, 4]);
    log.resetTo(10, 5); // a snapshot past everything
    expect([log.snapshotIndex, log.lastIndex, log.length]).toEqual([10, 10, 0]);
  });

  it('cloneStore copies the index and the history, sharing the immutable values', () => {
    const store = new MvccStore();
    store.create(key('a'), cm('a', '1'));
    store.update(key('a'), cm('a', '2'));
    const copy = cloneStore(store);
    store.create(key('b'), cm('b', '1'));
    expect(copy.revision).toBe(3);
    expect(copy.get(key('b'))).toBeUndefined();
    expect(copy.changesSince(2, '/')!.map((c) => c.revision)).toEqual([2, 3]);
    expect(copy.get(key('a'))!.value).toBe(store.get(key('a'))!.value);
  });
});
