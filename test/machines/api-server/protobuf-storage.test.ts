import { describe, expect, it } from 'vitest';
import { asStored } from '../../../machines/api-server/protobuf-storage.js';

describe('objects as protobuf storage keeps them', () => {
  it('drops empty maps and lists at any depth, keeps empty structs and scalars', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', labels: {}, annotations: {}, finalizers: [] },
      spec: {
        nodeSelector: {},
        volumes: [{ name: 'scratch', emptyDir: {} }],
        containers: [{ name: 'c', image: 'nginx', args: [], env: [], resources: { limits: {}, requests: { cpu: '1' } }, securityContext: {} }],
      },
      status: { conditions: [], phase: 'Pending' },
    };
    const before = structuredClone(pod);
    expect(asStored(pod)).toEqual({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p' },
      spec: { volumes: [{ name: 'scratch', emptyDir: {} }], containers: [{ name: 'c', image: 'nginx', resources: { requests: { cpu: '1' } }, securityContext: {} }] },
      status: { phase: 'Pending' },
    });
    expect(pod).toEqual(before); // the argument is not changed
  });

  it('returns the same object when there is nothing to drop, and leaves kinds without Go types alone', () => {
    const svc = { apiVersion: 'v1', kind: 'Service', metadata: { name: 's', labels: { a: 'b' } }, spec: { ports: [{ port: 80 }] }, status: { loadBalancer: {} } };
    expect(asStored(svc)).toBe(svc);
    const unknown = { apiVersion: 'example.com/v1', kind: 'Widget', metadata: { labels: {} } };
    expect(asStored(unknown)).toBe(unknown);
  });

  it("drops an empty map and a null timestamp in a Deployment's pod template (the template the controller compares)", () => {
    const d = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'web' }, spec: { template: { metadata: { creationTimestamp: null, labels: { app: 'web' }, annotations: {} }, spec: { containers: [{ name: 'c' }] } } } };
    expect(asStored(d).spec.template.metadata).toEqual({ labels: { app: 'web' } });
  });
});

describe('an update normalized against the stored object', () => {
  const stored = asStored({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'p', labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] }, status: { phase: 'Pending' } });

  it('drops the empty collections the change brought in and keeps the unchanged parts as they are', () => {
    const next = { ...stored, status: { phase: 'Running', conditions: [], podIPs: [{ ip: '10.0.0.1' }] } };
    const out = asStored(next, stored);
    expect(out).toEqual({ ...stored, status: { phase: 'Running', podIPs: [{ ip: '10.0.0.1' }] } });
    expect(out.spec).toBe(stored.spec);
    expect(out.metadata).toBe(stored.metadata);
    expect(next.status.conditions).toEqual([]); // the argument is not changed
  });

  it('gives an object it returned back unchanged', () => {
    const once = asStored({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q', annotations: {} } });
    expect(asStored(once)).toBe(once);
    expect(once).toEqual({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'q' } });
  });
});
