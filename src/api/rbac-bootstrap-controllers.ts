/**
 * The controllers' roles of the RBAC bootstrap policy (kube v1.32's
 * `plugin/pkg/auth/authorizer/rbac/bootstrappolicy/controller_policy.go`,
 * `buildControllerRoles`): one ClusterRole `system:controller:<account>` per controller of
 * kube-controller-manager, bound by a ClusterRoleBinding of the same name to the ServiceAccount
 * `kube-system/<account>` the controller runs as under `--use-service-account-credentials`
 * (kubeadm's setting). The roles of controllers behind feature gates that are off by default in
 * v1.32 (DRA's resource-claim-controller, service-cidrs-controller, selinux-warning-controller,
 * volumeattributesclass-protection-controller) are not created, as kube does not create them.
 *
 * @packageDocumentation
 */
import type { ClusterRole, ClusterRoleBinding } from './types.js';
import { READ, clusterRole, clusterRoleBinding, eventsRule, rule, serviceAccount } from './rbac-policy-rules.js';

/** The prefix of the controllers' roles and bindings (`saRolePrefix`). */
const CONTROLLER_ROLE_PREFIX = 'system:controller:';

const CORE = [''];
const APPS_EXT = ['apps', 'extensions'];
const STORAGE = ['storage.k8s.io'];
const POLICY = ['policy'];
const BATCH = ['batch'];

/** The rules of each controller's role, by its ServiceAccount's name, in kube's order. */
function controllerRules(): Record<string, ReturnType<typeof rule>[]> {
  return {
    'attachdetach-controller': [
      rule(['list', 'watch'], CORE, ['persistentvolumes', 'persistentvolumeclaims']),
      rule(READ, CORE, ['nodes']),
      rule(['patch', 'update'], CORE, ['nodes/status']),
      rule(['list', 'watch'], CORE, ['pods']),
      eventsRule(),
      rule(['get', 'create', 'delete', 'list', 'watch'], STORAGE, ['volumeattachments']),
      rule(READ, STORAGE, ['csidrivers']),
      rule(READ, STORAGE, ['csinodes']),
    ],
    'clusterrole-aggregation-controller': [
      // this controller must have full permissions on clusterroles to allow it to mutate them in any way
      rule(['escalate', 'get', 'list', 'watch', 'update', 'patch'], ['rbac.authorization.k8s.io'], ['clusterroles']),
    ],
    'cronjob-controller': [
      rule(['get', 'list', 'watch', 'update'], BATCH, ['cronjobs']),
      rule(['get', 'list', 'watch', 'create', 'update', 'delete', 'patch'], BATCH, ['jobs']),
      rule(['update'], BATCH, ['cronjobs/status']),
      rule(['update'], BATCH, ['cronjobs/finalizers']),
      rule(['list', 'watch', 'delete'], CORE, ['pods']),
      eventsRule(),
    ],
    'daemon-set-controller': [
      rule(READ, APPS_EXT, ['daemonsets']),
      rule(['update'], APPS_EXT, ['daemonsets/status']),
      rule(['update'], APPS_EXT, ['daemonsets/finalizers']),
      rule(['list', 'watch'], CORE, ['nodes']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], CORE, ['pods']),
      rule(['create'], CORE, ['pods/binding']),
      rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
      eventsRule(),
    ],
    'deployment-controller': [
      rule(['get', 'list', 'watch', 'update'], APPS_EXT, ['deployments']),
      rule(['update'], APPS_EXT, ['deployments/status']),
      rule(['update'], APPS_EXT, ['deployments/finalizers']),
      rule(['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'], APPS_EXT, ['replicasets']),
      // TODO: remove "update" once
      // https://github.com/kubernetes/kubernetes/issues/36897 is resolved.
      rule(['get', 'list', 'watch', 'update'], CORE, ['pods']),
      eventsRule(),
    ],
    'disruption-controller': [
      rule(READ, APPS_EXT, ['deployments']),
      rule(READ, APPS_EXT, ['replicasets']),
      rule(READ, CORE, ['replicationcontrollers']),
      rule(READ, POLICY, ['poddisruptionbudgets']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(['update'], POLICY, ['poddisruptionbudgets/status']),
      rule(['patch', 'update'], CORE, ['pods/status']),
      rule(['get'], ['*'], ['*/scale']),
      eventsRule(),
    ],
    'endpoint-controller': [
      rule(READ, CORE, ['services', 'pods']),
      rule(['get', 'list', 'create', 'update', 'delete', 'watch'], CORE, ['endpoints']),
      rule(['create'], CORE, ['endpoints/restricted']),
      eventsRule(),
    ],
    'endpointslice-controller': [
      rule(READ, CORE, ['services', 'pods', 'nodes']),
      // The controller needs to be able to set a service's finalizers to be able to create an EndpointSlice
      // resource that is owned by the service and sets blockOwnerDeletion=true in its ownerRef.
      rule(['update'], CORE, ['services/finalizers']),
      rule(['get', 'list', 'create', 'update', 'delete', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      eventsRule(),
    ],
    'endpointslicemirroring-controller': [
      rule(READ, CORE, ['services', 'endpoints']),
      rule(['update'], CORE, ['services/finalizers']),
      rule(['update'], CORE, ['endpoints/finalizers']),
      rule(['get', 'list', 'create', 'update', 'delete', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      eventsRule(),
    ],
    'expand-controller': [
      rule(['get', 'list', 'watch', 'update', 'patch'], CORE, ['persistentvolumes']),
      rule(['update', 'patch'], CORE, ['persistentvolumeclaims/status']),
      rule(READ, CORE, ['persistentvolumeclaims']),
      eventsRule(),
    ],
    'ephemeral-volume-controller': [
      rule(READ, CORE, ['pods']),
      rule(['update'], CORE, ['pods/finalizers']),
      rule(['get', 'list', 'watch', 'create'], CORE, ['persistentvolumeclaims']),
      eventsRule(),
    ],
    'generic-garbage-collector': [
      // the GC controller needs to run list/watches, selective gets, and updates against any resource
      rule(['get', 'list', 'watch', 'patch', 'update', 'delete'], ['*'], ['*']),
      eventsRule(),
    ],
    'horizontal-pod-autoscaler': [
      rule(READ, ['autoscaling'], ['horizontalpodautoscalers']),
      rule(['update'], ['autoscaling'], ['horizontalpodautoscalers/status']),
      rule(['get', 'update'], ['*'], ['*/scale']),
      rule(['list', 'watch'], CORE, ['pods']),
      // allow listing resource, custom, and external metrics
      rule(['list', 'watch'], ['metrics.k8s.io'], ['pods']),
      rule(READ, ['custom.metrics.k8s.io'], ['*']),
      rule(READ, ['external.metrics.k8s.io'], ['*']),
      eventsRule(),
    ],
    'job-controller': [
      rule(['get', 'list', 'watch', 'update', 'patch'], BATCH, ['jobs']),
      rule(['update'], BATCH, ['jobs/status']),
      rule(['update'], BATCH, ['jobs/finalizers']),
      rule(['list', 'watch', 'create', 'delete', 'patch'], CORE, ['pods']),
      eventsRule(),
    ],
    'namespace-controller': [
      rule(['get', 'list', 'watch', 'delete'], CORE, ['namespaces']),
      rule(['update'], CORE, ['namespaces/finalize', 'namespaces/status']),
      rule(['get', 'list', 'watch', 'delete', 'deletecollection'], ['*'], ['*']),
    ],
    'node-controller': [
      rule(['get', 'list', 'update', 'delete', 'patch', 'watch'], CORE, ['nodes']),
      rule(['patch', 'update'], CORE, ['nodes/status']),
      // used for pod deletion
      rule(['patch', 'update'], CORE, ['pods/status']),
      rule(['list', 'watch', 'delete', 'get'], CORE, ['pods']),
      eventsRule(),
    ],
    'persistent-volume-binder': [
      rule(['get', 'list', 'watch', 'update', 'create', 'delete'], CORE, ['persistentvolumes']),
      rule(['update'], CORE, ['persistentvolumes/status']),
      rule(['get', 'list', 'watch', 'update'], CORE, ['persistentvolumeclaims']),
      rule(['update'], CORE, ['persistentvolumeclaims/status']),
      rule(['list', 'watch', 'get', 'create', 'delete'], CORE, ['pods']),
      // glusterfs
      rule(READ, STORAGE, ['storageclasses']),
      // openstack
      rule(['list', 'watch'], CORE, ['nodes']),
      // recyclerClient.WatchPod
      eventsRule(),
      rule(['watch'], CORE, ['events']),
    ],
    'pod-garbage-collector': [
      rule(['list', 'watch', 'delete'], CORE, ['pods']),
      rule(READ, CORE, ['nodes']),
      rule(['patch'], CORE, ['pods/status']),
    ],
    'replicaset-controller': [
      rule(['get', 'list', 'watch', 'update'], APPS_EXT, ['replicasets']),
      rule(['update'], APPS_EXT, ['replicasets/status']),
      rule(['update'], APPS_EXT, ['replicasets/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], CORE, ['pods']),
      eventsRule(),
    ],
    'replication-controller': [
      // 1.0 controllers needed get, update, so without these old controllers break on new servers
      rule(['get', 'list', 'watch', 'update'], CORE, ['replicationcontrollers']),
      rule(['update'], CORE, ['replicationcontrollers/status']),
      rule(['update'], CORE, ['replicationcontrollers/finalizers']),
      rule(['list', 'watch', 'patch', 'create', 'delete'], CORE, ['pods']),
      eventsRule(),
    ],
    'resourcequota-controller': [
      // quota can count quota on anything for reconciliation, so it needs full viewing powers
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['update'], CORE, ['resourcequotas/status']),
      eventsRule(),
    ],
    'route-controller': [
      rule(['list', 'watch'], CORE, ['nodes']),
      rule(['patch'], CORE, ['nodes/status']),
      eventsRule(),
    ],
    'service-account-controller': [rule(['create'], CORE, ['serviceaccounts']), eventsRule()],
    'service-controller': [
      rule(READ, CORE, ['services']),
      rule(['patch', 'update'], CORE, ['services/status']),
      rule(['list', 'watch'], CORE, ['nodes']),
      eventsRule(),
    ],
    'statefulset-controller': [
      rule(['list', 'watch'], CORE, ['pods']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(['update'], ['apps'], ['statefulsets/status']),
      rule(['update'], ['apps'], ['statefulsets/finalizers']),
      rule(['get', 'create', 'delete', 'update', 'patch'], CORE, ['pods']),
      rule(['get', 'list', 'watch', 'create', 'delete', 'update', 'patch'], ['apps'], ['controllerrevisions']),
      rule(['get', 'create'], CORE, ['persistentvolumeclaims']),
      rule(['list', 'watch'], CORE, ['persistentvolumeclaims']),
      rule(['update', 'delete'], CORE, ['persistentvolumeclaims']),
      // statefulset controller sets finalizers on pods it creates (blockOwnerDeletion)
      rule(['update'], CORE, ['pods/finalizers']),
      eventsRule(),
    ],
    'ttl-controller': [rule(['update', 'patch', 'list', 'watch'], CORE, ['nodes']), eventsRule()],
    'certificate-controller': [
      rule(['get', 'list', 'watch', 'delete'], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['update'], ['certificates.k8s.io'], ['certificatesigningrequests/status', 'certificatesigningrequests/approval']),
      rule(['approve'], ['certificates.k8s.io'], ['signers'], ['kubernetes.io/kube-apiserver-client-kubelet']),
      rule(['sign'], ['certificates.k8s.io'], ['signers'], [
        'kubernetes.io/legacy-unknown',
        'kubernetes.io/kube-apiserver-client',
        'kubernetes.io/kube-apiserver-client-kubelet',
        'kubernetes.io/kubelet-serving',
      ]),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      eventsRule(),
    ],
    'pvc-protection-controller': [
      rule(['get', 'list', 'watch', 'update'], CORE, ['persistentvolumeclaims']),
      rule(['update'], CORE, ['persistentvolumeclaims/status']),
      rule(READ, CORE, ['pods']),
      eventsRule(),
    ],
    'pv-protection-controller': [rule(['get', 'list', 'watch', 'update'], CORE, ['persistentvolumes']), eventsRule()],
    'ttl-after-finished-controller': [rule(['get', 'list', 'watch', 'delete'], BATCH, ['jobs']), eventsRule()],
    'root-ca-cert-publisher': [rule(['create', 'update'], CORE, ['configmaps']), eventsRule()],
    'validatingadmissionpolicy-status-controller': [
      rule(READ, ['admissionregistration.k8s.io'], ['validatingadmissionpolicies']),
      rule(['get', 'patch', 'update'], ['admissionregistration.k8s.io'], ['validatingadmissionpolicies/status']),
      eventsRule(),
    ],
    'legacy-service-account-token-cleaner': [
      rule(['get'], CORE, ['configmaps'], ['kube-apiserver-legacy-service-account-token-tracking']),
      rule(['delete', 'patch'], CORE, ['secrets']),
    ],
  };
}

/**
 * The ServiceAccount (in kube-system) of each controller the simulated controller manager runs,
 * by the simulation's controller name: kube-controller-manager's `clientBuilder` account names,
 * whose `system:controller:<account>` roles are above.
 */
export const CONTROLLER_ACCOUNTS: Readonly<Record<string, string>> = {
  replicaset: 'replicaset-controller',
  deployment: 'deployment-controller',
  namespace: 'namespace-controller',
  endpoints: 'endpoint-controller',
  'garbage-collector': 'generic-garbage-collector',
  'node-lifecycle': 'node-controller',
  daemonset: 'daemon-set-controller',
  statefulset: 'statefulset-controller',
  'persistentvolume-binder': 'persistent-volume-binder',
  'pvc-protection': 'pvc-protection-controller',
  'pv-protection': 'pv-protection-controller',
  endpointslice: 'endpointslice-controller',
  endpointslicemirroring: 'endpointslicemirroring-controller',
  serviceaccount: 'service-account-controller',
  'root-ca-cert-publisher': 'root-ca-cert-publisher',
  replicationcontroller: 'replication-controller',
  job: 'job-controller',
  cronjob: 'cronjob-controller',
  'ttl-after-finished': 'ttl-after-finished-controller',
  disruption: 'disruption-controller',
  podgc: 'pod-garbage-collector',
  'horizontal-pod-autoscaler': 'horizontal-pod-autoscaler',
  resourcequota: 'resourcequota-controller',
  'clusterrole-aggregation': 'clusterrole-aggregation-controller',
};

/**
 * `ControllerRoles()` and `ControllerRoleBindings()`: the controllers' ClusterRoles sorted by
 * name (as kube returns them), then their ClusterRoleBindings to `kube-system/<account>`.
 */
export function controllerRbac(): { roles: ClusterRole[]; bindings: ClusterRoleBinding[] } {
  const entries = Object.entries(controllerRules()).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return {
    roles: entries.map(([sa, rules]) => clusterRole(CONTROLLER_ROLE_PREFIX + sa, rules)),
    bindings: entries.map(([sa]) => clusterRoleBinding(CONTROLLER_ROLE_PREFIX + sa, [serviceAccount('kube-system', sa)])),
  };
}
