/**
 * The container runtime of one node (containerd, as the kubelet sees it through CRI), at
 * `container-runtime/<node>`: the node's image cache and its image pulls, which run one at a
 * time as with the kubelet's default `serializeImagePulls: true`.
 *
 * `runtime.pull` is answered with `runtime.pulled` to the pod that asked:
 * - at once when the image is cached and the policy is IfNotPresent or Never;
 * - at once with `ErrImageNeverPull` when the policy is Never and the image is not cached;
 * - otherwise after the pull, which waits for the pulls queued before it and takes `pullMs`.
 *   A pull of an image that succeeds also answers every queued IfNotPresent request for it.
 *
 * A request that says it `fails` (the container's behavior `pullFails`) stands for an image this
 * container cannot get: it is never answered from the cache, its pull takes `pullMs` and ends
 * with `ok: false`, `ErrImagePull` (with policy Never: `ErrImageNeverPull` at once).
 *
 * `runtime.crash` (a fault) keeps the cache but fails the pulls in flight and queued
 * (`ErrImagePull`, "rpc error: code = Unavailable"), so their pods back off and ask again.
 */
import { enqueueActions, setup } from 'xstate';
import type { Port } from '../src/kernel/port.js';
import type { RuntimePull, RuntimePulled, RuntimePulling } from './protocol.js';
import { normalizeImage } from '../src/profiles/profile.js';
import { imageIdOf } from './container.js';

/** Input of a node's runtime. */
export interface RuntimeInput {
  /** Its port, at `container-runtime/<node>`. */
  port: Port;
  /** The node's name. */
  node: string;
  /** Images already on the node (e.g. `registry.k8s.io/pause:3.10`). */
  images?: string[];
}

/** A fault: the runtime restarts, failing the pulls in progress. */
export interface RuntimeCrash {
  type: 'runtime.crash';
}

/** Events the runtime accepts. */
export type RuntimeEvent = RuntimePull | RuntimeCrash;

/** The context of a node's runtime. */
export interface RuntimeContext {
  port: Port;
  node: string;
  /** Cached images: full reference → image ID. */
  images: Record<string, string>;
  /** Pulls waiting, the one in progress first, with when they were asked for. Mutated in place (it is the runtime's own queue). */
  queue: (RuntimePull & { askedAt?: number })[];
  /** When the pull in progress started (ms). */
  pullStartedAt: number;
  /** Pulls actually performed (not answered from the cache). */
  pulls: number;
}

function isCached(context: RuntimeContext, image: string): boolean {
  return normalizeImage(image) in context.images;
}

function answer(context: RuntimeContext, req: RuntimePull & { askedAt?: number }, ok: boolean, reason?: string, message?: string, pulled?: boolean): void {
  const event: RuntimePulled = { type: 'runtime.pulled', container: req.container, image: req.image, ok };
  if (reason !== undefined) event.reason = reason;
  if (message !== undefined) event.message = message;
  if (pulled && req.notify) {
    const now = context.port.now();
    event.pulled = { pullMs: now - context.pullStartedAt, totalMs: now - (req.askedAt ?? context.pullStartedAt) };
  }
  context.port.send(req.from, event);
}

function pullError(image: string): string {
  const full = normalizeImage(image);
  return `Failed to pull image "${image}": rpc error: code = NotFound desc = failed to pull and unpack image "${full}": failed to resolve reference "${full}": ${full}: not found`;
}

/**
 * The runtime machine: `idle` ⇄ `pulling`. Named delay: `pullTime` (the `pullMs` of the pull in
 * progress).
 */
export const containerRuntimeMachine = setup({
  types: {
    context: {} as RuntimeContext,
    events: {} as RuntimeEvent,
    input: {} as RuntimeInput,
  },
  actions: {
    /** Answer a request that needs no pull: cached (and not Always), or Never and missing. */
    answerNow: ({ context, event }) => {
      const req = event as RuntimePull;
      if (!req.fails && isCached(context, req.image)) answer(context, req, true);
      else answer(context, req, false, 'ErrImageNeverPull', `Container image "${req.image}" is not present with pull policy of Never`);
    },
    /** Queue a pull (the queue is the runtime's own array, changed in place: no context copy per request). */
    enqueuePull: ({ context, event }) => {
      const req = event as RuntimePull;
      context.queue.push({ ...req, askedAt: context.port.now() });
      if (req.notify) {
        const pulling: RuntimePulling = { type: 'runtime.pulling', container: req.container, image: req.image };
        context.port.send(req.from, pulling);
      }
    },
    /** The pull at the head of the queue starts. */
    startPull: ({ context }) => {
      context.pullStartedAt = context.port.now();
    },
    /** The pull in progress ends: cache the image and answer, with every queued IfNotPresent request for it. */
    finishPull: enqueueActions(({ context, enqueue }) => {
      const req = context.queue.shift()!;
      if (req.fails) {
        answer(context, req, false, 'ErrImagePull', pullError(req.image));
        enqueue.assign({ pulls: context.pulls + 1 });
        return;
      }
      const full = normalizeImage(req.image);
      const images = full in context.images ? context.images : { ...context.images, [full]: imageIdOf(req.image) };
      answer(context, req, true, undefined, undefined, true);
      let kept = 0;
      for (const other of context.queue) {
        if (other.policy !== 'Always' && !other.fails && normalizeImage(other.image) === full) answer(context, other, true, undefined, undefined, true);
        else context.queue[kept++] = other;
      }
      context.queue.length = kept;
      enqueue.assign({ images, pulls: context.pulls + 1 });
    }),
    /** The runtime restarted: every pull in flight or queued fails; the cache stays. */
    failAll: ({ context }) => {
      const queue = context.queue.splice(0);
      for (const req of queue) answer(context, req, false, 'ErrImagePull', `Failed to pull image "${req.image}": rpc error: code = Unavailable desc = error reading from server: EOF`);
    },
  },
  guards: {
    answerable: ({ context, event }) => {
      const req = event as RuntimePull;
      return req.policy === 'Never' || (req.policy === 'IfNotPresent' && !req.fails && isCached(context, req.image));
    },
    queueEmpty: ({ context }) => context.queue.length === 0,
  },
  delays: {
    pullTime: ({ context }) => context.queue[0]?.pullMs ?? 0,
  },
}).createMachine({
  id: 'container-runtime',
  context: ({ input }) => ({
    port: input.port,
    node: input.node,
    images: Object.fromEntries((input.images ?? []).map((image) => [normalizeImage(image), imageIdOf(image)])),
    queue: [],
    pullStartedAt: 0,
    pulls: 0,
  }),
  initial: 'idle',
  states: {
    idle: {
      on: {
        'runtime.pull': [{ guard: 'answerable', actions: 'answerNow' }, { target: 'pulling', actions: 'enqueuePull' }],
      },
    },
    pulling: {
      entry: 'startPull',
      after: { pullTime: { target: 'next', actions: 'finishPull' } },
      on: {
        'runtime.pull': [{ guard: 'answerable', actions: 'answerNow' }, { actions: 'enqueuePull' }],
        'runtime.crash': { target: 'idle', actions: 'failAll' },
      },
    },
    next: {
      always: [{ guard: 'queueEmpty', target: 'idle' }, { target: 'pulling' }],
    },
  },
});
