/**
 * An etcd member of a replicated etcd cluster (`etcd/control-plane-i`): Raft over the kernel's
 * network between members, the `etcd.*` protocol towards its API server.
 *
 * Its `raft` region is the member's role: `follower` (until the randomized `electionTimeout`
 * passes without a leader), `candidate` (a new term and RequestVote to every peer; a majority
 * makes it `leader`), `leader` (AppendEntries every `heartbeatInterval`, stepping down when it
 * has not heard from a majority for an election timeout: CheckQuorum), and `unavailable` (the
 * `etcd.fail` fault: the process stops serving, its data stays). Its `watches` region sends
 * progress notifications.
 *
 * Writes are acknowledged only once applied, that is committed: an entry of the leader's term
 * held by a majority. Reads are served by the leader through ReadIndex. A follower forwards both
 * to its leader and relays the answer; without a leader (a candidate, a minority) it answers the
 * retryable `Unavailable`. Watches are served from the member's own applied store. The Raft
 * decisions live in `etcd-member/raft.ts` (mutants swap its rules through the input).
 */
import { setup } from 'xstate';
import type { Port } from '../src/kernel/port.js';
import type { MvccStore } from './etcd/store.js';
import type { EtcdCancelWatch, EtcdRequest, EtcdResult, EtcdUnavailable, EtcdWatch } from './protocol.js';
import { RaftLog, RaftNode, type RaftAppend, type RaftAppended, type RaftDisk, type RaftMessage, type RaftRules, type RaftSnapshot, type RaftVote, type RaftVoted } from './etcd-member/raft.js';
import { EtcdService, cloneStore, type EtcdCommand, type EtcdRead, type EtcdWrite } from './etcd-member/service.js';

/** Timings of a member (etcd's defaults: `--election-timeout=1000`, `--heartbeat-interval=100`). */
export interface EtcdMemberTimings {
  /** Base election timeout; each one is drawn in [base, 2·base) from the member's generator. Default 1,000 ms. */
  electionTimeoutMs?: number;
  /** Leader heartbeat interval. Default 100 ms. */
  heartbeatMs?: number;
  /** Watch progress notifications. Default 5,000 ms. */
  progressMs?: number;
}

/** Input of an etcd member. */
export interface EtcdMemberInput {
  /** The member's port (`etcd/control-plane-i`). */
  port: Port;
  /** The other members' addresses. */
  peers: readonly string[];
  /** The member's data directory: it survives a crash of its node. */
  disk: RaftDisk<EtcdCommand, MvccStore>;
  /** Raft's decisions (mutants replace some). */
  rules?: RaftRules;
  timings?: EtcdMemberTimings;
  /** Entries kept in the log behind the applied index before it is compacted (default 20,000). */
  compactAfter?: number;
}

/** Context of an etcd member. */
export interface EtcdMemberContext {
  port: Port;
  raft: RaftNode<EtcdCommand, MvccStore>;
  service: EtcdService;
  timings: Required<EtcdMemberTimings>;
}

/** Events of an etcd member: Raft between members, etcd requests and answers, faults. */
export type EtcdMemberEvent = RaftMessage<EtcdCommand, MvccStore> | EtcdRequest | EtcdResult | EtcdUnavailable;

/** A new, empty data directory holding `state` as applied at index 0. */
export function newDisk(state: MvccStore): RaftDisk<EtcdCommand, MvccStore> {
  return { term: 0, votedFor: undefined, log: new RaftLog<EtcdCommand>(), state, applied: 0 };
}

const WRITES = ['etcd.create', 'etcd.update', 'etcd.delete', 'etcd.compact'] as const;
const READS = ['etcd.get', 'etcd.range'] as const;

function on<T>(types: readonly string[], handler: T): Record<string, T> {
  return Object.fromEntries(types.map((t) => [t, handler]));
}

/** The etcd member machine. */
export const etcdMemberMachine = setup({
  types: {
    input: {} as EtcdMemberInput,
    context: {} as EtcdMemberContext,
    events: {} as EtcdMemberEvent,
  },
  delays: {
    /** Randomized per wait from the member's generator: [base, 2·base). */
    electionTimeout: ({ context }) => context.raft.electionTimeout(),
    heartbeatInterval: ({ context }) => context.timings.heartbeatMs,
    progressInterval: ({ context }) => context.timings.progressMs,
  },
  guards: {
    staleTerm: ({ context, event }) => context.raft.isStale(event as RaftAppend),
    newerTerm: ({ context, event }) => context.raft.isNewer(event as RaftAppend),
    voteGrantable: ({ context, event }) => context.raft.wouldGrant(event as RaftVote),
    wonElection: ({ context }) => context.raft.wonElection,
    lostQuorum: ({ context }) => context.raft.lostQuorum(),
    leaderKnown: ({ context }) => context.raft.leader !== undefined && context.raft.leader !== context.raft.id,
    isRelay: ({ context, event }) => context.service.isRelay(event as EtcdResult),
  },
  actions: {
    adoptTerm: ({ context, event }) => {
      const e = event as RaftAppend;
      if (context.raft.isNewer(e)) context.raft.adoptTerm(e.term);
    },
    becomeFollower: ({ context }) => context.raft.becomeFollower(),
    stepDown: ({ context }) => {
      context.raft.becomeFollower();
      context.raft.leader = undefined;
    },
    startElection: ({ context }) => context.raft.startElection(),
    becomeLeader: ({ context }) => context.raft.becomeLeader(),
    heartbeat: ({ context }) => context.raft.broadcast(),
    acceptAppend: ({ context, event }) => context.raft.acceptAppend(event as RaftAppend<EtcdCommand>),
    acceptSnapshot: ({ context, event }) => context.raft.acceptSnapshot(event as RaftSnapshot<MvccStore>),
    refuseAppend: ({ context, event }) => context.raft.refuseAppend(event as RaftAppend),
    grantVote: ({ context, event }) => context.raft.answerVote(event as RaftVote, true),
    refuseVote: ({ context, event }) => context.raft.answerVote(event as RaftVote, false),
    answerVote: ({ context, event }) => context.raft.answerVote(event as RaftVote, context.raft.wouldGrant(event as RaftVote)),
    countVote: ({ context, event }) => context.raft.onVoted(event as RaftVoted),
    onAppended: ({ context, event }) => context.raft.onAppended(event as RaftAppended),
    propose: ({ context, event }) => {
      const e = event as EtcdWrite;
      context.service.wait(e);
      context.raft.propose(context.service.commandOf(e));
    },
    readIndex: ({ context, event }) => {
      const e = event as EtcdRead;
      context.raft.read(
        () => context.service.serveRead(e),
        () => context.service.refuse(e),
      );
    },
    forwardToLeader: ({ context, event }) => context.service.forward(event as EtcdWrite | EtcdRead, context.raft.leader!),
    refuse: ({ context, event }) => context.service.refuse(event as EtcdRequest),
    startWatch: ({ context, event }) => context.service.watch(event as EtcdWatch),
    stopWatch: ({ context, event }) => context.service.unwatch((event as EtcdCancelWatch).id),
    relay: ({ context, event }) => context.service.relay(event as EtcdResult),
    dropWatches: ({ context }) => context.service.dropWatches(),
    notifyProgress: ({ context }) => context.service.progress(),
    sweep: ({ context }) => context.service.sweep(),
  },
}).createMachine({
  id: 'etcd-member',
  context: ({ input }) => {
    const port = input.port;
    const disk = input.disk;
    const timings: Required<EtcdMemberTimings> = { electionTimeoutMs: 1_000, heartbeatMs: 100, progressMs: 5_000, ...(input.timings ?? {}) };
    const service = new EtcdService({ self: port.address, send: (to, event) => port.send(to, event), now: () => port.now() }, disk);
    const raft = new RaftNode<EtcdCommand, MvccStore>({
      id: port.address,
      peers: input.peers,
      disk,
      rules: input.rules,
      send: (to, message) => port.send(to, message),
      now: () => port.now(),
      rng: port.rng,
      electionTimeoutMs: timings.electionTimeoutMs,
      apply: (entry) => service.apply(entry),
      snapshot: (store) => cloneStore(store),
      install: (store) => {
        const old = disk.state.revision;
        disk.state = cloneStore(store);
        service.installed(old);
      },
      noop: { op: 'noop' },
      compactAfter: input.compactAfter,
    });
    return { port, raft, service, timings };
  },
  type: 'parallel',
  states: {
    raft: {
      initial: 'follower',
      on: {
        'etcd.watch': { actions: 'startWatch' },
        'etcd.unwatch': { actions: 'stopWatch' },
        'etcd.result': { guard: 'isRelay', actions: 'relay' },
        'etcd.fail': { target: '.unavailable' },
      },
      states: {
        follower: {
          entry: 'becomeFollower',
          after: { electionTimeout: 'candidate' },
          on: {
            'raft.append': [{ guard: 'staleTerm', actions: 'refuseAppend' }, { target: 'follower', reenter: true, actions: ['adoptTerm', 'acceptAppend'] }],
            'raft.snapshot': [{ guard: 'staleTerm', actions: 'refuseAppend' }, { target: 'follower', reenter: true, actions: ['adoptTerm', 'acceptSnapshot'] }],
            'raft.vote': [{ guard: 'voteGrantable', target: 'follower', reenter: true, actions: ['adoptTerm', 'grantVote'] }, { actions: ['adoptTerm', 'refuseVote'] }],
            'raft.voted': { guard: 'newerTerm', actions: 'adoptTerm' },
            'raft.appended': { guard: 'newerTerm', actions: 'adoptTerm' },
            ...on(WRITES, [{ guard: 'leaderKnown', actions: 'forwardToLeader' }, { actions: 'refuse' }]),
            ...on(READS, [{ guard: 'leaderKnown', actions: 'forwardToLeader' }, { actions: 'refuse' }]),
          },
        },
        candidate: {
          entry: 'startElection',
          always: { guard: 'wonElection', target: 'leader' },
          after: { electionTimeout: { target: 'candidate', reenter: true } },
          on: {
            'raft.append': [{ guard: 'staleTerm', actions: 'refuseAppend' }, { target: 'follower', actions: ['adoptTerm', 'acceptAppend'] }],
            'raft.snapshot': [{ guard: 'staleTerm', actions: 'refuseAppend' }, { target: 'follower', actions: ['adoptTerm', 'acceptSnapshot'] }],
            'raft.vote': [{ guard: 'newerTerm', target: 'follower', actions: ['adoptTerm', 'answerVote'] }, { actions: 'refuseVote' }],
            'raft.voted': [{ guard: 'newerTerm', target: 'follower', actions: 'adoptTerm' }, { actions: 'countVote' }],
            'raft.appended': { guard: 'newerTerm', target: 'follower', actions: 'adoptTerm' },
            ...on(WRITES, { actions: 'refuse' }),
            ...on(READS, { actions: 'refuse' }),
          },
        },
        leader: {
          entry: 'becomeLeader',
          initial: 'beating',
          states: {
            beating: {
              after: {
                heartbeatInterval: [
                  { guard: 'lostQuorum', target: '#etcd-member.raft.follower', actions: 'stepDown' },
                  { target: 'beating', reenter: true, actions: 'heartbeat' },
                ],
              },
            },
          },
          on: {
            'raft.append': [{ guard: 'newerTerm', target: 'follower', actions: ['adoptTerm', 'acceptAppend'] }, { guard: 'staleTerm', actions: 'refuseAppend' }],
            'raft.snapshot': [{ guard: 'newerTerm', target: 'follower', actions: ['adoptTerm', 'acceptSnapshot'] }, { guard: 'staleTerm', actions: 'refuseAppend' }],
            'raft.vote': [{ guard: 'newerTerm', target: 'follower', actions: ['adoptTerm', 'answerVote'] }, { actions: 'refuseVote' }],
            'raft.voted': { guard: 'newerTerm', target: 'follower', actions: 'adoptTerm' },
            'raft.appended': [{ guard: 'newerTerm', target: 'follower', actions: 'adoptTerm' }, { guard: 'staleTerm' }, { actions: 'onAppended' }],
            ...on(WRITES, { actions: 'propose' }),
            ...on(READS, { actions: 'readIndex' }),
          },
        },
        unavailable: {
          entry: ['stepDown', 'dropWatches'],
          on: {
            'etcd.recover': { target: 'follower' },
            'etcd.watch': { actions: 'refuse' },
            ...on(WRITES, { actions: 'refuse' }),
            ...on(READS, { actions: 'refuse' }),
          },
        },
      },
    },
    watches: {
      initial: 'serving',
      states: {
        serving: {
          after: { progressInterval: { target: 'serving', reenter: true, actions: ['notifyProgress', 'sweep'] } },
        },
      },
    },
  },
});
