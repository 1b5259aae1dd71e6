/**
 * hostNetwork pods in a running cluster: the API server defaults each container port's hostPort
 * to its containerPort (SetDefaults_Pod), so NodePorts sees the ports a host-network pod takes on
 * its node, while the Deployment's template keeps them unset.
 */
import { describe, expect, it } from 'vitest';
import type { Deployment, Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';

describe('hostNetwork pods and NodePorts', () => {
  it('a hostNetwork Deployment gets one replica per node: the third of three on two nodes stays Pending with the NodePorts reason', () => {
    const c = createCluster({ nodes: 2, seed: 3 });
    c.client.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'agent' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'agent' } },
        template: { metadata: { labels: { app: 'agent' } }, spec: { hostNetwork: true, containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 9100 }] }] } },
      },
    } as Deployment);
    const pods = () => c.client.list<Pod>('pods', { labelSelector: 'app=agent' }).items;
    const unschedulable = (p: Pod) => p.status?.conditions?.some((x) => x.type === 'PodScheduled' && x.reason === 'Unschedulable');
    c.runUntil(() => pods().length === 3 && pods().filter((p) => p.spec?.nodeName).length === 2 && pods().some(unschedulable), { timeout: 120_000 });
    const all = pods();
    // every pod has the defaulted hostPort; the template does not
    for (const p of all) expect(p.spec!.containers[0]!.ports).toEqual([{ containerPort: 9100, hostPort: 9100, protocol: 'TCP' }]);
    expect(c.object<Deployment>('deployments', 'agent')!.spec!.template.spec!.containers[0]!.ports).toEqual([{ containerPort: 9100, protocol: 'TCP' }]);
    const bound = all.filter((p) => p.spec?.nodeName).map((p) => p.spec!.nodeName);
    expect(new Set(bound).size).toBe(2);
    const pending = all.find(unschedulable)!;
    expect(pending.status!.conditions!.find((x) => x.type === 'PodScheduled')!.message).toMatch(/^0\/2 nodes are available: 2 node\(s\) didn't have free ports for the requested pod ports\./);
    c.stop();
  });

  it('a hostNetwork pod whose hostPort differs from its containerPort is refused by the API server', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    expect(() =>
      c.client.create({
        apiVersion: 'v1',
        kind: 'Pod',
        metadata: { name: 'bad' },
        spec: { hostNetwork: true, containers: [{ name: 'c', image: 'nginx', ports: [{ containerPort: 8080, hostPort: 9090 }] }] },
      } as Pod),
    ).toThrow('spec.containers[0].ports[0].hostPort: Invalid value: 9090: must match `containerPort` when `hostNetwork` is true');
    c.stop();
  });
});
