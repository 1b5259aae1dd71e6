/**
 * The EndpointSlice mirroring controller, after kube's pkg/controller/endpointslicemirroring
 * (its reconciler_test.go cases: ready and not-ready addresses, address types, port sets,
 * the per-subset maximum, labels and annotations copied, skip-mirror, Services with selectors).
 */
import { describe, expect, it } from 'vitest';
import type { Endpoints, KubeObject, Service } from '../../../src/api/types.js';
import type { Cluster } from '../../../src/cluster/create-cluster.js';
import { desiredMirror, MIRRORING_MANAGED_BY, SKIP_MIRROR_LABEL } from '../../../machines/controllers/endpointslice-mirroring.js';
import { MANAGED_BY_LABEL, SERVICE_NAME_LABEL } from '../../../machines/controllers/endpointslice.js';
import { miniCluster, objects } from './harness.js';

type Obj = Record<string, any>;
type Slice = KubeObject & { addressType: string; endpoints: Obj[]; ports: Obj[] };

function service(c: Cluster, name: string, selector?: Record<string, string>): Service {
  return c.client.create({ apiVersion: 'v1', kind: 'Service', metadata: { name }, spec: { ...(selector ? { selector } : {}), ports: [{ name: 'http', port: 80 }] } } as Service);
}

function endpoints(c: Cluster, name: string, subsets: Obj[], meta: Obj = {}): Endpoints {
  return c.client.create({ apiVersion: 'v1', kind: 'Endpoints', metadata: { name, ...meta }, subsets } as Endpoints);
}

function mirrored(c: Cluster, name: string): Slice[] {
  return c.client.list<Slice>('endpointslices.discovery.k8s.io', { namespace: 'default', labelSelector: `${SERVICE_NAME_LABEL}=${name},${MANAGED_BY_LABEL}=${MIRRORING_MANAGED_BY}` }).items;
}

const HTTP = [{ name: 'http', port: 8080, protocol: 'TCP' }];

describe('endpointslice mirroring controller', () => {
  it('mirrors the Endpoints of a Service without selector: ready and not-ready endpoints, labels, annotations, owner', () => {
    const c = miniCluster(['endpointslicemirroring']);
    service(c, 'db');
    const ep = endpoints(
      c,
      'db',
      [{ addresses: [{ ip: '192.168.1.10', hostname: 'db-0', nodeName: 'node-1' }], notReadyAddresses: [{ ip: '192.168.1.11' }], ports: HTTP }],
      { labels: { app: 'db', [MANAGED_BY_LABEL]: 'someone' }, annotations: { note: 'external', 'endpoints.kubernetes.io/last-change-trigger-time': '2026-01-01T00:00:00Z' } },
    );
    c.advance(1_000);
    const slices = mirrored(c, 'db');
    expect(slices).toHaveLength(1);
    const s = slices[0]!;
    expect(s.metadata!.name).toMatch(/^db-[a-z0-9]{5}$/);
    expect(s.metadata!.labels).toEqual({ app: 'db', [SERVICE_NAME_LABEL]: 'db', [MANAGED_BY_LABEL]: MIRRORING_MANAGED_BY });
    expect(s.metadata!.annotations).toEqual({ note: 'external' });
    expect(s.metadata!.ownerReferences).toEqual([{ apiVersion: 'v1', kind: 'Endpoints', name: 'db', uid: ep.metadata!.uid, controller: true, blockOwnerDeletion: true }]);
    expect(s.addressType).toBe('IPv4');
    expect(s.ports).toEqual([{ name: 'http', port: 8080, protocol: 'TCP' }]);
    expect(s.endpoints).toEqual([
      { addresses: ['192.168.1.10'], conditions: { ready: true }, hostname: 'db-0', nodeName: 'node-1' },
      { addresses: ['192.168.1.11'], conditions: { ready: false } },
    ]);

    // a change of the Endpoints updates the same slice in place
    const name = s.metadata!.name;
    c.client.patch('endpoints', 'db', { subsets: [{ addresses: [{ ip: '192.168.1.12' }], ports: HTTP }] }, { type: 'merge' });
    c.advance(1_000);
    const after = mirrored(c, 'db');
    expect(after.map((x) => x.metadata!.name)).toEqual([name]);
    expect(after[0]!.endpoints).toEqual([{ addresses: ['192.168.1.12'], conditions: { ready: true } }]);

    // someone else's edit of the mirrored slice is put right
    c.client.patch('endpointslices.discovery.k8s.io', name!, { endpoints: [] }, { type: 'merge' });
    c.advance(1_000);
    expect(mirrored(c, 'db')[0]!.endpoints).toEqual([{ addresses: ['192.168.1.12'], conditions: { ready: true } }]);

    // the Endpoints deleted: its slices go
    c.client.delete('endpoints', 'db');
    c.advance(1_000);
    expect(mirrored(c, 'db')).toEqual([]);
    expect(c.kernel.errors).toEqual([]);
  });

  it('mirrors nothing for a Service with a selector, a missing Service, or an Endpoints labelled skip-mirror', () => {
    const c = miniCluster(['endpointslicemirroring']);
    service(c, 'selected', { app: 'x' });
    endpoints(c, 'selected', [{ addresses: [{ ip: '10.0.0.1' }], ports: HTTP }]);
    endpoints(c, 'orphan', [{ addresses: [{ ip: '10.0.0.2' }], ports: HTTP }]);
    service(c, 'skipped');
    endpoints(c, 'skipped', [{ addresses: [{ ip: '10.0.0.3' }], ports: HTTP }], { labels: { [SKIP_MIRROR_LABEL]: 'true' } });
    service(c, 'leader');
    endpoints(c, 'leader', [{ addresses: [{ ip: '10.0.0.4' }], ports: HTTP }], { annotations: { 'control-plane.alpha.kubernetes.io/leader': '{}' } });
    c.advance(1_000);
    for (const name of ['selected', 'orphan', 'skipped', 'leader', 'kubernetes']) expect(mirrored(c, name)).toEqual([]);

    // the orphan's Service appears: mirrored; skip-mirror removed: mirrored; a selector added: the slices go
    service(c, 'orphan');
    c.client.patch('endpoints', 'skipped', { metadata: { labels: { [SKIP_MIRROR_LABEL]: null } } }, { type: 'merge' });
    c.advance(1_000);
    expect(mirrored(c, 'orphan')).toHaveLength(1);
    expect(mirrored(c, 'skipped')).toHaveLength(1);
    c.client.patch('services', 'orphan', { spec: { selector: { app: 'orphan' } } }, { type: 'merge' });
    c.advance(1_000);
    expect(mirrored(c, 'orphan')).toEqual([]);
  });

  it('one slice per address type and port set; the per-subset maximum and invalid IPs are reported as Warnings', () => {
    const c = miniCluster(['endpointslicemirroring'], { controllerOptions: { endpointslicemirroring: { maxEndpointsPerSubset: 2 } } });
    service(c, 'multi');
    endpoints(c, 'multi', [
      { addresses: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }], ports: HTTP },
      { addresses: [{ ip: '10.0.0.2' }, { ip: 'not-an-ip' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ name: 'dns', port: 53, protocol: 'UDP' }] },
    ]);
    c.advance(1_000);
    const slices = mirrored(c, 'multi');
    const summary = slices.map((s) => `${s.addressType} ${s.ports.map((p: Obj) => `${p.name}/${p.port}/${p.protocol}`).join(',')} ${s.endpoints.map((e: Obj) => e.addresses[0]).join(',')}`).sort();
    expect(summary).toEqual(['IPv4 dns/53/UDP 10.0.0.2,10.0.0.3', 'IPv4 http/8080/TCP 10.0.0.1', 'IPv6 http/8080/TCP fd00::1']);
    const events = objects(c, 'events').filter((e) => e.involvedObject?.kind === 'Endpoints' && e.involvedObject?.name === 'multi');
    expect(events.map((e) => `${e.type} ${e.reason}: ${e.message}`).sort()).toEqual([
      'Warning InvalidIPAddress: Skipped 1 invalid IP addresses when mirroring to EndpointSlices',
      'Warning TooManyAddressesToMirror: A max of 2 addresses can be mirrored to EndpointSlices per Endpoints subset. 2 addresses were skipped',
    ]);
    expect(events.every((e) => e.source?.component === 'endpoint-slice-mirroring-controller')).toBe(true);
  });

  it('desiredMirror keeps an address once per port set and counts what it skipped', () => {
    const ep = { metadata: { name: 'x', namespace: 'default' }, subsets: [{ addresses: [{ ip: '10.0.0.1' }], ports: HTTP }, { addresses: [{ ip: '10.0.0.1' }], ports: HTTP }] } as unknown as Endpoints;
    const { desired, invalid, skipped } = desiredMirror(ep);
    expect(desired).toHaveLength(1);
    expect(desired[0]!.endpoints).toEqual([{ addresses: ['10.0.0.1'], conditions: { ready: true } }]);
    expect([invalid, skipped]).toEqual([0, 0]);
  });
});
