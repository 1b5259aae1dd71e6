/**
 * The `fast` profile: millisecond timings, fixed (no random draws), for tests and benchmarks.
 * A pod is Running in about 15 ms and Ready 5 ms later. The kubelet's back-offs keep their real
 * values (10 s doubling to 300 s): virtual time costs nothing.
 */
import { KUBELET_DEFAULTS, standardPresets, type TimingProfile } from './profile.js';

/** Millisecond timings for tests and benchmarks. */
export const fast: TimingProfile = {
  name: 'fast',
  description: 'Millisecond timings, no randomness: pull 10 ms, create 2 ms, start 3 ms, ready 5 ms later. For tests and benchmarks.',
  container: {
    pullMs: 10,
    createMs: 2,
    startMs: 3,
    readyAfterMs: 5,
    stopMs: 5,
  },
  initContainer: { exit: { afterMs: 10, code: 0 } },
  images: [],
  presets: standardPresets({
    completeAfterMs: 100,
    crashAfterMs: 50,
    oomAfterMs: 200,
    livenessFailsAfterMs: 300,
    slowStartMs: 500,
    slowReadyMs: 1_000,
  }),
  kubelet: {
    ...KUBELET_DEFAULTS,
    nodeStatusReportMs: 10_000,
    podStartLatencyMs: 0,
    plegRelistMs: 10,
  },
};
