/**
 * The `chaos` profile: `realistic`, plus faults drawn per container from the seeded generator:
 * 5% crash twice before they settle, 2% crash for good, 3% fail their image pulls, 1% are
 * OOM-killed, and the network between hosts jitters. Same seed, same faults.
 */
import { realistic } from './realistic.js';
import type { TimingProfile } from './profile.js';

/** `realistic` with random crashes, pull failures and OOM kills. */
export const chaos: TimingProfile = {
  ...realistic,
  name: 'chaos',
  description: 'realistic, plus per container (drawn from the seed): 5% crash twice then settle, 2% crash forever, 3% fail pulls, 1% OOM; network jitter.',
  presets: {
    ...realistic.presets,
    'crash-then-heal': { exit: { afterMs: [2_000, 10_000], code: 1 }, restartsBeforeHealthy: 2 },
  },
  faults: [
    { name: 'transient crash', chance: 0.05, behavior: 'crash-then-heal' },
    { name: 'crash', chance: 0.02, behavior: 'crash' },
    { name: 'pull failure', chance: 0.03, behavior: 'fail-pull' },
    { name: 'oom', chance: 0.01, behavior: 'oom' },
  ],
  network: {
    remote: { latency: 1, jitter: 4 },
  },
};
