/**
 * Profiles: simulated timing and behaviour as data. `fast` for tests and benchmarks,
 * `realistic` for seconds-scale clusters, `chaos` for random faults. See docs/profiles.md.
 */
import { chaos } from './chaos.js';
import { fast } from './fast.js';
import { realistic } from './realistic.js';
import type { TimingProfile } from './profile.js';

export * from './profile.js';
export { fast } from './fast.js';
export { realistic, IMAGE_SIZE_CLASSES } from './realistic.js';
export { chaos } from './chaos.js';

/** The built-in profiles by name. */
export const profiles: Readonly<Record<string, TimingProfile>> = Object.freeze({ fast, realistic, chaos });

/** A built-in profile by name; throws an Error listing the known names. */
export function getProfile(name: string): TimingProfile {
  const profile = profiles[name];
  if (!profile) throw new Error(`unknown profile "${name}" (known: ${Object.keys(profiles).join(', ')})`);
  return profile;
}
