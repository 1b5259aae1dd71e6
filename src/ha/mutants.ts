/**
 * Broken variants of the highly available control plane that the HA verification must catch:
 *
 * - `ack-before-majority`: an etcd leader that commits (applies and acknowledges) a write as soon
 *   as it is in its own log, before a majority holds it;
 * - `election-without-terms`: Raft without terms: no message is ever refused as stale or makes a
 *   member step down, a vote is not bound to a term (any candidate whose log is as long gets it),
 *   and logs are compared by length only, so nothing tells a deposed leader's entries from the
 *   current leader's;
 * - `lease-ignores-holder`: a leader elector that takes the Lease even while another holder's
 *   lease is still valid (Lease terms are not respected).
 */
import { leaderElectorMachine } from '../../machines/leader-elector.js';
import { RAFT_RULES, type RaftRules } from '../../machines/etcd-member/raft.js';
import type { ControlPlaneOptions } from '../cluster/control-plane.js';

/** Raft that acknowledges before a majority holds the write. */
export const ACK_BEFORE_MAJORITY: RaftRules = { ...RAFT_RULES, quorum: () => 1 };

/** Raft without terms. */
const WITHOUT_TERMS: RaftRules = {
  quorum: RAFT_RULES.quorum,
  isStale: () => false,
  isNewer: () => false,
  votesPerTerm: false,
  logUpToDate: (_ct, candidateLastIndex, _ot, ourLastIndex) => candidateLastIndex >= ourLastIndex,
  logMatches: (ours) => ours !== undefined,
  conflicts: () => false,
};

/** A leader elector that does not wait for the holder's lease to expire. */
export const leaseIgnoresHolderElector = leaderElectorMachine.provide({ guards: { leaseHeldByOther: () => false } });

/** The mutants, as control-plane options. */
export const MUTANTS: Readonly<Record<'ack-before-majority' | 'election-without-terms' | 'lease-ignores-holder', ControlPlaneOptions>> = {
  'ack-before-majority': { raftRules: ACK_BEFORE_MAJORITY },
  'election-without-terms': { raftRules: WITHOUT_TERMS },
  'lease-ignores-holder': { logic: { leaderElector: leaseIgnoresHolderElector } },
};
