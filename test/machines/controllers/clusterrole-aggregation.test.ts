import { describe, expect, it } from 'vitest';
import type { ClusterRole, ServiceAccount } from '../../../src/api/types.js';
import { KUBE_SYSTEM_ACCOUNTS } from '../../../src/cluster/bootstrap.js';
import { miniCluster, object } from './harness.js';

const RBAC = 'rbac.authorization.k8s.io';
const fooRule = { apiGroups: [''], resources: ['foos'], verbs: ['get'] };

describe('clusterrole-aggregation controller', () => {
  it('extends view, and through it edit and admin, with a ClusterRole labelled aggregate-to-view; and takes the rule back', () => {
    const c = miniCluster(['clusterrole-aggregation']);
    const rulesOf = (name: string) => object<ClusterRole>(c, 'clusterroles', name)!.rules ?? [];
    const before = { view: rulesOf('view').length, edit: rulesOf('edit').length, admin: rulesOf('admin').length };
    const rvBefore = object<ClusterRole>(c, 'clusterroles', 'view')!.metadata!.resourceVersion;
    // nothing to do at start: the booted roles are aggregated already
    c.advance(1_000);
    expect(object<ClusterRole>(c, 'clusterroles', 'view')!.metadata!.resourceVersion).toBe(rvBefore);
    c.client.create({
      apiVersion: `${RBAC}/v1`,
      kind: 'ClusterRole',
      metadata: { name: 'foo-viewer', labels: { [`${RBAC}/aggregate-to-view`]: 'true' } },
      rules: [fooRule],
    } as ClusterRole);
    c.advance(1_000);
    expect(rulesOf('view')).toContainEqual(fooRule);
    expect(rulesOf('view')).toHaveLength(before.view + 1);
    expect(rulesOf('edit')).toContainEqual(fooRule);
    expect(rulesOf('admin')).toContainEqual(fooRule);
    // the controller applied them (server-side apply, its own field manager)
    const managers = (object<ClusterRole>(c, 'clusterroles', 'view')!.metadata!.managedFields ?? []).map((m) => m.manager);
    expect(managers).toContain('clusterrole-aggregation-controller');
    // a user's edit of an aggregated role's rules is stomped
    c.client.patch('clusterroles', 'view', { rules: [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }] }, { type: 'merge' });
    c.advance(1_000);
    expect(rulesOf('view')).toHaveLength(before.view + 1);
    expect(rulesOf('view')).not.toContainEqual({ apiGroups: ['*'], resources: ['*'], verbs: ['*'] });
    c.client.delete('clusterroles', 'foo-viewer');
    c.advance(1_000);
    expect(rulesOf('view')).not.toContainEqual(fooRule);
    expect({ view: rulesOf('view').length, edit: rulesOf('edit').length, admin: rulesOf('admin').length }).toEqual(before);
    expect(c.kernel.errors).toEqual([]);
  });

  it('boots with the ServiceAccounts of a kubeadm kube-system', () => {
    const c = miniCluster([]);
    for (const name of ['default', 'kube-proxy', 'coredns', 'replicaset-controller', 'deployment-controller', 'clusterrole-aggregation-controller', 'generic-garbage-collector']) {
      expect(object<ServiceAccount>(c, 'serviceaccounts', name, 'kube-system'), name).toBeDefined();
    }
    expect(KUBE_SYSTEM_ACCOUNTS).toContain('namespace-controller');
  });
});
