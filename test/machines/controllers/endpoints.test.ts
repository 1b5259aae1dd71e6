import { describe, expect, it } from 'vitest';
import type { Endpoints, Pod, Service } from '../../../src/api/types.js';
import type { Cluster } from '../../../src/cluster/create-cluster.js';
import { computeSubsets, findPort } from '../../../machines/controllers/endpoints.js';
import { miniCluster, object, runningStatus } from './harness.js';

function pod(c: Cluster, name: string, labels: Record<string, string>, ports: { name: string; containerPort: number }[]): Pod {
  return c.client.create({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'app', image: 'nginx:1.27', ports }] },
  } as Pod);
}

function setStatus(c: Cluster, name: string, ip: string, ready: boolean): void {
  c.client.patch('pods', name, { status: runningStatus(c.kernel, ip, ready) }, { subresource: 'status', type: 'merge' });
}

function endpoints(c: Cluster, name: string): Endpoints | undefined {
  return object<Endpoints>(c, 'endpoints', name);
}

function ips(list: { ip: string }[] | undefined): string[] {
  return (list ?? []).map((a) => a.ip);
}

describe('endpoints controller', () => {
  it('follows the readiness of the pods a service selects, with ports resolved by name and number', () => {
    const c = miniCluster(['endpoints']);
    const http = [{ name: 'http', containerPort: 8080 }];
    // created in an order unlike their IPs: the object is sorted by IP
    pod(c, 'a', { app: 'web' }, http);
    pod(c, 'b', { app: 'web' }, http);
    pod(c, 'c', { app: 'web' }, http);
    pod(c, 'd', { app: 'web' }, []); // no port named http: only in the numeric port's subset
    pod(c, 'x', { app: 'other' }, http);
    setStatus(c, 'a', '10.0.0.30', true);
    setStatus(c, 'b', '10.0.0.10', true);
    setStatus(c, 'c', '10.0.0.20', false);
    setStatus(c, 'd', '10.0.0.40', true);
    setStatus(c, 'x', '10.0.0.50', true);
    c.client.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', labels: { tier: 'front' } },
      spec: {
        selector: { app: 'web' },
        ports: [
          { name: 'http', port: 80, targetPort: 'http' },
          { name: 'metrics', port: 9090, targetPort: 9100 },
        ],
      },
    } as Service);
    c.advance(1_000);
    let ep = endpoints(c, 'web')!;
    expect(ep.metadata!.labels).toEqual({ tier: 'front' });
    expect(ep.subsets).toHaveLength(2);
    const [both, metricsOnly] = ep.subsets!.length === 2 && ep.subsets![0]!.ports!.length === 2 ? [ep.subsets![0]!, ep.subsets![1]!] : [ep.subsets![1]!, ep.subsets![0]!];
    expect(ips(both.addresses)).toEqual(['10.0.0.10', '10.0.0.30']);
    expect(ips(both.notReadyAddresses)).toEqual(['10.0.0.20']);
    expect(both.ports).toEqual([
      { name: 'http', port: 8080, protocol: 'TCP' },
      { name: 'metrics', port: 9100, protocol: 'TCP' },
    ]);
    expect(ips(metricsOnly.addresses)).toEqual(['10.0.0.40']);
    expect(metricsOnly.ports).toEqual([{ name: 'metrics', port: 9100, protocol: 'TCP' }]);
    const a = object<Pod>(c, 'pods', 'a')!;
    expect(both.addresses![1]).toEqual({ ip: '10.0.0.30', targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: a.metadata!.uid } });

    // c becomes ready, a stops being ready
    setStatus(c, 'c', '10.0.0.20', true);
    setStatus(c, 'a', '10.0.0.30', false);
    c.advance(1_000);
    ep = endpoints(c, 'web')!;
    const main = ep.subsets!.find((s) => s.ports!.length === 2)!;
    expect(ips(main.addresses)).toEqual(['10.0.0.10', '10.0.0.20']);
    expect(ips(main.notReadyAddresses)).toEqual(['10.0.0.30']);
    // pods go away
    c.client.delete('pods', 'b');
    c.client.delete('pods', 'd');
    c.advance(1_000);
    ep = endpoints(c, 'web')!;
    expect(ep.subsets).toHaveLength(1);
    expect(ips(ep.subsets![0]!.addresses)).toEqual(['10.0.0.20']);
    // a relabelled pod leaves
    c.client.patch('pods', 'c', { metadata: { labels: { app: 'gone' } } }, { type: 'merge' });
    c.advance(1_000);
    ep = endpoints(c, 'web')!;
    expect(ips(ep.subsets![0]!.addresses)).toEqual([]);
    expect(ips(ep.subsets![0]!.notReadyAddresses)).toEqual(['10.0.0.30']);
  });

  it('recreates a deleted Endpoints, deletes it with its service, and publishes not-ready addresses when asked', () => {
    const c = miniCluster(['endpoints']);
    pod(c, 'p1', { app: 'db' }, []);
    setStatus(c, 'p1', '10.0.1.1', false);
    c.client.create({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'db' },
      spec: { clusterIP: 'None', publishNotReadyAddresses: true, selector: { app: 'db' }, ports: [{ port: 5432 }] },
    } as Service);
    c.advance(1_000);
    let ep = endpoints(c, 'db')!;
    expect(ep.metadata!.labels).toEqual({ 'service.kubernetes.io/headless': '' });
    expect(ips(ep.subsets![0]!.addresses)).toEqual(['10.0.1.1']);
    expect(ep.subsets![0]!.ports).toEqual([{ port: 5432, protocol: 'TCP' }]);
    c.client.delete('endpoints', 'db');
    c.advance(1_000);
    ep = endpoints(c, 'db')!;
    expect(ips(ep.subsets![0]!.addresses)).toEqual(['10.0.1.1']);
    c.client.delete('services', 'db');
    c.advance(1_000);
    expect(endpoints(c, 'db')).toBeUndefined();
    // a service without a selector is left alone
    c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } } as Service);
    c.advance(1_000);
    expect(endpoints(c, 'manual')).toBeUndefined();
  });

  it('computes the same subsets whatever order the pods come in', () => {
    const svc = { metadata: { name: 's', namespace: 'n' }, spec: { selector: { app: 'a' }, ports: [{ name: 'p', port: 80, targetPort: 'web' }] } } as unknown as Service;
    const mk = (i: number, ready: boolean): Pod =>
      ({
        metadata: { name: `p${i}`, namespace: 'n', uid: `u${i}`, labels: { app: 'a' } },
        spec: { nodeName: `n${i % 3}`, containers: [{ name: 'c', image: 'x', ports: [{ name: 'web', containerPort: 8000 + (i % 2) }] }] },
        status: { podIP: `10.0.${i}.1`, phase: 'Running', conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }] },
      }) as unknown as Pod;
    const pods = Array.from({ length: 8 }, (_, i) => mk(i, i % 3 !== 0));
    const forward = computeSubsets(svc, pods);
    const backward = computeSubsets(svc, [...pods].reverse());
    expect(backward).toEqual(forward);
    expect(forward.map((s) => s.ports)).toEqual([[{ name: 'p', port: 8000, protocol: 'TCP' }], [{ name: 'p', port: 8001, protocol: 'TCP' }]]);
    expect(findPort(pods[0]!, { port: 80, targetPort: 'nope' })).toBeUndefined();
    expect(findPort(pods[0]!, { port: 80, targetPort: 1234 })).toBe(1234);
    expect(findPort(pods[0]!, { port: 80 })).toBe(80);
  });
});
