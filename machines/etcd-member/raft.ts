/**
 * The pure Raft logic of an etcd member: the replicated log, terms and votes, AppendEntries with
 * its consistency check, the commit rule (an entry of the leader's term on a majority), ReadIndex
 * (a read is served once a majority has confirmed the leader after the read arrived) and
 * CheckQuorum (a leader that has not heard from a majority for an election timeout steps down).
 *
 * Nothing here has a timer or knows XState: the etcd-member machine drives it (its states are the
 * roles, its delays the election timeout and the heartbeat interval) and hands it the messages.
 * Messages leave through the `send` function given at construction.
 */
import type { Rng } from '../../src/kernel/rng.js';

// ---- messages ---------------------------------------------------------------------------------

/** RequestVote: a candidate asks for a vote. */
export interface RaftVote {
  type: 'raft.vote';
  from: string;
  term: number;
  lastLogIndex: number;
  lastLogTerm: number;
}

/** The answer to a RequestVote. */
export interface RaftVoted {
  type: 'raft.voted';
  from: string;
  term: number;
  granted: boolean;
}

/** AppendEntries (a heartbeat when `entries` is empty). `seq` confirms the leader for ReadIndex. */
export interface RaftAppend<C = unknown> {
  type: 'raft.append';
  from: string;
  term: number;
  prevLogIndex: number;
  prevLogTerm: number;
  entries: LogEntry<C>[];
  leaderCommit: number;
  seq: number;
}

/** The answer to an AppendEntries. On refusal `hint` is where the leader should retry from. */
export interface RaftAppended {
  type: 'raft.appended';
  from: string;
  term: number;
  success: boolean;
  matchIndex: number;
  hint: number;
  seq: number;
}

/** InstallSnapshot: the leader's applied state, for a follower whose next entries were compacted away. */
export interface RaftSnapshot<S = unknown> {
  type: 'raft.snapshot';
  from: string;
  term: number;
  lastIncludedIndex: number;
  lastIncludedTerm: number;
  data: S;
  seq: number;
}

/** Every Raft message between members. */
export type RaftMessage<C = unknown, S = unknown> = RaftVote | RaftVoted | RaftAppend<C> | RaftAppended | RaftSnapshot<S>;

// ---- the log ----------------------------------------------------------------------------------

/** One entry of the replicated log. */
export interface LogEntry<C> {
  index: number;
  term: number;
  command: C;
}

/**
 * The replicated log, indexed from 1. Entries up to `snapshotIndex` have been compacted away
 * (their effect lives in the applied state).
 */
export class RaftLog<C> {
  snapshotIndex = 0;
  snapshotTerm = 0;
  private entries: LogEntry<C>[] = [];

  /** Index of the last entry (or of the snapshot when the log is empty). */
  get lastIndex(): number {
    return this.snapshotIndex + this.entries.length;
  }

  /** Term of the last entry. */
  get lastTerm(): number {
    return this.entries.length > 0 ? this.entries[this.entries.length - 1]!.term : this.snapshotTerm;
  }

  /** Entries held (not compacted). */
  get length(): number {
    return this.entries.length;
  }

  /** The term of the entry at `index`; undefined when there is none (or it was compacted). */
  termAt(index: number): number | undefined {
    if (index === this.snapshotIndex) return this.snapshotTerm;
    if (index < this.snapshotIndex || index > this.lastIndex) return undefined;
    return this.entries[index - this.snapshotIndex - 1]!.term;
  }

  /** The entry at `index`, if held. */
  entry(index: number): LogEntry<C> | undefined {
    if (index <= this.snapshotIndex || index > this.lastIndex) return undefined;
    return this.entries[index - this.snapshotIndex - 1];
  }

  /** Up to `max` entries from `from` on. */
  slice(from: number, max: number): LogEntry<C>[] {
    const start = Math.max(from, this.snapshotIndex + 1) - this.snapshotIndex - 1;
    return this.entries.slice(start, start + max);
  }

  /** Appends an entry at the end. */
  push(entry: LogEntry<C>): void {
    if (entry.index !== this.lastIndex + 1) throw new RangeError(`log entry ${entry.index} appended after ${this.lastIndex}`);
    this.entries.push(entry);
  }

  /** Removes every entry after `index`. */
  truncateAfter(index: number): void {
    if (index < this.snapshotIndex) index = this.snapshotIndex;
    this.entries.length = index - this.snapshotIndex;
  }

  /** The first index of the run of entries with `term` that contains `index`. */
  firstIndexOfTerm(index: number): number {
    const term = this.termAt(index);
    let i = index;
    while (i - 1 > this.snapshotIndex && this.termAt(i - 1) === term) i--;
    return i;
  }

  /** Forgets entries up to `index` (their effect is in the applied state). */
  compact(index: number): void {
    if (index <= this.snapshotIndex) return;
    const term = this.termAt(index);
    if (term === undefined) return;
    this.entries = this.entries.slice(index - this.snapshotIndex);
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }

  /** Restarts the log at an installed snapshot, keeping any entries that follow it and agree with it. */
  resetTo(index: number, term: number): void {
    if (this.termAt(index) === term && index >= this.snapshotIndex) {
      this.entries = this.entries.slice(index - this.snapshotIndex);
    } else {
      this.entries = [];
    }
    this.snapshotIndex = index;
    this.snapshotTerm = term;
  }
}

// ---- rules ------------------------------------------------------------------------------------

/**
 * The decisions of Raft that mutants change. `RAFT_RULES` are Raft's own; a mutant is another set
 * (an etcd that acknowledges before a majority holds a write is `quorum: () => 1`).
 */
export interface RaftRules {
  /** How many members (the leader included) must hold an entry before it is committed. */
  quorum(members: number): number;
  /** A message from an older term: refused. */
  isStale(messageTerm: number, ourTerm: number): boolean;
  /** A message from a newer term: adopt it and become a follower. */
  isNewer(messageTerm: number, ourTerm: number): boolean;
  /** A vote is bound to a term: one vote per term (false: every up-to-date candidate gets a vote). */
  votesPerTerm: boolean;
  /** The candidate's log is at least as up to date as ours. */
  logUpToDate(candidateLastTerm: number, candidateLastIndex: number, ourLastTerm: number, ourLastIndex: number): boolean;
  /** AppendEntries' consistency check: our entry at prevLogIndex (its term, undefined when missing) matches the leader's. */
  logMatches(ourTerm: number | undefined, prevLogTerm: number): boolean;
  /** An entry we hold conflicts with the leader's at the same index (ours and everything after it go). */
  conflicts(ourTerm: number, leaderTerm: number): boolean;
}

/** Raft's rules. */
export const RAFT_RULES: RaftRules = {
  quorum: (members) => Math.floor(members / 2) + 1,
  isStale: (m, ours) => m < ours,
  isNewer: (m, ours) => m > ours,
  votesPerTerm: true,
  logUpToDate: (ct, ci, ot, oi) => ct > ot || (ct === ot && ci >= oi),
  logMatches: (ours, prev) => ours !== undefined && ours === prev,
  conflicts: (ours, leader) => ours !== leader,
};

// ---- the node ---------------------------------------------------------------------------------

/** What survives a crash: the member's data directory (WAL and backend). */
export interface RaftDisk<C, S> {
  term: number;
  votedFor: string | undefined;
  log: RaftLog<C>;
  /** The applied state (etcd's backend) and the index it reflects. */
  state: S;
  applied: number;
}

/** A member's role. */
export type RaftRole = 'follower' | 'candidate' | 'leader';

/** Options of a Raft node. */
export interface RaftOptions<C, S> {
  /** This member's address. */
  id: string;
  /** The other members' addresses. */
  peers: readonly string[];
  disk: RaftDisk<C, S>;
  rules?: RaftRules;
  send(to: string, message: RaftMessage<C, S>): void;
  now(): number;
  rng: Rng;
  /** Base election timeout (ms); each timeout is drawn in [base, 2·base). */
  electionTimeoutMs: number;
  /** Applies a committed entry to the state; called in log order, exactly once per index. */
  apply(entry: LogEntry<C>): void;
  /** A copy of the applied state, for InstallSnapshot. */
  snapshot(state: S): S;
  /** Installs a snapshot's state (the previous state is replaced). */
  install(state: S): void;
  /** The command of the no-op entry a new leader appends. */
  noop: C;
  /** Most entries per AppendEntries. Default 64. */
  maxBatch?: number;
  /** Entries kept in the log behind the applied index before it is compacted. Default 20,000. */
  compactAfter?: number;
}

interface PendingRead {
  seq: number;
  /** Index the read must see; undefined until the leader has committed an entry of its term. */
  index: number | undefined;
  serve(): void;
  fail(): void;
}

/** The state of one Raft member, and what it does with each message. */
export class RaftNode<C, S> {
  readonly id: string;
  readonly peers: readonly string[];
  readonly disk: RaftDisk<C, S>;
  readonly rules: RaftRules;
  role: RaftRole = 'follower';
  /** The leader this member follows (or itself when leading). */
  leader: string | undefined;
  commitIndex: number;
  /** Leader: next entry to send and highest entry known replicated, per peer. */
  readonly nextIndex = new Map<string, number>();
  readonly matchIndex = new Map<string, number>();
  /** Leader: last time each peer answered in this term (CheckQuorum), and the highest seq it confirmed. */
  private readonly lastAck = new Map<string, number>();
  private readonly ackSeq = new Map<string, number>();
  private readonly snapshotSent = new Map<string, number>();
  private readonly votes = new Set<string>();
  private seq = 0;
  private reads: PendingRead[] = [];
  /** When this member last heard from a leader (or granted a vote). */
  heardAt = 0;
  /** Counters for the inspector and the benchmark. */
  readonly stats = { elections: 0, becameLeader: 0, appendsSent: 0, snapshotsSent: 0, proposals: 0, reads: 0 };

  constructor(private readonly o: RaftOptions<C, S>) {
    this.id = o.id;
    this.peers = o.peers;
    this.disk = o.disk;
    this.rules = o.rules ?? RAFT_RULES;
    this.commitIndex = o.disk.applied;
  }

  get term(): number {
    return this.disk.term;
  }

  get log(): RaftLog<C> {
    return this.disk.log;
  }

  get lastApplied(): number {
    return this.disk.applied;
  }

  /** Members in the cluster (peers and this one). */
  get size(): number {
    return this.peers.length + 1;
  }

  /** Votes (or confirmations) a candidate or a read needs. */
  get majority(): number {
    return Math.floor(this.size / 2) + 1;
  }

  /** A new randomized election timeout, in [base, 2·base). */
  electionTimeout(): number {
    return this.o.electionTimeoutMs + this.o.rng.int(this.o.electionTimeoutMs);
  }

  // ---- guards ---------------------------------------------------------------------------------

  /** The message comes from an older term. */
  isStale(message: { term: number }): boolean {
    return this.rules.isStale(message.term, this.term);
  }

  /** The message comes from a newer term. */
  isNewer(message: { term: number }): boolean {
    return this.rules.isNewer(message.term, this.term);
  }

  /** This member would grant the vote (after adopting a newer term). */
  wouldGrant(vote: RaftVote): boolean {
    if (this.isStale(vote)) return false;
    const newer = this.isNewer(vote);
    if (this.rules.votesPerTerm && !newer && this.disk.votedFor !== undefined && this.disk.votedFor !== vote.from) return false;
    if (!this.rules.votesPerTerm && this.role === 'leader') return false;
    return this.rules.logUpToDate(vote.lastLogTerm, vote.lastLogIndex, this.log.lastTerm, this.log.lastIndex);
  }

  /** The candidate has a majority of votes. */
  get wonElection(): boolean {
    return this.role === 'candidate' && this.votes.size >= this.majority;
  }

  /** The leader has not heard from a majority within an election timeout (CheckQuorum). */
  lostQuorum(): boolean {
    if (this.role !== 'leader') return false;
    const since = this.o.now() - this.o.electionTimeoutMs;
    let heard = 1;
    for (const p of this.peers) if ((this.lastAck.get(p) ?? -Infinity) >= since) heard++;
    return heard < this.majority;
  }

  // ---- roles ----------------------------------------------------------------------------------

  /** Adopts a newer term: no vote yet, no leader known. */
  adoptTerm(term: number): void {
    if (term <= this.disk.term) return;
    this.disk.term = term;
    this.disk.votedFor = undefined;
    this.leader = undefined;
  }

  /** Becomes (or stays) a follower. Pending reads fail: only a leader serves them. */
  becomeFollower(): void {
    if (this.role === 'leader') this.failReads();
    this.role = 'follower';
  }

  /** Starts an election: a new term, a vote for itself, RequestVote to every peer. */
  startElection(): void {
    this.failReads();
    this.role = 'candidate';
    this.stats.elections++;
    this.disk.term++;
    this.disk.votedFor = this.id;
    this.leader = undefined;
    this.votes.clear();
    this.votes.add(this.id);
    for (const p of this.peers) {
      this.o.send(p, { type: 'raft.vote', from: this.id, term: this.term, lastLogIndex: this.log.lastIndex, lastLogTerm: this.log.lastTerm });
    }
  }

  /** Counts a vote. */
  onVoted(message: RaftVoted): void {
    if (this.role !== 'candidate' || (this.rules.votesPerTerm && message.term !== this.term)) return;
    if (message.granted) this.votes.add(message.from);
  }

  /** Becomes leader: every peer is sent what it may lack, after a no-op entry of the new term. */
  becomeLeader(): void {
    this.role = 'leader';
    this.leader = this.id;
    this.stats.becameLeader++;
    const now = this.o.now();
    for (const p of this.peers) {
      this.nextIndex.set(p, this.log.lastIndex + 1);
      this.matchIndex.set(p, 0);
      this.lastAck.set(p, now);
      this.ackSeq.set(p, 0);
      this.snapshotSent.delete(p);
    }
    this.append(this.o.noop);
    this.broadcast();
  }

  /** Answers a RequestVote (after any newer term was adopted). */
  answerVote(vote: RaftVote, granted: boolean): void {
    if (granted) {
      this.disk.votedFor = vote.from;
      this.heardAt = this.o.now();
    }
    this.o.send(vote.from, { type: 'raft.voted', from: this.id, term: this.term, granted });
  }

  // ---- replication ----------------------------------------------------------------------------

  /** Follower: takes an AppendEntries from the leader (consistency check, conflicts, commit). */
  acceptAppend(message: RaftAppend<C>): void {
    this.leader = message.from;
    this.heardAt = this.o.now();
    const log = this.log;
    const prev = message.prevLogIndex;
    if (prev < log.snapshotIndex) {
      // the start of the message is already compacted here (committed): skip what we have
      const skip = log.snapshotIndex - prev;
      if (skip > message.entries.length) return this.reply(message, true, log.snapshotIndex, 0);
      return this.acceptAppend({
        ...message,
        prevLogIndex: log.snapshotIndex,
        prevLogTerm: log.snapshotTerm,
        entries: message.entries.slice(skip),
      });
    }
    if (!this.rules.logMatches(log.termAt(prev), message.prevLogTerm)) {
      let hint = Math.min(prev, log.lastIndex + 1);
      if (log.termAt(prev) !== undefined) hint = Math.max(log.snapshotIndex + 1, log.firstIndexOfTerm(prev));
      return this.reply(message, false, 0, hint);
    }
    let index = prev;
    for (const entry of message.entries) {
      index = entry.index;
      const ours = log.termAt(entry.index);
      if (ours !== undefined) {
        if (!this.rules.conflicts(ours, entry.term)) continue;
        log.truncateAfter(entry.index - 1);
      }
      if (entry.index === log.lastIndex + 1) log.push(entry);
    }
    const lastNew = prev + message.entries.length;
    if (message.leaderCommit > this.commitIndex) this.commitTo(Math.min(message.leaderCommit, lastNew));
    this.reply(message, true, Math.max(lastNew, index), 0);
  }

  /** Refuses an AppendEntries from an older term (the old leader learns the newer term). */
  refuseAppend(message: { from: string; seq: number }): void {
    this.o.send(message.from, { type: 'raft.appended', from: this.id, term: this.term, success: false, matchIndex: 0, hint: 0, seq: message.seq });
  }

  private reply(message: { from: string; seq: number }, success: boolean, matchIndex: number, hint: number): void {
    this.o.send(message.from, { type: 'raft.appended', from: this.id, term: this.term, success, matchIndex, hint, seq: message.seq });
  }

  /** Follower: installs the leader's snapshot when it is ahead of what we applied. */
  acceptSnapshot(message: RaftSnapshot<S>): void {
    this.leader = message.from;
    this.heardAt = this.o.now();
    if (message.lastIncludedIndex > this.disk.applied) {
      this.log.resetTo(message.lastIncludedIndex, message.lastIncludedTerm);
      this.o.install(message.data);
      this.disk.applied = message.lastIncludedIndex;
      this.commitIndex = Math.max(this.commitIndex, message.lastIncludedIndex);
      this.applyCommitted();
    }
    this.reply(message, true, Math.max(message.lastIncludedIndex, 0), 0);
  }

  /** Leader: an answer to an AppendEntries or InstallSnapshot of its term. */
  onAppended(message: RaftAppended): void {
    if (this.role !== 'leader') return;
    const p = message.from;
    if (!this.nextIndex.has(p)) return;
    this.lastAck.set(p, this.o.now());
    this.ackSeq.set(p, Math.max(this.ackSeq.get(p) ?? 0, message.seq));
    if (message.success) {
      const match = Math.max(this.matchIndex.get(p) ?? 0, message.matchIndex);
      this.matchIndex.set(p, match);
      if ((this.nextIndex.get(p) ?? 0) <= match) this.nextIndex.set(p, match + 1);
      if (this.snapshotSent.has(p) && match >= this.log.snapshotIndex) this.snapshotSent.delete(p);
      this.advanceCommit();
      if ((this.nextIndex.get(p) ?? 0) <= this.log.lastIndex) this.replicateTo(p);
    } else if (message.hint > 0) {
      const match = this.matchIndex.get(p) ?? 0;
      const next = Math.max(match + 1, Math.min(message.hint, this.nextIndex.get(p) ?? message.hint));
      this.nextIndex.set(p, next);
      this.replicateTo(p);
    }
    this.serveReads();
  }

  /** Leader: appends a command to its log and sends it; returns its index. */
  propose(command: C): number {
    this.stats.proposals++;
    const index = this.append(command);
    for (const p of this.peers) if ((this.nextIndex.get(p) ?? 0) <= index) this.replicateTo(p);
    return index;
  }

  private append(command: C): number {
    const entry: LogEntry<C> = { index: this.log.lastIndex + 1, term: this.term, command };
    this.log.push(entry);
    this.advanceCommit();
    return entry.index;
  }

  /** Leader: a heartbeat (with any entries a peer lacks) to every peer. */
  broadcast(): void {
    this.seq++;
    for (const p of this.peers) this.replicateTo(p);
  }

  /** Leader: sends a peer what it lacks from its next index (a snapshot when that was compacted). */
  private replicateTo(p: string): void {
    const next = this.nextIndex.get(p) ?? this.log.lastIndex + 1;
    const now = this.o.now();
    if (next <= this.log.snapshotIndex) {
      const sent = this.snapshotSent.get(p);
      if (sent !== undefined && now - sent < this.o.electionTimeoutMs) return;
      this.snapshotSent.set(p, now);
      this.stats.snapshotsSent++;
      const index = this.disk.applied;
      this.o.send(p, {
        type: 'raft.snapshot',
        from: this.id,
        term: this.term,
        lastIncludedIndex: index,
        lastIncludedTerm: this.log.termAt(index) ?? this.log.snapshotTerm,
        data: this.o.snapshot(this.disk.state),
        seq: this.seq,
      });
      return;
    }
    const entries = this.log.slice(next, this.o.maxBatch ?? 64);
    const prevLogIndex = next - 1;
    this.stats.appendsSent++;
    this.o.send(p, {
      type: 'raft.append',
      from: this.id,
      term: this.term,
      prevLogIndex,
      prevLogTerm: this.log.termAt(prevLogIndex) ?? 0,
      entries,
      leaderCommit: this.commitIndex,
      seq: this.seq,
    });
    // optimistic pipelining: a loss shows as a refused consistency check, which rewinds
    if (entries.length > 0) this.nextIndex.set(p, entries[entries.length - 1]!.index + 1);
  }

  /** Leader: commits the highest entry of its term that a quorum holds, and tells the peers. */
  advanceCommit(): void {
    if (this.role !== 'leader') return;
    const held = [this.log.lastIndex, ...this.peers.map((p) => this.matchIndex.get(p) ?? 0)].sort((a, b) => b - a);
    const n = held[Math.min(held.length, Math.max(1, this.rules.quorum(this.size))) - 1]!;
    if (n > this.commitIndex && this.log.termAt(n) === this.term) {
      this.commitTo(n);
      // tell the followers at once, so that their watches follow closely
      for (const p of this.peers) if ((this.nextIndex.get(p) ?? 0) > this.log.lastIndex) this.replicateTo(p);
      this.serveReads();
    }
  }

  private commitTo(index: number): void {
    if (index <= this.commitIndex) return;
    this.commitIndex = Math.min(index, this.log.lastIndex);
    this.applyCommitted();
  }

  private applyCommitted(): void {
    while (this.disk.applied < this.commitIndex) {
      const entry = this.log.entry(this.disk.applied + 1);
      if (!entry) break;
      this.disk.applied = entry.index;
      this.o.apply(entry);
    }
    const keep = this.o.compactAfter ?? 20_000;
    if (this.disk.applied - this.log.snapshotIndex > 2 * keep) this.log.compact(this.disk.applied - keep);
  }

  // ---- reads ----------------------------------------------------------------------------------

  /**
   * ReadIndex: serves a read once this member is confirmed leader by a majority after the read
   * arrived and has applied everything committed when it arrived (or, before its first commit of
   * the term, everything committed at that commit). `fail` is called when it stops leading.
   */
  read(serve: () => void, fail: () => void): void {
    if (this.role !== 'leader') return fail();
    this.stats.reads++;
    const committedInTerm = this.log.termAt(this.commitIndex) === this.term;
    this.seq++;
    this.reads.push({ seq: this.seq, index: committedInTerm ? this.commitIndex : undefined, serve, fail });
    for (const p of this.peers) this.replicateTo(p);
    this.serveReads();
  }

  private serveReads(): void {
    if (this.reads.length === 0 || this.role !== 'leader') return;
    const committedInTerm = this.log.termAt(this.commitIndex) === this.term;
    const acks = this.peers.map((p) => this.ackSeq.get(p) ?? 0);
    const left: PendingRead[] = [];
    for (const r of this.reads) {
      if (r.index === undefined && committedInTerm) r.index = this.commitIndex;
      const confirmed = acks.filter((s) => s >= r.seq).length + 1 >= this.majority;
      if (confirmed && r.index !== undefined && this.disk.applied >= r.index) r.serve();
      else left.push(r);
    }
    this.reads = left;
  }

  private failReads(): void {
    const reads = this.reads;
    this.reads = [];
    for (const r of reads) r.fail();
  }

  /** Reads waiting for confirmation. */
  get pendingReads(): number {
    return this.reads.length;
  }

  /** A small summary for the inspector. */
  toJSON(): { id: string; role: RaftRole; term: number; leader?: string; commitIndex: number; applied: number; lastIndex: number } {
    return { id: this.id, role: this.role, term: this.term, leader: this.leader, commitIndex: this.commitIndex, applied: this.disk.applied, lastIndex: this.log.lastIndex };
  }
}
