/**
 * `faultStep(nodes)`: one fault of the fault injector, within the simulated network's rules:
 * crash or restart a node, partition a node off or heal it, take etcd down or bring it back,
 * restart the API server, the scheduler or the controller manager, set the rate at which
 * messages between hosts are lost or duplicated (0-20 %, 0 turns it off), let them overtake
 * each other or not, or heal the network.
 */
import fc from 'fast-check';
import type { Fault } from '../../cluster/faults.js';
import type { FaultStep } from '../steps.js';

/** Options of `faultStep`. */
export interface FaultStepOptions {
  /** Kinds of fault to leave out (e.g. `['message-loss']`). */
  exclude?: readonly Fault['kind'][];
  /** Highest loss / duplication rate. Default 0.2. */
  maxRate?: number;
}

/** An arbitrary fault on a cluster of `nodes` worker nodes (named node-1 … node-N). */
export function faultStep(nodes: number, options: FaultStepOptions = {}): fc.Arbitrary<FaultStep> {
  if (!(Number.isInteger(nodes) && nodes >= 1)) throw new RangeError(`faultStep needs at least one node; got ${nodes}`);
  const exclude = new Set(options.exclude ?? []);
  const maxRate = options.maxRate ?? 0.2;
  const rates = [0, 0.01, 0.05, 0.1, 0.2].filter((r) => r <= maxRate);
  const node = fc.integer({ min: 1, max: nodes }).map((i) => `node-${i}`);
  const choices: { arbitrary: fc.Arbitrary<Fault>; weight: number; kind: Fault['kind'] }[] = [
    { kind: 'crash-node', weight: 3, arbitrary: node.map((n): Fault => ({ kind: 'crash-node', node: n })) },
    { kind: 'restart-node', weight: 3, arbitrary: node.map((n): Fault => ({ kind: 'restart-node', node: n })) },
    { kind: 'partition-node', weight: 2, arbitrary: node.map((n): Fault => ({ kind: 'partition-node', node: n })) },
    { kind: 'heal-node', weight: 2, arbitrary: node.map((n): Fault => ({ kind: 'heal-node', node: n })) },
    { kind: 'etcd-outage', weight: 1, arbitrary: fc.constant<Fault>({ kind: 'etcd-outage' }) },
    { kind: 'etcd-recover', weight: 2, arbitrary: fc.constant<Fault>({ kind: 'etcd-recover' }) },
    { kind: 'restart-api-server', weight: 1, arbitrary: fc.constant<Fault>({ kind: 'restart-api-server' }) },
    { kind: 'restart-scheduler', weight: 1, arbitrary: fc.constant<Fault>({ kind: 'restart-scheduler' }) },
    { kind: 'restart-controller-manager', weight: 1, arbitrary: fc.constant<Fault>({ kind: 'restart-controller-manager' }) },
    { kind: 'message-loss', weight: 1, arbitrary: fc.constantFrom(...rates).map((rate): Fault => ({ kind: 'message-loss', rate })) },
    { kind: 'message-duplication', weight: 1, arbitrary: fc.constantFrom(...rates).map((rate): Fault => ({ kind: 'message-duplication', rate })) },
    { kind: 'message-reorder', weight: 1, arbitrary: fc.boolean().map((enabled): Fault => ({ kind: 'message-reorder', enabled })) },
    { kind: 'heal-all', weight: 1, arbitrary: fc.constant<Fault>({ kind: 'heal-all' }) },
  ];
  const kept = choices.filter((c) => !exclude.has(c.kind));
  if (kept.length === 0) throw new RangeError('faultStep: every kind of fault is excluded');
  return fc.oneof(...kept.map(({ arbitrary, weight }) => ({ arbitrary, weight }))).map((fault): FaultStep => ({ op: 'fault', fault }));
}
