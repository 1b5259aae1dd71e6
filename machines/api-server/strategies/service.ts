/**
 * The service strategy and REST (`pkg/registry/core/service/strategy.go`, `storage/alloc.go`): a
 * new Service gets a cluster IP from the allocator (or claims the one it asks for) unless it is
 * headless or an ExternalName; an update keeps the IP; a deleted Service gives it back.
 *
 * Node ports as `storage/alloc.go` allocates them: a NodePort or LoadBalancer Service gets one
 * per port (`initNodePorts`: ports sharing a port number share a node port; a LoadBalancer with
 * `allocateLoadBalancerNodePorts: false` gets only those it asks for), a port it asks for is
 * taken or refused (`spec.ports[i].nodePort: Invalid value`), a LoadBalancer with
 * `externalTrafficPolicy: Local` also gets a `healthCheckNodePort`. An update keeps the ports a
 * client left out (`patchAllocatedValues`, by port name), allocates the new ones and releases
 * those no longer used (`updateNodePorts`); a change to ClusterIP or ExternalName releases them
 * all and clears them (`dropTypeDependentFields`); a delete gives them back.
 */
import * as S from '../../../src/api/status.js';
import type { Status } from '../../../src/api/types.js';
import type { NodePortOperation } from '../port-allocator.js';
import type { Obj, Strategy } from '../strategy.js';

function needsNodePort(svc: Obj): boolean {
  return svc.spec?.type === 'NodePort' || svc.spec?.type === 'LoadBalancer';
}

/** `shouldAllocateNodePorts`: NodePort always, LoadBalancer unless `allocateLoadBalancerNodePorts: false`. */
function shouldAllocateNodePorts(svc: Obj): boolean {
  if (svc.spec?.type === 'NodePort') return true;
  if (svc.spec?.type === 'LoadBalancer') return svc.spec.allocateLoadBalancerNodePorts !== false;
  return false;
}

/** `apiservice.NeedsHealthCheck`: a LoadBalancer whose external traffic policy is Local. */
function needsHealthCheck(svc: Obj): boolean {
  return svc.spec?.type === 'LoadBalancer' && svc.spec.externalTrafficPolicy === 'Local';
}

function ports(svc: Obj | undefined): Obj[] {
  const list: unknown = svc?.spec?.ports;
  return Array.isArray(list) ? (list.filter((p) => typeof p === 'object' && p !== null) as Obj[]) : [];
}

function nodePortOf(port: Obj): number {
  return typeof port.nodePort === 'number' ? port.nodePort : 0;
}

/** `collectServiceNodePorts`: the node ports a Service holds, its health check port included. */
function serviceNodePorts(svc: Obj): number[] {
  const out = ports(svc).map(nodePortOf).filter((p) => p !== 0);
  const hc = svc.spec?.healthCheckNodePort;
  if (typeof hc === 'number' && hc !== 0) out.push(hc);
  return out;
}

function invalidNodePort(svc: Obj, path: string, port: number, message: string): Status {
  return S.invalid('Service', String(svc.metadata?.name ?? ''), [S.fieldError.invalid(path, port, message)]);
}

function rangeFull(): Status {
  return S.internalError('failed to allocate a nodePort: range is full');
}

/** `initNodePorts` and the health check port of `txnAllocNodePorts`, on create. */
function allocateNodePorts(svc: Obj, op: NodePortOperation): Status | undefined {
  if (needsNodePort(svc)) {
    const byPort = new Map<number, number>();
    const list = ports(svc);
    for (const [i, servicePort] of list.entries()) {
      if (nodePortOf(servicePort) === 0 && !shouldAllocateNodePorts(svc)) continue;
      const number = servicePort.port as number;
      const allocated = byPort.get(number) ?? 0;
      if (allocated === 0) {
        // the first port with this number a client gave a node port to (findRequestedNodePort)
        const requested = list.slice(i).find((p) => p.port === number && nodePortOf(p) !== 0);
        if (requested) {
          const np = nodePortOf(requested);
          const error = op.allocate(np);
          if (error) return invalidNodePort(svc, `spec.ports[${i}].nodePort`, np, error);
          servicePort.nodePort = np;
          byPort.set(number, np);
        } else {
          const np = op.allocateNext();
          if (np === undefined) return rangeFull();
          servicePort.nodePort = np;
          byPort.set(number, np);
        }
      } else if (nodePortOf(servicePort) !== allocated) {
        if (nodePortOf(servicePort) === 0) servicePort.nodePort = allocated;
        else {
          const error = op.allocate(nodePortOf(servicePort));
          if (error) return invalidNodePort(svc, `spec.ports[${i}].nodePort`, nodePortOf(servicePort), error);
        }
      }
    }
  }
  if (needsHealthCheck(svc)) return allocateHealthCheckNodePort(svc, op);
  return undefined;
}

/** `allocHealthCheckNodePort`: the one asked for, or the next free one. */
function allocateHealthCheckNodePort(svc: Obj, op: NodePortOperation): Status | undefined {
  const requested = typeof svc.spec.healthCheckNodePort === 'number' ? (svc.spec.healthCheckNodePort as number) : 0;
  if (requested !== 0) {
    const error = op.allocate(requested);
    return error ? S.internalError(`failed to allocate requested HealthCheck NodePort ${requested}: ${error}`) : undefined;
  }
  const np = op.allocateNext();
  if (np === undefined) return S.internalError('failed to allocate a HealthCheck NodePort: range is full');
  svc.spec.healthCheckNodePort = np;
  return undefined;
}

/** `patchAllocatedValues`: node ports (by port name) and the health check port a client left out are kept. */
function patchAllocatedValues(next: Obj, current: Obj): void {
  if (needsNodePort(current) && needsNodePort(next)) {
    const oldUsed = new Set(ports(current).map(nodePortOf).filter((p) => p !== 0));
    const used = new Set(ports(next).map(nodePortOf).filter((p) => p !== 0 && oldUsed.has(p)));
    const byName = new Map<string, number>();
    for (const p of ports(current)) byName.set(String(p.name ?? ''), nodePortOf(p));
    for (const p of ports(next)) {
      if (nodePortOf(p) !== 0) continue;
      const old = byName.get(String(p.name ?? '')) ?? 0;
      if (old !== 0 && !used.has(old)) p.nodePort = old;
    }
  }
  if (needsHealthCheck(current) && needsHealthCheck(next) && !next.spec.healthCheckNodePort) {
    if (current.spec.healthCheckNodePort) next.spec.healthCheckNodePort = current.spec.healthCheckNodePort;
  }
}

/** `txnUpdateNodePorts`: release on a change away from NodePort/LoadBalancer, `updateNodePorts`, the health check port. */
function updateNodePorts(next: Obj, current: Obj, op: NodePortOperation): Status | undefined {
  const type = next.spec?.type ?? 'ClusterIP';
  if (needsNodePort(current) && (type === 'ClusterIP' || type === 'ExternalName')) {
    for (const p of ports(current)) if (nodePortOf(p) !== 0) op.releaseDeferred(nodePortOf(p));
  }
  if (needsNodePort(next)) {
    const oldNumbers = serviceNodePorts(current);
    const allocatedHere = new Set<number>();
    const seen = new Set<string>();
    for (const [i, servicePort] of ports(next).entries()) {
      if (nodePortOf(servicePort) === 0 && !shouldAllocateNodePorts(next)) continue;
      let np = nodePortOf(servicePort);
      if (np !== 0) {
        if (!oldNumbers.includes(np) && !allocatedHere.has(np)) {
          const error = op.allocate(np);
          if (error) return invalidNodePort(next, `spec.ports[${i}].nodePort`, np, error);
          allocatedHere.add(np);
        }
      } else {
        const fresh = op.allocateNext();
        if (fresh === undefined) return rangeFull();
        servicePort.nodePort = np = fresh;
      }
      const key = `${String(servicePort.protocol ?? 'TCP')}/${np}`;
      if (seen.has(key)) return S.internalError(`duplicate nodePort: {${String(servicePort.protocol ?? 'TCP')} ${np}}`);
      seen.add(key);
    }
    const newNumbers = new Set(ports(next).map(nodePortOf));
    for (const p of ports(current)) if (nodePortOf(p) !== 0 && !newNumbers.has(nodePortOf(p))) op.releaseDeferred(nodePortOf(p));
  }
  const hadHealthCheck = needsHealthCheck(current);
  const hasHealthCheck = needsHealthCheck(next);
  if (!hadHealthCheck && hasHealthCheck) return allocateHealthCheckNodePort(next, op);
  if (hadHealthCheck && !hasHealthCheck && current.spec.healthCheckNodePort) op.releaseDeferred(current.spec.healthCheckNodePort as number);
  return undefined;
}

/** `dropTypeDependentFields` for node ports: cleared when the new type needs none and the client did not add any. */
function dropTypeDependentFields(next: Obj, current: Obj): void {
  if (needsNodePort(current) && !needsNodePort(next)) {
    const old = new Set(ports(current).map(nodePortOf).filter((p) => p !== 0));
    if (ports(next).every((p) => nodePortOf(p) === 0 || old.has(nodePortOf(p)))) for (const p of ports(next)) delete p.nodePort;
  }
  if (needsHealthCheck(current) && !needsHealthCheck(next) && next.spec?.healthCheckNodePort === current.spec?.healthCheckNodePort) delete next.spec.healthCheckNodePort;
}

/** The service strategy. */
export const serviceStrategy: Strategy = {
  generation: true,
  prepareForCreate(obj, { ips, dryRun, nodePorts }) {
    const spec = (obj.spec ??= {});
    if (spec.clusterIP !== 'None' && spec.type !== 'ExternalName') {
      const ip = spec.clusterIP ? ips.claim(spec.clusterIP, { dryRun }) : ips.allocate({ dryRun });
      if (ip) {
        spec.clusterIP = ip;
        spec.clusterIPs = [ip];
      }
    }
    spec.ipFamilies ??= ['IPv4'];
    spec.ipFamilyPolicy ??= 'SingleStack';
    obj.status ??= { loadBalancer: {} };
    return allocateNodePorts(obj, nodePorts());
  },
  prepareForUpdate(next, current, ctx) {
    const spec = (next.spec ??= {});
    spec.clusterIP ??= current.spec?.clusterIP;
    spec.clusterIPs ??= current.spec?.clusterIPs;
    patchAllocatedValues(next, current);
    const refused = updateNodePorts(next, current, ctx.nodePorts());
    if (refused) return refused;
    dropTypeDependentFields(next, current);
    return undefined;
  },
  afterDelete(obj, { ips, nodePortAllocator }) {
    ips.release((obj.spec?.clusterIP as string | undefined) ?? '');
    for (const port of serviceNodePorts(obj)) nodePortAllocator.release(port);
  },
  restore(obj, { ips, nodePortAllocator }) {
    const ip = obj.spec?.clusterIP;
    if (typeof ip === 'string') ips.claim(ip);
    for (const port of serviceNodePorts(obj)) nodePortAllocator.claim(port);
  },
};
