/**
 * The Kubernetes object types kube-actors works with, taken from `kubernetes-models` (not hand-written).
 * Each is re-exported under its Kubernetes kind name.
 */
export type { IPod as Pod } from 'kubernetes-models/v1/Pod';
export type { IPodSpec as PodSpec } from 'kubernetes-models/v1/PodSpec';
export type { IPodStatus as PodStatus } from 'kubernetes-models/v1/PodStatus';
export type { IPodCondition as PodCondition } from 'kubernetes-models/v1/PodCondition';
export type { IPodTemplateSpec as PodTemplateSpec } from 'kubernetes-models/v1/PodTemplateSpec';
export type { IContainer as Container } from 'kubernetes-models/v1/Container';
export type { IContainerStatus as ContainerStatus } from 'kubernetes-models/v1/ContainerStatus';
export type { IContainerState as ContainerState } from 'kubernetes-models/v1/ContainerState';
export type { IToleration as Toleration } from 'kubernetes-models/v1/Toleration';
export type { ITaint as Taint } from 'kubernetes-models/v1/Taint';
export type { INode as Node } from 'kubernetes-models/v1/Node';
export type { INodeStatus as NodeStatus } from 'kubernetes-models/v1/NodeStatus';
export type { INodeCondition as NodeCondition } from 'kubernetes-models/v1/NodeCondition';
export type { INodeSelectorTerm as NodeSelectorTerm } from 'kubernetes-models/v1/NodeSelectorTerm';
export type { INodeSelectorRequirement as NodeSelectorRequirement } from 'kubernetes-models/v1/NodeSelectorRequirement';
export type { INamespace as Namespace } from 'kubernetes-models/v1/Namespace';
export type { IBinding as Binding } from 'kubernetes-models/v1/Binding';
export type { IEvent as Event } from 'kubernetes-models/v1/Event';
export type { IService as Service } from 'kubernetes-models/v1/Service';
export type { IEndpoints as Endpoints } from 'kubernetes-models/v1/Endpoints';
export type { IConfigMap as ConfigMap } from 'kubernetes-models/v1/ConfigMap';
export type { ISecret as Secret } from 'kubernetes-models/v1/Secret';
export type { IServiceAccount as ServiceAccount } from 'kubernetes-models/v1/ServiceAccount';
export type { ILease as Lease } from 'kubernetes-models/coordination.k8s.io/v1/Lease';
export type { IReplicaSet as ReplicaSet } from 'kubernetes-models/apps/v1/ReplicaSet';
export type { IDeployment as Deployment } from 'kubernetes-models/apps/v1/Deployment';
export type { IDaemonSet as DaemonSet } from 'kubernetes-models/apps/v1/DaemonSet';
export type { IStatefulSet as StatefulSet } from 'kubernetes-models/apps/v1/StatefulSet';
;
export type { IPersistentVolume as PersistentVolume } from 'kubernetes-models/v1/PersistentVolume';
export type { IPersistentVolumeClaim as PersistentVolumeClaim } from 'kubernetes-models/v1/PersistentVolumeClaim';
export type { IStorageClass as StorageClass } from 'kubernetes-models/storage.k8s.io/v1/StorageClass';
export type { IRole as Role } from 'kubernetes-models/rbac.authorization.k8s.io/v1/Role';
export type { IClusterRole as ClusterRole } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRole';
export type { IRoleBinding as RoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/RoleBinding';
export type { IClusterRoleBinding as ClusterRoleBinding } from 'kubernetes-models/rbac.authorization.k8s.io/v1/ClusterRoleBinding';
export type { IPolicyRule as PolicyRule } from 'kubernetes-models/rbac.authorization.k8s.io/v1/PolicyRule';
export type { IIoK8sApimachineryPkgApisMetaV1ObjectMeta as ObjectMeta } from '@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta';
export type { IIoK8sApimachineryPkgApisMetaV1OwnerReference as OwnerReference } from '@kubernetes-models/apimachinery/apis/meta/v1/OwnerReference';
export type { IIoK8sApimachineryPkgApisMetaV1LabelSelector as LabelSelector } from '@kubernetes-models/apimachinery/apis/meta/v1/LabelSelector';
export type { IIoK8sApimachineryPkgApisMetaV1Status as Status } from '@kubernetes-models/apimachinery/apis/meta/v1/Status';
export type { IIoK8sApimachineryPkgApisMetaV1StatusCause as StatusCause } from '@kubernetes-models/apimachinery/apis/meta/v1/StatusCause';

/**
 * Any Kubernetes object: apiVersion, kind, metadata (and whatever else its kind carries, which
 * a typed kind such as `Pod` spells out).
 */
export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata?: import('@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta').IIoK8sApimachineryPkgApisMetaV1ObjectMeta;
}

/** A Kubernetes object seen as a plain record (for code that walks arbitrary fields). */
export type AnyObject = KubeObject & Record<string, unknown>;
