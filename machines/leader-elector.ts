/**
 * Leader election through a Lease object, as client-go's `leaderelection` package does it for
 * kube-scheduler and kube-controller-manager: every candidate tries to acquire or renew the Lease
 * (`kube-system/kube-scheduler`, ...) by a GET and then a create or an UPDATE carrying the
 * resourceVersion it read (compare-and-swap through the API server); a Lease held by someone else
 * is left alone until it has not changed for `leaseDuration` as this candidate observed it (its own
 * clock, never the holder's timestamps).
 *
 * The elector hosts the component it elects as a child actor, started only while it leads
 * (OnStartedLeading) and stopped when it cannot renew within `renewDeadline` (OnStoppedLeading:
 * kube-scheduler exits there, and comes back as a new candidate with a new identity).
 *
 * Regions: `role` (`standby` → `leading.holding` ⇄ `leading.renewing`) and `attempt` (one
 * acquire-or-renew: `getting → deciding → creating | updating → concluding`), which reports
 * `lease.acquired` or `lease.failed` to `role`. Named delays: `retryPeriod` (2 s; jittered by a
 * factor 1.2 while standing by, as `wait.JitterUntil`), `renewDeadline` (10 s), and the lease
 * duration (15 s) is written into the Lease.
 */
import { assign, raise, setup, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { Port } from '../src/kernel/port.js';
import type { KubeObject } from '../src/api/types.js';
import type { ApiResponse } from './protocol.js';
import { ApiClient } from './client/api-client.js';

/** The timings of leader election (client-go / kube-scheduler defaults). */
export interface LeaderElectionTimings {
  /** How long a Lease is valid after its holder last renewed it. Default 15 s. */
  leaseDurationMs?: number;
  /** How long a leader keeps trying to renew before it gives up leading. Default 10 s. */
  renewDeadlineMs?: number;
  /** Time between tries. Default 2 s. */
  retryPeriodMs?: number;
}

/** The component an elector runs while it leads. */
export interface ElectedComponent {
  logic: AnyActorLogic;
  /** Its address (`scheduler/control-plane-1`). */
  address: string;
  /** Its input, without the port (the elector gives it a fresh one at every start). */
  input: Record<string, unknown>;
}

/** Input of a leader elector. */
export interface LeaderElectorInput {
  /** The elector's port (`leader-elector/kube-scheduler/control-plane-1`). */
  port: Port;
  /** The bearer token of the component (its RBAC allows the Lease). */
  token: string;
  /** The Lease's name (`kube-scheduler`, `kube-controller-manager`). */
  lease: string;
  /** The Lease's namespace. Default `kube-system`. */
  namespace?: string;
  /** The host part of the identity (`control-plane-1`); a random suffix follows, as client-go's `<hostname>_<uuid>`. */
  hostname: string;
  apiServer?: string;
  timings?: LeaderElectionTimings;
  component?: ElectedComponent;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

interface Lease extends KubeObject {
  spec?: LeaseSpec;
}

/** One acquire-or-renew. */
interface Attempt {
  n: number;
  /** The last answer of the step in progress. */
  answer: ApiResponse | undefined;
  /** The Lease read by the GET. */
  lease: Lease | undefined;
}

/** What the elector knows, mutated in place (never replaced: closures share it). */
interface ElectorState {
  identity: string;
  /** Incarnations (a new identity after every loss). */
  incarnation: number;
  attempt: Attempt;
  /** The Lease record as last observed, and when (this elector's clock) it last changed. */
  observed: string;
  observedHolder: string;
  observedDurationMs: number;
  observedTime: number;
  /** Time of the last successful acquire or renew. */
  renewedAt: number;
  hosted: AnyActorRef | undefined;
  starts: number;
  stats: { acquired: number; renewed: number; lost: number; failures: number };
}

/** Context of a leader elector. */
export interface LeaderElectorContext {
  port: Port;
  client: ApiClient;
  lease: string;
  namespace: string;
  hostname: string;
  timings: Required<LeaderElectionTimings>;
  component: ElectedComponent | undefined;
  state: ElectorState;
}

/** Events of a leader elector: answers from the API server, and its own `lease.*` events. */
export type LeaderElectorEvent =
  | ApiResponse
  | { type: 'lease.try' }
  | { type: 'lease.acquired' }
  | { type: 'lease.failed' };

/** A Kubernetes MicroTime (`2026-01-01T00:00:05.123000Z`) of a virtual time. */
function microTime(port: Port, ms: number): string {
  return new Date(port.epoch + ms).toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}

function newIdentity(ctx: { port: Port; hostname: string }): string {
  return `${ctx.hostname}_${ctx.port.rng.uuid()}`;
}

function leasePath(ctx: LeaderElectorContext): { resource: string; group: string; namespace: string } {
  return { resource: 'leases', group: 'coordination.k8s.io', namespace: ctx.namespace };
}

/** Sends one request of the attempt in progress; its answer lands in `attempt.answer`. */
function ask(ctx: LeaderElectorContext, spec: Parameters<ApiClient['request']>[0]): void {
  const attempt = ctx.state.attempt;
  const n = attempt.n;
  attempt.answer = undefined;
  ctx.client.request(spec, (res) => {
    if (ctx.state.attempt.n === n) ctx.state.attempt.answer = res;
  });
}

function observe(ctx: LeaderElectorContext, lease: Lease): void {
  const spec = lease.spec ?? {};
  const raw = JSON.stringify(spec);
  if (raw !== ctx.state.observed) {
    ctx.state.observed = raw;
    ctx.state.observedHolder = spec.holderIdentity ?? '';
    ctx.state.observedDurationMs = (spec.leaseDurationSeconds ?? 0) * 1000;
    ctx.state.observedTime = ctx.port.now();
  }
}

/** The leader elector machine. */
export const leaderElectorMachine = setup({
  types: {
    input: {} as LeaderElectorInput,
    context: {} as LeaderElectorContext,
    events: {} as LeaderElectorEvent,
  },
  delays: {
    retryPeriod: ({ context }) => context.timings.retryPeriodMs,
    /** wait.JitterUntil(retryPeriod, 1.2): [retry, 2.2·retry). */
    retryJittered: ({ context }) => context.timings.retryPeriodMs + Math.floor(context.port.rng.next() * 1.2 * context.timings.retryPeriodMs),
    renewDeadline: ({ context }) => context.timings.renewDeadlineMs,
  },
  guards: {
    answered: ({ context }) => context.state.attempt.answer !== undefined,
    requestFailed: ({ context }) => {
      const code = context.state.attempt.answer?.code ?? 0;
      return code !== 404 && (code < 200 || code >= 300);
    },
    leaseMissing: ({ context }) => context.state.attempt.answer?.code === 404,
    /** Held by someone else, and changed less than its lease duration ago (as observed here). */
    leaseHeldByOther: ({ context }) => {
      const s = context.state;
      return s.observedHolder !== '' && s.observedHolder !== s.identity && s.observedTime + s.observedDurationMs > context.port.now();
    },
    succeeded: ({ context }) => {
      const code = context.state.attempt.answer?.code ?? 0;
      return code >= 200 && code < 300;
    },
  },
  actions: {
    onResponse: ({ context, event }) => {
      context.client.handle(event as ApiResponse);
    },
    beginAttempt: ({ context }) => {
      context.client.sweep();
      const a = context.state.attempt;
      a.n++;
      a.answer = undefined;
      a.lease = undefined;
    },
    sweep: ({ context }) => context.client.sweep(),
    getLease: ({ context }) => ask(context, { verb: 'get', ...leasePath(context), name: context.lease }),
    noteLease: ({ context }) => {
      const lease = context.state.attempt.answer!.body as Lease;
      context.state.attempt.lease = lease;
      observe(context, lease);
    },
    createLease: ({ context }) => {
      const now = context.port.now();
      ask(context, {
        verb: 'create',
        ...leasePath(context),
        body: {
          apiVersion: 'coordination.k8s.io/v1',
          kind: 'Lease',
          metadata: { name: context.lease, namespace: context.namespace },
          spec: {
            holderIdentity: context.state.identity,
            leaseDurationSeconds: Math.round(context.timings.leaseDurationMs / 1000),
            acquireTime: microTime(context.port, now),
            renewTime: microTime(context.port, now),
            leaseTransitions: 0,
          },
        },
      });
    },
    updateLease: ({ context }) => {
      const now = context.port.now();
      const lease = context.state.attempt.lease!;
      const old = lease.spec ?? {};
      const mine = old.holderIdentity === context.state.identity;
      const spec: LeaseSpec = {
        holderIdentity: context.state.identity,
        leaseDurationSeconds: Math.round(context.timings.leaseDurationMs / 1000),
        acquireTime: mine && old.acquireTime ? old.acquireTime : microTime(context.port, now),
        renewTime: microTime(context.port, now),
        leaseTransitions: mine ? old.leaseTransitions ?? 0 : (old.leaseTransitions ?? 0) + 1,
      };
      ask(context, { verb: 'update', ...leasePath(context), name: context.lease, body: { ...lease, spec } });
    },
    noteSuccess: ({ context }) => {
      const lease = context.state.attempt.answer!.body as Lease;
      observe(context, lease);
      context.state.renewedAt = context.port.now();
    },
    noteFailure: ({ context }) => {
      context.state.stats.failures++;
    },
    countAcquired: ({ context }) => {
      context.state.stats.acquired++;
    },
    countRenewed: ({ context }) => {
      context.state.stats.renewed++;
    },
    /**
     * client-go's OnStartedLeading: the component starts. It starts inside `assign`, as XState's
     * own `spawn` does: its first transition (its own `assign`s) runs while this action runs.
     */
    startLeading: assign(({ context, self }) => {
      const c = context.component;
      if (!c) return {};
      const starts = context.state.starts + 1;
      const port = context.port.child(c.address, context.port.fork(`${c.address}#${starts}`));
      const hosted = context.port.spawn(self, c.logic, {
        address: c.address,
        host: context.port.hostOf() ?? context.port.address,
        input: { ...c.input, port } as never,
      });
      return { state: Object.assign(context.state, { starts, hosted }) };
    }),
    stopLeading: ({ context }) => stopHosted(context),
    /** client-go's OnStoppedLeading: the process exits and comes back as a new candidate. */
    loseLease: ({ context }) => {
      context.state.stats.lost++;
      context.state.incarnation++;
      context.state.identity = newIdentity(context);
      context.client.reset();
    },
  },
}).createMachine({
  id: 'leader-elector',
  context: ({ input }) => {
    const ctx = {
      port: input.port,
      client: new ApiClient(input.port, input.token, { apiServer: input.apiServer, timeoutMs: input.timings?.retryPeriodMs ?? 2_000, maxTries: 1 }),
      lease: input.lease,
      namespace: input.namespace ?? 'kube-system',
      hostname: input.hostname,
      timings: { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...(input.timings ?? {}) },
      component: input.component,
    };
    const state: ElectorState = {
      identity: newIdentity({ port: input.port, hostname: input.hostname }),
      incarnation: 0,
      attempt: { n: 0, answer: undefined, lease: undefined },
      observed: '',
      observedHolder: '',
      observedDurationMs: 0,
      observedTime: 0,
      renewedAt: -Infinity,
      hosted: undefined,
      starts: 0,
      stats: { acquired: 0, renewed: 0, lost: 0, failures: 0 },
    };
    return { ...ctx, state };
  },
  type: 'parallel',
  on: {
    'api.response': { actions: 'onResponse' },
  },
  states: {
    role: {
      initial: 'standby',
      states: {
        standby: {
          entry: raise({ type: 'lease.try' }),
          after: { retryJittered: { target: 'standby', reenter: true } },
          on: { 'lease.acquired': { target: 'leading', actions: 'countAcquired' } },
        },
        leading: {
          entry: 'startLeading',
          exit: 'stopLeading',
          initial: 'holding',
          states: {
            holding: {
              after: { retryPeriod: 'renewing' },
            },
            renewing: {
              initial: 'trying',
              after: { renewDeadline: { target: '#leader-elector.role.standby', actions: 'loseLease' } },
              on: { 'lease.acquired': { target: 'holding', actions: 'countRenewed' } },
              states: {
                trying: {
                  entry: raise({ type: 'lease.try' }),
                  after: { retryPeriod: { target: 'trying', reenter: true } },
                },
              },
            },
          },
        },
      },
    },
    attempt: {
      initial: 'idle',
      states: {
        idle: {
          on: { 'lease.try': { target: 'getting', actions: 'beginAttempt' } },
        },
        getting: {
          entry: 'getLease',
          on: { 'lease.try': { actions: 'sweep' } },
          always: { guard: 'answered', target: 'deciding' },
          after: { retryPeriod: { target: 'idle', actions: ['noteFailure', raise({ type: 'lease.failed' })] } },
        },
        deciding: {
          always: [
            { guard: 'requestFailed', target: 'idle', actions: ['noteFailure', raise({ type: 'lease.failed' })] },
            { guard: 'leaseMissing', target: 'creating' },
            { actions: 'noteLease', target: 'judging' },
          ],
        },
        judging: {
          always: [{ guard: 'leaseHeldByOther', target: 'idle', actions: raise({ type: 'lease.failed' }) }, { target: 'updating' }],
        },
        creating: {
          entry: 'createLease',
          on: { 'lease.try': { actions: 'sweep' } },
          always: { guard: 'answered', target: 'concluding' },
          after: { retryPeriod: { target: 'idle', actions: ['noteFailure', raise({ type: 'lease.failed' })] } },
        },
        updating: {
          entry: 'updateLease',
          on: { 'lease.try': { actions: 'sweep' } },
          always: { guard: 'answered', target: 'concluding' },
          after: { retryPeriod: { target: 'idle', actions: ['noteFailure', raise({ type: 'lease.failed' })] } },
        },
        concluding: {
          always: [
            { guard: 'succeeded', target: 'idle', actions: ['noteSuccess', raise({ type: 'lease.acquired' })] },
            { target: 'idle', actions: ['noteFailure', raise({ type: 'lease.failed' })] },
          ],
        },
      },
    },
  },
});

/** Stops the component an elector hosts (and takes its addresses, and its children's, off the network). */
function stopHosted(context: LeaderElectorContext): void {
  const hosted = context.state.hosted;
  const c = context.component;
  if (!hosted || !c) return;
  context.state.hosted = undefined;
  const host = context.port.hostOf(c.address);
  context.port.stop(c.address, hosted);
  // the component's own children registered themselves (a controller manager's controllers):
  // addresses on this host whose actor has stopped are taken off the network too
  if (host === undefined) return;
  context.port.detachStopped(host);
}

/**
 * Stops an elector and the component it hosts (its node crashed). XState does not run exit
 * actions when an actor is stopped, so the hosted component is stopped here explicitly.
 */
export function stopElector(port: Port, address: string, elector: AnyActorRef | undefined): void {
  const context = (elector?.getSnapshot() as { context?: LeaderElectorContext } | undefined)?.context;
  if (context) stopHosted(context);
  port.stop(address, elector);
}

/** What an elector shows (for the cluster's status and the inspector). */
export function electorStatus(elector: AnyActorRef | undefined): { identity: string; leading: boolean; holder: string; component?: string } | undefined {
  const snapshot = elector?.getSnapshot() as { context?: LeaderElectorContext; matches?: (s: unknown) => boolean; status?: string } | undefined;
  const context = snapshot?.context;
  if (!context || snapshot?.status !== 'active') return undefined;
  return {
    identity: context.state.identity,
    leading: snapshot.matches?.({ role: 'leading' }) ?? false,
    holder: context.state.observedHolder,
    component: context.component?.address,
  };
}
