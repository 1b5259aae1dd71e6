/**
 * A control-plane node of a highly available control plane (`node/control-plane-i`, its own host
 * `control-plane-i`): the machine that hosts an etcd member (`etcd/control-plane-i`), an API
 * server (`api-server/control-plane-i`, on its local member) and two leader electors, which run
 * the scheduler (`scheduler/control-plane-i`) and the controller manager
 * (`controller-manager/control-plane-i`) only while they hold their Lease. The scheduler and the
 * controller manager talk to their local API server, as kubeadm sets them up.
 *
 * States, as for a worker node: `booting`, `ready`, `partitioned` (cut off the network), `down`
 * (crashed: every component on it is gone together). The etcd member's data directory survives
 * a crash; a restarted member comes back with its term, vote, log and applied store.
 */
import { assertEvent, assign, raise, setup, type AnyActorLogic, type AnyActorRef } from 'xstate';
import type { Port } from '../src/kernel/port.js';
import type { MvccStore } from './etcd/store.js';
import type { NodeFault } from './protocol.js';
import { crashLoopBackOffMs, nodeFaultStates } from './client/node-faults.js';
import { etcdMemberMachine, type EtcdMemberTimings } from './etcd-member.js';
import type { RaftDisk, RaftRules } from './etcd-member/raft.js';
import type { EtcdCommand } from './etcd-member/service.js';
import { apiServerMachine } from './api-server.js';
import type { ApiServerOptions } from './api-server/core.js';
import type { TokenEntry } from './api-server/auth.js';
import { leaderElectorMachine, stopElector, type ElectedComponent, type LeaderElectionTimings } from './leader-elector.js';

/** `etcd/<node>` */
export const etcdMemberAddress = (node: string): string => `etcd/${node}`;
/** `api-server/<node>` */
export const apiServerAddress = (node: string): string => `api-server/${node}`;
/** `leader-elector/<lease>/<node>` */
export const electorAddress = (lease: string, node: string): string => `leader-elector/${lease}/${node}`;

/** A component run under leader election on a control-plane node. */
export interface ElectedSpec {
  /** The Lease (`kube-scheduler`, `kube-controller-manager`). */
  lease: string;
  /** The token the elector and the component use. */
  token: string;
  component: ElectedComponent;
}

/** Input of a control-plane node. */
export interface ControlPlaneNodeInput {
  /** The node's port (`node/control-plane-i`). */
  port: Port;
  /** The node's name and host (`control-plane-i`). */
  name: string;
  etcd: {
    /** Every member's address (this one included). */
    members: readonly string[];
    /** The member's data directory (kept across crashes by whoever created it). */
    disk: RaftDisk<EtcdCommand, MvccStore>;
    rules?: RaftRules;
    timings?: EtcdMemberTimings;
  };
  apiServer: { tokens: readonly TokenEntry[]; options?: ApiServerOptions };
  electors: readonly ElectedSpec[];
  leaderElection?: LeaderElectionTimings;
  /** Replacement logic (mutants, users' own). */
  logic?: { etcdMember?: AnyActorLogic; apiServer?: AnyActorLogic; leaderElector?: AnyActorLogic };
}

/** Context of a control-plane node. */
export interface ControlPlaneNodeContext {
  port: Port;
  input: ControlPlaneNodeInput;
  /** Running components by address, in start order. */
  components: Map<string, AnyActorRef>;
  boots: number;
  /** How often each component failed (the kubelet's crash-loop back-off before restarting it). */
  failures: Map<string, number>;
}

/** Events of a control-plane node: the node faults, and its kubelet's restart of a failed static pod. */
export type ControlPlaneNodeEvent = NodeFault | { type: 'component.restart'; address: string } | { type: `xstate.error.actor.${string}`; error: unknown };

const CHILD_ERROR = 'xstate.error.actor.';

/** Starts one of the node's components (its etcd member, its API server, an elector) at its address, its errors sent to the node. */
function startOne(context: ControlPlaneNodeContext, self: AnyActorRef, address: string, seedName: string): AnyActorRef {
  const { input } = context;
  const host = input.name;
  const port = context.port.child(address, context.port.fork(seedName));
  const etcd = etcdMemberAddress(host);
  const api = apiServerAddress(host);
  const where = { address, host, errors: 'parent' as const };
  if (address === etcd) {
    return context.port.spawn(self, input.logic?.etcdMember ?? etcdMemberMachine, {
      ...where,
      input: { port, peers: input.etcd.members.filter((m) => m !== etcd), disk: input.etcd.disk, rules: input.etcd.rules, timings: input.etcd.timings } as never,
    });
  }
  if (address === api) return context.port.spawn(self, input.logic?.apiServer ?? apiServerMachine, { ...where, input: { port, tokens: input.apiServer.tokens, etcd, options: input.apiServer.options } as never });
  const e = input.electors.find((x) => electorAddress(x.lease, host) === address);
  if (!e) throw new RangeError(`${address} is not a component of control-plane node ${host}`);
  return context.port.spawn(self, input.logic?.leaderElector ?? leaderElectorMachine, {
    ...where,
    input: {
      port,
      token: e.token,
      lease: e.lease,
      hostname: host,
      apiServer: api,
      timings: input.leaderElection,
      component: { ...e.component, input: { ...e.component.input, apiServer: api } },
    } as never,
  });
}

/** The control-plane node machine. */
export const controlPlaneNodeMachine = setup({
  types: {
    input: {} as ControlPlaneNodeInput,
    context: {} as ControlPlaneNodeContext,
    events: {} as ControlPlaneNodeEvent,
  },
  delays: {
    /** The kubelet's crash-loop back-off for a static pod: 10 s, doubling per failure, at most 5 min. */
    staticPodRestart: ({ context, event }) => crashLoopBackOffMs(context.failures.get(event.type.slice(CHILD_ERROR.length)) ?? 1),
  },
  guards: {
    /** The component still runs the failed incarnation (not stopped by a crash or replaced since). */
    componentFailed: ({ context, event }) => {
      assertEvent(event, 'component.restart');
      return (context.components.get(event.address)?.getSnapshot() as { status?: string } | undefined)?.status === 'error';
    },
  },
  actions: {
    // the components start inside `assign`, as XState's own `spawn` does; the context is replaced,
    // never mutated
    startComponents: assign(({ context, self }) => {
      const boots = context.boots + 1;
      const host = context.input.name;
      const addresses = [etcdMemberAddress(host), apiServerAddress(host), ...context.input.electors.map((e) => electorAddress(e.lease, host))];
      const components = new Map<string, AnyActorRef>();
      for (const address of addresses) components.set(address, startOne(context, self, address, `${address}#${boots}`));
      return { boots, components };
    }),
    countFailure: assign({
      failures: ({ context, event }) => {
        const address = event.type.slice(CHILD_ERROR.length);
        return new Map(context.failures).set(address, (context.failures.get(address) ?? 0) + 1);
      },
    }),
    reportComponentError: ({ context, event }) => context.port.reportChildError(event),
    scheduleRestart: raise(({ event }) => ({ type: 'component.restart' as const, address: event.type.slice(CHILD_ERROR.length) }), { delay: 'staticPodRestart' }),
    restartComponent: assign(({ context, event, self }) => {
      assertEvent(event, 'component.restart');
      const old = context.components.get(event.address);
      if (event.address.startsWith('leader-elector/')) stopElector(context.port, event.address, old);
      else context.port.stop(event.address, old);
      const seedName = `${event.address}#${context.boots}.${context.failures.get(event.address) ?? 0}`;
      return { components: new Map(context.components).set(event.address, startOne(context, self, event.address, seedName)) };
    }),
    stopComponents: assign(({ context }) => {
      for (const [address, ref] of [...context.components].reverse()) {
        if (address.startsWith('leader-elector/')) stopElector(context.port, address, ref);
        else context.port.stop(address, ref);
      }
      return { components: new Map<string, AnyActorRef>() };
    }),
  },
}).createMachine({
  id: 'control-plane-node',
  context: ({ input }) => ({ port: input.port, input, components: new Map(), boots: 0, failures: new Map() }),
  initial: 'booting',
  on: {
    // the node's kubelet restarts a failed static pod (etcd, the API server) after its back-off;
    // an elector is restarted alike
    'xstate.error.actor.*': { actions: ['countFailure', 'reportComponentError', 'scheduleRestart'] },
    'component.restart': { guard: 'componentFailed', actions: 'restartComponent' },
  },
  states: {
    booting: {
      entry: 'startComponents',
      always: 'ready',
    },
    ...nodeFaultStates('booting'),
  },
});
