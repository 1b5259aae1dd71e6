/**
 * What a new cluster's etcd holds before any component starts (as kubeadm leaves it): the
 * system namespaces, the RBAC bootstrap policy (rbac-bootstrap.ts), the `kubernetes` service, the
 * system ServiceAccounts, and the users' tokens. kubeadm's add-ons (CoreDNS, kube-proxy) are made
 * through the API server once it serves, when the cluster is created with `addons` (addons.ts).
 */
import { bootstrapRbacShared } from '../api/rbac-bootstrap.js';
import { CONTROLLER_ACCOUNTS } from '../api/rbac-bootstrap-controllers.js';
import { systemPriorityClasses } from '../api/priority.js';
import { etcdKey, findResource } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import type { Rng } from '../kernel/rng.js';
import type { MvccStore } from '../../machines/etcd/store.js';
import type { TokenEntry } from '../../machines/api-server/auth.js';

/** The control plane's address, where the API server listens (the `kubernetes` Service's endpoint). */
export const API_SERVER_ADDRESS = '172.18.255.1';
/** The API server's secure port. */
export const API_SERVER_PORT = 6443;

/** Well-known users of a simulated cluster and their tokens. */
export interface ClusterUsers {
  admin: TokenEntry;
  scheduler: TokenEntry;
  controllerManager: TokenEntry;
  kubeProxy: TokenEntry;
  /** An authenticated user with no permissions (for 403 demonstrations). */
  guest: TokenEntry;
  /** A user bound to the `view` ClusterRole. */
  viewer: TokenEntry;
}

/** The default users. Tokens are fixed strings: this is a simulation, not a secret store. */
export function defaultUsers(): ClusterUsers {
  return {
    admin: { token: 'kube-actors-admin-token', username: 'kubernetes-admin', groups: ['system:masters'] },
    scheduler: { token: 'kube-actors-scheduler-token', username: 'system:kube-scheduler' },
    controllerManager: { token: 'kube-actors-controller-manager-token', username: 'system:kube-controller-manager' },
    kubeProxy: { token: 'kube-actors-kube-proxy-token', username: 'system:kube-proxy' },
    guest: { token: 'kube-actors-guest-token', username: 'guest' },
    viewer: { token: 'kube-actors-viewer-token', username: 'viewer' },
  };
}

/** The token of a node's kubelet. */
export function kubeletUser(node: string): TokenEntry {
  return { token: `kube-actors-kubelet-${node}-token`, username: `system:node:${node}`, groups: ['system:nodes'] };
}

/** The ServiceAccounts of kube-system besides `default`, sorted: the controllers' and kubeadm's addons'. */
export const KUBE_SYSTEM_ACCOUNTS: readonly string[] = [...new Set([...Object.values(CONTROLLER_ACCOUNTS), 'coredns', 'kube-proxy'])].sort();

/** The name of the default StorageClass installed at boot. */
const DEFAULT_STORAGE_CLASS = 'standard';
/** The provisioner of the default StorageClass: the PV controller's simulated dynamic provisioner. */
const SIMULATED_PROVISIONER = 'kube-actors.io/simulated';

/** Writes the bootstrap objects into a fresh store. */
export function bootstrapStore(store: MvccStore, rng: Rng, timestamp: string): void {
  const put = (resource: string, obj: KubeObject & Record<string, unknown>) => {
    const info = findResource(resource)!;
    const meta = obj.metadata!;
    meta.uid = rng.uuid();
    meta.creationTimestamp = timestamp;
    store.create(etcdKey(info, meta.namespace, meta.name!), obj);
  };
  for (const name of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    put('namespaces', {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name, labels: { 'kubernetes.io/metadata.name': name } },
      spec: { finalizers: ['kubernetes'] },
      status: { phase: 'Active' },
    });
  }
  // kube-apiserver's post-start hook: the system PriorityClasses
  for (const pc of systemPriorityClasses()) put('priorityclasses', pc);
  const rbacResource = { ClusterRole: 'clusterroles', ClusterRoleBinding: 'clusterrolebindings', Role: 'roles', RoleBinding: 'rolebindings' } as const;
  // shared frozen roles and bindings, each with metadata of its own (put stamps it)
  for (const obj of bootstrapRbacShared()) put(rbacResource[obj.kind], { ...obj, metadata: { ...obj.metadata } });
  put('clusterrolebindings', {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name: 'viewer-view' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'view' },
    subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'viewer' }],
  });
  // the default StorageClass, served by the simulated dynamic provisioner of the PV controller
  put('storageclasses', {
    apiVersion: 'storage.k8s.io/v1',
    kind: 'StorageClass',
    metadata: { name: DEFAULT_STORAGE_CLASS, annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } },
    provisioner: SIMULATED_PROVISIONER,
    reclaimPolicy: 'Delete',
    volumeBindingMode: 'Immediate',
  });
  put('services', {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { component: 'apiserver', provider: 'kubernetes' } },
    spec: {
      type: 'ClusterIP',
      clusterIP: '10.96.0.1',
      clusterIPs: ['10.96.0.1'],
      ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: API_SERVER_PORT }],
      sessionAffinity: 'None',
      ipFamilies: ['IPv4'],
      ipFamilyPolicy: 'SingleStack',
    },
    status: { loadBalancer: {} },
  });
  // The API server's endpoint reconciler publishes its own address as the `kubernetes` Service's
  // Endpoints (not mirrored into a slice: `skip-mirror`) and EndpointSlice.
  put('endpoints', {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'endpointslice.kubernetes.io/skip-mirror': 'true' } },
    subsets: [{ addresses: [{ ip: API_SERVER_ADDRESS }], ports: [{ name: 'https', port: API_SERVER_PORT, protocol: 'TCP' }] }],
  });
  put('endpointslices', {
    apiVersion: 'discovery.k8s.io/v1',
    kind: 'EndpointSlice',
    metadata: { name: 'kubernetes', namespace: 'default', labels: { 'kubernetes.io/service-name': 'kubernetes' } },
    addressType: 'IPv4',
    endpoints: [{ addresses: [API_SERVER_ADDRESS], conditions: { ready: true } }],
    ports: [{ name: 'https', port: API_SERVER_PORT, protocol: 'TCP' }],
  });
  // The ServiceAccount controller has made the `default` account of each namespace by the time
  // kubeadm hands the cluster over.
  for (const namespace of ['default', 'kube-system', 'kube-public', 'kube-node-lease']) {
    put('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: 'default', namespace } });
  }
  // kube-system's accounts: the controllers' (kube-controller-manager's clientBuilder creates
  // them), and those of kubeadm's kube-proxy and CoreDNS addons
  for (const name of KUBE_SYSTEM_ACCOUNTS) {
    put('serviceaccounts', { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name, namespace: 'kube-system' } });
  }
}
