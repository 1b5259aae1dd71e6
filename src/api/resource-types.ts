/**
 * The object type of every resource, so that typed calls infer it: `cluster.object('pods', 'web')`
 * is a `Pod`, `client.create({ kind: 'Deployment', … })` checks the manifest against `Deployment`,
 * and a typo in a resource name, a kind or a field fails at compile time.
 *
 * The types are kubernetes-models' (src/api/types.ts), not copies. A new resource in
 * src/api/resources.ts gets one line in {@link ResourceTypes} (its plural name and its type);
 * the kinds follow from the types' own `kind` fields. A program can add its own resources by
 * declaration merging:
 *
 * ```ts
 * declare module 'kube-actors' {
 *   interface ResourceTypes { widgets: Widget }
 * }
 * ```
 *
 * A resource name that is not a literal (a `string` variable) still works through the calls'
 * generic overloads, typed as `KubeObject` or as the type argument given.
 */
import type {
  ClusterRole,
  ClusterRoleBinding,
  ConfigMap,
  Deployment,
  Endpoints,
  Event,
  KubeObject,
  Lease,
  Namespace,
  Node,
  Pod,
  ReplicaSet,
  Role,
  RoleBinding,
  Secret,
  Service,
  ServiceAccount,
} from './types.js';
import type { IControllerRevision as ControllerRevision } from 'kubernetes-models/apps/v1/ControllerRevision';
import type { IDaemonSet as DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
import type { IStatefulSet as StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
import type { IPersistentVolume as PersistentVolume } from 'kubernetes-models/v1/PersistentVolume';
import type { IPersistentVolumeClaim as PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
import type { IStorageClass as StorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
import type { IEndpointSlice as EndpointSlice } from 'kubernetes-models/discovery.k8s.io/v1/EndpointSlice';
import type { IJob as Job } from 'kubernetes-models/batch/v1/Job';
import type { ICronJob as CronJob } from 'kubernetes-models/batch/v1/CronJob';
import type { IPodDisruptionBudget as PodDisruptionBudget } from 'kubernetes-models/policy/v1/PodDisruptionBudget';
import type { IHorizontalPodAutoscaler as HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2/HorizontalPodAutoscaler';
import type { IReplicationController as ReplicationController } from 'kubernetes-models/v1/ReplicationController';
import type { IResourceQuota as ResourceQuota } from 'kubernetes-models/v1/ResourceQuota';
import type { ILimitRange as LimitRange } from 'kubernetes-models/v1/LimitRange';
import type { IIngress as Ingress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IIngressClass as IngressClass } from 'kubernetes-models/networking.k8s.io/v1/IngressClass';
import type { INetworkPolicy as NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1/NetworkPolicy';
import type { IPriorityClass as PriorityClass } from 'kubernetes-models/scheduling.k8s.io/v1/PriorityClass';
import type { ISelfSubjectReview as SelfSubjectReview } from 'kubernetes-models/authentication.k8s.io/v1/SelfSubjectReview';
import type { ITokenReview as TokenReview } from 'kubernetes-models/authentication.k8s.io/v1/TokenReview';
import type { ILocalSubjectAccessReview as LocalSubjectAccessReview } from 'kubernetes-models/authorization.k8s.io/v1/LocalSubjectAccessReview';
import type { ISelfSubjectAccessReview as SelfSubjectAccessReview } from 'kubernetes-models/authorization.k8s.io/v1/SelfSubjectAccessReview';
import type { ISelfSubjectRulesReview as SelfSubjectRulesReview } from 'kubernetes-models/authorization.k8s.io/v1/SelfSubjectRulesReview';
import type { ISubjectAccessReview as SubjectAccessReview } from 'kubernetes-models/authorization.k8s.io/v1/SubjectAccessReview';

/** The object type of each resource, by its plural name (the name `kubectl get` and the API paths use). */
export interface ResourceTypes {
  pods: Pod;
  nodes: Node;
  namespaces: Namespace;
  services: Service;
  endpoints: Endpoints;
  events: Event;
  configmaps: ConfigMap;
  secrets: Secret;
  serviceaccounts: ServiceAccount;
  persistentvolumes: PersistentVolume;
  persistentvolumeclaims: PersistentVolumeClaim;
  deployments: Deployment;
  replicasets: ReplicaSet;
  daemonsets: DaemonSet;
  statefulsets: StatefulSet;
  controllerrevisions: ControllerRevision;
  leases: Lease;
  roles: Role;
  clusterroles: ClusterRole;
  rolebindings: RoleBinding;
  clusterrolebindings: ClusterRoleBinding;
  endpointslices: EndpointSlice;
  jobs: Job;
  cronjobs: CronJob;
  poddisruptionbudgets: PodDisruptionBudget;
  horizontalpodautoscalers: HorizontalPodAutoscaler;
  replicationcontrollers: ReplicationController;
  resourcequotas: ResourceQuota;
  limitranges: LimitRange;
  ingresses: Ingress;
  ingressclasses: IngressClass;
  networkpolicies: NetworkPolicy;
  storageclasses: StorageClass;
  priorityclasses: PriorityClass;
  selfsubjectreviews: SelfSubjectReview;
  tokenreviews: TokenReview;
  localsubjectaccessreviews: LocalSubjectAccessReview;
  selfsubjectaccessreviews: SelfSubjectAccessReview;
  selfsubjectrulesreviews: SelfSubjectRulesReview;
  subjectaccessreviews: SubjectAccessReview;
}

/** A resource name the map knows: `'pods'`, `'deployments'`, … */
export type ResourceName = keyof ResourceTypes & string;

/** The object type of each kind: `KindTypes['Pod']` is `Pod`. */
export type KindTypes = { [R in ResourceName as ResourceTypes[R] extends { kind: infer K extends string } ? K : never]: ResourceTypes[R] };

/** A kind the map knows: `'Pod'`, `'Deployment'`, … */
export type KindName = keyof KindTypes & string;

/** The resource names whose objects are a `T`. */
type NamesOf<T> = { [R in ResourceName]: ResourceTypes[R] extends T ? R : never }[ResourceName];

/**
 * The resource names a call given a type argument accepts: `cluster.object<Pod>('pods', …)` takes
 * the names whose objects are a `T` (so `'podz'` fails); a type the map does not know (a resource
 * not in {@link ResourceTypes} yet: `cluster.object<Job>('jobs', …)`) takes any name.
 */
export type ResourceNameFor<T> = [NamesOf<T>] extends [never] ? string : NamesOf<T>;

/** A `string` that is not a literal (a name only known at run time), else `never`. */
export type RuntimeString<S extends string> = string extends S ? S : never;

/**
 * An object whose kind is only known at run time (a variable typed `KubeObject`, a manifest just
 * parsed). An object whose kind is a literal is `never` here: a known kind is checked against its
 * type, and an unknown one (`'Deploymnet'`) is a compile-time error; an object of a kind not in the
 * map yet goes through the overload given a type argument (`client.create<Job>({ … })`).
 */
export type UntypedObject<T extends KubeObject> = T & (string extends NonNullable<T['kind']> ? unknown : never);

/** A resource name argument: a name the map knows, or a `string` only known at run time (not a literal typo). */
export type ResourceArg<S extends string> = S extends ResourceName ? S : RuntimeString<S>;
