/**
 * Test harness for the node-local machines: a kernel, one node's container runtime, pod workers
 * and a fake kubelet that records what the pods report.
 */
import { createActor, type Actor } from 'xstate';
import { Kernel, type KernelOptions } from '../../src/kernel/kernel.js';
import { Port } from '../../src/kernel/port.js';
import type { Container, ContainerStatus, Pod, PodStatus } from '../../src/api/types.js';
import { kubeletAddress, podAddress, runtimeAddress, type PodKill, type PodSync } from '../../machines/protocol.js';
import { podMachine } from '../../machines/pod.js';
import { podDisplayStatus } from '../../machines/kubelet/pod-status.js';
import { containerRuntimeMachine } from '../../machines/container-runtime.js';
import type { TimingProfile } from '../../src/profiles/profile.js';

/** One event the fake kubelet received. */
export interface Report {
  time: number;
  event: { type: string; namespace: string; name: string; uid: string; status: PodStatus };
}

/** A pod spec in short. */
export interface PodShape {
  name: string;
  namespace?: string;
  containers?: Partial<Container>[];
  initContainers?: Partial<Container>[];
  restartPolicy?: 'Always' | 'OnFailure' | 'Never';
  annotations?: Record<string, string>;
  terminationGracePeriodSeconds?: number;
}

/** Builds a Pod object. */
export function makePod(shape: PodShape): Pod {
  const containers = (shape.containers ?? [{ name: 'app', image: 'nginx:1.25' }]).map((c, i) => ({ name: c.name ?? `c${i}`, image: c.image ?? 'nginx:1.25', ...c })) as Container[];
  const pod: Pod = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: shape.name, namespace: shape.namespace ?? 'default', uid: `uid-${shape.name}`, annotations: shape.annotations },
    spec: { containers, restartPolicy: shape.restartPolicy ?? 'Always', nodeName: 'node-1' },
  };
  if (shape.initContainers) pod.spec!.initContainers = shape.initContainers.map((c, i) => ({ name: c.name ?? `init${i}`, image: c.image ?? 'busybox:1.36', ...c }));
  if (shape.terminationGracePeriodSeconds !== undefined) pod.spec!.terminationGracePeriodSeconds = shape.terminationGracePeriodSeconds;
  return pod;
}

/** A simulated node. */
export interface NodeSim {
  kernel: Kernel;
  node: string;
  profile: TimingProfile;
  reports: Report[];
  runtime: Actor<typeof containerRuntimeMachine>;
  pods: Map<string, Actor<typeof podMachine>>;
  /** Starts a pod worker for the pod. */
  addPod(pod: Pod): Actor<typeof podMachine>;
  /** The last status a pod reported (pod.status or pod.terminated). */
  latest(name: string, namespace?: string): PodStatus | undefined;
  /** Reports of one pod. */
  reportsOf(name: string, namespace?: string): Report[];
  /** kubectl's STATUS for the pod's last report. */
  display(name: string, namespace?: string): string;
  /** Sends an event to a pod as the kubelet would. */
  sendToPod(name: string, event: PodSync | PodKill, namespace?: string): void;
}

/** Creates a node with its runtime and a recording kubelet. */
export function createNode(profile: TimingProfile, options: KernelOptions & { node?: string } = {}): NodeSim {
  const kernel = new Kernel({ seed: options.seed ?? 1, network: options.network ?? profile.network, trace: options.trace });
  const node = options.node ?? 'node-1';
  const reports: Report[] = [];
  kernel.register(kubeletAddress(node), { send: (event) => reports.push({ time: kernel.now(), event }) }, { host: node });
  const runtime = createActor(containerRuntimeMachine, { input: { port: new Port(kernel, runtimeAddress(node)), node }, clock: kernel.clock });
  runtime.subscribe({ error: (error) => kernel.reportError(runtimeAddress(node), error) });
  kernel.register(runtimeAddress(node), runtime, { host: node });
  runtime.start();
  const pods = new Map<string, Actor<typeof podMachine>>();
  let ip = 10;
  const sim: NodeSim = {
    kernel,
    node,
    profile,
    reports,
    runtime,
    pods,
    addPod(pod) {
      const ns = pod.metadata?.namespace ?? 'default';
      const name = pod.metadata!.name!;
      const address = podAddress(ns, name);
      const actor = createActor(podMachine, {
        input: { port: new Port(kernel, address), pod, node, kubelet: kubeletAddress(node), runtime: runtimeAddress(node), podIP: `10.244.0.${ip++}`, hostIP: '192.168.0.2', profile },
        clock: kernel.clock,
      });
      actor.subscribe({ error: (error) => kernel.reportError(address, error) });
      kernel.register(address, actor, { host: node });
      pods.set(`${ns}/${name}`, actor);
      actor.start();
      return actor;
    },
    latest(name, namespace = 'default') {
      for (let i = reports.length - 1; i >= 0; i--) {
        const e = reports[i]!.event;
        if (e.name === name && e.namespace === namespace) return e.status;
      }
      return undefined;
    },
    reportsOf(name, namespace = 'default') {
      return reports.filter((r) => r.event.name === name && r.event.namespace === namespace);
    },
    display(name, namespace = 'default') {
      const actor = pods.get(`${namespace}/${name}`)!;
      const pod = actor.getSnapshot().context.pod;
      return podDisplayStatus({ ...pod, status: sim.latest(name, namespace) });
    },
    sendToPod(name, event, namespace = 'default') {
      kernel.send(kubeletAddress(node), podAddress(namespace, name), event);
    },
  };
  return sim;
}

/** A one-line summary of a container status: `waiting:ContainerCreating`, `running ready`, `terminated:Error(1)`. */
function describeContainer(s: ContainerStatus): string {
  const st = s.state ?? {};
  let text: string;
  if (st.running) text = s.ready ? 'running ready' : 'running';
  else if (st.terminated) text = `terminated:${st.terminated.reason}(${st.terminated.exitCode})`;
  else text = `waiting:${st.waiting?.reason ?? ''}`;
  return s.restartCount > 0 ? `${text} restarts=${s.restartCount}` : text;
}

/** The timeline of container state changes in the reports: `t=12 web/app running ready`. */
export function containerTimeline(reports: Report[]): string[] {
  const last = new Map<string, string>();
  const lines: string[] = [];
  for (const r of reports) {
    const status = r.event.status;
    const all = [...(status.initContainerStatuses ?? []).map((s) => ['init:' + s.name, s] as const), ...(status.containerStatuses ?? []).map((s) => [s.name, s] as const)];
    for (const [name, s] of all) {
      const key = `${r.event.namespace}/${r.event.name}/${name}`;
      const text = describeContainer(s);
      if (last.get(key) === text) continue;
      last.set(key, text);
      lines.push(`t=${r.time} ${r.event.name}/${name} ${text}`);
    }
    const phaseKey = `${r.event.namespace}/${r.event.name}`;
    const phase = `${r.event.type === 'pod.terminated' ? 'terminated ' : ''}${status.phase}`;
    if (last.get(phaseKey) !== phase) {
      last.set(phaseKey, phase);
      lines.push(`t=${r.time} ${r.event.name} ${phase}`);
    }
  }
  return lines;
}
