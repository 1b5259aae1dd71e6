/**
 * A node: the machine that hosts a kubelet, a kube-proxy and a container runtime. Its states are
 * what an operator sees of the machine: `notReady` (booting: its components start, until the
 * kubelet has registered the Node), `ready`, `partitioned` (cut off the network), `down` (crashed:
 * every component on it is gone, its pods with them). Faults reach it from the
 * fault injector (`node.crash`, `node.restart`, `node.partition`, `node.heal`). It supervises its
 * components: one that fails (an error thrown in its chart) is reported to the kernel and started
 * again, fresh, `componentRestart` (10 s) later.
 */
import { assertEvent, assign, raise, setup, type AnyActorLogic, type AnyActorRef } from 'xstate';
import type { Port } from '../src/kernel/port.js';
import type { TimingProfile } from '../src/profiles/profile.js';
import type { KubeletRegistered, NodeFault } from './protocol.js';
import { kubeletAddress, kubeProxyAddress, runtimeAddress } from './protocol.js';
import { nodeFaultStates } from './client/node-faults.js';
import { kubeletMachine, type NodeSpec } from './kubelet.js';
import { kubeProxyMachine } from './kube-proxy.js';
import type { NetworkSource } from './kubelet/network.js';
import { containerRuntimeMachine } from './container-runtime.js';
import { NodeDisk, type VolumeStorage } from './kubelet/container-files.js';
import type { EventLevel } from './client/events.js';
import { ContainerLogDirs } from './kubelet/log-dirs.js';

/** Input of a node. */
export interface NodeInput {
  /** The node's port (`node/<name>`). */
  port: Port;
  spec: NodeSpec;
  /** Bearer tokens of its kubelet and kube-proxy. */
  tokens: { kubelet: string; kubeProxy: string };
  profile: TimingProfile;
  apiServer?: string;
  events?: EventLevel;
  /** The network its kubelet's pods see (machines/kubelet/network.ts). */
  network?: NetworkSource;
  /** The storage backend of the PersistentVolumes its pods mount (machines/kubelet/container-files.ts). */
  storage?: VolumeStorage;
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
  /** Components restarted after they failed, over the node's life (each restart gets its own seed). */
  restarts: number;
  /**
   * The machine's disk: its containers' writable layers, its pods' emptyDir volumes, what hostPath
   * volumes hold (machines/kubelet/container-files.ts). It outlives its components' restarts.
   */
  disk: NodeDisk;
  /** Its disk's container log directories: they outlive a crash (machines/kubelet/log-dirs.ts). */
  logDirs: ContainerLogDirs;
}

/** The supervisor's own event: restart a component that failed. */
interface ComponentRestart {
  type: 'component.restart';
  address: string;
}

function host(ctx: NodeContext): string {
  return ctx.spec.name;
}

const CHILD_ERROR = 'xstate.error.actor.';

/** Starts one of the node's components (the runtime, the kubelet or kube-proxy) at its address, its errors sent to the node. */
function startOne(context: NodeContext, self: AnyActorRef, address: string, seedName: string): AnyActorRef {
  const { spec, input } = context;
  const port = context.port.child(address, context.port.fork(seedName));
  const where = { address, host: host(context), errors: 'parent' as const };
  if (address === runtimeAddress(spec.name)) return context.port.spawn(self, input.logic?.runtime ?? containerRuntimeMachine, { ...where, input: { port, node: spec.name } as never });
  if (address === kubeletAddress(spec.name)) {
    return context.port.spawn(self, input.logic?.kubelet ?? kubeletMachine, {
      ...where,
      input: { port, node: spec, token: input.tokens.kubelet, profile: input.profile, apiServer: input.apiServer, events: input.events, podLogic: input.logic?.pod, network: input.network, disk: context.disk, storage: input.storage, logDirs: context.logDirs } as never,
    });
  }
  return context.port.spawn(self, input.logic?.kubeProxy ?? kubeProxyMachine, { ...where, input: { port, node: spec.name, address: spec.address, token: input.tokens.kubeProxy, apiServer: input.apiServer } as never });
}

/** The node machine (address `node/<node>`): `booting`, `ready`, `partitioned`, `down`. */
export const nodeMachine = setup({
  types: {
    input: {} as NodeInput,
    context: {} as NodeContext,
    events: {} as NodeFault | KubeletRegistered | ComponentRestart | { type: `xstate.error.actor.${string}`; error: unknown },
  },
  delays: {
    /** systemd restarts a failed kubelet (kubeadm's unit: `Restart=always`, `RestartSec=10`), and the others alike. */
    componentRestart: 10_000,
  },
  guards: {
    /** The component still runs this node's failed incarnation (not stopped by a crash or replaced since). */
    componentFailed: ({ context, event }) => {
      assertEvent(event, 'component.restart');
      return (context.components.get(event.address)?.getSnapshot() as { status?: string } | undefined)?.status === 'error';
    },
  },
  actions: {
    // the components start inside `assign`, as XState's own `spawn` does (creating an actor in a
    // custom action would evaluate its context there, which XState warns of); the context is
    // replaced, never mutated
    startComponents: assign(({ context, self }) => {
      const boots = context.boots + 1;
      const { name } = context.spec;
      const components = new Map<string, AnyActorRef>();
      for (const address of [runtimeAddress(name), kubeletAddress(name), kubeProxyAddress(name)]) components.set(address, startOne(context, self, address, `${address}#${boots}`));
      return { boots, components };
    }),
    reportComponentError: ({ context, event }) => context.port.reportChildError(event as unknown as { type: string; error?: unknown }),
    scheduleRestart: raise(({ event }) => ({ type: 'component.restart' as const, address: event.type.slice(CHILD_ERROR.length) }), { delay: 'componentRestart' }),
    restartComponent: assign(({ context, event, self }) => {
      assertEvent(event, 'component.restart');
      context.port.stop(event.address, context.components.get(event.address));
      const restarts = context.restarts + 1;
      const components = new Map(context.components).set(event.address, startOne(context, self, event.address, `${event.address}#${context.boots}.${restarts}`));
      return { restarts, components };
    }),
    stopComponents: assign(({ context }) => {
      for (const [address, ref] of [...context.components].reverse()) context.port.stop(address, ref);
      return { components: new Map<string, AnyActorRef>() };
    }),
  },
}).createMachine({
  id: 'node',
  context: ({ input }) => ({ port: input.port, spec: input.spec, input, components: new Map(), boots: 0, restarts: 0, disk: new NodeDisk(), logDirs: new ContainerLogDirs() }),
  initial: 'notReady',
  on: {
    // the node supervises its components as systemd does: a failed one is reported, then restarted
    'xstate.error.actor.*': { actions: ['reportComponentError', 'scheduleRestart'] },
    'component.restart': { guard: 'componentFailed', actions: 'restartComponent' },
  },
  states: {
    notReady: {
      entry: 'startComponents',
      on: {
        'kubelet.registered': 'ready',
        'node.crash': 'down',
        'node.partition': 'partitioned',
      },
    },
    ...nodeFaultStates('notReady'),
  },
  exit: 'stopComponents',
});
