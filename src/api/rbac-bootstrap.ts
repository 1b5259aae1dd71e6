/**
 * The RBAC bootstrap policy (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy`): the ClusterRoles
 * and ClusterRoleBindings the API server creates at start.
 *
 * @packageDocumentation
 */
import type { ClusterRole, ClusterRoleBinding, PolicyRule } from './types.js';
import { RBAC_API_GROUP, type Subject } from './rbac.js';

const READ = ['get', 'list', 'watch'];
const WRITE = ['create', 'delete', 'deletecollection', 'patch', 'update'];
const EVENTS = ['create', 'patch', 'update'];

function rule(verbs: string[], groups: string[], resources: string[], resourceNames?: string[]): PolicyRule {
  const r: PolicyRule = { apiGroups: groups, resources, verbs };
  if (resourceNames) r.resourceNames = resourceNames;
  return r;
}

function urls(verbs: string[], nonResourceURLs: string[]): PolicyRule {
  return { nonResourceURLs, verbs };
}

function eventsRules(): PolicyRule[] {
  return [rule(EVENTS, ['', 'events.k8s.io'], ['events'])];
}

const BOOTSTRAP_META = {
  labels: { 'kubernetes.io/bootstrapping': 'rbac-defaults' },
  annotations: { 'rbac.authorization.kubernetes.io/autoupdate': 'true' },
};

function clusterRole(name: string, rules: PolicyRule[]): ClusterRole {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRole',
    metadata: { name, ...structuredClone(BOOTSTRAP_META) },
    rules,
  };
}

function clusterRoleBinding(name: string, role: string, subjects: Subject[]): ClusterRoleBinding {
  return {
    apiVersion: 'rbac.authorization.k8s.io/v1',
    kind: 'ClusterRoleBinding',
    metadata: { name, ...structuredClone(BOOTSTRAP_META) },
    roleRef: { apiGroup: RBAC_API_GROUP, kind: 'ClusterRole', name: role },
    subjects,
  };
}

const user = (name: string): Subject => ({ apiGroup: RBAC_API_GROUP, kind: 'User', name });
const group = (name: string): Subject => ({ apiGroup: RBAC_API_GROUP, kind: 'Group', name });

function viewRules(): PolicyRule[] {
  return [
    rule(READ, [''], [
      'configmaps', 'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'pods',
      'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status',
    ]),
    rule(READ, [''], [
      'bindings', 'events', 'limitranges', 'namespaces/status', 'pods/log', 'pods/status',
      'replicationcontrollers/status', 'resourcequotas', 'resourcequotas/status',
    ]),
    rule(READ, [''], ['namespaces']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(READ, ['apps'], [
      'controllerrevisions', 'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status',
      'replicasets', 'replicasets/scale', 'replicasets/status', 'statefulsets', 'statefulsets/scale', 'statefulsets/status',
    ]),
    rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(READ, ['batch'], ['cronjobs', 'cronjobs/status', 'jobs', 'jobs/status']),
    rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(READ, ['networking.k8s.io'], ['ingresses', 'ingresses/status', 'networkpolicies']),
  ];
}

function editRules(): PolicyRule[] {
  return [
    ...viewRules(),
    rule(WRITE, [''], ['pods', 'pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy']),
    rule(['create'], [''], ['pods/eviction']),
    rule(WRITE, [''], [
      'configmaps', 'events', 'persistentvolumeclaims', 'replicationcontrollers', 'replicationcontrollers/scale',
      'secrets', 'serviceaccounts', 'services', 'services/proxy',
    ]),
    rule(['create'], [''], ['serviceaccounts/token']),
    rule(READ, [''], ['pods/attach', 'pods/exec', 'pods/portforward', 'pods/proxy', 'secrets', 'services/proxy']),
    rule(['impersonate'], [''], ['serviceaccounts']),
    rule(WRITE, ['apps'], [
      'daemonsets', 'deployments', 'deployments/rollback', 'deployments/scale', 'replicasets', 'replicasets/scale',
      'statefulsets', 'statefulsets/scale',
    ]),
    rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(WRITE, ['batch'], ['cronjobs', 'jobs']),
    rule(WRITE, ['policy'], ['poddisruptionbudgets']),
    rule(WRITE, ['networking.k8s.io'], ['ingresses', 'networkpolicies']),
    rule(WRITE, ['discovery.k8s.io'], ['endpointslices']),
  ];
}

function adminRules(): PolicyRule[] {
  return [
    ...editRules(),
    rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
    rule([...WRITE, ...READ], [RBAC_API_GROUP], ['rolebindings', 'roles']),
  ];
}

/**
 * The default RBAC objects of a new cluster (the API server's bootstrap policy), flattened where
 * the real ones aggregate:
 *
 * - ClusterRoles `cluster-admin`, `admin`, `edit`, `view`, `system:discovery`, `system:basic-user`,
 *   `system:public-info-viewer`, `system:kube-scheduler`, `system:kube-controller-manager`,
 *   `system:node`, `system:node-proxier` (kube-proxy's role; that is its real name);
 * - their ClusterRoleBindings: group `system:masters` → cluster-admin; group `system:authenticated`
 *   → discovery, basic-user and public-info-viewer (with `system:unauthenticated`); user
 *   `system:kube-scheduler`, user `system:kube-controller-manager`, group `system:nodes` → system:node,
 *   user `system:kube-proxy` → system:node-proxier.
 *
 * The simulated controller manager runs every controller under its own user (no
 * `--use-service-account-credentials`), so `system:kube-controller-manager` holds the union of
 * the controllers' roles. Kubelets are bound through the `system:nodes` group (the real cluster
 * restricts them further with the Node authorizer, which is not simulated).
 *
 * @returns fresh objects: ClusterRoles first, then ClusterRoleBindings.
 */
export function bootstrapRbac(): Array<ClusterRole | ClusterRoleBinding> {
  const roles: ClusterRole[] = [
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    clusterRole('admin', adminRules()),
    clusterRole('edit', editRules()),
    clusterRole('view', viewRules()),
    clusterRole('system:discovery', [
      urls(['get'], ['/api', '/api/*', '/apis', '/apis/*', '/healthz', '/livez', '/openapi', '/openapi/*', '/readyz', '/version', '/version/']),
    ]),
    clusterRole('system:basic-user', [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    clusterRole('system:kube-scheduler', [
      ...eventsRules(),
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      rule(['create'], [''], ['endpoints']),
      rule(['get', 'update'], [''], ['endpoints'], ['kube-scheduler']),
      rule(READ, [''], ['nodes']),
      rule(['delete', ...READ], [''], ['pods']),
      rule(['create'], [''], ['bindings', 'pods/binding']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(READ, [''], ['replicationcontrollers', 'services']),
      rule(READ, ['apps', 'extensions'], ['replicasets']),
      rule(READ, ['apps'], ['statefulsets']),
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      rule(READ, ['storage.k8s.io'], ['csinodes', 'csidrivers', 'csistoragecapacities', 'storageclasses']),
      rule(READ, [''], ['namespaces']),
    ]),
    // VolumeBinding's PreBind writes claimRefs and selected-node annotations (bootstrap policy's system:volume-scheduler)
    clusterRole('system:volume-scheduler', [
      rule([...READ, 'update', 'patch'], [''], ['persistentvolumes']),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
      rule([...READ, 'update', 'patch'], [''], ['persistentvolumeclaims']),
    ]),
    clusterRole('system:kube-controller-manager', [
      ...eventsRules(),
      // garbage collector and namespace controller: everything, but create
      rule([...READ, 'patch', 'update', 'delete', 'deletecollection'], ['*'], ['*']),
      rule(['create'], [''], ['pods', 'endpoints', 'serviceaccounts', 'serviceaccounts/token', 'secrets', 'configmaps', 'persistentvolumeclaims', 'persistentvolumes']),
      rule(['create'], ['apps'], ['replicasets', 'controllerrevisions']),
      rule(['create'], ['batch'], ['jobs']),
      rule(['create'], ['discovery.k8s.io'], ['endpointslices']),
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ]),
    clusterRole('system:node', [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews', 'subjectaccessreviews']),
      rule(READ, [''], ['services']),
      rule(['create', ...READ], [''], ['nodes']),
      rule(['patch', 'update'], [''], ['nodes/status']),
      rule(['patch', 'update'], [''], ['nodes']),
      ...eventsRules(),
      rule(READ, [''], ['pods']),
      rule(['create', 'delete'], [''], ['pods']),
      rule(['patch', 'update'], [''], ['pods/status']),
      rule(['create'], [''], ['pods/eviction']),
      rule(READ, [''], ['configmaps', 'secrets']),
      rule(['get'], [''], ['persistentvolumeclaims', 'persistentvolumes']),
      rule(['get'], [''], ['endpoints']),
      rule(['create', ...READ], ['certificates.k8s.io'], ['certificatesigningrequests']),
      rule(['create', 'delete', 'get', 'patch', 'update'], ['coordination.k8s.io'], ['leases']),
      rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
      rule(['create'], [''], ['serviceaccounts/token']),
      rule(['get', 'patch', 'update'], [''], ['persistentvolumeclaims/status']),
      rule(READ, ['storage.k8s.io'], ['csidrivers']),
      rule(['create', 'delete', 'get', 'patch', 'update'], ['storage.k8s.io'], ['csinodes']),
      rule(READ, ['node.k8s.io'], ['runtimeclasses']),
    ]),
    clusterRole('system:node-proxier', [
      rule(['list', 'watch'], [''], ['endpoints', 'services']),
      rule(READ, [''], ['nodes']),
      ...eventsRules(),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]),
  ];
  const bindings: ClusterRoleBinding[] = [
    clusterRoleBinding('cluster-admin', 'cluster-admin', [group('system:masters')]),
    clusterRoleBinding('system:discovery', 'system:discovery', [group('system:authenticated')]),
    clusterRoleBinding('system:basic-user', 'system:basic-user', [group('system:authenticated')]),
    clusterRoleBinding('system:public-info-viewer', 'system:public-info-viewer', [
      group('system:authenticated'),
      group('system:unauthenticated'),
    ]),
    clusterRoleBinding('system:kube-scheduler', 'system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterRoleBinding('system:kube-controller-manager', 'system:kube-controller-manager', [user('system:kube-controller-manager')]),
    clusterRoleBinding('system:volume-scheduler', 'system:volume-scheduler', [user('system:kube-scheduler')]),
    clusterRoleBinding('system:node', 'system:node', [group('system:nodes')]),
    clusterRoleBinding('system:node-proxier', 'system:node-proxier', [user('system:kube-proxy')]),
  ];
  return [...roles, ...bindings];
}
