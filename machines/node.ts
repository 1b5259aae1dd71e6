/**
 * A node: the machine that hosts a kubelet, a kube-proxy and a container runtime. Its states are
 * what an operator sees of the machine: `notReady` (booting: its components start, until the
 * kubelet has registered the Node), `ready`, `partitioned` (cut off the network), `down` (crashed:
 * every component on it is gone, its pods with them). Faults reach it from the
 * fault injector (`node.crash`, `node.restart`, `node.partition`, `node.heal`).
 */
import { setup, type AnyActorLogic, type AnyActorRef } from 'xstate';
import { Port } from '../src/kernel/port.js';
import type { Profile } from '../src/profiles/profile.js';
import type { KubeletRegistered, NodeFault } from './protocol.js';
import { kubeletAddress, kubeProxyAddress, runtimeAddress } from './protocol.js';
import { startComponent, stopComponent } from './client/components.js';
import { nodeFaultStates } from './client/node-faults.js';
import { kubeletMachine, type NodeSpec } from './kubelet.js';
import { kubeProxyMachine } from './kube-proxy.js';
import { containerRuntimeMachine } from './container-runtime.js';
import type { EventLevel } from './client/events.js';

/** Input of a node. */
export interface NodeInput {
  /** The node's port (`node/<name>`). */
  port: Port;
  spec: NodeSpec;
  /** Bearer tokens of its kubelet and kube-proxy. */
  tokens: { kubelet: string; kubeProxy: string };
  profile: Profile;
  apiServer?: string;
  events?: EventLevel;
  /** Replacements for the components (mutants, users' own). */
  logic?: { kubelet?: AnyActorLogic; kubeProxy?: AnyActorLogic; runtime?: AnyActorLogic; pod?: AnyActorLogic };
}

/** Context of a node. */
export interface NodeContext {
  port: Port;
  spec: NodeSpec;
  input: NodeInput;
  components: Map<string, AnyActorRef>;
  boots: number;
}

function host(ctx: NodeContext): string {
  return ctx.spec.name;
}

/** The node machine (address `node/<node>`): `booting`, `ready`, `partitioned`, `down`. */
export const nodeMachine = setup({
  types: {
    input: {} as NodeInput,
    context: {} as NodeContext,
    events: {} as NodeFault | KubeletRegistered,
  },
  actions: {
    startComponents: ({ context, self }) => {
      const kernel = context.port.kernel;
      const { spec, input } = context;
      context.boots++;
      const runtime = runtimeAddress(spec.name);
      const kubelet = kubeletAddress(spec.name);
      const proxy = kubeProxyAddress(spec.name);
      const port = (address: string) => new Port(kernel, address, kernel.fork(`${address}#${context.boots}`));
      context.components.set(
        runtime,
        startComponent(kernel, self, input.logic?.runtime ?? containerRuntimeMachine, { address: runtime, host: host(context), input: { port: port(runtime), node: spec.name } as never }),
      );
      context.components.set(
        kubelet,
        startComponent(kernel, self, input.logic?.kubelet ?? kubeletMachine, {
          address: kubelet,
          host: host(context),
          input: { port: port(kubelet), node: spec, token: input.tokens.kubelet, profile: input.profile, apiServer: input.apiServer, events: input.events, podLogic: input.logic?.pod } as never,
        }),
      );
      context.components.set(
        proxy,
        startComponent(kernel, self, input.logic?.kubeProxy ?? kubeProxyMachine, {
          address: proxy,
          host: host(context),
          input: { port: port(proxy), node: spec.name, token: input.tokens.kubeProxy, apiServer: input.apiServer } as never,
        }),
      );
    },
    stopComponents: ({ context }) => {
      const kernel = context.port.kernel;
      for (const [address, ref] of [...context.components].reverse()) stopComponent(kernel, address, ref);
      context.components.clear();
    },
    isolate: ({ context }) => context.port.kernel.network.isolate(host(context)),
    heal: ({ context }) => context.port.kernel.network.heal(host(context)),
  },
}).createMachine({
  id: 'node',
  context: ({ input }) => ({ port: input.port, spec: input.spec, input, components: new Map(), boots: 0 }),
  initial: 'notReady',
  states: {
    notReady: {
      entry: 'startComponents',
      on: {
        'kubelet.registered': 'ready',
        'node.crash': 'down',
        'node.partition': { target: 'partitioned', actions: 'isolate' },
      },
    },
    ...nodeFaultStates('notReady'),
  },
  exit: 'stopComponents',
});
