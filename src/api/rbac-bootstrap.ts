/**
 * The RBAC bootstrap policy as kube-apiserver v1.32 creates it
 * (`plugin/pkg/auth/authorizer/rbac/bootstrappolicy`: policy.go's `ClusterRoles()` and
 * `ClusterRoleBindings()`, controller_policy.go's controllers' roles in
 * rbac-bootstrap-controllers.ts, namespace_policy.go's Roles and RoleBindings), plus the RBAC
 * objects kubeadm's phases add (`kubeadm:cluster-admins`, `kubeadm:node-proxier`, CoreDNS's
 * `system:coredns`).
 *
 * @packageDocumentation
 */
import { deepFreeze } from './json-values.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from './types.js';
import { RBAC_API_GROUP } from './rbac.js';
import { aggregateAll } from './rbac-aggregation.js';
import { controllerRbac } from './rbac-bootstrap-controllers.js';
import {
  READ,
  READ_UPDATE,
  READ_WRITE,
  WRITE,
  aggregatedClusterRole,
  clusterRole,
  clusterRoleBinding,
  eventsRule,
  group,
  namespacedRole,
  roleBinding,
  rule,
  serviceAccount,
  urls,
  user,
} from './rbac-policy-rules.js';

const CORE = [''];
const AGGREGATE = (to: string) => ({ [`${RBAC_API_GROUP}/aggregate-to-${to}`]: 'true' });

function aggregateToViewRules(): PolicyRule[] {
  return [
    rule(READ, CORE, [
      'pods', 'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/status',
      'endpoints', 'persistentvolumeclaims', 'persistentvolumeclaims/status', 'configmaps',
    ]),
    rule(READ, CORE, [
      'limitranges', 'resourcequotas', 'bindings', 'events', 'pods/status', 'resourcequotas/status', 'namespaces/status',
      'replicationcontrollers/status', 'pods/log',
    ]),
    // read access to namespaces at the namespace scope means you can read *this* namespace
    rule(READ, CORE, ['namespaces']),
    rule(READ, ['discovery.k8s.io'], ['endpointslices']),
    rule(READ, ['apps'], [
      'controllerrevisions', 'statefulsets', 'statefulsets/scale', 'statefulsets/status', 'daemonsets', 'daemonsets/status',
      'deployments', 'deployments/scale', 'deployments/status', 'replicasets', 'replicasets/scale', 'replicasets/status',
    ]),
    rule(READ, ['autoscaling'], ['horizontalpodautoscalers', 'horizontalpodautoscalers/status']),
    rule(READ, ['batch'], ['jobs', 'cronjobs', 'cronjobs/status', 'jobs/status']),
    rule(READ, ['extensions'], [
      'daemonsets', 'daemonsets/status', 'deployments', 'deployments/scale', 'deployments/status', 'ingresses', 'ingresses/status',
      'replicasets', 'replicasets/scale', 'replicasets/status', 'replicationcontrollers/scale', 'networkpolicies',
    ]),
    rule(READ, ['policy'], ['poddisruptionbudgets', 'poddisruptionbudgets/status']),
    rule(READ, ['networking.k8s.io'], ['networkpolicies', 'ingresses', 'ingresses/status']),
  ];
}

function aggregateToEditRules(): PolicyRule[] {
  return [
    // Allow read on escalating resources
    rule(READ, CORE, ['pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward', 'secrets', 'services/proxy']),
    rule(['impersonate'], CORE, ['serviceaccounts']),
    rule(WRITE, CORE, ['pods', 'pods/attach', 'pods/proxy', 'pods/exec', 'pods/portforward']),
    rule(['create'], CORE, ['pods/eviction']),
    rule(WRITE, CORE, [
      'replicationcontrollers', 'replicationcontrollers/scale', 'serviceaccounts', 'services', 'services/proxy',
      'persistentvolumeclaims', 'configmaps', 'secrets', 'events',
    ]),
    rule(['create'], CORE, ['serviceaccounts/token']),
    rule(WRITE, ['apps'], [
      'statefulsets', 'statefulsets/scale', 'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback',
      'replicasets', 'replicasets/scale',
    ]),
    rule(WRITE, ['autoscaling'], ['horizontalpodautoscalers']),
    rule(WRITE, ['batch'], ['jobs', 'cronjobs']),
    rule(WRITE, ['extensions'], [
      'daemonsets', 'deployments', 'deployments/scale', 'deployments/rollback', 'ingresses', 'replicasets', 'replicasets/scale',
      'replicationcontrollers/scale', 'networkpolicies',
    ]),
    rule(WRITE, ['policy'], ['poddisruptionbudgets']),
    rule(WRITE, ['networking.k8s.io'], ['networkpolicies', 'ingresses']),
    rule(READ_WRITE, ['coordination.k8s.io'], ['leases']),
  ];
}

/** policy.go's `ClusterRoles()` (v1.32, feature gates at their defaults), in its order. */
function clusterRoles(): ClusterRole[] {
  const certificates = ['certificates.k8s.io'];
  const approver = (signer: string) => [rule(['approve'], certificates, ['signers'], [signer])];
  return [
    // a "root" role which can do absolutely anything
    clusterRole('cluster-admin', [rule(['*'], ['*'], ['*']), urls(['*'], ['*'])]),
    // a role which provides just enough power to determine if the server is ready and discover API versions for negotiation
    clusterRole('system:discovery', [
      urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/', '/openapi', '/openapi/*', '/api', '/api/*', '/apis', '/apis/*']),
    ]),
    // a role which provides minimal read access to the monitoring endpoints (i.e. /metrics, /livez/*, /readyz/*, /healthz/*)
    clusterRole('system:monitoring', [
      urls(['get'], ['/metrics', '/metrics/slis', '/livez', '/readyz', '/healthz', '/livez/*', '/readyz/*', '/healthz/*']),
    ]),
    // a role which provides minimal resource access to allow a "normal" user to learn information about themselves
    clusterRole('system:basic-user', [
      rule(['create'], ['authorization.k8s.io'], ['selfsubjectaccessreviews', 'selfsubjectrulesreviews']),
      rule(['create'], ['authentication.k8s.io'], ['selfsubjectreviews']),
    ]),
    // a role which provides just enough power read insensitive cluster information
    clusterRole('system:public-info-viewer', [urls(['get'], ['/healthz', '/livez', '/readyz', '/version', '/version/'])]),
    // a role for a namespace level admin: `edit` plus the power to grant permissions to other users
    aggregatedClusterRole('admin', 'admin'),
    // a role for a namespace level editor: all user level actions in a namespace
    aggregatedClusterRole('edit', 'edit', AGGREGATE('admin')),
    // a role for namespace level viewing: read-only access to non-escalating resources in a namespace
    aggregatedClusterRole('view', 'view', AGGREGATE('edit')),
    // a role for a namespace level admin: `edit` plus the power to grant permissions to other users
    clusterRole('system:aggregate-to-admin', [
      // additional admin powers
      rule(['create'], ['authorization.k8s.io'], ['localsubjectaccessreviews']),
      rule(READ_WRITE, [RBAC_API_GROUP], ['roles', 'rolebindings']),
    ], AGGREGATE('admin')),
    clusterRole('system:aggregate-to-edit', aggregateToEditRules(), AGGREGATE('edit')),
    clusterRole('system:aggregate-to-view', aggregateToViewRules(), AGGREGATE('view')),
    clusterRole('system:heapster', [rule(READ, CORE, ['events', 'pods', 'nodes', 'namespaces']), rule(READ, ['extensions'], ['deployments'])]),
    // a role for nodes to use to have the access they need for running pods
    clusterRole('system:node', [
      // Needed to check API access.  These creates are non-mutating
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews', 'localsubjectaccessreviews']),
      // Needed to build serviceLister, to populate env vars for services
      rule(READ, CORE, ['services']),
      // Nodes can register Node API objects and report status
      rule(['create', 'get', 'list', 'watch'], CORE, ['nodes']),
      rule(['update', 'patch'], CORE, ['nodes/status']),
      rule(['update', 'patch'], CORE, ['nodes']),
      rule(['create', 'update', 'patch'], CORE, ['events']),
      rule(READ, CORE, ['pods']),
      // Needed for the node to create/delete mirror pods
      rule(['create', 'delete'], CORE, ['pods']),
      rule(['update', 'patch'], CORE, ['pods/status']),
      rule(['create'], CORE, ['pods/eviction']),
      // Needed for imagepullsecrets, rbd/ceph and secret volumes, and secrets in envs; configmap volume and envs
      rule(READ, CORE, ['secrets', 'configmaps']),
      // Needed for persistent volumes
      rule(['get'], CORE, ['persistentvolumeclaims', 'persistentvolumes']),
      // Needed for glusterfs volumes
      rule(['get'], CORE, ['endpoints']),
      // Used to create a certificatesigningrequest for a node-specific client certificate, and watch for it to be signed
      rule(['create', 'get', 'list', 'watch'], certificates, ['certificatesigningrequests']),
      // Leases
      rule(['get', 'create', 'update', 'patch', 'delete'], ['coordination.k8s.io'], ['leases']),
      // CSI
      rule(['get'], ['storage.k8s.io'], ['volumeattachments']),
      // Use the Node authorizer to limit get to service accounts related to the node
      rule(['create'], CORE, ['serviceaccounts/token']),
      // Use the NodeRestriction admission plugin to limit a node to update status of pvc related to the node
      rule(['get', 'update', 'patch'], CORE, ['persistentvolumeclaims/status']),
      rule(READ, ['storage.k8s.io'], ['csidrivers']),
      rule(['get', 'create', 'update', 'patch', 'delete'], ['storage.k8s.io'], ['csinodes']),
      rule(READ, ['node.k8s.io'], ['runtimeclasses']),
    ]),
    // a role to use for node-problem-detector access
    clusterRole('system:node-problem-detector', [
      rule(['get'], CORE, ['nodes']),
      rule(['patch'], CORE, ['nodes/status']),
      eventsRule(),
    ]),
    // a role to use for full access to the kubelet API
    clusterRole('system:kubelet-api-admin', [
      // Allow read-only access to the Node API objects
      rule(READ, CORE, ['nodes']),
      // Allow all API calls to the nodes
      rule(['proxy'], CORE, ['nodes']),
      rule(['*'], CORE, ['nodes/proxy', 'nodes/metrics', 'nodes/stats', 'nodes/log']),
    ]),
    // a role to use for bootstrapping a node's client certificates
    clusterRole('system:node-bootstrapper', [rule(['create', 'get', 'list', 'watch'], certificates, ['certificatesigningrequests'])]),
    // a role to use for allowing authentication and authorization delegation
    clusterRole('system:auth-delegator', [
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
    ]),
    // a role to use for the API registry, summarization, and proxy handling
    clusterRole('system:kube-aggregator', [rule(READ, CORE, ['services', 'endpoints'])]),
    // a role to use for bootstrapping the kube-controller-manager so it can create the shared informers
    // service accounts, and secrets that we need to create separate identities for other controllers
    clusterRole('system:kube-controller-manager', [
      eventsRule(),
      // Needed for leader election.
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-controller-manager']),
      // Fundamental resources.
      rule(['create'], CORE, ['secrets', 'serviceaccounts']),
      rule(['delete'], CORE, ['secrets']),
      rule(['get'], CORE, ['namespaces', 'configmaps', 'secrets', 'serviceaccounts']),
      rule(['update'], CORE, ['secrets', 'serviceaccounts']),
      // Needed to check API access.  These creates are non-mutating
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      // Needed for all shared informers
      rule(['list', 'watch'], ['*'], ['*']),
      rule(['create'], CORE, ['serviceaccounts/token']),
    ]),
    // a role to use for the kube-dns pod
    clusterRole('system:kube-dns', [rule(['list', 'watch'], CORE, ['endpoints', 'services'])]),
    // a role for an external/out-of-tree persistent volume provisioner
    clusterRole('system:persistent-volume-provisioner', [
      rule(['get', 'list', 'watch', 'create', 'delete'], CORE, ['persistentvolumes']),
      // update is needed in addition to read access for setting lock annotations on PVCs
      rule(['get', 'list', 'watch', 'update'], CORE, ['persistentvolumeclaims']),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
      // Needed for watching provisioning success and failure events
      rule(['watch'], CORE, ['events']),
      eventsRule(),
    ]),
    // a role making the csrapprover controller approve a node client CSR
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:nodeclient', [rule(['create'], certificates, ['certificatesigningrequests/nodeclient'])]),
    // a role making the csrapprover controller approve a node client CSR requested by the node itself
    clusterRole('system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', [rule(['create'], certificates, ['certificatesigningrequests/selfnodeclient'])]),
    clusterRole('system:volume-scheduler', [
      rule(READ_UPDATE, CORE, ['persistentvolumes']),
      rule(READ, ['storage.k8s.io'], ['storageclasses']),
      rule(READ_UPDATE, CORE, ['persistentvolumeclaims']),
    ]),
    clusterRole('system:certificates.k8s.io:legacy-unknown-approver', approver('kubernetes.io/legacy-unknown')),
    clusterRole('system:certificates.k8s.io:kubelet-serving-approver', approver('kubernetes.io/kubelet-serving')),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-approver', approver('kubernetes.io/kube-apiserver-client')),
    clusterRole('system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', approver('kubernetes.io/kube-apiserver-client-kubelet')),
    // a role to use for the kube-scheduler
    clusterRole('system:kube-scheduler', [
      eventsRule(),
      // This is for leaderlease access
      rule(['create'], ['coordination.k8s.io'], ['leases']),
      rule(['get', 'update'], ['coordination.k8s.io'], ['leases'], ['kube-scheduler']),
      // Fundamental resources
      rule(READ, CORE, ['nodes']),
      rule(['get', 'list', 'watch', 'delete'], CORE, ['pods']),
      rule(['create'], CORE, ['pods/binding', 'bindings']),
      rule(['patch', 'update'], CORE, ['pods/status']),
      // Things that select pods
      rule(READ, CORE, ['services', 'replicationcontrollers']),
      rule(READ, ['apps', 'extensions'], ['replicasets']),
      rule(READ, ['apps'], ['statefulsets']),
      // Things that pods use or applies to them
      rule(READ, ['policy'], ['poddisruptionbudgets']),
      rule(READ, CORE, ['persistentvolumeclaims', 'persistentvolumes']),
      // Needed to check API access.  These creates are non-mutating
      rule(['create'], ['authentication.k8s.io'], ['tokenreviews']),
      rule(['create'], ['authorization.k8s.io'], ['subjectaccessreviews']),
      // Needed for volume limits
      rule(READ, ['storage.k8s.io'], ['csinodes']),
      // Needed for namespaceSelector feature in pod affinity
      rule(READ, CORE, ['namespaces']),
      rule(READ, ['storage.k8s.io'], ['csidrivers']),
      rule(READ, ['storage.k8s.io'], ['csistoragecapacities']),
    ]),
    // a role for the service account issuer discovery documents
    clusterRole('system:service-account-issuer-discovery', [urls(['get'], ['/.well-known/openid-configuration', '/openid/v1/jwks'])]),
    // a role to use for setting up a proxy
    clusterRole('system:node-proxier', [
      // Used to build serviceLister
      rule(['list', 'watch'], CORE, ['services', 'endpoints']),
      rule(READ, CORE, ['nodes']),
      eventsRule(),
      rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
    ]),
  ].sort((a, b) => (a.metadata!.name! < b.metadata!.name! ? -1 : 1));
}

/** policy.go's `ClusterRoleBindings()` (v1.32). */
function clusterRoleBindings(): ClusterRoleBinding[] {
  return [
    clusterRoleBinding('cluster-admin', [group('system:masters')]),
    clusterRoleBinding('system:monitoring', [group('system:monitoring')]),
    clusterRoleBinding('system:discovery', [group('system:authenticated')]),
    clusterRoleBinding('system:basic-user', [group('system:authenticated')]),
    clusterRoleBinding('system:public-info-viewer', [group('system:authenticated'), group('system:unauthenticated')]),
    clusterRoleBinding('system:node-proxier', [user('system:kube-proxy')]),
    clusterRoleBinding('system:kube-controller-manager', [user('system:kube-controller-manager')]),
    clusterRoleBinding('system:kube-dns', [serviceAccount('kube-system', 'kube-dns')]),
    clusterRoleBinding('system:kube-scheduler', [user('system:kube-scheduler')]),
    clusterRoleBinding('system:volume-scheduler', [user('system:kube-scheduler')]),
    // no subjects: the Node authorizer grants kubelets their node's objects
    // (machines/api-server/node-authorizer.ts)
    clusterRoleBinding('system:node', []),
    // Allow all in-cluster workloads (via their service accounts) to retrieve the service account issuer discovery docs
    clusterRoleBinding('system:service-account-issuer-discovery', [group('system:serviceaccounts')]),
  ];
}

/** namespace_policy.go's Roles and RoleBindings (kube-system and kube-public), in kube's order. */
function namespaceRbac(): { roles: Role[]; bindings: RoleBinding[] } {
  const leaderLocking = [
    rule(['watch', 'get', 'list', 'create', 'update'], ['coordination.k8s.io'], ['leases']),
    rule(['watch', 'get', 'list', 'create', 'update'], ['coordination.k8s.io'], ['leasecandidates']),
  ];
  const roles = [
    // role for finding authentication config info for starting a server
    namespacedRole('kube-system', 'extension-apiserver-authentication-reader', [
      rule(READ, CORE, ['configmaps'], ['extension-apiserver-authentication']),
    ]),
    // used for leader election by the kube-controller-manager and the kube-scheduler
    namespacedRole('kube-system', 'system::leader-locking-kube-controller-manager', leaderLocking.map((r) => structuredClone(r))),
    namespacedRole('kube-system', 'system::leader-locking-kube-scheduler', leaderLocking.map((r) => structuredClone(r))),
    namespacedRole('kube-system', 'system:controller:bootstrap-signer', [rule(READ, CORE, ['secrets'])]),
    namespacedRole('kube-system', 'system:controller:cloud-provider', [rule(['create', 'get', 'list', 'watch'], CORE, ['configmaps'])]),
    namespacedRole('kube-system', 'system:controller:token-cleaner', [rule(['delete', ...READ], CORE, ['secrets']), eventsRule()]),
    namespacedRole('kube-public', 'system:controller:bootstrap-signer', [
      rule(READ, CORE, ['configmaps']),
      rule(['update'], CORE, ['configmaps'], ['cluster-info']),
      eventsRule(),
    ]),
  ];
  const bindings = [
    roleBinding('kube-system', 'extension-apiserver-authentication-reader', [user('system:kube-controller-manager'), user('system:kube-scheduler')], 'system::extension-apiserver-authentication-reader'),
    roleBinding('kube-system', 'system::leader-locking-kube-controller-manager', [
      user('system:kube-controller-manager'),
      serviceAccount('kube-system', 'kube-controller-manager'),
      serviceAccount('kube-system', 'leader-election-controller'),
    ]),
    roleBinding('kube-system', 'system::leader-locking-kube-scheduler', [user('system:kube-scheduler'), serviceAccount('kube-system', 'kube-scheduler')]),
    roleBinding('kube-system', 'system:controller:bootstrap-signer', [serviceAccount('kube-system', 'bootstrap-signer')]),
    roleBinding('kube-system', 'system:controller:cloud-provider', [serviceAccount('kube-system', 'cloud-provider')]),
    roleBinding('kube-system', 'system:controller:token-cleaner', [serviceAccount('kube-system', 'token-cleaner')]),
    roleBinding('kube-public', 'system:controller:bootstrap-signer', [serviceAccount('kube-system', 'bootstrap-signer')]),
  ];
  return { roles, bindings };
}

/** The name of kubeadm's group of cluster administrators (admin.conf's group since kubeadm 1.29). */
const KUBEADM_CLUSTER_ADMINS_GROUP = 'kubeadm:cluster-admins';

/**
 * What kubeadm's phases add (cmd/kubeadm/app/phases): `kubeadm:cluster-admins` (cluster-admin for
 * admin.conf's group), the kube-proxy addon's `kubeadm:node-proxier` (system:node-proxier for the
 * ServiceAccount kube-system/kube-proxy) and the CoreDNS addon's `system:coredns`. They carry no
 * bootstrap label (kubeadm creates them as plain objects).
 */
function kubeadmRbac(): { roles: ClusterRole[]; bindings: ClusterRoleBinding[] } {
  const plain = <T extends { metadata?: { labels?: unknown; annotations?: unknown } }>(o: T): T => {
    delete o.metadata!.labels;
    delete o.metadata!.annotations;
    return o;
  };
  return {
    roles: [
      plain(clusterRole('system:coredns', [
        rule(['list', 'watch'], CORE, ['endpoints', 'services', 'pods', 'namespaces']),
        rule(['get'], CORE, ['nodes']),
        rule(['list', 'watch'], ['discovery.k8s.io'], ['endpointslices']),
      ])),
    ],
    bindings: [
      plain(clusterRoleBinding('cluster-admin', [group(KUBEADM_CLUSTER_ADMINS_GROUP)], 'kubeadm:cluster-admins')),
      plain(clusterRoleBinding('system:node-proxier', [serviceAccount('kube-system', 'kube-proxy')], 'kubeadm:node-proxier')),
      plain(clusterRoleBinding('system:coredns', [serviceAccount('kube-system', 'coredns')])),
    ],
  };
}

/** Any object {@link bootstrapRbac} returns. */
export type BootstrapRbacObject = ClusterRole | ClusterRoleBinding | Role | RoleBinding;

let template: readonly BootstrapRbacObject[] | undefined;

function build(): readonly BootstrapRbacObject[] {
  const controllers = controllerRbac();
  const kubeadm = kubeadmRbac();
  const roles = [...clusterRoles(), ...controllers.roles, ...kubeadm.roles];
  // the aggregation controller has filled admin, edit and view by the time kubeadm hands the cluster over
  aggregateAll(roles);
  const ns = namespaceRbac();
  const all: BootstrapRbacObject[] = [...roles, ...clusterRoleBindings(), ...controllers.bindings, ...kubeadm.bindings, ...ns.roles, ...ns.bindings];
  return Object.freeze(all.map((o) => structuredClone(o)));
}

/**
 * The RBAC objects of a new kubeadm cluster (built once, handed out as fresh copies):
 *
 * - the ClusterRoles of policy.go (`cluster-admin`; `admin`, `edit` and `view`, which carry
 *   `aggregationRule`s and whose rules are those of the `system:aggregate-to-*` roles as the
 *   aggregation controller computes them; `system:discovery`, `system:basic-user`,
 *   `system:public-info-viewer`, `system:monitoring`, `system:node`, `system:node-proxier`,
 *   `system:kube-scheduler`, `system:volume-scheduler`, `system:kube-controller-manager`,
 *   `system:kube-dns`, ... ) and the controllers' `system:controller:*` roles;
 * - their ClusterRoleBindings; the controllers' bind `system:controller:<account>` to the
 *   ServiceAccount `kube-system/<account>`;
 * - namespace_policy.go's Roles and RoleBindings in kube-system (`extension-apiserver-authentication-reader`,
 *   `system::leader-locking-kube-controller-manager`, `system::leader-locking-kube-scheduler`,
 *   `system:controller:bootstrap-signer`, `system:controller:cloud-provider`,
 *   `system:controller:token-cleaner`) and kube-public (`system:controller:bootstrap-signer`);
 * - kubeadm's `kubeadm:cluster-admins`, `kubeadm:node-proxier` and `system:coredns`.
 *
 * The controller manager runs each controller under its ServiceAccount, as kubeadm's
 * `--use-service-account-credentials=true` (machines/controller-credentials.ts), so each is
 * authorized by its own `system:controller:*` role and `system:kube-controller-manager` has only
 * kube's rules (its shared informers, leader election, and the accounts' tokens).
 *
 * The `system:node` ClusterRoleBinding has no subjects, as kube's: kubelets are authorized by
 * the Node authorizer (machines/api-server/node-authorizer.ts), which applies the `system:node`
 * role's rules itself.
 *
 * @returns fresh objects: ClusterRoles, ClusterRoleBindings, Roles, RoleBindings.
 */
export function bootstrapRbac(): BootstrapRbacObject[] {
  return bootstrapRbacShared().map((o) => structuredClone<BootstrapRbacObject>(o));
}

/**
 * The same objects, built once and deeply frozen, shared by every cluster: a new cluster's store
 * is written with them (each with metadata of its own), without copying a hundred roles per boot.
 */
export function bootstrapRbacShared(): readonly BootstrapRbacObject[] {
  template ??= deepFreeze(build());
  return template;
}
