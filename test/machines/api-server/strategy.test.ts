import { describe, expect, it } from 'vitest';
import type { Status } from '../../../src/api/types.js';
import { findResource } from '../../../src/api/resources.js';
import { strategyFor, type Obj, type StrategyContext } from '../../../machines/api-server/strategy.js';
import { ServiceIpAllocator } from '../../../machines/api-server/ip-allocator.js';
import { NodePortAllocator, NodePortOperation } from '../../../machines/api-server/port-allocator.js';
import { Rng } from '../../../src/kernel/rng.js';

const strategy = (plural: string) => strategyFor(findResource(plural)!);
const context = (ips = new ServiceIpAllocator('10.96.0.0/12'), dryRun = false, nodePortAllocator = new NodePortAllocator('30000-32767', new Rng(1))): StrategyContext & { op: NodePortOperation } => {
  const op = new NodePortOperation(nodePortAllocator, dryRun);
  return { ips, dryRun, list: () => [], nodePortAllocator, nodePorts: () => op, op };
};

describe('API strategies (pkg/registry/*/strategy.go)', () => {
  it('tracks metadata.generation for the resources whose spec kube-apiserver versions', () => {
    for (const plural of ['pods', 'services', 'namespaces', 'nodes', 'deployments', 'replicasets', 'daemonsets', 'statefulsets', 'jobs', 'cronjobs', 'replicationcontrollers', 'poddisruptionbudgets']) {
      expect(strategy(plural).generation, plural).toBe(true);
    }
    for (const plural of ['configmaps', 'secrets', 'persistentvolumeclaims', 'horizontalpodautoscalers', 'resourcequotas']) {
      expect(strategy(plural).generation, plural).toBe(false);
    }
  });

  it('a pod: Pending with its QoS class on create, its grace period on delete, never removed by an update', () => {
    const pods = strategy('pods');
    const pod: Obj = { metadata: { name: 'p', labels: { app: 'web' } }, spec: { containers: [{ name: 'c', resources: { requests: { cpu: '1' }, limits: { cpu: '1', memory: '1Gi' } } }] }, status: { phase: 'Running' } };
    pods.prepareForCreate!(pod, context());
    // a limit without a request counts as both (the request defaults to the limit)
    expect(pod.status).toEqual({ phase: 'Pending', qosClass: 'Guaranteed' });
    const burstable: Obj = { metadata: { name: 'b' }, spec: { containers: [{ name: 'c', resources: { requests: { cpu: '500m' }, limits: { cpu: '1' } } }] } };
    pods.prepareForCreate!(burstable, context());
    expect(burstable.status.qosClass).toBe('Burstable');
    const bestEffort: Obj = { metadata: { name: 'e' }, spec: { containers: [{ name: 'c' }] } };
    pods.prepareForCreate!(bestEffort, context());
    expect(bestEffort.status.qosClass).toBe('BestEffort');
    expect(pods.gracePeriod!({ spec: {} } as Obj, 10)).toBe(0); // not bound: at once
    expect(pods.gracePeriod!({ spec: { nodeName: 'n' } } as Obj, undefined)).toBe(30);
    expect(pods.gracePeriod!({ spec: { nodeName: 'n', terminationGracePeriodSeconds: 5 } } as Obj, undefined)).toBe(5);
    expect(pods.gracePeriod!({ spec: { nodeName: 'n' } } as Obj, 0)).toBe(0);
    expect(pods.gracePeriod!({ spec: { nodeName: 'n' }, status: { phase: 'Succeeded' } } as Obj, 60)).toBe(0);
    expect(pods.readyToDelete!(pod)).toBe(false);
  });

  it("a pod's affinity terms get its matchLabelKeys as requirements", () => {
    const pod: Obj = {
      metadata: { name: 'p', labels: { app: 'web', tier: 'a' } },
      spec: { containers: [], affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'h', labelSelector: { matchLabels: { app: 'web' } }, matchLabelKeys: ['tier', 'missing'] }] } } },
    };
    strategy('pods').prepareForCreate!(pod, context());
    const term = pod.spec.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution[0];
    expect(term.labelSelector).toEqual({ matchLabels: { app: 'web' }, matchExpressions: [{ key: 'tier', operator: 'In', values: ['a'] }] });
  });

  it('a service: a cluster IP on create (not kept by a dry run), kept by an update, given back on delete', () => {
    const services = strategy('services');
    const ips = new ServiceIpAllocator('10.96.0.0/12');
    const dry: Obj = { metadata: { name: 'a' }, spec: {} };
    services.prepareForCreate!(dry, context(ips, true));
    const svc: Obj = { metadata: { name: 'b' }, spec: {} };
    services.prepareForCreate!(svc, context(ips));
    expect(svc.spec.clusterIP).toBe(dry.spec.clusterIP);
    expect(svc.spec.clusterIPs).toEqual([svc.spec.clusterIP]);
    const headless: Obj = { metadata: { name: 'h' }, spec: { clusterIP: 'None' } };
    services.prepareForCreate!(headless, context(ips));
    expect(headless.spec.clusterIP).toBe('None');
    const next: Obj = { metadata: { name: 'b' }, spec: { ports: [] } };
    services.prepareForUpdate!(next, svc, context(ips));
    expect(next.spec.clusterIP).toBe(svc.spec.clusterIP);
    const other: Obj = { metadata: { name: 'c' }, spec: {} };
    services.prepareForCreate!(other, context(ips));
    expect(other.spec.clusterIP).not.toBe(svc.spec.clusterIP);
    services.afterDelete!(svc, context(ips));
    const reused: Obj = { metadata: { name: 'd' }, spec: { clusterIP: svc.spec.clusterIP } };
    services.prepareForCreate!(reused, context(ips));
    expect(reused.spec.clusterIP).toBe(svc.spec.clusterIP);
  });

  describe('a service\'s node ports (storage/alloc.go)', () => {
    const services = strategy('services');
    const setup = () => ({ ips: new ServiceIpAllocator('10.96.0.0/12'), ports: new NodePortAllocator('30000-32767', new Rng(7)) });

    it('a NodePort Service gets one per port from the dynamic band; ports sharing a number share one', () => {
      const { ips, ports } = setup();
      const svc: Obj = { metadata: { name: 'dns' }, spec: { type: 'NodePort', ports: [{ name: 'dns', port: 53, protocol: 'UDP' }, { name: 'dns-tcp', port: 53, protocol: 'TCP' }, { name: 'metrics', port: 9153, protocol: 'TCP' }] } };
      const ctx = context(ips, false, ports);
      expect(services.prepareForCreate!(svc, ctx)).toBeUndefined();
      ctx.op.commit();
      const [a, b, c] = svc.spec.ports.map((p: Obj) => p.nodePort as number);
      expect(a).toBe(b);
      expect(c).not.toBe(a);
      for (const p of [a, c]) expect(p).toBeGreaterThanOrEqual(30128); // above the static band 30000-30127
      expect(ports.allocated()).toEqual([a, c].sort((x, y) => x - y));
    });

    it('a requested port is honoured, refused when taken or out of range, and given back when the request fails', () => {
      const { ips, ports } = setup();
      const first: Obj = { metadata: { name: 'a' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] } };
      const ctx = context(ips, false, ports);
      expect(services.prepareForCreate!(first, ctx)).toBeUndefined();
      ctx.op.commit();
      expect(first.spec.ports[0].nodePort).toBe(30080);
      const taken: Obj = { metadata: { name: 'b' }, spec: { type: 'NodePort', ports: [{ port: 81 }, { port: 80, nodePort: 30080 }] } };
      const ctx2 = context(ips, false, ports);
      const refused = services.prepareForCreate!(taken, ctx2) as Status;
      ctx2.op.revert();
      expect(refused.code).toBe(422);
      expect(refused.message).toBe('Service "b" is invalid: spec.ports[1].nodePort: Invalid value: 30080: provided port is already allocated');
      // the port allocated for ports[0] before the refusal is given back
      expect(ports.allocated()).toEqual([30080]);
      const outside: Obj = { metadata: { name: 'c' }, spec: { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] } };
      expect((services.prepareForCreate!(outside, context(ips, false, ports)) as Status).message).toBe(
        'Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
      );
    });

    it('a LoadBalancer gets node ports (unless allocateLoadBalancerNodePorts is false) and a health check port with the Local policy', () => {
      const { ips, ports } = setup();
      const lb: Obj = { metadata: { name: 'lb' }, spec: { type: 'LoadBalancer', externalTrafficPolicy: 'Local', ports: [{ port: 443 }] } };
      services.prepareForCreate!(lb, context(ips, false, ports));
      expect(lb.spec.ports[0].nodePort).toBeGreaterThanOrEqual(30000);
      expect(lb.spec.healthCheckNodePort).toBeGreaterThanOrEqual(30000);
      expect(lb.spec.healthCheckNodePort).not.toBe(lb.spec.ports[0].nodePort);
      const none: Obj = { metadata: { name: 'none' }, spec: { type: 'LoadBalancer', allocateLoadBalancerNodePorts: false, ports: [{ port: 443 }] } };
      services.prepareForCreate!(none, context(ips, false, ports));
      expect(none.spec.ports[0].nodePort).toBeUndefined();
    });

    it('an update keeps the ports a client left out, releases the dropped ones; a change to ClusterIP clears and releases them all', () => {
      const { ips, ports } = setup();
      const svc: Obj = { metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }, { name: 'https', port: 443 }] } };
      services.prepareForCreate!(svc, context(ips, false, ports));
      const [http, https] = svc.spec.ports.map((p: Obj) => p.nodePort as number);
      // a PUT without the node ports, dropping https
      const next: Obj = { metadata: { name: 'web' }, spec: { type: 'NodePort', ports: [{ name: 'http', port: 80 }] } };
      const ctx = context(ips, false, ports);
      expect(services.prepareForUpdate!(next, svc, ctx)).toBeUndefined();
      ctx.op.commit();
      expect(next.spec.ports[0].nodePort).toBe(http);
      expect(ports.has(https)).toBe(false);
      const clusterIp: Obj = { metadata: { name: 'web' }, spec: { type: 'ClusterIP', ports: [{ name: 'http', port: 80, nodePort: http }] } };
      const ctx2 = context(ips, false, ports);
      services.prepareForUpdate!(clusterIp, next, ctx2);
      ctx2.op.commit();
      expect(clusterIp.spec.ports[0].nodePort).toBeUndefined();
      expect(ports.allocated()).toEqual([]);
    });

    it('a delete gives the ports back; a stored Service claims its ports', () => {
      const { ips, ports } = setup();
      const svc: Obj = { metadata: { name: 'x' }, spec: { type: 'NodePort', clusterIP: '10.96.0.9', ports: [{ port: 80, nodePort: 31000 }] } };
      services.restore!(svc, context(ips, false, ports));
      expect(ports.allocated()).toEqual([31000]);
      services.afterDelete!(svc, context(ips, false, ports));
      expect(ports.allocated()).toEqual([]);
    });
  });

  it('a namespace: Active, held by its spec finalizers, and the built-in ones never deleted', () => {
    const namespaces = strategy('namespaces');
    const ns: Obj = { metadata: { name: 'x' }, spec: { finalizers: ['kubernetes'] } };
    namespaces.prepareForCreate!(ns, context());
    expect(ns.status).toEqual({ phase: 'Active' });
    expect(namespaces.finalizing!(ns)).toBe(true);
    expect(namespaces.readyToDelete!(ns)).toBe(false);
    expect(namespaces.readyToDelete!({ ...ns, spec: { finalizers: [] } })).toBe(true);
    for (const name of ['default', 'kube-system', 'kube-public']) expect(namespaces.deleteForbidden!(name)).toBe('this namespace may not be deleted');
    expect(namespaces.deleteForbidden!('x')).toBeUndefined();
  });

  it("a job: its selector and its pods' labels generated from its uid unless manualSelector", () => {
    const job: Obj = { metadata: { name: 'pi', uid: 'u1' }, spec: { template: { spec: {} } } };
    strategy('jobs').prepareForCreate!(job, context());
    expect(job.spec.selector).toEqual({ matchLabels: { 'batch.kubernetes.io/controller-uid': 'u1' } });
    expect(job.spec.template.metadata.labels).toEqual({ 'job-name': 'pi', 'batch.kubernetes.io/job-name': 'pi', 'controller-uid': 'u1', 'batch.kubernetes.io/controller-uid': 'u1' });
    expect(job.metadata!.labels).toEqual(job.spec.template.metadata.labels);
    const manual: Obj = { metadata: { name: 'm', uid: 'u2' }, spec: { manualSelector: true, selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } } } } };
    strategy('jobs').prepareForCreate!(manual, context());
    expect(manual.spec.selector).toEqual({ matchLabels: { a: 'b' } });
    expect(manual.metadata!.labels).toEqual({ a: 'b' });
  });

  it('resources without rules of their own get a plain strategy', () => {
    const cm = strategy('configmaps');
    expect(cm.prepareForCreate).toBeUndefined();
    expect(cm.gracePeriod).toBeUndefined();
  });
});
