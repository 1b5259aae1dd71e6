import { describe, it, expect } from 'vitest';
import { test } from '@fast-check/vitest';
import fc from 'fast-check';
import {
  RbacIndex,
  authorize,
  forbiddenMessage,
  ruleAllows,
  serviceAccountGroups,
  serviceAccountUsername,
  type AuthorizationRequest,
  type RbacObject,
} from '../../src/api/rbac.js';
import { bootstrapRbac } from '../../src/api/rbac-bootstrap.js';
import type { ClusterRole, ClusterRoleBinding, PolicyRule, Role, RoleBinding } from '../../src/api/types.js';

const G = 'rbac.authorization.k8s.io';

function role(namespace: string, name: string, rules: PolicyRule[]): Role {
  return { apiVersion: `${G}/v1`, kind: 'Role', metadata: { name, namespace }, rules };
}
function clusterRole(name: string, rules: PolicyRule[]): ClusterRole {
  return { apiVersion: `${G}/v1`, kind: 'ClusterRole', metadata: { name }, rules };
}
type Subj = { kind: string; name: string; namespace?: string };
function roleBinding(namespace: string, name: string, ref: { kind: string; name: string }, subjects: Subj[]): RoleBinding {
  return {
    apiVersion: `${G}/v1`,
    kind: 'RoleBinding',
    metadata: { name, namespace },
    roleRef: { apiGroup: G, ...ref },
    subjects,
  };
}
function clusterRoleBinding(name: string, roleName: string, subjects: Subj[]): ClusterRoleBinding {
  return {
    apiVersion: `${G}/v1`,
    kind: 'ClusterRoleBinding',
    metadata: { name },
    roleRef: { apiGroup: G, kind: 'ClusterRole', name: roleName },
    subjects,
  };
}
const req = (r: Partial<AuthorizationRequest> & { user: string; verb: string }): AuthorizationRequest => ({
  groups: ['system:authenticated'],
  apiGroup: '',
  ...r,
});

const podReader = clusterRole('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list', 'watch'] }]);

describe('RbacIndex.authorize', () => {
  it('allows through a ClusterRoleBinding with the real reason text', () => {
    const idx = new RbacIndex([
      clusterRole('cluster-admin', [
        { apiGroups: ['*'], resources: ['*'], verbs: ['*'] },
        { nonResourceURLs: ['*'], verbs: ['*'] },
      ]),
      clusterRoleBinding('cluster-admin', 'cluster-admin', [
        { kind: 'Group', name: 'system:masters' },
        { kind: 'User', name: 'admin' },
      ]),
    ]);
    expect(idx.authorize(req({ user: 'admin', verb: 'delete', resource: 'nodes', name: 'n1' }))).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to User "admin"',
    });
    expect(
      authorize(req({ user: 'root', groups: ['system:masters'], verb: 'get', nonResourceURL: '/metrics' }), idx),
    ).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    });
    expect(idx.authorize(req({ user: 'bob', verb: 'get', resource: 'pods', namespace: 'default' }))).toEqual({
      allowed: false,
      reason: '',
    });
  });

  it('grants RoleBindings only in their namespace', () => {
    const idx = new RbacIndex([
      role('dev', 'pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]),
      roleBinding('dev', 'read-pods', { kind: 'Role', name: 'pod-reader' }, [{ kind: 'User', name: 'jane' }]),
    ]);
    const inDev = idx.authorize(req({ user: 'jane', verb: 'list', resource: 'pods', namespace: 'dev' }));
    expect(inDev).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "read-pods/dev" of Role "pod-reader" to User "jane"' });
    expect(idx.authorize(req({ user: 'jane', verb: 'list', resource: 'pods', namespace: 'prod' })).allowed).toBe(false);
    // listing across all namespaces is a cluster-wide request: RoleBindings do not apply
    expect(idx.authorize(req({ user: 'jane', verb: 'list', resource: 'pods' })).allowed).toBe(false);
    expect(idx.authorize(req({ user: 'jane', verb: 'delete', resource: 'pods', namespace: 'dev' })).allowed).toBe(false);
    expect(idx.authorize(req({ user: 'john', verb: 'list', resource: 'pods', namespace: 'dev' })).allowed).toBe(false);
  });

  it('lets a RoleBinding refer to a ClusterRole, still limited to its namespace', () => {
    const idx = new RbacIndex([
      podReader,
      roleBinding('team-a', 'readers', { kind: 'ClusterRole', name: 'pod-reader' }, [{ kind: 'Group', name: 'team-a' }]),
    ]);
    const d = idx.authorize(req({ user: 'x', groups: ['team-a'], verb: 'watch', resource: 'pods', namespace: 'team-a' }));
    expect(d).toEqual({ allowed: true, reason: 'RBAC: allowed by RoleBinding "readers/team-a" of ClusterRole "pod-reader" to Group "team-a"' });
    expect(idx.authorize(req({ user: 'x', groups: ['team-a'], verb: 'watch', resource: 'pods', namespace: 'team-b' })).allowed).toBe(false);
  });

  it('matches service accounts by user name, defaulting a RoleBinding subject to its namespace', () => {
    const idx = new RbacIndex([
      podReader,
      roleBinding('ci', 'builder', { kind: 'ClusterRole', name: 'pod-reader' }, [{ kind: 'ServiceAccount', name: 'builder' }]),
      clusterRoleBinding('monitor', 'pod-reader', [{ kind: 'ServiceAccount', name: 'prom', namespace: 'monitoring' }]),
      // a ClusterRoleBinding's service account without namespace never applies
      clusterRoleBinding('broken', 'pod-reader', [{ kind: 'ServiceAccount', name: 'builder' }]),
    ]);
    const builder = serviceAccountUsername('ci', 'builder');
    expect(builder).toBe('system:serviceaccount:ci:builder');
    const d = idx.authorize({ user: builder, groups: serviceAccountGroups('ci'), verb: 'get', resource: 'pods', apiGroup: '', namespace: 'ci' });
    expect(d).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by RoleBinding "builder/ci" of ClusterRole "pod-reader" to ServiceAccount "builder/ci"',
    });
    expect(idx.authorize(req({ user: builder, verb: 'get', resource: 'pods', namespace: 'other' })).allowed).toBe(false);
    const prom = idx.authorize(req({ user: 'system:serviceaccount:monitoring:prom', verb: 'list', resource: 'pods' }));
    expect(prom.reason).toBe('RBAC: allowed by ClusterRoleBinding "monitor" of ClusterRole "pod-reader" to ServiceAccount "prom/monitoring"');
  });

  it('matches service-account groups', () => {
    const idx = new RbacIndex([
      podReader,
      clusterRoleBinding('all-sa', 'pod-reader', [{ kind: 'Group', name: 'system:serviceaccounts:ci' }]),
    ]);
    expect(serviceAccountGroups('ci')).toEqual(['system:serviceaccounts', 'system:serviceaccounts:ci', 'system:authenticated']);
    expect(idx.authorize({ user: 'system:serviceaccount:ci:x', groups: serviceAccountGroups('ci'), verb: 'get', resource: 'pods', namespace: 'q' }).allowed).toBe(true);
    expect(idx.authorize({ user: 'system:serviceaccount:cd:x', groups: serviceAccountGroups('cd'), verb: 'get', resource: 'pods', namespace: 'q' }).allowed).toBe(false);
  });

  it('reports missing roles as the reason of a denial', () => {
    const idx = new RbacIndex([
      clusterRoleBinding('b1', 'missing', [{ kind: 'User', name: 'u' }]),
      roleBinding('ns', 'b2', { kind: 'Role', name: 'gone' }, [{ kind: 'User', name: 'u' }]),
      roleBinding('ns', 'b3', { kind: 'Thing', name: 'x' }, [{ kind: 'User', name: 'u' }]),
    ]);
    expect(idx.authorize(req({ user: 'u', verb: 'get', resource: 'pods' }))).toEqual({
      allowed: false,
      reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "missing" not found',
    });
    expect(idx.authorize(req({ user: 'u', verb: 'get', resource: 'pods', namespace: 'ns' })).reason).toBe(
      'RBAC: [clusterrole.rbac.authorization.k8s.io "missing" not found, role.rbac.authorization.k8s.io "gone" not found, unsupported role reference kind: "Thing"]',
    );
    // a resolvable rule still allows despite the errors
    idx.upsert(clusterRole('missing', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]));
    expect(idx.authorize(req({ user: 'u', verb: 'get', resource: 'pods', namespace: 'ns' })).allowed).toBe(true);
  });

  it('stays current incrementally: replaced subjects, removed bindings and roles', () => {
    const idx = new RbacIndex([podReader, clusterRoleBinding('b', 'pod-reader', [{ kind: 'User', name: 'alice' }])]);
    const r = (user: string) => idx.authorize(req({ user, verb: 'get', resource: 'pods', namespace: 'x' }));
    expect(r('alice').allowed).toBe(true);
    idx.upsert(clusterRoleBinding('b', 'pod-reader', [{ kind: 'User', name: 'bob' }]));
    expect(r('alice').allowed).toBe(false);
    expect(r('bob').allowed).toBe(true);
    idx.upsert(clusterRole('pod-reader', [{ apiGroups: [''], resources: ['services'], verbs: ['get'] }]));
    expect(r('bob').allowed).toBe(false);
    idx.upsert(podReader);
    expect(idx.remove('ClusterRole', undefined, 'pod-reader')).toBe(true);
    expect(r('bob')).toEqual({ allowed: false, reason: 'RBAC: clusterrole.rbac.authorization.k8s.io "pod-reader" not found' });
    idx.upsert(podReader);
    expect(idx.remove('ClusterRoleBinding', undefined, 'b')).toBe(true);
    expect(idx.remove('ClusterRoleBinding', undefined, 'b')).toBe(false);
    expect(r('bob')).toEqual({ allowed: false, reason: '' });
    idx.upsert(roleBinding('x', 'rb', { kind: 'ClusterRole', name: 'pod-reader' }, [{ kind: 'User', name: 'bob' }]));
    expect(r('bob').allowed).toBe(true);
    expect(idx.remove('RoleBinding', 'y', 'rb')).toBe(false);
    expect(idx.remove('RoleBinding', 'x', 'rb')).toBe(true);
    expect(r('bob').allowed).toBe(false);
    expect(idx.counts()).toEqual({ Role: 0, ClusterRole: 1, RoleBinding: 0, ClusterRoleBinding: 0 });
    expect(idx.upsert({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p' } })).toBe(false);
  });

  it('keeps its own copy of the objects', () => {
    const cr = clusterRole('r', [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }]);
    const idx = new RbacIndex([cr, clusterRoleBinding('b', 'r', [{ kind: 'User', name: 'u' }])]);
    cr.rules![0]!.verbs.push('delete');
    expect(idx.authorize(req({ user: 'u', verb: 'delete', resource: 'pods' })).allowed).toBe(false);
  });

  it('answers rulesFor with cluster-wide and namespace rules', () => {
    const idx = new RbacIndex([
      podReader,
      role('ns', 'r', [{ apiGroups: ['apps'], resources: ['deployments'], verbs: ['get'] }]),
      clusterRoleBinding('b', 'pod-reader', [{ kind: 'User', name: 'u' }]),
      roleBinding('ns', 'rb', { kind: 'Role', name: 'r' }, [{ kind: 'User', name: 'u' }]),
    ]);
    expect(idx.rulesFor('u', [], '').rules).toEqual(podReader.rules);
    expect(idx.rulesFor('u', [], 'ns').rules).toHaveLength(2);
    expect(idx.rulesFor('v', [], 'ns')).toEqual({ rules: [], errors: [] });
  });
});

describe('ruleAllows', () => {
  const r = (over: Partial<AuthorizationRequest>) => req({ user: 'u', verb: 'get', resource: 'pods', ...over });

  it('matches verbs, groups and resources with wildcards', () => {
    expect(ruleAllows(r({}), { apiGroups: [''], resources: ['pods'], verbs: ['*'] })).toBe(true);
    expect(ruleAllows(r({ apiGroup: 'apps', resource: 'deployments' }), { apiGroups: ['*'], resources: ['deployments'], verbs: ['get'] })).toBe(true);
    expect(ruleAllows(r({ apiGroup: 'apps', resource: 'deployments' }), { apiGroups: [''], resources: ['deployments'], verbs: ['get'] })).toBe(false);
    expect(ruleAllows(r({ verb: 'list' }), { apiGroups: [''], resources: ['pods'], verbs: ['get'] })).toBe(false);
    expect(ruleAllows(r({ subresource: 'log' }), { apiGroups: [''], resources: ['*'], verbs: ['get'] })).toBe(true);
  });

  it('treats subresources as resource/subresource, and */sub', () => {
    const status = r({ verb: 'update', subresource: 'status' });
    expect(ruleAllows(status, { apiGroups: [''], resources: ['pods'], verbs: ['update'] })).toBe(false);
    expect(ruleAllows(status, { apiGroups: [''], resources: ['pods/status'], verbs: ['update'] })).toBe(true);
    expect(ruleAllows(r({ verb: 'update' }), { apiGroups: [''], resources: ['pods/status'], verbs: ['update'] })).toBe(false);
    const scale = r({ apiGroup: 'apps', resource: 'deployments', subresource: 'scale', verb: 'patch' });
    expect(ruleAllows(scale, { apiGroups: ['apps'], resources: ['*/scale'], verbs: ['patch'] })).toBe(true);
    expect(ruleAllows(r({ resource: 'pods', subresource: 'exec' }), { apiGroups: [''], resources: ['*/scale'], verbs: ['get'] })).toBe(false);
    expect(ruleAllows(r({ resource: 'pods' }), { apiGroups: [''], resources: ['*/scale'], verbs: ['get'] })).toBe(false);
  });

  it('restricts by resourceNames', () => {
    const rule: PolicyRule = { apiGroups: ['coordination.k8s.io'], resources: ['leases'], resourceNames: ['kube-scheduler'], verbs: ['get', 'update'] };
    expect(ruleAllows(r({ apiGroup: 'coordination.k8s.io', resource: 'leases', name: 'kube-scheduler' }), rule)).toBe(true);
    expect(ruleAllows(r({ apiGroup: 'coordination.k8s.io', resource: 'leases', name: 'other' }), rule)).toBe(false);
    expect(ruleAllows(r({ apiGroup: 'coordination.k8s.io', resource: 'leases', verb: 'list' }), { ...rule, verbs: ['list'] })).toBe(false);
  });

  it('matches non-resource URLs exactly, by trailing * prefix, or *', () => {
    const rule: PolicyRule = { nonResourceURLs: ['/healthz', '/apis/*'], verbs: ['get'] };
    const nr = (path: string, verb = 'get') => req({ user: 'u', verb, nonResourceURL: path });
    expect(ruleAllows(nr('/healthz'), rule)).toBe(true);
    expect(ruleAllows(nr('/healthz/etcd'), rule)).toBe(false);
    expect(ruleAllows(nr('/apis/apps/v1'), rule)).toBe(true);
    expect(ruleAllows(nr('/apis'), rule)).toBe(false);
    expect(ruleAllows(nr('/healthz', 'post'), rule)).toBe(false);
    expect(ruleAllows(nr('/anything'), { nonResourceURLs: ['*'], verbs: ['get'] })).toBe(true);
    // a resource rule never grants a URL, nor a URL rule a resource
    expect(ruleAllows(nr('/api'), { apiGroups: ['*'], resources: ['*'], verbs: ['*'] })).toBe(false);
    expect(ruleAllows(r({}), { nonResourceURLs: ['*'], verbs: ['*'] })).toBe(false);
  });
});

describe('forbiddenMessage', () => {
  it('reads as kubectl prints it', () => {
    expect(forbiddenMessage(req({ user: 'u', verb: 'list', resource: 'pods', namespace: 'default' }))).toBe(
      'pods is forbidden: User "u" cannot list resource "pods" in API group "" in the namespace "default"',
    );
    expect(forbiddenMessage(req({ user: 'u', verb: 'get', resource: 'deployments', apiGroup: 'apps', name: 'web', namespace: 'ns' }))).toBe(
      'deployments.apps "web" is forbidden: User "u" cannot get resource "deployments" in API group "apps" in the namespace "ns"',
    );
    expect(forbiddenMessage(req({ user: 'u', verb: 'list', resource: 'nodes' }))).toBe(
      'nodes is forbidden: User "u" cannot list resource "nodes" in API group "" at the cluster scope',
    );
    expect(forbiddenMessage(req({ user: 'u', verb: 'update', resource: 'pods', subresource: 'status', name: 'p', namespace: 'd' }), 'RBAC: x')).toBe(
      'pods "p" is forbidden: User "u" cannot update resource "pods/status" in API group "" in the namespace "d": RBAC: x',
    );
    expect(forbiddenMessage(req({ user: 'u', verb: 'get', nonResourceURL: '/metrics' }))).toBe(
      'forbidden: User "u" cannot get path "/metrics"',
    );
  });
});

describe('bootstrapRbac', () => {
  const idx = new RbacIndex(bootstrapRbac());
  const can = (user: string, groups: string[], r: Omit<AuthorizationRequest, 'user' | 'groups'>) =>
    idx.authorize({ user, groups: [...groups, 'system:authenticated'], ...r }).allowed;

  it('has the default roles and bindings, labelled as bootstrap objects', () => {
    const objs = bootstrapRbac();
    const names = (kind: string) => objs.filter((o) => o.kind === kind).map((o) => o.metadata!.name);
    expect(names('ClusterRole')).toEqual(
      expect.arrayContaining(['cluster-admin', 'admin', 'edit', 'view', 'system:discovery', 'system:basic-user', 'system:kube-scheduler', 'system:volume-scheduler', 'system:kube-controller-manager', 'system:node', 'system:node-proxier']),
    );
    for (const o of objs) {
      if (o.metadata!.name!.startsWith('kubeadm:') || o.metadata!.name === 'system:coredns') continue;
      expect(o.metadata!.labels!['kubernetes.io/bootstrapping']).toBe('rbac-defaults');
      expect(o.metadata!.annotations).toEqual({ 'rbac.authorization.kubernetes.io/autoupdate': 'true' });
    }
    // fresh objects each call
    expect(bootstrapRbac()[0]).not.toBe(objs[0]);
    expect(idx.counts()).toEqual({
      Role: objs.filter((o) => o.kind === 'Role').length,
      ClusterRole: objs.filter((o) => o.kind === 'ClusterRole').length,
      RoleBinding: objs.filter((o) => o.kind === 'RoleBinding').length,
      ClusterRoleBinding: objs.filter((o) => o.kind === 'ClusterRoleBinding').length,
    });
  });

  it('lets system:masters do anything', () => {
    expect(idx.authorize({ user: 'admin', groups: ['system:masters', 'system:authenticated'], verb: 'delete', resource: 'nodes', apiGroup: '' })).toEqual({
      allowed: true,
      reason: 'RBAC: allowed by ClusterRoleBinding "cluster-admin" of ClusterRole "cluster-admin" to Group "system:masters"',
    });
  });

  it('lets every authenticated user discover, and nothing more', () => {
    for (const path of ['/api', '/api/v1', '/apis', '/apis/apps/v1', '/version', '/openapi/v3', '/openapi/v3/apis/apps/v1', '/healthz']) {
      expect(can('alice', [], { verb: 'get', nonResourceURL: path })).toBe(true);
    }
    expect(can('alice', [], { verb: 'get', resource: 'pods', namespace: 'default' })).toBe(false);
    expect(can('alice', [], { verb: 'get', nonResourceURL: '/metrics' })).toBe(false);
    expect(can('alice', [], { verb: 'create', resource: 'selfsubjectaccessreviews', apiGroup: 'authorization.k8s.io' })).toBe(true);
    expect(idx.authorize({ user: 'system:anonymous', groups: ['system:unauthenticated'], verb: 'get', nonResourceURL: '/apis' }).allowed).toBe(false);
    expect(idx.authorize({ user: 'system:anonymous', groups: ['system:unauthenticated'], verb: 'get', nonResourceURL: '/version' }).allowed).toBe(true);
  });

  it('gives the scheduler what it needs', () => {
    const s = (r: Omit<AuthorizationRequest, 'user' | 'groups'>) => can('system:kube-scheduler', [], r);
    expect(s({ verb: 'watch', resource: 'pods', apiGroup: '' })).toBe(true);
    expect(s({ verb: 'list', resource: 'nodes', apiGroup: '' })).toBe(true);
    expect(s({ verb: 'create', resource: 'pods', subresource: 'binding', apiGroup: '', namespace: 'default', name: 'p' })).toBe(true);
    expect(s({ verb: 'create', resource: 'bindings', apiGroup: '', namespace: 'default' })).toBe(true);
    expect(s({ verb: 'patch', resource: 'pods', subresource: 'status', apiGroup: '', namespace: 'default', name: 'p' })).toBe(true);
    expect(s({ verb: 'create', resource: 'events', apiGroup: '', namespace: 'default' })).toBe(true);
    expect(s({ verb: 'update', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'kube-scheduler' })).toBe(true);
    // the ClusterRole names its own Lease only; the Role system::leader-locking-kube-scheduler grants every Lease of kube-system
    expect(s({ verb: 'update', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'default', name: 'kube-controller-manager' })).toBe(false);
    expect(s({ verb: 'update', resource: 'leases', apiGroup: 'coordination.k8s.io', namespace: 'kube-system', name: 'kube-controller-manager' })).toBe(true);
    expect(s({ verb: 'delete', resource: 'nodes', apiGroup: '', name: 'n' })).toBe(false);
    expect(s({ verb: 'create', resource: 'deployments', apiGroup: 'apps', namespace: 'default' })).toBe(false);
  });

  it('gives kubelets nothing through RBAC: the system:node binding has no subjects (the Node authorizer authorizes them)', () => {
    const k = (r: Omit<AuthorizationRequest, 'user' | 'groups'>) => can('system:node:n1', ['system:nodes', 'system:authenticated'], r);
    expect(k({ verb: 'watch', resource: 'pods', apiGroup: '' })).toBe(false);
    expect(k({ verb: 'get', resource: 'secrets', apiGroup: '', namespace: 'd', name: 's' })).toBe(false);
    expect(k({ verb: 'patch', resource: 'nodes', subresource: 'status', apiGroup: '', name: 'n1' })).toBe(false);
    // what every authenticated user has
    expect(k({ verb: 'create', resource: 'selfsubjectaccessreviews', apiGroup: 'authorization.k8s.io' })).toBe(true);
    const binding = bootstrapRbac().find((o) => o.kind === 'ClusterRoleBinding' && o.metadata?.name === 'system:node') as { subjects?: unknown };
    expect(binding).toBeDefined();
    expect(binding.subjects).toBeUndefined();
  });

  it('gives kube-proxy and the controller manager their roles', () => {
    expect(can('system:kube-proxy', [], { verb: 'watch', resource: 'services', apiGroup: '' })).toBe(true);
    expect(can('system:kube-proxy', [], { verb: 'list', resource: 'endpoints', apiGroup: '' })).toBe(true);
    expect(can('system:kube-proxy', [], { verb: 'create', resource: 'services', apiGroup: '', namespace: 'd' })).toBe(false);
    // kube's role: the shared informers, leader election and the controllers' accounts and tokens
    const cm = (r: Omit<AuthorizationRequest, 'user' | 'groups'>) => can('system:kube-controller-manager', [], r);
    expect(cm({ verb: 'watch', resource: 'replicasets', apiGroup: 'apps' })).toBe(true);
    expect(cm({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', apiGroup: '', namespace: 'kube-system', name: 'replicaset-controller' })).toBe(true);
    expect(cm({ verb: 'create', resource: 'replicasets', apiGroup: 'apps', namespace: 'd' })).toBe(false);
    expect(cm({ verb: 'delete', resource: 'pods', apiGroup: '', namespace: 'd', name: 'p' })).toBe(false);
    expect(cm({ verb: 'create', resource: 'clusterroles', apiGroup: G })).toBe(false);
    // the controllers act as their accounts
    const sa = (account: string, r: Omit<AuthorizationRequest, 'user' | 'groups'>) =>
      can(`system:serviceaccount:kube-system:${account}`, ['system:serviceaccounts', 'system:serviceaccounts:kube-system'], r);
    expect(sa('deployment-controller', { verb: 'create', resource: 'replicasets', apiGroup: 'apps', namespace: 'd' })).toBe(true);
    expect(sa('deployment-controller', { verb: 'update', resource: 'deployments', subresource: 'status', apiGroup: 'apps', namespace: 'd', name: 'x' })).toBe(true);
    expect(sa('replicaset-controller', { verb: 'create', resource: 'pods', apiGroup: '', namespace: 'd' })).toBe(true);
    expect(sa('replicaset-controller', { verb: 'update', resource: 'pods', apiGroup: '', namespace: 'd', name: 'p' })).toBe(false);
    expect(sa('generic-garbage-collector', { verb: 'delete', resource: 'pods', apiGroup: '', namespace: 'd', name: 'p' })).toBe(true);
  });

  it('admin/edit/view bound in a namespace grade as expected', () => {
    const i = new RbacIndex([
      ...bootstrapRbac(),
      roleBinding('ns', 'v', { kind: 'ClusterRole', name: 'view' }, [{ kind: 'User', name: 'viewer' }]),
      roleBinding('ns', 'e', { kind: 'ClusterRole', name: 'edit' }, [{ kind: 'User', name: 'editor' }]),
      roleBinding('ns', 'a', { kind: 'ClusterRole', name: 'admin' }, [{ kind: 'User', name: 'boss' }]),
    ]);
    const c = (user: string, verb: string, resource: string, apiGroup = '') =>
      i.authorize({ user, groups: ['system:authenticated'], verb, resource, apiGroup, namespace: 'ns' }).allowed;
    expect(c('viewer', 'list', 'pods')).toBe(true);
    expect(c('viewer', 'get', 'secrets')).toBe(false);
    expect(c('viewer', 'create', 'pods')).toBe(false);
    expect(c('editor', 'create', 'deployments', 'apps')).toBe(true);
    expect(c('editor', 'get', 'secrets')).toBe(true);
    expect(c('editor', 'create', 'rolebindings', G)).toBe(false);
    expect(c('boss', 'create', 'rolebindings', G)).toBe(true);
  });
});

// --- properties: the index decides as a plain scan of every binding ---------------------------

const users = ['alice', 'bob', 'system:serviceaccount:ns1:sa', 'system:serviceaccount:ns2:sa'];
const groupsPool = ['devs', 'ops', 'system:serviceaccounts:ns1'];
const namespaces = ['ns1', 'ns2'];
const ruleArb: fc.Arbitrary<PolicyRule> = fc.oneof(
  fc.record({
    apiGroups: fc.subarray(['', 'apps', '*'], { minLength: 1 }),
    resources: fc.subarray(['pods', 'pods/status', 'deployments', '*', '*/status'], { minLength: 1 }),
    verbs: fc.subarray(['get', 'list', 'update', '*'], { minLength: 1 }),
    resourceNames: fc.option(fc.subarray(['a', 'b'], { minLength: 1 }), { nil: undefined }),
  }).map((r) => {
    const out: PolicyRule = { apiGroups: r.apiGroups, resources: r.resources, verbs: r.verbs };
    if (r.resourceNames) out.resourceNames = r.resourceNames;
    return out;
  }),
  fc.record({ nonResourceURLs: fc.subarray(['/healthz', '/apis/*', '*'], { minLength: 1 }), verbs: fc.subarray(['get', 'post'], { minLength: 1 }) }),
);
const subjectArb: fc.Arbitrary<Subj> = fc.oneof(
  fc.record({ kind: fc.constant('User'), name: fc.constantFrom(...users) }),
  fc.record({ kind: fc.constant('Group'), name: fc.constantFrom(...groupsPool) }),
  fc.record({ kind: fc.constant('ServiceAccount'), name: fc.constant('sa'), namespace: fc.constantFrom(...namespaces, '') }).map((s) =>
    s.namespace === '' ? { kind: s.kind, name: s.name } : s,
  ),
);
const roleNames = ['r1', 'r2', 'r3'];
const objectArb: fc.Arbitrary<RbacObject> = fc.oneof(
  fc.record({ name: fc.constantFrom(...roleNames), rules: fc.array(ruleArb, { maxLength: 3 }) }).map((r) => clusterRole(r.name, r.rules)),
  fc
    .record({ ns: fc.constantFrom(...namespaces), name: fc.constantFrom(...roleNames), rules: fc.array(ruleArb, { maxLength: 3 }) })
    .map((r) => role(r.ns, r.name, r.rules)),
  fc
    .record({ name: fc.constantFrom('c1', 'c2', 'c3'), role: fc.constantFrom(...roleNames, 'nope'), subjects: fc.array(subjectArb, { maxLength: 3 }) })
    .map((b) => clusterRoleBinding(b.name, b.role, b.subjects)),
  fc
    .record({
      ns: fc.constantFrom(...namespaces),
      name: fc.constantFrom('b1', 'b2', 'b3'),
      ref: fc.record({ kind: fc.constantFrom('Role', 'ClusterRole'), name: fc.constantFrom(...roleNames) }),
      subjects: fc.array(subjectArb, { maxLength: 3 }),
    })
    .map((b) => roleBinding(b.ns, b.name, b.ref, b.subjects)),
);
const requestArb: fc.Arbitrary<AuthorizationRequest> = fc.oneof(
  fc.record({
    user: fc.constantFrom(...users),
    groups: fc.subarray(groupsPool),
    verb: fc.constantFrom('get', 'list', 'update', 'delete'),
    apiGroup: fc.constantFrom('', 'apps'),
    resource: fc.constantFrom('pods', 'deployments', 'services'),
    subresource: fc.constantFrom(undefined, 'status'),
    namespace: fc.constantFrom(undefined, ...namespaces),
    name: fc.constantFrom(undefined, 'a', 'b', 'c'),
  }),
  fc.record({
    user: fc.constantFrom(...users),
    groups: fc.subarray(groupsPool),
    verb: fc.constantFrom('get', 'post'),
    nonResourceURL: fc.constantFrom('/healthz', '/apis', '/apis/apps', '/version'),
  }),
);

/** The final state after a sequence of upserts (last write wins per kind/namespace/name). */
function finalState(ops: RbacObject[]): RbacObject[] {
  const m = new Map<string, RbacObject>();
  for (const o of ops) m.set(`${o.kind}/${o.metadata?.namespace ?? ''}/${o.metadata?.name}`, o);
  return [...m.values()];
}

/** A plain scan with no index, written from the rules of the real authorizer. */
function naiveAuthorize(objs: RbacObject[], r: AuthorizationRequest): boolean {
  const rulesOf = (kind: string, ns: string, name: string): PolicyRule[] | undefined => {
    const o = objs.find((x) => x.kind === kind && x.metadata?.name === name && (kind === 'ClusterRole' || x.metadata?.namespace === ns));
    return (o as Role | ClusterRole | undefined)?.rules ?? (o ? [] : undefined);
  };
  const applies = (s: Subj, ns: string) =>
    s.kind === 'User'
      ? s.name === r.user
      : s.kind === 'Group'
        ? r.groups.includes(s.name)
        : (s.namespace || ns) !== '' && r.user === `system:serviceaccount:${s.namespace || ns}:${s.name}`;
  for (const o of objs) {
    let ns: string;
    if (o.kind === 'ClusterRoleBinding') ns = '';
    else if (o.kind === 'RoleBinding' && r.namespace && o.metadata?.namespace === r.namespace) ns = r.namespace;
    else continue;
    const b = o as RoleBinding;
    if (!(b.subjects ?? []).some((s) => applies(s, ns))) continue;
    const rules = rulesOf(b.roleRef.kind, ns, b.roleRef.name) ?? [];
    if (rules.some((rule) => ruleAllows(r, rule))) return true;
  }
  return false;
}

describe('properties', () => {
  test.prop([fc.array(objectArb, { minLength: 4, maxLength: 30 }), fc.array(requestArb, { minLength: 1, maxLength: 10 })], { numRuns: 400 })(
    'the subject index decides as a scan of every binding',
    (ops, requests) => {
      const idx = new RbacIndex();
      for (const o of ops) idx.upsert(o);
      const state = finalState(ops);
      for (const r of requests) expect(idx.authorize(r).allowed).toBe(naiveAuthorize(state, r));
    },
  );

  test.prop([fc.array(objectArb, { maxLength: 14 }), fc.array(fc.nat(), { maxLength: 6 }), fc.array(requestArb, { minLength: 1, maxLength: 8 })])(
    'incremental upserts and removes give the same decisions as a fresh index of the final state',
    (ops, removals, requests) => {
      const idx = new RbacIndex(ops);
      let state = finalState(ops);
      for (const i of removals) {
        if (state.length === 0) break;
        const o = state[i % state.length]!;
        expect(idx.remove(o.kind, o.metadata?.namespace, o.metadata!.name!)).toBe(true);
        state = state.filter((x) => x !== o);
      }
      const fresh = new RbacIndex(state);
      for (const r of requests) expect(idx.authorize(r)).toEqual(fresh.authorize(r));
    },
  );

  test.prop([fc.array(objectArb, { maxLength: 10 }), requestArb])('allowed iff some rule of rulesFor allows', (ops, r) => {
    const idx = new RbacIndex(ops);
    const { rules } = idx.rulesFor(r.user, r.groups, r.namespace ?? '');
    expect(idx.authorize(r).allowed).toBe(rules.some((rule) => ruleAllows(r, rule)));
  });
});

describe('RbacIndex decision cache', () => {
  const role = (name: string, rules: PolicyRule[]): Role => ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', metadata: { name, namespace: 'default' }, rules });
  const binding = (name: string, roleName: string, user: string): RoleBinding =>
    ({ apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', metadata: { name, namespace: 'default' }, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: roleName }, subjects: [{ kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: user }] });
  const ask = (idx: RbacIndex, verb: string, resource: string, name?: string) => idx.authorize({ user: 'ann', groups: [], verb, resource, apiGroup: '', namespace: 'default', name }).allowed;

  it('answers again after a role or binding changes', () => {
    const idx = new RbacIndex([role('reader', [{ verbs: ['get'], apiGroups: [''], resources: ['pods'] }])]);
    expect(ask(idx, 'get', 'pods', 'a')).toBe(false);
    idx.upsert(binding('ann-reads', 'reader', 'ann'));
    expect(ask(idx, 'get', 'pods', 'a')).toBe(true);
    expect(ask(idx, 'get', 'pods', 'b')).toBe(true);
    idx.remove('RoleBinding', 'default', 'ann-reads');
    expect(ask(idx, 'get', 'pods', 'a')).toBe(false);
  });

  it('still tells names apart for resources a rule limits by resourceNames', () => {
    const idx = new RbacIndex([role('one', [{ verbs: ['get'], apiGroups: [''], resources: ['configmaps'], resourceNames: ['mine'] }]), binding('ann-one', 'one', 'ann')]);
    expect(ask(idx, 'get', 'configmaps', 'mine')).toBe(true);
    expect(ask(idx, 'get', 'configmaps', 'theirs')).toBe(false);
    expect(ask(idx, 'get', 'configmaps', 'mine')).toBe(true);
  });
});
