import { describe, expect, it } from 'vitest';
import { bootstrapRbac } from '../../src/api/rbac-bootstrap.js';
import type { ClusterRole, ClusterRoleBinding, Role, RoleBinding } from '../../src/api/types.js';

// kube v1.32's bootstrap policy (plugin/pkg/auth/authorizer/rbac/bootstrappolicy/testdata/*.yaml,
// feature gates at their defaults), and kubeadm's additions.
const KUBE_CLUSTER_ROLES = [
  'admin', 'cluster-admin', 'edit', 'system:aggregate-to-admin', 'system:aggregate-to-edit', 'system:aggregate-to-view',
  'system:auth-delegator', 'system:basic-user', 'system:certificates.k8s.io:certificatesigningrequests:nodeclient',
  'system:certificates.k8s.io:certificatesigningrequests:selfnodeclient', 'system:certificates.k8s.io:kube-apiserver-client-approver',
  'system:certificates.k8s.io:kube-apiserver-client-kubelet-approver', 'system:certificates.k8s.io:kubelet-serving-approver',
  'system:certificates.k8s.io:legacy-unknown-approver', 'system:discovery', 'system:heapster', 'system:kube-aggregator',
  'system:kube-controller-manager', 'system:kube-dns', 'system:kube-scheduler', 'system:kubelet-api-admin', 'system:monitoring',
  'system:node', 'system:node-bootstrapper', 'system:node-problem-detector', 'system:node-proxier', 'system:persistent-volume-provisioner',
  'system:public-info-viewer', 'system:service-account-issuer-discovery', 'system:volume-scheduler', 'view',
];
const KUBE_CONTROLLER_ACCOUNTS = [
  'attachdetach-controller', 'certificate-controller', 'clusterrole-aggregation-controller', 'cronjob-controller', 'daemon-set-controller',
  'deployment-controller', 'disruption-controller', 'endpoint-controller', 'endpointslice-controller', 'endpointslicemirroring-controller',
  'ephemeral-volume-controller', 'expand-controller', 'generic-garbage-collector', 'horizontal-pod-autoscaler', 'job-controller',
  'legacy-service-account-token-cleaner', 'namespace-controller', 'node-controller', 'persistent-volume-binder', 'pod-garbage-collector',
  'pv-protection-controller', 'pvc-protection-controller', 'replicaset-controller', 'replication-controller', 'resourcequota-controller',
  'root-ca-cert-publisher', 'route-controller', 'service-account-controller', 'service-controller', 'statefulset-controller',
  'ttl-after-finished-controller', 'ttl-controller', 'validatingadmissionpolicy-status-controller',
];

const objs = bootstrapRbac();
const of = <T>(kind: string) => objs.filter((o) => o.kind === kind) as unknown as T[];
const clusterRole = (name: string) => of<ClusterRole>('ClusterRole').find((r) => r.metadata?.name === name)!;

describe('the bootstrap policy of kube v1.32', () => {
  it('has kube\'s ClusterRoles, the controllers\' roles and kubeadm\'s system:coredns', () => {
    const names = of<ClusterRole>('ClusterRole').map((r) => r.metadata!.name!).sort();
    expect(names).toEqual([...KUBE_CLUSTER_ROLES, ...KUBE_CONTROLLER_ACCOUNTS.map((a) => `system:controller:${a}`), 'system:coredns'].sort());
  });

  it('binds each controller\'s role to its kube-system ServiceAccount', () => {
    const bindings = of<ClusterRoleBinding>('ClusterRoleBinding');
    for (const account of KUBE_CONTROLLER_ACCOUNTS) {
      const b = bindings.find((x) => x.metadata?.name === `system:controller:${account}`)!;
      expect(b.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: `system:controller:${account}` });
      expect(b.subjects).toEqual([{ kind: 'ServiceAccount', name: account, namespace: 'kube-system' }]);
    }
    const byName = (n: string) => bindings.find((x) => x.metadata?.name === n);
    expect(byName('system:kube-dns')?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kube-dns', namespace: 'kube-system' }]);
    expect(byName('system:monitoring')?.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'system:monitoring' }]);
    expect(byName('kubeadm:node-proxier')?.roleRef.name).toBe('system:node-proxier');
    expect(byName('kubeadm:node-proxier')?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'kube-proxy', namespace: 'kube-system' }]);
    expect(byName('system:coredns')?.subjects).toEqual([{ kind: 'ServiceAccount', name: 'coredns', namespace: 'kube-system' }]);
    expect(byName('kubeadm:cluster-admins')?.subjects).toEqual([{ apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'kubeadm:cluster-admins' }]);
  });

  it('has namespace_policy.go\'s Roles and RoleBindings in kube-system and kube-public', () => {
    const key = (o: Role | RoleBinding) => `${o.metadata!.namespace}/${o.metadata!.name}`;
    expect(of<Role>('Role').map(key).sort()).toEqual([
      'kube-public/system:controller:bootstrap-signer', 'kube-system/extension-apiserver-authentication-reader',
      'kube-system/system::leader-locking-kube-controller-manager', 'kube-system/system::leader-locking-kube-scheduler',
      'kube-system/system:controller:bootstrap-signer', 'kube-system/system:controller:cloud-provider', 'kube-system/system:controller:token-cleaner',
    ]);
    expect(of<RoleBinding>('RoleBinding').map(key).sort()).toEqual([
      'kube-public/system:controller:bootstrap-signer', 'kube-system/system::extension-apiserver-authentication-reader',
      'kube-system/system::leader-locking-kube-controller-manager', 'kube-system/system::leader-locking-kube-scheduler',
      'kube-system/system:controller:bootstrap-signer', 'kube-system/system:controller:cloud-provider', 'kube-system/system:controller:token-cleaner',
    ]);
  });

  it('aggregates admin, edit and view from the system:aggregate-to-* roles, labelled as kube labels them', () => {
    const view = clusterRole('view');
    const edit = clusterRole('edit');
    const admin = clusterRole('admin');
    const sel = (to: string) => ({ clusterRoleSelectors: [{ matchLabels: { [`rbac.authorization.k8s.io/aggregate-to-${to}`]: 'true' } }] });
    expect(view.aggregationRule).toEqual(sel('view'));
    expect(edit.aggregationRule).toEqual(sel('edit'));
    expect(admin.aggregationRule).toEqual(sel('admin'));
    expect(view.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
    expect(edit.metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-admin']).toBe('true');
    expect(clusterRole('system:aggregate-to-edit').metadata?.labels?.['rbac.authorization.k8s.io/aggregate-to-edit']).toBe('true');
    // view: aggregate-to-view's rules; edit: aggregate-to-edit's then view's; admin: edit's then aggregate-to-admin's
    expect(view.rules).toEqual(clusterRole('system:aggregate-to-view').rules);
    expect(edit.rules).toEqual([...clusterRole('system:aggregate-to-edit').rules!, ...view.rules!]);
    expect(admin.rules).toEqual([...edit.rules!, ...clusterRole('system:aggregate-to-admin').rules!]);
    // two of kube's rules, as its testdata spells them
    expect(clusterRole('system:aggregate-to-edit').rules).toContainEqual({
      apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'],
    });
    expect(clusterRole('system:aggregate-to-admin').rules).toEqual([
      { apiGroups: ['authorization.k8s.io'], resources: ['localsubjectaccessreviews'], verbs: ['create'] },
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['rolebindings', 'roles'], verbs: ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'] },
    ]);
  });

  it('spells the controllers\' rules as kube does', () => {
    expect(clusterRole('system:controller:replicaset-controller').rules).toEqual([
      { apiGroups: ['apps', 'extensions'], resources: ['replicasets'], verbs: ['get', 'list', 'update', 'watch'] },
      { apiGroups: ['apps', 'extensions'], resources: ['replicasets/status'], verbs: ['update'] },
      { apiGroups: ['apps', 'extensions'], resources: ['replicasets/finalizers'], verbs: ['update'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['create', 'delete', 'list', 'patch', 'watch'] },
      { apiGroups: ['', 'events.k8s.io'], resources: ['events'], verbs: ['create', 'patch', 'update'] },
    ]);
    expect(clusterRole('system:controller:clusterrole-aggregation-controller').rules).toEqual([
      { apiGroups: ['rbac.authorization.k8s.io'], resources: ['clusterroles'], verbs: ['escalate', 'get', 'list', 'patch', 'update', 'watch'] },
    ]);
    expect(clusterRole('system:controller:namespace-controller').rules).toEqual([
      { apiGroups: [''], resources: ['namespaces'], verbs: ['delete', 'get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['namespaces/finalize', 'namespaces/status'], verbs: ['update'] },
      { apiGroups: ['*'], resources: ['*'], verbs: ['delete', 'deletecollection', 'get', 'list', 'watch'] },
    ]);
  });
});
