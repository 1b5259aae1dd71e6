/**
 * kube-actors: a whole Kubernetes cluster as a system of XState v5 actors on a deterministic
 * simulation kernel. This is the package's public API, one explicit list:
 *
 * - **the cluster** — `createCluster` starts every component on one kernel; `Cluster` runs it
 *   (`runUntil`, `advance`), reads it (`objects`, `object`, `actor`), injects faults
 *   (`cluster.faults`) and talks to it through the typed `Client` (kubectl's verbs);
 * - **the machines** — every component's XState machine, to run, inspect or replace
 *   (`createCluster({ logic })`);
 * - **your own components** — scheduler plugins (`createProfile` with `FilterPlugin` /
 *   `ScorePlugin`, passed as `schedulerProfile`) and controllers (`defineController`, passed as
 *   `controllerManager: { controllers: [...] }`) plug into the same cluster;
 * - **the kernel** — virtual clock, seeded randomness, simulated network, message trace;
 * - **profiles** — timing and behaviour (`fast`, `realistic`, `chaos`);
 * - **the protocol** — the messages the actors exchange and their addresses;
 * - **flows** — the architecture document's flows, recorded;
 * - **verification** — `verify`, the invariants, and `defineInvariant` for your own properties.
 *
 * @example
 * import { createCluster } from 'kube-actors';
 *
 * const cluster = createCluster({ nodes: 3, seed: 42 });
 * cluster.client.create({
 *   apiVersion: 'v1', kind: 'Pod', metadata: { name: 'nginx' },
 *   spec: { containers: [{ name: 'nginx', image: 'nginx:1.14.2' }] },
 * });
 * cluster.runUntil(() => cluster.object('pods', 'nginx')?.status?.phase === 'Running');
 *
 * @packageDocumentation
 */

// ---- the cluster ------------------------------------------------------------------------------
export { createCluster, Cluster, nodeSpecs } from './cluster/create-cluster.js';
export type { ClusterOptions, NodeOptions, ComponentLogic } from './cluster/create-cluster.js';
export { Client, LAST_APPLIED, flowLabel } from './cluster/client.js';
export type { ObjectRef, ListOptions, DeleteOptions, WatchHandle, ObjectList } from './cluster/client.js';
export { StatusError } from './api/status.js';
export { Faults } from './cluster/faults.js';
export type { Fault } from './cluster/faults.js';
export { defaultUsers, kubeletUser } from './cluster/bootstrap.js';
export type { ClusterUsers } from './cluster/bootstrap.js';

// ---- the machines -----------------------------------------------------------------------------
export { etcdMachine } from '../machines/etcd.js';
export type { EtcdInput, EtcdContext, EtcdEvent } from '../machines/etcd.js';
export { MvccStore } from '../machines/etcd/store.js';
export { apiServerMachine } from '../machines/api-server.js';
export type { ApiServerInput, ApiServerContext, ApiServerEvent, ApiServerControl } from '../machines/api-server.js';
export type { ApiServerOptions } from '../machines/api-server/core.js';
export { schedulerMachine } from '../machines/scheduler.js';
export type { SchedulerInput, SchedulerContext, SchedulerEvent } from '../machines/scheduler.js';
export { controllerManagerMachine, BUILT_IN_CONTROLLERS, CONTROLLER_ALIASES, resolveControllers } from '../machines/controller-manager.js';
export type { ControllerManagerInput, ControllerManagerContext, ControllerManagerEvent } from '../machines/controller-manager.js';
export { kubectlMachine } from '../machines/kubectl.js';
export type { KubectlInput, KubectlContext, KubectlEvent, KubectlRequest, KubectlWatch, KubectlUnwatch } from '../machines/kubectl.js';
export { nodeMachine } from '../machines/node.js';
export type { NodeInput, NodeContext } from '../machines/node.js';
export { kubeletMachine, nodeObject } from '../machines/kubelet.js';
export type { NodeSpec, KubeletInput, KubeletContext, KubeletEvent } from '../machines/kubelet.js';
export { admitPod, admissionNodeInfo, rejectedStatus, ERR_REASON_TAINTS } from '../machines/kubelet/admission.js';
export { KubeletConfigurationError, kubeletConfiguration } from '../machines/kubelet/configuration.js';
export type { KubeletConfig, EvictionThreshold, EvictionSignal } from '../machines/kubelet/configuration.js';
export { nodeAllocatable } from '../machines/kubelet/node-allocatable.js';
export type { AdmitResult } from '../machines/kubelet/admission.js';
export { kubeProxyMachine, buildRules, resolveThrough } from '../machines/kube-proxy.js';
export type { KubeProxyInput, KubeProxyContext, KubeProxyEvent, ProxyRule, Resolution } from '../machines/kube-proxy.js';
export { containerRuntimeMachine } from '../machines/container-runtime.js';
export type { RuntimeInput, RuntimeContext, RuntimeEvent, RuntimeCrash } from '../machines/container-runtime.js';
export { podMachine } from '../machines/pod.js';
export { computePhase, podDisplayStatus } from '../machines/kubelet/pod-status.js';
export type { PodInput, PodContext, PodEvent } from '../machines/pod.js';
export { containerMachine } from '../machines/container.js';
export type {
  ContainerInput,
  ContainerContext,
  ContainerEvent,
  ContainerOutput,
  ContainerStatusEvent,
  ContainerPullEvent,
  ContainerPulledEvent,
  ContainerKillEvent,
  ContainerUpdateEvent,
  RestartPolicy,
  PullPolicy,
} from '../machines/container.js';

// ---- the highly available control plane (createCluster({ controlPlane: { nodes: 3 } })) ------
export { ControlPlane, LOAD_BALANCER_HOST, SCHEDULER_LEASE, CONTROLLER_MANAGER_LEASE, controlPlaneNodeName } from './cluster/control-plane.js';
export type { ControlPlaneOptions, ControlPlaneStatus, EtcdMemberStatus, LeaseStatus } from './cluster/control-plane.js';
export { controlPlaneNodeMachine, etcdMemberAddress, apiServerAddress, electorAddress } from '../machines/control-plane-node.js';
export type { ControlPlaneNodeInput, ControlPlaneNodeContext, ControlPlaneNodeEvent } from '../machines/control-plane-node.js';
export { etcdMemberMachine } from '../machines/etcd-member.js';
export type { EtcdMemberInput, EtcdMemberContext, EtcdMemberEvent, EtcdMemberTimings } from '../machines/etcd-member.js';
export { RAFT_RULES } from '../machines/etcd-member/raft.js';
export type { RaftRules, RaftRole, RaftMessage } from '../machines/etcd-member/raft.js';
export { leaderElectorMachine } from '../machines/leader-elector.js';
export type { LeaderElectorInput, LeaderElectorContext, LeaderElectorEvent, LeaderElectionTimings, ElectedComponent } from '../machines/leader-elector.js';
export { loadBalancerMachine } from '../machines/load-balancer.js';
export type { LoadBalancerInput, LoadBalancerContext, LoadBalancerEvent, ProbeTimings } from '../machines/load-balancer.js';
export { checkLinearizable, registerModel } from './ha/linearizability.js';
export type { Operation, Model, CheckResult } from './ha/linearizability.js';

// ---- controllers: the built-in ones and your own ---------------------------------------------
export { defineController, watch, splitKey, objectKey, controllerRuntimeOf, controllerSpecOf, stopController } from '../machines/controllers/controller.js';
export { ControllerRuntime } from '../machines/controllers/runtime.js';
export { WorkQueue } from '../machines/controllers/workqueue.js';
export type {
  ControllerSpec,
  ControllerMachine,
  ControllerInput,
  ControllerContext,
  ControllerEvent,
  ControllerClient,
  SyncContext,
  SyncResult,
  HandlerContext,
  CacheReader,
  RequestOptions,
  ResourceRef,
  WatchSpec,
  WatchChange,
  Watches,
  Keys,
  ObjectOf,
} from '../machines/controllers/controller.js';
export { replicaSetController } from '../machines/controllers/replicaset.js';
export { deploymentController } from '../machines/controllers/deployment.js';
export { rolloutStatus } from '../machines/controllers/deployment/util.js';
export type { RolloutStatus } from '../machines/controllers/deployment/util.js';
export { namespaceController } from '../machines/controllers/namespace.js';
export { endpointsController } from '../machines/controllers/endpoints.js';
export { garbageCollector } from '../machines/controllers/garbage-collector.js';
export { nodeLifecycleController } from '../machines/controllers/node-lifecycle.js';
export type { NodeLifecycleOptions } from '../machines/controllers/node-lifecycle.js';

// ---- the scheduler's plugins: the default ones and your own ----------------------------------
export { createProfile, defaultProfile, DEFAULT_FILTERS, DEFAULT_SCORES, PLUGINS } from '../machines/scheduler/registry.js';
export { schedulerConfiguration, parseSchedulerConfiguration, SchedulerConfigurationError } from '../machines/scheduler/configuration.js';
export type { SchedulerConfiguration } from '../machines/scheduler/configuration.js';
export type { SchedulerProfile, ProfileOptions as SchedulerProfileOptions } from '../machines/scheduler/registry.js';
export {
  SUCCESS,
  SKIP,
  MAX_NODE_SCORE,
  unschedulable,
  unresolvable,
  isRejected,
  defaultNormalizeScore,
  createCycleState,
  fitErrorMessage,
} from '../machines/scheduler/framework.js';
export { NodeInfo, computePodRequests } from '../machines/scheduler/node-info.js';
export type {
  FilterPlugin,
  ScorePlugin,
  WeightedScorePlugin,
  PostFilterPlugin,
  PostFilterResult,
  PostFilterContext,
  PreFilterResult,
  CycleState,
  Status as SchedulingStatus,
  StatusCode,
  PluginStatus,
  Diagnosis,
} from '../machines/scheduler/framework.js';
export type { Resources } from '../machines/scheduler/node-info.js';
/** The cluster events a scheduler plugin registers (`FilterPlugin.events`) and the action-type flags. */
export { ActionType } from '../machines/scheduler/events.js';
export type { ClusterEvent, ClusterEventWithHint, EventResource, HintContext, QueueingHint, QueueingHintFn } from '../machines/scheduler/events.js';
export { schedulePod } from '../machines/scheduler/schedule-one.js';
export type { ScheduleOptions, ScheduleResult, ScheduleSuccess, ScheduleFailure, NodeScore } from '../machines/scheduler/schedule-one.js';
export { SchedulerCache } from '../machines/scheduler/cache.js';
export { NodeUnschedulable } from '../machines/scheduler/plugins/node-unschedulable.js';
export { NodeName } from '../machines/scheduler/plugins/node-name.js';
export { TaintToleration } from '../machines/scheduler/plugins/taint-toleration.js';
export { NodeAffinity } from '../machines/scheduler/plugins/node-affinity.js';
export { NodeResourcesFit } from '../machines/scheduler/plugins/node-resources-fit.js';
export { LeastAllocated, createLeastAllocated } from '../machines/scheduler/plugins/least-allocated.js';
export { NodeResourcesBalancedAllocation } from '../machines/scheduler/plugins/balanced-allocation.js';
export { DefaultPreemption } from '../machines/scheduler/plugins/default-preemption.js';

// ---- building your own component --------------------------------------------------------------
export { ApiClient, statusOf } from '../machines/client/api-client.js';
export type { RequestSpec, ResponseHandler, ApiClientOptions } from '../machines/client/api-client.js';
export { Informer } from '../machines/client/informer.js';
export type { InformerSpec, InformerHandlers } from '../machines/client/informer.js';
export { EventRecorder } from '../machines/client/events.js';
export type { EventLevel } from '../machines/client/events.js';
export { startComponent, stopComponent } from './kernel/components.js';

// ---- the protocol: messages and addresses ----------------------------------------------------
export {
  API_SERVER,
  ETCD,
  SCHEDULER,
  CONTROLLER_MANAGER,
  KUBECTL,
  FAULTS,
  CONTROL_PLANE_HOST,
  kubeletAddress,
  kubeProxyAddress,
  nodeAddress,
  runtimeAddress,
  podAddress,
  controllerAddress,
  summarizeMessage,
  WATCH_TYPES,
  WATCH_EVENTS,
} from '../machines/protocol.js';
export type {
  ClusterMessage,
  Verb,
  ApiQuery,
  ApiRequest,
  ApiResponse,
  WatchEvent,
  WatchEventType,
  WatchCancel,
  WatchClosed,
  KeyValue,
  EtcdCreate,
  EtcdUpdate,
  EtcdDelete,
  EtcdGet,
  EtcdRange,
  EtcdWatch,
  EtcdCancelWatch,
  EtcdCompact,
  EtcdUnavailable,
  EtcdRequest,
  EtcdError,
  EtcdResult,
  EtcdChange,
  EtcdChanged,
  EtcdProgress,
  PodSync,
  PodKill,
  PodStatusReport,
  PodTerminated,
  RuntimePull,
  RuntimePulled,
  KubeletRegistered,
  NodeFault,
} from '../machines/protocol.js';

// ---- the kernel -------------------------------------------------------------------------------
export { Kernel, DEFAULT_EPOCH, defaultSummarize } from './kernel/kernel.js';
export type { Clock, Deliverable, KernelEvent, KernelOptions, RunUntilOptions, ActorErrorReport } from './kernel/kernel.js';
export { Rng, hashString, normalizeSeed } from './kernel/rng.js';
export { Network } from './kernel/network.js';
export type { NetworkOptions, LinkOptions, Routing } from './kernel/network.js';
export { Trace, traceEntryToJSON } from './kernel/trace.js';
export type { TraceEntry, TraceOptions, TraceStatus, Summarizer } from './kernel/trace.js';
export { Port } from './kernel/port.js';
export { KernelError, InvalidDelayError, UnknownAddressError, KernelStoppedError, LivelockError } from './kernel/errors.js';
export { RealtimeDriver } from './driver/realtime.js';
export type { RealtimeOptions } from './driver/realtime.js';

// ---- profiles ---------------------------------------------------------------------------------
export { fast, realistic, chaos, profiles, getProfile, IMAGE_SIZE_CLASSES } from './profiles/index.js';
export {
  BEHAVIOR_ANNOTATION,
  behaviorAnnotation,
  KUBELET_DEFAULTS,
  validateProfile,
  resolveBehavior,
  standardPresets,
  BehaviorAnnotationError,
} from './profiles/profile.js';
export type { TimingProfile, Profile, ContainerBehavior, ResolvedBehavior, ImageRule, RandomFault, KubeletBehavior, Millis } from './profiles/profile.js';
export { DEFAULT_CATALOG, lookupImage } from './profiles/images.js';

// ---- metrics (the simulated usage behind metrics.k8s.io, kubectl top and the HPA) -------------
export { USAGE_ANNOTATION, usageAnnotation, DEFAULT_USAGE, SCRAPE_INTERVAL_MS, sampleUsage, curveFactor, usageProblems } from './metrics/usage.js';
export type { UsageSpec, UsageCurve, UsageProfile, ContainerUsage, SampleInput } from './metrics/usage.js';
export type { PodMetrics, NodeMetrics, ContainerMetrics } from './metrics/metrics-api.js';
export type { ImageEntry, ImageProgram, RegistryAnswer } from './profiles/images.js';
export type { LogOptions } from './cluster/logs.js';
export type { ExecResult } from './cluster/exec.js';
export type { PodConnection } from './cluster/connect.js';

// ---- Kubernetes objects, tables and manifests -------------------------------------------------
export type {
  KubeObject,
  AnyObject,
  ObjectMeta,
  OwnerReference,
  LabelSelector,
  Status,
  StatusCause,
  Pod,
  PodSpec,
  PodStatus,
  PodCondition,
  PodTemplateSpec,
  Container,
  ContainerStatus,
  ContainerState,
  Toleration,
  Taint,
  Node,
  NodeStatus,
  NodeCondition,
  Namespace,
  Binding,
  Event,
  Service,
  Endpoints,
  ConfigMap,
  Secret,
  ServiceAccount,
  Lease,
  ReplicaSet,
  Deployment,
} from './api/types.js';
export { findResource } from './api/resources.js';
export type { ResourceInfo } from './api/resources.js';
export { printTable, renderTable } from './api/printers.js';
export { formatAge } from './api/printers-common.js';
export type { Table, TableRow, TableColumnDefinition, PrintOptions } from './api/printers-common.js';
export type { RenderOptions } from './api/printers.js';
export { parseManifest } from './inspector/apply.js';

// ---- flows and diagrams -----------------------------------------------------------------------
export { recordFlow, recordCreatePod, recordGetPods, recordDeletePod, FLOW_NAMES, NGINX_POD } from './flows/flows.js';
export { NGINX_DEPLOYMENT_YAML, NGINX_SERVICE_YAML, nginxDeploymentYaml } from './cluster/samples.js';
export type { FlowName, FlowRecording } from './flows/flows.js';
export { sequenceDiagram } from './flows/mermaid.js';
export { machineChart, mermaidStateDiagram } from './docs/machines.js';
export type { MachineChart, MachineState, MachineTransition } from './docs/machines.js';

// ---- verification -----------------------------------------------------------------------------
export { verify, formatReport, VerificationError } from './verify/verify.js';
export type { VerifyOptions, VerifyReport, VerifyFailure, VerifyProgress } from './verify/verify.js';
export { verifyParallel } from './verify/parallel.js';
export type { ParallelVerifyOptions } from './verify/parallel.js';
export { shardRange, shardReport, parseShardReport, mergeShardReports, formatMergedReport } from './verify/shard.js';
export type { ShardSpec, ShardSettings, VerifyShard, ShardReport, ShardFailure, MergedReport } from './verify/shard.js';
export { defineInvariant, violation, formatViolation } from './verify/invariant.js';
export type { Invariant, InvariantDefinition, InvariantKind, Violation } from './verify/invariant.js';
export { History } from './verify/history.js';
export {
  defaultInvariants,
  safetyInvariants,
  livenessInvariants,
  acknowledgedWritesPersist,
  deletedPodsDisappear,
  deploymentsAvailable,
  kubeletRunsBoundPods,
  kubeletsAgreeWithEtcd,
  noActorErrors,
  nodeCapacity,
  onlyApiServerTalksToEtcd,
  podBoundOnce,
  podPhaseTransitions,
  refusedRequestsChangeNothing,
  resourceVersionsGrow,
  schedulablePodsRun,
  staleUpdatesRefused,
  terminatedNamespacesEmpty,
  unreachablePodsEvicted,
} from './verify/invariants/index.js';
