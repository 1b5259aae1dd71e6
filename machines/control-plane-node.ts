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
import { setup, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { Port } from '../src/kernel/port.js';
import type { MvccStore } from './etcd/store.js';
import type { NodeFault } from './protocol.js';
import { startComponent, stopComponent } from './client/components.js';
import { nodeFaultStates } from './client/node-faults.js';
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
  boots: { count: number };
}

/** Events of a control-plane node: the node faults. */
export type ControlPlaneNodeEvent = NodeFault;

/** The control-plane node machine. */
export const controlPlaneNodeMachine = setup({
  types: {
    input: {} as ControlPlaneNodeInput,
    context: {} as ControlPlaneNodeContext,
    events: {} as ControlPlaneNodeEvent,
  },
  actions: {
    startComponents: ({ context, self }) => {
      const kernel = context.port.kernel;
      const { input } = context;
      const host = input.name;
      const boot = ++context.boots.count;
      const port = (address: string) => new Port(kernel, address, kernel.fork(`${address}#${boot}`));
      const etcd = etcdMemberAddress(host);
      const api = apiServerAddress(host);
      context.components.set(
        etcd,
        startComponent(kernel, self, input.logic?.etcdMember ?? etcdMemberMachine, {
          address: etcd,
          host,
          input: { port: port(etcd), peers: input.etcd.members.filter((m) => m !== etcd), disk: input.etcd.disk, rules: input.etcd.rules, timings: input.etcd.timings } as never,
        }),
      );
      context.components.set(
        api,
        startComponent(kernel, self, input.logic?.apiServer ?? apiServerMachine, {
          address: api,
          host,
          input: { port: port(api), tokens: input.apiServer.tokens, etcd, options: input.apiServer.options } as never,
        }),
      );
      for (const e of input.electors) {
        const address = electorAddress(e.lease, host);
        context.components.set(
          address,
          startComponent(kernel, self, input.logic?.leaderElector ?? leaderElectorMachine, {
            address,
            host,
            input: {
              port: port(address),
              token: e.token,
              lease: e.lease,
              hostname: host,
              apiServer: api,
              timings: input.leaderElection,
              component: { ...e.component, input: { ...e.component.input, apiServer: api } },
            } as never,
          }),
        );
      }
    },
    stopComponents: ({ context }) => {
      const kernel = context.port.kernel;
      for (const [address, ref] of [...context.components].reverse()) {
        if (address.startsWith('leader-elector/')) stopElector(kernel, address, ref);
        else stopComponent(kernel, address, ref);
      }
      context.components.clear();
    },
    isolate: ({ context }) => context.port.kernel.network.isolate(context.input.name),
    heal: ({ context }) => context.port.kernel.network.heal(context.input.name),
  },
}).createMachine({
  id: 'control-plane-node',
  context: ({ input }) => ({ port: input.port, input, components: new Map(), boots: { count: 0 } }),
  initial: 'booting',
  states: {
    booting: {
      entry: 'startComponents',
      always: 'ready',
    },
    ...nodeFaultStates('booting'),
  },
});
