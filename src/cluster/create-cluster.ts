/**
 * `createCluster`: the whole cluster of the architecture document as one system of XState
 * actors on one deterministic kernel. The control plane (etcd, API server, scheduler, controller
 * manager) runs on the `control-plane` host; every worker node runs a kubelet, a kube-proxy and a
 * container runtime, and its pods; `kubectl` is the user's client.
 */
import { simpleNameGenerator } from '../../machines/api-server/admission.js';
import { createActor, type AnyActorLogic, type AnyActorRef, type InspectionEvent } from 'xstate';
import { Kernel, type KernelOptions } from '../kernel/kernel.js';
import { Port } from '../kernel/port.js';
import type { NetworkOptions } from '../kernel/network.js';
import type { TraceOptions } from '../kernel/trace.js';
import { findResource, etcdListPrefix, etcdKey } from '../api/resources.js';
import type { KubeObject, Pod, Service, Taint } from '../api/types.js';
import type { ResourceArg, ResourceName, ResourceNameFor, ResourceTypes, RuntimeString } from '../api/resource-types.js';
import { getProfile } from '../profiles/index.js';
import type { TimingProfile } from '../profiles/profile.js';
import { MvccStore } from '../../machines/etcd/store.js';
import { etcdMachine } from '../../machines/etcd.js';
import { apiServerMachine } from '../../machines/api-server.js';
import type { ApiServerOptions } from '../../machines/api-server/core.js';
import { decode } from '../../machines/api-server/watch-cache.js';
import { schedulerMachine } from '../../machines/scheduler.js';
import type { SchedulerProfile } from '../../machines/scheduler/registry.js';
import { schedulerConfiguration } from '../../machines/scheduler/configuration.js';
import { kubeletConfiguration, mergeKubeletConfigurations } from '../../machines/kubelet/configuration.js';
import { controllerManagerMachine, type ControllerManagerInput } from '../../machines/controller-manager.js';
import { kubectlMachine } from '../../machines/kubectl.js';
import { nodeMachine } from '../../machines/node.js';
import { stopComponent } from '../kernel/components.js';
import { crashLoopBackOffMs } from '../../machines/client/node-faults.js';
import { resolveThrough, type KubeProxyContext, type ProxySlice } from '../../machines/kube-proxy.js';
import type { NodeSpec } from '../../machines/kubelet.js';
import type { EventLevel } from '../../machines/client/events.js';
import {
  API_SERVER,
  CONTROLLER_MANAGER,
  CONTROL_PLANE_HOST,
  ETCD,
  KUBECTL,
  SCHEDULER,
  kubeletAddress,
  kubeProxyAddress,
  nodeAddress,
  podAddress,
  summarizeMessage,
} from '../../machines/protocol.js';
import { addonObjects } from './addons.js';
import { bootstrapStore, defaultUsers, kubeletUser, type ClusterUsers } from './bootstrap.js';
import { Client } from './client.js';
import { Faults } from './faults.js';
import { podLogText, type LogOptions } from './logs.js';
import { execInPod, type ExecResult } from './exec.js';
import type { SourceReader } from '../../machines/kubelet/config-sources.js';
import { ContainerTraffic, RequestFlows } from './traffic.js';
import { captureNetwork, recordServed, type NetworkState } from './network-view.js';
import type { NetworkSource, NetworkTimeline } from '../../machines/kubelet/network.js';
import type { Worker } from '../../machines/kubelet/pod-workers.js';
import { VolumeStorage, type NodeDisk, type PodFiles } from '../../machines/kubelet/container-files.js';
import { connectToPod, type PodConnection } from './connect.js';
import { StatusError, notFound } from '../api/status.js';
import { ControlPlane, type ControlPlaneOptions } from './control-plane.js';
import { keepScheduledEventsAsDictionary } from '../kernel/xstate-internals.js';

/** A worker node to create. */
export interface NodeOptions {
  name?: string;
  /** Capacity; default cpu 4, memory 16Gi, pods 110, ephemeral-storage 100Gi. */
  capacity?: Partial<Record<'cpu' | 'memory' | 'pods' | 'ephemeral-storage', string>>;
  labels?: Record<string, string>;
  taints?: Taint[];
  /**
   * This node's kubelet configuration (a `KubeletConfiguration`, `kubelet.config.k8s.io/v1beta1`),
   * over the cluster's `kubeletConfiguration` and the profile's, field by field.
   */
  kubeletConfiguration?: unknown;
  /** Inodes of the node's filesystem (the nodefs.inodesFree signal); default its ephemeral-storage / 16 KiB. */
  inodes?: number;
  /** The node's pid_max (the pid.available signal); default 4194304. */
  pidMax?: number;
}

/** Replacement logic for components: users' own, or mutants. */
export interface ComponentLogic {
  etcd?: AnyActorLogic;
  apiServer?: AnyActorLogic;
  scheduler?: AnyActorLogic;
  controllerManager?: AnyActorLogic;
  kubectl?: AnyActorLogic;
  kubelet?: AnyActorLogic;
  kubeProxy?: AnyActorLogic;
  runtime?: AnyActorLogic;
  pod?: AnyActorLogic;
}

/** Options of `createCluster`. */
export interface ClusterOptions {
  /** The root seed; every run with the same seed and inputs is identical. Default 1. */
  seed?: number | string;
  /** Number of worker nodes (named node-1 … node-N), or their descriptions. Default 3. */
  nodes?: number | NodeOptions[];
  /** Capacity of nodes created by count. */
  nodeCapacity?: NodeOptions['capacity'];
  /**
   * The worker nodes' kubelet configuration: a `KubeletConfiguration` object
   * (`kubelet.config.k8s.io/v1beta1`) as in the kubelet's `--config` file, over the profile's
   * `kubeletConfiguration` (a whole field replaces the profile's). Modelled: `systemReserved`,
   * `kubeReserved`, `evictionHard`, `evictionSoft`, `evictionSoftGracePeriod`,
   * `evictionMaxPodGracePeriod`, `evictionMinimumReclaim`, `evictionPressureTransitionPeriod`;
   * any other field is refused (a `KubeletConfigurationError` naming it). Default: a kubeadm
   * node's kubelet.
   */
  kubeletConfiguration?: unknown;
  /** Timing and behaviour profile: `fast` (default), `realistic`, `chaos`, or your own. */
  profile?: string | TimingProfile;
  /** The simulated network (overrides the profile's). */
  network?: NetworkOptions;
  /** How much of the trace to keep. */
  trace?: TraceOptions;
  /** Which Events components record (all, warnings, none). Default all. */
  events?: EventLevel;
  /** The scheduler's profile (plugins, weights). */
  schedulerProfile?: SchedulerProfile;
  /**
   * A `KubeSchedulerConfiguration` (`kubescheduler.config.k8s.io/v1`) object, as in the file
   * kube-scheduler's `--config` reads: profiles[0]'s plugins, weights, pluginConfig args,
   * percentageOfNodesToScore, schedulerName, and the queue's back-off. What kube-actors cannot
   * honour is refused (a `SchedulerConfigurationError` naming the field). Not with `schedulerProfile`.
   */
  schedulerConfiguration?: unknown;
  /** Options of the controller manager (which controllers, users' own). */
  controllerManager?: Partial<Omit<ControllerManagerInput, 'port' | 'token'>>;
  /** Tunables of the API server. */
  apiServer?: ApiServerOptions;
  /**
   * How the API server's request pipeline and the scheduler's scheduling cycle run. `steps`
   * (default): one state per step, each a microstep XState's inspection reports. `fused`: the
   * same steps in the same order as one transition: identical traces and state, a fraction of the
   * XState work, for large simulations and benchmarks. `apiServer.pipeline` overrides it for the
   * API server.
   */
  pipelines?: 'steps' | 'fused';
  /** Replacement logic for components. */
  logic?: ComponentLogic;
  /** XState inspection of every actor (for the inspector, or @statelyai/inspect). */
  inspect?: (event: InspectionEvent) => void;
  /** Kernel options beyond the above. */
  kernel?: Omit<KernelOptions, 'seed' | 'network' | 'trace' | 'summarize'>;
  /**
   * The control plane: `{ nodes: 3 }` runs three control-plane nodes (replicated etcd, an API
   * server each behind a load balancer at `api-server`, leader-elected scheduler and controller
   * manager; see `src/cluster/control-plane.ts`). Default one control-plane node.
   */
  controlPlane?: ControlPlaneOptions;
  /**
   * Install kubeadm's add-ons as a kubeadm cluster has them (src/cluster/addons.ts): CoreDNS (the
   * `coredns` Deployment of 2 replicas and ConfigMap, the `kube-dns` Service at 10.96.0.10) and
   * kube-proxy (the `kube-proxy` DaemonSet and ConfigMap) in kube-system, created through the API
   * server as the cluster starts and run by the controllers and kubelets as any workload: their pods
   * take node resources and show in `kubectl get pods -A`, `describe node` and drains. The cluster
   * DNS then answers only while a CoreDNS endpoint is ready (scale coredns to 0 and lookups time
   * out). Default false: the library's clusters start with empty namespaces and a modelled DNS that
   * always answers (the `kube-actors serve` and `inspect` commands turn it on; `--no-addons` off).
   */
  addons?: boolean;
}

const DEFAULT_CAPACITY = { cpu: '4', memory: '16Gi', pods: '110', 'ephemeral-storage': '100Gi' };

/**
 * The node descriptions a cluster is created with; each kubelet's configuration is the profile's,
 * then the cluster's, then the node's own (throws a `KubeletConfigurationError` for a field not modelled).
 */
export function nodeSpecs(options: Pick<ClusterOptions, 'nodes' | 'nodeCapacity' | 'kubeletConfiguration'>, profile?: Pick<TimingProfile, 'kubeletConfiguration'>): NodeSpec[] {
  const list: NodeOptions[] =
    typeof options.nodes === 'number' || options.nodes === undefined
      ? Array.from({ length: options.nodes ?? 3 }, (_, i) => ({ name: `node-${i + 1}` }))
      : options.nodes;
  if (!Number.isInteger(list.length) || list.length < 0) throw new RangeError(`nodes must be a non-negative integer; got ${String(options.nodes)}`);
  const seen = new Set<string>();
  return list.map((n, i) => {
    const name = n.name ?? `node-${i + 1}`;
    if (!/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name)) throw new RangeError(`node name "${name}" is not a DNS-1123 label`);
    if (seen.has(name)) throw new RangeError(`node name "${name}" is used twice`);
    seen.add(name);
    const capacity: Record<string, string> = { ...DEFAULT_CAPACITY, ...(options.nodeCapacity ?? {}), ...(n.capacity ?? {}) };
    const idx = i + 1;
    const kubelet = kubeletConfiguration(mergeKubeletConfigurations(profile?.kubeletConfiguration, options.kubeletConfiguration, n.kubeletConfiguration));
    for (const k of ['inodes', 'pidMax'] as const) {
      const v = n[k];
      if (v !== undefined && !(Number.isInteger(v) && v > 0)) throw new RangeError(`node "${name}": ${k} must be a positive whole number; got ${String(v)}`);
    }
    return {
      name,
      capacity,
      kubelet,
      labels: n.labels,
      taints: n.taints,
      address: `172.18.${idx >> 8}.${idx & 255}`,
      podCIDR: `10.${64 + (idx >> 8)}.${idx & 255}.0/24`,
      ...(n.inodes !== undefined ? { inodes: n.inodes } : {}),
      ...(n.pidMax !== undefined ? { pidMax: n.pidMax } : {}),
    };
  });
}

/** Where a connection from a pod ends up (see `Cluster.connect`). */
export type ConnectResult =
  | { ok: true; node: string; service: string; backend: string; pod?: string; podNode?: string }
  | { ok: false; reason: string };

/** A running simulated cluster. */
export class Cluster {
  /** The kernel: virtual time, seeded randomness, network, trace. */
  readonly kernel: Kernel;
  /** kubectl's typed client (as the admin user). */
  readonly client: Client;
  /** The fault injector. */
  readonly faults: Faults;
  /** Users and their tokens. */
  readonly users: ClusterUsers;
  /** The timing profile. */
  readonly profile: TimingProfile;
  /** Lines containers wrote serving traffic (nginx's access log), shown in their logs. */
  readonly traffic = new ContainerTraffic();
  /** The steady request flows of client loops (a load generator's), which the metrics API turns into the servers' CPU. */
  readonly requestFlows = new RequestFlows();
  /**
   * etcd's data (read it through `objects`; writing it bypasses the API server). With several
   * control-plane nodes: the etcd leader's applied store.
   */
  get store(): MvccStore {
    return this.controlPlane?.store() ?? this.bootStore;
  }
  private readonly bootStore: MvccStore;
  /** The highly available control plane, when the cluster has several control-plane nodes. */
  readonly controlPlane?: ControlPlane;
  /** The long-lived actors, by canonical address. */
  readonly actors = new Map<string, AnyActorRef>();
  /** How often each supervised component failed (its restart back-off). */
  private readonly failures = new Map<string, number>();
  /** Worker node descriptions. */
  readonly nodeSpecs: NodeSpec[];
  private readonly kubectl: AnyActorRef;

  constructor(readonly options: ClusterOptions = {}) {
    this.profile = typeof options.profile === 'object' ? options.profile : getProfile(options.profile ?? 'fast');
    this.kernel = new Kernel({
      ...(options.kernel ?? {}),
      seed: options.seed ?? 1,
      network: { ...(this.profile.network ?? {}), ...(options.network ?? {}) },
      trace: options.trace,
      summarize: summarizeMessage,
    });
    this.users = defaultUsers();
    this.nodeSpecs = nodeSpecs(options, this.profile);
    this.bootStore = new MvccStore();
    bootstrapStore(this.bootStore, this.kernel.fork('bootstrap'), this.kernel.timestamp());
    const logic = options.logic ?? {};
    const tokens = [
      ...Object.values(this.users),
      ...this.nodeSpecs.map((n) => kubeletUser(n.name)),
    ];

    for (const [name, value] of [['pipelines', options.pipelines], ['apiServer.pipeline', options.apiServer?.pipeline]] as const) {
      if (value !== undefined && value !== 'steps' && value !== 'fused') throw new RangeError(`${name} must be "steps" or "fused"; got ${JSON.stringify(value)}`);
    }
    if (options.addons !== undefined && typeof options.addons !== 'boolean') throw new RangeError(`addons must be true or false; got ${JSON.stringify(options.addons)}`);
    if (options.schedulerConfiguration !== undefined && options.schedulerProfile !== undefined) {
      throw new RangeError('schedulerConfiguration and schedulerProfile are exclusive: give one of them');
    }
    const configured = options.schedulerConfiguration === undefined ? undefined : schedulerConfiguration(options.schedulerConfiguration);
    const schedulerInput = {
      profile: configured?.profile ?? options.schedulerProfile,
      events: options.events,
      cycle: options.pipelines,
      ...(configured ? { schedulerName: configured.schedulerName, podInitialBackoffMs: configured.podInitialBackoffMs, podMaxBackoffMs: configured.podMaxBackoffMs } : {}),
    };
    let apiServerOptions: ApiServerOptions | undefined =
      options.pipelines && options.apiServer?.pipeline === undefined ? { ...(options.apiServer ?? {}), pipeline: options.pipelines } : options.apiServer;
    // the metrics API reports the profile's usage model, and the CPU the request flows of client loops cost their servers
    if (this.profile.usage && apiServerOptions?.usage === undefined) apiServerOptions = { ...(apiServerOptions ?? {}), usage: this.profile.usage };
    if (apiServerOptions?.flows === undefined) apiServerOptions = { ...(apiServerOptions ?? {}), flows: () => this.requestFlows.all() };
    if ((options.controlPlane?.nodes ?? 1) > 1) {
      this.controlPlane = new ControlPlane(
        {
          kernel: this.kernel,
          start: (address, logic, host, input) => this.start(address, logic, host, input),
          tokens,
          bootStore: this.bootStore,
          scheduler: { logic: logic.scheduler ?? schedulerMachine, input: schedulerInput },
          controllerManager: { logic: logic.controllerManager ?? controllerManagerMachine, input: { userControllersToken: this.users.admin.token, ...(options.controllerManager ?? {}) } },
          apiServerOptions: apiServerOptions,
        },
        { ...options.controlPlane, logic: { apiServer: logic.apiServer, ...(options.controlPlane?.logic ?? {}) } },
      );
      // as kubeadm joins control-plane nodes: until etcd has a leader and an API server serves
      this.kernel.runUntil(() => this.controlPlane!.serving(), { timeout: 10_000 });
    } else {
      this.start(ETCD, logic.etcd ?? etcdMachine, CONTROL_PLANE_HOST, { store: this.store });
      const apiServer = this.start(API_SERVER, logic.apiServer ?? apiServerMachine, CONTROL_PLANE_HOST, { tokens, options: apiServerOptions });
      // as kubeadm boots a control plane: etcd and the API server first, the rest once it serves
      this.kernel.runUntil(() => (apiServer.getSnapshot() as { matches?: (s: string) => boolean }).matches?.('serving') !== false, { timeout: 10_000 });
      this.start(SCHEDULER, logic.scheduler ?? schedulerMachine, CONTROL_PLANE_HOST, { token: this.users.scheduler.token, ...schedulerInput });
      this.start(CONTROLLER_MANAGER, logic.controllerManager ?? controllerManagerMachine, CONTROL_PLANE_HOST, {
        token: this.users.controllerManager.token,
        userControllersToken: this.users.admin.token,
        ...(options.controllerManager ?? {}),
      });
    }
    this.kubectl = this.start(KUBECTL, logic.kubectl ?? kubectlMachine, KUBECTL, { token: this.users.admin.token });
    for (const spec of this.nodeSpecs) {
      this.start(nodeAddress(spec.name), nodeMachine, spec.name, {
        spec,
        tokens: { kubelet: kubeletUser(spec.name).token, kubeProxy: this.users.kubeProxy.token },
        profile: this.profile,
        events: options.events,
        network: this.network,
        storage: this.storage,
        logic: { kubelet: logic.kubelet, kubeProxy: logic.kubeProxy, runtime: logic.runtime, pod: logic.pod },
      });
    }
    this.client = new Client(this.kernel, this.kubectl);
    // kubeadm's add-on phase, once the control plane serves
    if (options.addons) for (const obj of addonObjects()) this.client.create(obj);
    this.faults = new Faults(
      this.kernel,
      () => [...this.nodeSpecs.map((n) => n.name), ...(this.controlPlane?.nodes ?? [])],
      (address) => this.controlPlane?.faultTargets(address) ?? [address],
    );
  }

  private start(address: string, logic: AnyActorLogic, host: string, input: Record<string, unknown>): AnyActorRef {
    const actor = createActor(logic, {
      input: { port: new Port(this.kernel, address), ...input },
      clock: this.kernel.clock,
      systemId: address,
      id: address,
      ...(this.options.inspect ? { inspect: this.options.inspect } : {}),
    } as never) as AnyActorRef;
    actor.subscribe({
      error: (error: unknown) => {
        this.kernel.reportError(address, error);
        this.superviseFailure(address, actor, () => this.start(address, logic, host, input));
      },
    });
    this.kernel.register(address, actor, { host });
    this.actors.set(address, actor);
    actor.start();
    keepScheduledEventsAsDictionary(actor);
    return actor;
  }

  /**
   * What the cluster's supervisors do with a component that failed (an error thrown in its chart,
   * already reported to the kernel): the kubelet of its host restarts a control-plane static pod
   * (etcd, the API server, the scheduler, the controller manager, the load balancer), and a
   * machine that fails as a whole reboots, both after the kubelet's crash-loop back-off (10 s,
   * doubling up to 5 min). A kubectl client is a user's process: its failure is reported, not
   * restarted.
   */
  private superviseFailure(address: string, failed: AnyActorRef, restart: () => void): void {
    if (address === KUBECTL || address.startsWith(`${KUBECTL}/`)) return;
    const failures = (this.failures.get(address) ?? 0) + 1;
    this.failures.set(address, failures);
    const delay = crashLoopBackOffMs(failures);
    this.kernel.setTimer(() => {
      // a stopped cluster or an actor replaced since (a crash, a restart) is not restarted again
      if (this.kernel.stopped || this.actors.get(address) !== failed) return;
      stopComponent(this.kernel, address, failed);
      restart();
    }, delay);
  }

  /** Worker node names. */
  get nodes(): string[] {
    return this.nodeSpecs.map((n) => n.name);
  }

  /** Virtual time in ms. */
  now(): number {
    return this.kernel.now();
  }

  /** Moves virtual time forward, delivering everything due. */
  advance(ms: number): this {
    this.kernel.advance(ms);
    return this;
  }

  /** Runs until `predicate` holds (checked after every message) or `timeout` ms of virtual time pass. */
  runUntil(predicate: () => boolean, options: { timeout?: number } = {}): boolean {
    return this.kernel.runUntil(predicate, options);
  }

  /** Reads the ConfigMaps and Secrets pods use, from etcd (for logs, exec and port-forward, which replay a container's process). */
  readonly sources: SourceReader = Object.assign((kind: 'configMap' | 'secret', namespace: string, name: string) => (kind === 'secret' ? this.object('secrets', name, namespace) : this.object('configmaps', name, namespace)), {
    // the tokens the kubelet of the pod's node holds for its projected volumes
    tokens: (pod: Pod): Record<string, string> => {
      const kubelet = pod.spec?.nodeName ? this.actor(kubeletAddress(pod.spec.nodeName)) : undefined;
      const context = kubelet?.getSnapshot().context as { configs?: { tokensOf(pod: Pod): Record<string, string> } } | undefined;
      return context?.configs?.tokensOf(pod) ?? {};
    },
    // the network timeline of the pod's worker (captured by the kubelet when it started the pod, extended by the worker)
    network: (pod: Pod): NetworkTimeline | undefined => {
      const kubelet = pod.spec?.nodeName ? this.actor(kubeletAddress(pod.spec.nodeName)) : undefined;
      const context = kubelet?.getSnapshot().context as { workers?: ReadonlyMap<string, Worker> } | undefined;
      const worker = context?.workers?.get(`${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name}`);
      if (!worker || worker.uid !== pod.metadata?.uid) return undefined;
      return (worker.ref.getSnapshot().context as { env?: { network?: NetworkTimeline } } | undefined)?.env?.network;
    },
    // where what its containers write is kept: its node's disk, the PersistentVolumes' storage
    files: (pod: Pod): PodFiles => {
      const node = pod.spec?.nodeName ? this.actor(nodeAddress(pod.spec.nodeName)) : undefined;
      const disk = (node?.getSnapshot().context as { disk?: NodeDisk } | undefined)?.disk;
      const namespace = pod.metadata?.namespace ?? 'default';
      return {
        disk,
        storage: this.storage,
        volumeOf: (claim) => {
          const name = this.object('persistentvolumeclaims', claim, namespace)?.spec?.volumeName;
          return name ? this.storage.volume(name) : undefined;
        },
      };
    },
  });

  /**
   * The storage backend the PersistentVolumes are provisioned on (a cloud's disks, a NAS): each
   * volume's files, by `pv/<name>/<uid>`, written by the containers that mount it wherever they
   * run; the data of a volume that is gone (its reclaim policy Delete, or deleted by hand) goes too.
   */
  readonly storage = new VolumeStorage((name) => this.object('persistentvolumes', name)?.metadata?.uid);

  /**
   * The network pods see (machines/kubelet/network.ts): captured from etcd's Services,
   * EndpointSlices and pods and the rules of the kube-proxy of the pod's node, when a kubelet
   * starts a pod that uses wget, curl or nslookup (and for each `kubectl exec`); the requests
   * their processes make are recorded in the serving containers' logs.
   */
  readonly network: NetworkSource = {
    capture: (pod, podIP) => captureNetwork(pod, podIP, this.networkState(pod.spec?.nodeName)),
    served: (requests, startAbs) => recordServed(this.traffic, requests, startAbs),
    flows: (client, flows, startAbs) => this.requestFlows.report(client, flows, startAbs - (this.nowAbs() - this.kernel.now())),
  };

  private networkState(node: string | undefined): NetworkState {
    const proxy = node ? this.actor(kubeProxyAddress(node)) : undefined;
    const rules = proxy ? (proxy.getSnapshot() as { context: KubeProxyContext }).context.rules : undefined;
    return {
      services: this.objects<Service>('services'),
      slices: this.objects<ProxySlice>('endpointslices'),
      pods: this.objects<Pod>('pods'),
      policies: this.objects<KubeObject>('networkpolicies'),
      namespaces: this.objects<KubeObject>('namespaces'),
      rules,
      ...(this.profile.catalog ? { catalog: this.profile.catalog } : {}),
      sources: this.sources,
      nowAbs: this.nowAbs(),
      ...(this.options.addons ? { coreDns: true } : {}),
    };
  }

  /** Runs until no message is in flight. */
  runUntilIdle(): this {
    this.kernel.runUntilIdle();
    return this;
  }

  /** The client of another user (e.g. `cluster.as(cluster.users.guest.token)` for a 403). */
  as(token: string): Client {
    const address = `kubectl/${token.slice(-12)}`;
    let actor = this.actors.get(address);
    if (!actor) actor = this.start(address, this.options.logic?.kubectl ?? kubectlMachine, KUBECTL, { token });
    return new Client(this.kernel, actor);
  }

  /**
   * Objects of a resource as etcd holds them right now (an observer's view for tests, invariants
   * and displays; it sends no message).
   */
  objects<R extends ResourceName>(resource: R, namespace?: string): ResourceTypes[R][];
  /** Objects of a resource, of the type given as the type argument. */
  objects<T extends KubeObject>(resource: ResourceNameFor<T>, namespace?: string): T[];
  /** Objects of a resource only known at run time (a name, a kind or a short name). */
  objects<S extends string>(resource: RuntimeString<S>, namespace?: string): KubeObject[];
  objects(resource: string, namespace?: string): KubeObject[] {
    const info = findResource(resource);
    if (!info) throw new RangeError(`unknown resource "${resource}"`);
    return this.store.range(etcdListPrefix(info, namespace)).kvs.map((kv) => decode(kv));
  }

  /**
   * How many objects of a resource etcd holds right now, counted without reading them (cheap
   * enough for a `runUntil` predicate, which runs after every message).
   */
  count<S extends string>(resource: ResourceArg<S>, namespace?: string): number {
    const info = findResource(resource);
    if (!info) throw new RangeError(`unknown resource "${resource}"`);
    return this.store.countPrefix(etcdListPrefix(info, namespace));
  }

  /** One object as etcd holds it right now, or undefined. */
  object<R extends ResourceName>(resource: R, name: string, namespace?: string): ResourceTypes[R] | undefined;
  /** One object, of the type given as the type argument. */
  object<T extends KubeObject>(resource: ResourceNameFor<T>, name: string, namespace?: string): T | undefined;
  /** One object of a resource only known at run time (a name, a kind or a short name). */
  object<S extends string>(resource: RuntimeString<S>, name: string, namespace?: string): KubeObject | undefined;
  object(resource: string, name: string, namespace?: string): KubeObject | undefined {
    const info = findResource(resource);
    if (!info) throw new RangeError(`unknown resource "${resource}"`);
    const kv = this.store.get(etcdKey(info, info.namespaced ? namespace ?? 'default' : undefined, name));
    return kv ? decode(kv) : undefined;
  }

  /** The actor of a component or pod by address (`scheduler`, `kubelet/node-1`, `pod/default/nginx`). */
  actor(address: string): AnyActorRef | undefined {
    return this.actors.get(address) ?? (this.kernel.target(address) as AnyActorRef | undefined);
  }

  /**
   * Follows a connection from a pod to `ip:port` the way the pod's node would: through that
   * node's kube-proxy rules (service cluster IP → a ready endpoint, chosen with the node's seeded
   * generator; a node's address and a node port → through that node's rules), then to the pod
   * that has the endpoint's IP. An observer's helper: it sends no message.
   */
  connect(from: { namespace?: string; name: string }, ip: string, port: number, protocol = 'TCP'): ConnectResult {
    const pod = this.object<Pod>('pods', from.name, from.namespace ?? 'default');
    if (!pod) return { ok: false, reason: `pod ${from.namespace ?? 'default'}/${from.name} not found` };
    const fromNode = pod.spec?.nodeName;
    if (!fromNode) return { ok: false, reason: `pod ${from.name} is not scheduled on a node` };
    // a node port is served by the kube-proxy of the node whose address was dialled
    const node = this.nodeSpecs.find((n) => n.address === ip)?.name ?? fromNode;
    const proxy = this.actor(kubeProxyAddress(node));
    if (!proxy) return { ok: false, reason: `kube-proxy on ${node} is not running` };
    const rules = (proxy.getSnapshot() as { context: KubeProxyContext }).context.rules;
    const rng = this.kernel.fork(`connect/${node}`);
    const resolved = resolveThrough(rules, ip, port, protocol, (n) => rng.int(n));
    if (!resolved.ok) return resolved;
    const backendIp = resolved.backend.slice(0, resolved.backend.lastIndexOf(':'));
    const target = this.objects<Pod>('pods').find((p) => p.status?.podIP === backendIp);
    return { ok: true, node, service: resolved.rule.service, backend: resolved.backend, pod: target?.metadata?.name, podNode: target?.spec?.nodeName };
  }

  /**
   * The log of a container of a pod, as `kubectl logs` shows it (`GET .../pods/NAME/log`): the
   * lines its process wrote up to now. Options as PodLogOptions (container, previous,
   * timestamps, tailLines, sinceSeconds, sinceTime, limitBytes).
   *
   * @throws StatusError (404) when the pod does not exist, (400) when the container is not named
   *   in a pod with several, is waiting to start, or has no previous run.
   */
  logs(pod: string, options: LogOptions & { namespace?: string } = {}): string {
    const { namespace, ...opts } = options;
    return podLogText(this.requirePod(pod, namespace), opts, this.nowAbs(), { catalog: this.profile.catalog, traffic: this.traffic, sources: this.sources });
  }

  /**
   * Opens a TCP connection to a port of a pod, as `kubectl port-forward` does through the kubelet:
   * `cluster.portForward('web', 80).send('GET / HTTP/1.1\r\nHost: x\r\n\r\n')` → nginx's answer
   * (its welcome page), with the access-log line in the container's log. Throws the kubelet's
   * error when nothing listens on the port.
   */
  portForward(pod: string, port: number, options: { namespace?: string } = {}): PodConnection {
    return connectToPod(this.requirePod(pod, options.namespace), port, { catalog: this.profile.catalog, traffic: this.traffic, sources: this.sources, nowAbs: () => this.nowAbs() });
  }

  /**
   * Runs a command in a running container of a pod, as `kubectl exec` does, through the kubelet's
   * interpreter: `cluster.exec('web', ['cat', '/etc/hostname'])` → `{ stdout: 'web\n', exitCode: 0 }`.
   */
  exec(pod: string, command: readonly string[], options: { namespace?: string; container?: string; stdin?: string } = {}): ExecResult {
    return execInPod(this.requirePod(pod, options.namespace), command, this.nowAbs(), { container: options.container, stdin: options.stdin, catalog: this.profile.catalog, sources: this.sources, network: this.network });
  }

  /**
   * Adds an ephemeral container to a running pod, as `kubectl debug POD --image=IMAGE
   * [--target=CONTAINER] -- COMMAND` does (a strategic merge patch of the pod's
   * ephemeralcontainers subresource); the kubelet starts it, never restarts it, and
   * `cluster.logs(pod, { container })` / `cluster.exec(pod, cmd, { container })` reach it.
   * Returns the container's name (`debugger-xxxxx` as kubectl draws it, unless `name` is given).
   */
  debug(pod: string, options: { image: string; command?: string[]; args?: string[]; target?: string; name?: string; namespace?: string; stdin?: boolean; tty?: boolean }): string {
    const current = this.requirePod(pod, options.namespace);
    const taken = new Set([...(current.spec?.containers ?? []), ...(current.spec?.initContainers ?? []), ...(current.spec?.ephemeralContainers ?? [])].map((c) => c.name));
    let name = options.name;
    if (!name) {
      // kubectl's utilrand.String(5) over its alphabet, from the kernel's generator
      const rng = (this.debugRng ??= this.kernel.fork('debug'));
      const generate = simpleNameGenerator((n) => rng.int(n));
      do name = generate('debugger-');
      while (taken.has(name));
    }
    const container: Record<string, unknown> = { name, image: options.image, terminationMessagePolicy: 'File' };
    if (options.command) container.command = options.command;
    if (options.args) container.args = options.args;
    if (options.target) container.targetContainerName = options.target;
    if (options.stdin) container.stdin = true;
    if (options.tty) container.tty = true;
    this.client.patch('pods', pod, { spec: { ephemeralContainers: [container] } }, { namespace: options.namespace, subresource: 'ephemeralcontainers' });
    return name;
  }

  private debugRng: ReturnType<Kernel['fork']> | undefined;

  private requirePod(name: string, namespace = 'default'): Pod {
    const pod = this.object<Pod>('pods', name, namespace);
    if (!pod) throw new StatusError(notFound('pods', name));
    return pod;
  }

  /** The virtual time as ms since 1970. */
  private nowAbs(): number {
    const stamp = this.kernel.timestamp();
    return Date.parse(stamp) - this.kernel.timeOf(stamp) + this.kernel.now();
  }

  /** The pod worker actor of a pod, while it runs on a node. */
  podActor(namespace: string, name: string): AnyActorRef | undefined {
    return this.actor(podAddress(namespace, name));
  }

  /** Stops every actor (with the components and pods they started) and the kernel. */
  stop(): void {
    for (const [address, actor] of [...this.actors].reverse()) stopComponent(this.kernel, address, actor);
    this.kernel.stop();
  }
}

/**
 * Creates and starts a simulated cluster.
 *
 * @example
 * const cluster = createCluster({ nodes: 3, seed: 42 });
 * cluster.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } });
 * cluster.runUntil(() => cluster.object('pods', 'nginx')?.status?.phase === 'Running');
 */
export function createCluster(options: ClusterOptions = {}): Cluster {
  return new Cluster(options);
}
