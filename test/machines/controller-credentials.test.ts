import { describe, expect, it } from 'vitest';
import { createCluster } from '../../src/cluster/create-cluster.js';
import type { ClusterRoleBinding, Deployment, ReplicaSet, ServiceAccount } from '../../src/api/types.js';
import type { ApiClient } from '../../machines/client/api-client.js';
import { CONTROLLER_ACCOUNTS } from '../../src/api/rbac-bootstrap-controllers.js';

type Obj = Record<string, unknown>;

function managerContext(c: ReturnType<typeof createCluster>) {
  return (c.actor('controller-manager')!.getSnapshot() as { context: { clients: Map<string, ApiClient>; controllers: Record<string, unknown> } }).context;
}

function whoIs(c: ReturnType<typeof createCluster>, token: string): Obj {
  const res = c.client.request({ verb: 'create', group: 'authentication.k8s.io', resource: 'tokenreviews', body: { spec: { token } } });
  return (res.body as { status: Obj }).status;
}

const deployment = (name: string, replicas: number): Deployment =>
  ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name },
    spec: { replicas, selector: { matchLabels: { app: name } }, template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'nginx:1.27' }] } } },
  });

describe('controllers run under their ServiceAccounts (--use-service-account-credentials)', () => {
  it('each built-in controller authenticates as system:serviceaccount:kube-system:<account>, and a Deployment rolls out under them', () => {
    const c = createCluster({ nodes: 1, seed: 5 });
    c.advance(2_000);
    const ctx = managerContext(c);
    for (const [name, account] of Object.entries(CONTROLLER_ACCOUNTS)) {
      const token = ctx.clients.get(name)!.token;
      expect(token, name).not.toBe(c.users.controllerManager.token);
      const status = whoIs(c, token);
      expect(status.authenticated, name).toBe(true);
      expect((status.user as Obj).username, name).toBe(`system:serviceaccount:kube-system:${account}`);
    }
    c.client.create(deployment('web', 2));
    c.advance(30_000);
    expect(c.client.get<Deployment>('deployments', 'web').status).toMatchObject({ replicas: 2, readyReplicas: 2, updatedReplicas: 2 });
  });

  it('a controller whose role binding is gone is refused as its own account, and resumes when it is back', () => {
    const c = createCluster({ nodes: 1, seed: 5 });
    c.advance(2_000);
    const binding = c.client.get<ClusterRoleBinding>('clusterrolebindings', 'system:controller:deployment-controller');
    c.client.delete('clusterrolebindings', 'system:controller:deployment-controller');
    c.advance(100);
    c.client.create(deployment('web', 1));
    c.advance(5_000);
    expect(c.client.list<ReplicaSet>('replicasets').items).toHaveLength(0);
    const refused = c.kernel.trace.since(0).filter((e) => e.to === 'controller-manager/deployment' && e.summary.startsWith('403'));
    expect(refused.length).toBeGreaterThan(0);
    // the manager's own user could have done it: only the account's role counts
    const sar = (user: string) =>
      ((c.client.request({ verb: 'create', group: 'authorization.k8s.io', resource: 'subjectaccessreviews', body: { spec: { user, resourceAttributes: { verb: 'create', group: 'apps', resource: 'replicasets', namespace: 'default' } } } }).body as { status: Obj }).status.allowed);
    expect(sar('system:serviceaccount:kube-system:deployment-controller')).toBe(false);
    const { metadata, ...rest } = binding;
    c.client.create({ ...rest, metadata: { name: metadata!.name, labels: metadata!.labels, annotations: metadata!.annotations } } as ClusterRoleBinding);
    expect(sar('system:serviceaccount:kube-system:deployment-controller')).toBe(true);
    c.advance(30_000);
    expect(c.client.list<ReplicaSet>('replicasets').items).toHaveLength(1);
  });

  it('makes a missing account at start, asks a new token before the old one expires, and runs as the manager without the option', () => {
    const c = createCluster({ nodes: 0, seed: 5 });
    c.advance(2_000);
    c.client.delete('serviceaccounts', 'job-controller', { namespace: 'kube-system' });
    c.advance(100);
    c.actor('controller-manager')!.send({ type: 'controller-manager.restart' });
    c.advance(3_000);
    const sa = c.client.get<ServiceAccount>('serviceaccounts', 'job-controller', { namespace: 'kube-system' });
    expect(sa).toBeDefined();
    const job = managerContext(c).clients.get('job')!;
    const first = job.token;
    expect((whoIs(c, first).user as Obj).username).toBe('system:serviceaccount:kube-system:job-controller');
    // 3600 s tokens, asked again within the last 20 % (less 10 s)
    c.advance(2_800_000);
    expect(job.token).toBe(first);
    c.advance(100_000);
    expect(job.token).not.toBe(first);
    expect((whoIs(c, job.token).user as Obj).username).toBe('system:serviceaccount:kube-system:job-controller');

    const plain = createCluster({ nodes: 0, seed: 5, controllerManager: { useServiceAccountCredentials: false } });
    plain.advance(2_000);
    expect(managerContext(plain).clients.get('job')!.token).toBe(plain.users.controllerManager.token);
  });
});
