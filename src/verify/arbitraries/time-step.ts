/**
 * `timeStep()`: virtual time passing between two operations: from a millisecond (requests
 * overlap the cluster's reactions) to half a minute (pods start, leases expire, controllers
 * resync), or up to two minutes when asked (nodes unreachable long enough to be evicted).
 */
import fc from 'fast-check';
import type { WaitStep } from '../steps.js';

/** An arbitrary wait of at most `maxMs` (default 30 s; up to 2 minutes). */
export function timeStep(options: { maxMs?: number } = {}): fc.Arbitrary<WaitStep> {
  const max = options.maxMs ?? 30_000;
  const choices = [1, 10, 100, 1_000, 5_000, 15_000, 30_000, 60_000, 120_000].filter((ms) => ms <= max);
  return fc.constantFrom(...(choices.length > 0 ? choices : [max])).map((ms): WaitStep => ({ op: 'wait', ms }));
}
