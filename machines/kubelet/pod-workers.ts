/**
 * The kubelet's side of its pod workers (pkg/kubelet/pod_workers.go): one worker actor per admitted
 * pod at `pod/<namespace>/<name>` (machines/pod.ts walks `syncing → terminating → terminated`),
 * what the kubelet remembers of each, the pod IPs it hands out, and the worker's start and stop.
 * The kubelet's chart decides when (named guards) and does it (named actions); these functions
 * only compute or carry out one step.
 */
import type { ContainerLogDirs } from './log-dirs.js';
import type { AnyActorLogic, AnyActorRef } from 'xstate';
import type { Pod } from '../../src/api/types.js';
import { Port } from '../../src/kernel/port.js';
import type { TimingProfile } from '../../src/profiles/profile.js';
import type { EventLevel } from '../client/events.js';
import { podAddress, runtimeAddress } from '../protocol.js';
import type { PodResourceRecord } from '../scheduler/node-info.js';
import type { ConfigData } from './config-sources.js';
import type { NodeSpec } from './node-spec.js';
import { networkTimeline, type NetworkSource, type NetworkView } from './network.js';
import type { PodFiles } from './container-files.js';
import { keepRunningWrites } from './pod-containers.js';
import type { PodContext } from '../pod.js';

/** What the kubelet remembers of one pod worker. */
export interface Worker {
  readonly ref: AnyActorRef;
  readonly uid: string;
  readonly address: string;
  readonly ip: string;
  /** Set once the kubelet asked it to stop (`pod.kill` is sent once). */
  readonly killing: boolean;
  /** Its requests, counted in the kubelet's admission until the worker stops. */
  readonly rec: PodResourceRecord;
  /** What the worker was last synced with (objects from the API are immutable, so identity tells a change). */
  readonly spec: Pod['spec'];
  readonly labels: unknown;
  readonly annotations: unknown;
}

/** The pod workers by pod key (`namespace/name`). */
export type Workers = ReadonlyMap<string, Worker>;

/** `workers` with `key` set to `worker` (or removed, when undefined). */
export function withWorker(workers: Workers, key: string, worker: Worker | undefined): Workers {
  const next = new Map(workers);
  if (worker) next.set(key, worker);
  else next.delete(key);
  return next;
}

/** `set` with `item` added or removed. */
export function withItem<T>(set: ReadonlySet<T>, item: T, present: boolean): ReadonlySet<T> {
  if (set.has(item) === present) return set;
  const next = new Set(set);
  if (present) next.add(item);
  else next.delete(item);
  return next;
}

/** The next free IP of the node's pod CIDR (from `next` on, round robin over .2–.254), and where to look next time. */
export function allocateIp(podCIDR: string, used: ReadonlySet<string>, next: number): { ip: string; next: number } {
  const base = podCIDR.split('/')[0]!.split('.').slice(0, 3).join('.');
  for (let i = 0; i < 253; i++) {
    const n = 2 + ((next + i) % 253);
    const ip = `${base}.${n}`;
    if (!used.has(ip)) return { ip, next: (next + i + 1) % 253 };
  }
  return { ip: `${base}.255`, next };
}

/** True when the pod is finished (Succeeded or Failed): the kubelet starts no worker for it. */
export function podFinished(pod: Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** True when the pod's spec, labels or annotations are not what its worker was last synced with. */
export function changedSince(worker: Worker, pod: Pod): boolean {
  return pod.spec !== worker.spec || pod.metadata?.labels !== worker.labels || pod.metadata?.annotations !== worker.annotations;
}

/** The grace period a deleted pod gets: the deletion's, else the pod's terminationGracePeriodSeconds, else 30 s. */
export function gracePeriodOf(pod: Pod): number {
  return pod.metadata?.deletionGracePeriodSeconds ?? pod.spec?.terminationGracePeriodSeconds ?? 30;
}

/** What a worker is started with. */
export interface WorkerStart {
  port: Port;
  node: NodeSpec;
  kubelet: AnyActorRef;
  logic: AnyActorLogic;
  profile: TimingProfile;
  events: EventLevel;
  network?: NetworkSource;
  /** Where a pod's containers write (its node's disk, the PersistentVolumes' storage). */
  files?: (pod: Pod) => PodFiles;
  logDirs?: ContainerLogDirs;
}

/** Starts the pod's worker actor (a child of the kubelet, its errors reported by the kubelet). */
export function startWorker(s: WorkerStart, pod: Pod, ip: string, configData: ConfigData, network?: NetworkView, networkUsersOf?: ReadonlySet<string>): AnyActorRef {
  const address = podAddress(pod.metadata!.namespace!, pod.metadata!.name!);
  return s.port.spawn(s.kubelet, s.logic, {
    address,
    host: s.node.name,
    // one observer fewer per pod: the kubelet reports its workers' errors (`reportWorkerError`)
    errors: 'parent',
    input: {
      port: s.port.child(address, s.port.fork(`pod/${pod.metadata!.uid}`)),
      pod,
      node: s.node.name,
      kubelet: s.port.address,
      runtime: runtimeAddress(s.node.name),
      podIP: ip,
      hostIP: s.node.address,
      profile: s.profile,
      events: s.events,
      configData,
      ...(s.files ? { files: s.files(pod) } : {}),
      logDirs: s.logDirs,
      // its network: a timeline from this capture, which the pod worker extends (machines/pod.ts `networkResync`)
      ...(network && s.network ? { network: networkTimeline(network, Date.parse(s.port.timestamp())), served: s.network.served.bind(s.network), ...(s.network.flows ? { flows: s.network.flows.bind(s.network) } : {}), capture: (p: Pod) => s.network!.capture(p, ip), networkUsers: networkUsersOf } : {}),
    } as never,
  });
}

/** Stops a worker actor at once (what its running containers wrote in their volumes until now stays). */
export function stopWorker(port: Port, worker: Worker): void {
  const context = (worker.ref.getSnapshot() as { context?: PodContext } | undefined)?.context;
  if (context?.env?.files) keepRunningWrites(context, port.timestamp());
  port.stop(worker.address, worker.ref);
}
