/**
 * Mutants of the kubelet's prober and of the restarts it causes, each with a focused workload of
 * pods whose probes pass or fail (`probedPodOperation`). Both replace the pod worker's logic
 * (`logic.pod`), whose containers are the `container` actor and whose probers the `prober` actor
 * of each container: the real machines with one implementation `.provide()`d.
 */
import fc from 'fast-check';
import { enqueueActions, sendParent } from 'xstate';
import type { ClusterOptions } from '../cluster/create-cluster.js';
import { podMachine } from '../../machines/pod.js';
import { containerMachine } from '../../machines/container.js';
import { proberMachine, type ProbeOutcome } from '../../machines/kubelet/prober.js';
import { containerIdOf, recorded } from '../../machines/kubelet/container-status.js';
import { probedPodOperation } from './arbitraries/pod-operation.js';
import { timeStep } from './arbitraries/time-step.js';
import type { Step } from './steps.js';
import type { Mutant } from './mutants.js';

/** A prober whose readiness probes succeed whatever their handler answered. */
const readinessAlwaysPasses = proberMachine.provide({
  guards: { probeSucceeded: ({ context }, outcome: ProbeOutcome) => context.kind === 'readiness' || outcome.ok },
});

/**
 * A container whose runtime starts the run after a liveness kill without counting it: the
 * restart count (and so the containerID the kubelet derives from it) stays that of the run killed.
 */
const uncountedLivenessRestarts = containerMachine.provide({
  actions: {
    beginRun: enqueueActions(({ context, enqueue }) => {
      const count = context.stop.why === 'liveness' && context.run.count > 0 ? context.run.count : context.run.count + 1;
      const startedAt = context.env.port.timestamp();
      const run = { count, containerID: containerIdOf(context.env.podKey, context.spec.name, count), startedAt, startMs: context.env.port.now() };
      enqueue.assign({ run, exit: undefined, pullRequested: false, hook: { postStart: undefined, preStopMs: 0 } });
      for (const e of recorded(context, ['Normal', 'Created', `Created container: ${context.spec.name}`], ['Normal', 'Started', `Started container ${context.spec.name}`])) enqueue(sendParent(e));
    }),
  },
});

function withPodLogic(options: ClusterOptions, container: typeof containerMachine): ClusterOptions {
  return { ...options, logic: { ...(options.logic ?? {}), pod: podMachine.provide({ actors: { container } }) } };
}

/** Probed pods and waits of up to 30 s (probes run every 2 s; a failed liveness probe restarts at once). */
const probesFocus = (): fc.Arbitrary<Step> =>
  fc.oneof({ arbitrary: probedPodOperation(), weight: 1 }, { arbitrary: timeStep({ maxMs: 30_000 }), weight: 2 });

export const PROBE_MUTANTS: readonly Mutant[] = Object.freeze([
  {
    name: 'kubelet-readiness-always-passes',
    description: 'the kubelet\'s readiness prober counts every probe as a success, whatever its handler answered: containers become ready though their probe fails',
    caughtBy: ['pod-ready-only-if-probes-pass'],
    focus: probesFocus,
    cluster: (o: ClusterOptions) => withPodLogic(o, containerMachine.provide({ actors: { prober: readinessAlwaysPasses } })),
  },
  {
    name: 'kubelet-uncounted-liveness-restarts',
    description: 'the kubelet restarts a container its liveness probe failed without counting the restart: restartCount stays that of the run killed',
    caughtBy: ['container-restarts-counted'],
    focus: probesFocus,
    cluster: (o: ClusterOptions) => withPodLogic(o, uncountedLivenessRestarts),
  },
] satisfies Mutant[]);
