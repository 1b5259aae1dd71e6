import { describe, expect, it } from 'vitest';
import type { KubeObject, Pod, Service } from '../../../src/api/types.js';
import type { Cluster } from '../../../src/cluster/create-cluster.js';
import {
  desiredEndpointGroups,
  desiredSlices,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  SERVICE_NAME_LABEL,
  sliceLabels,
  slicePrefix,
  type SliceEndpoint,
} from '../../../machines/controllers/endpointslice.js';
import { formatDiscoveryEndpoints, formatDiscoveryPorts } from '../../../src/api/printers-discovery.js';
import { miniCluster, runningStatus } from './harness.js';

type Slice = KubeObject & { addressType: string; endpoints: SliceEndpoint[] | null; ports: { name: string; port: number; protocol: string }[] | null };

function pod(c: Cluster, name: string, labels: Record<string, string>, ports: { name: string; containerPort: number }[] = []): Pod {
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

function slicesOf(c: Cluster, service: string): Slice[] {
  return c.client.list<Slice>('endpointslices.discovery.k8s.io', { namespace: 'default', labelSelector: `${SERVICE_NAME_LABEL}=${service}` }).items;
}

function web(c: Cluster, extra: Partial<Service['spec']> = {}): Service {
  return c.client.create({
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', labels: { tier: 'front' } },
    spec: { selector: { app: 'web' }, ports: [{ name: 'http', port: 80, targetPort: 'http' }], ...extra },
  } as Service);
}

describe('endpointslice controller', () => {
  it('lists the selected pods with their conditions, node and target, owned by the Service and labelled as the real controller does', () => {
    const c = miniCluster(['endpointslice']);
    const http = [{ name: 'http', containerPort: 8080 }];
    pod(c, 'b', { app: 'web' }, http);
    pod(c, 'a', { app: 'web' }, http);
    pod(c, 'x', { app: 'other' }, http);
    setStatus(c, 'a', '10.0.0.20', true);
    setStatus(c, 'b', '10.0.0.10', false);
    setStatus(c, 'x', '10.0.0.30', true);
    const svc = web(c);
    c.advance(1_000);
    const slices = slicesOf(c, 'web');
    expect(slices).toHaveLength(1);
    const s = slices[0]!;
    expect(s.metadata!.name).toMatch(/^web-[a-z0-9]{5}$/);
    expect(s.metadata!.labels).toEqual({ tier: 'front', [SERVICE_NAME_LABEL]: 'web', [MANAGED_BY_LABEL]: MANAGED_BY });
    expect(s.metadata!.ownerReferences).toEqual([
      { apiVersion: 'v1', kind: 'Service', name: 'web', uid: svc.metadata!.uid, controller: true, blockOwnerDeletion: true },
    ]);
    expect(s.addressType).toBe('IPv4');
    expect(s.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s.endpoints!.map((e) => [e.addresses[0], e.conditions])).toEqual([
      ['10.0.0.10', { ready: false, serving: false, terminating: false }],
      ['10.0.0.20', { ready: true, serving: true, terminating: false }],
    ]);
    expect(s.endpoints![1]!.targetRef).toMatchObject({ kind: 'Pod', namespace: 'default', name: 'a' });

    // readiness changes are followed in the same slice
    setStatus(c, 'b', '10.0.0.10', true);
    c.advance(1_000);
    const after = slicesOf(c, 'web');
    expect(after.map((x) => x.metadata!.name)).toEqual([s.metadata!.name]);
    expect(after[0]!.endpoints!.every((e) => e.conditions.ready)).toBe(true);
  });

  it('keeps a placeholder slice without endpoints for a Service that selects nothing, and puts back a deleted slice', () => {
    const c = miniCluster(['endpointslice']);
    web(c);
    c.advance(1_000);
    const [placeholder] = slicesOf(c, 'web');
    expect(placeholder!.endpoints ?? []).toEqual([]);
    expect(placeholder!.ports ?? []).toEqual([]);
    c.client.delete('endpointslices.discovery.k8s.io', placeholder!.metadata!.name!);
    c.advance(1_000);
    const again = slicesOf(c, 'web');
    expect(again).toHaveLength(1);
    expect(again[0]!.metadata!.name).not.toBe(placeholder!.metadata!.name);
  });

  it('leaves Services without a selector alone (they are the mirroring controller\'s)', () => {
    const c = miniCluster(['endpointslice']);
    c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name: 'manual' }, spec: { ports: [{ port: 80 }] } } as Service);
    c.advance(1_000);
    expect(slicesOf(c, 'manual')).toEqual([]);
  });

  it('marks a terminating pod not ready but still serving, and publishNotReadyAddresses makes every endpoint ready', () => {
    const svc = { metadata: { name: 'web', namespace: 'default' }, spec: { selector: { app: 'web' }, ports: [{ name: '', port: 80, targetPort: 80 }] } } as unknown as Service;
    const ready = (name: string, ip: string, deleting: boolean): Pod =>
      ({
        metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: { app: 'web' }, ...(deleting ? { deletionTimestamp: '2026-01-01T00:00:00Z' } : {}) },
        spec: { nodeName: 'node-1', containers: [] },
        status: { phase: 'Running', podIP: ip, conditions: [{ type: 'Ready', status: 'True' }] },
      }) as unknown as Pod;
    const zone = () => 'zone-a';
    const [group] = desiredEndpointGroups(svc, [ready('a', '10.0.0.1', true), ready('b', '10.0.0.2', false)], zone);
    expect(group!.ports).toEqual([{ name: '', port: 80, protocol: 'TCP' }]);
    expect(group!.endpoints.map((e) => e.conditions)).toEqual([
      { ready: false, serving: true, terminating: true },
      { ready: true, serving: true, terminating: false },
    ]);
    expect(group!.endpoints[0]).toMatchObject({ nodeName: 'node-1', zone: 'zone-a' });
    const published = desiredEndpointGroups({ ...svc, spec: { ...svc.spec, publishNotReadyAddresses: true } }, [ready('a', '10.0.0.1', true)], zone);
    expect(published[0]!.endpoints[0]!.conditions.ready).toBe(true);
  });

  it('cuts more than 100 endpoints into several slices, and names and labels slices as the reconciler does', () => {
    const endpoints = Array.from({ length: 250 }, (_, i) => ({ addresses: [`10.0.${i >> 8}.${i & 255}`] }) as SliceEndpoint);
    const slices = desiredSlices([{ ports: [], endpoints }]);
    expect(slices.map((s) => s.endpoints.length)).toEqual([100, 100, 50]);
    expect(desiredSlices([])).toEqual([{ ports: [], endpoints: [] }]);
    expect(slicePrefix('web')).toBe('web-');
    const headless = { metadata: { name: 'db', labels: { [MANAGED_BY_LABEL]: 'someone', app: 'db' } }, spec: { clusterIP: 'None' } } as unknown as Service;
    expect(sliceLabels(headless)).toEqual({ app: 'db', 'service.kubernetes.io/headless': '', [SERVICE_NAME_LABEL]: 'db', [MANAGED_BY_LABEL]: MANAGED_BY });
  });

  it('prints ports and endpoints as kubectl get endpointslices does', () => {
    expect(formatDiscoveryPorts(null)).toBe('<unset>');
    expect(formatDiscoveryPorts([{ port: 80 }, { name: 'dns' }, {}])).toBe('80,dns,*');
    const eps = [{ addresses: ['10.0.0.1', '10.0.0.2'] }, { addresses: ['10.0.0.3'] }, { addresses: ['10.0.0.4', '10.0.0.5'] }];
    expect(formatDiscoveryEndpoints(eps)).toBe('10.0.0.1,10.0.0.2,10.0.0.3 + 2 more...');
    expect(formatDiscoveryEndpoints([])).toBe('<unset>');
  });
});
