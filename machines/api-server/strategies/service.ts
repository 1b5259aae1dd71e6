/**
 * The service strategy and REST (`pkg/registry/core/service/strategy.go`, `storage/alloc.go`): a
 * new Service gets a cluster IP from the allocator (or claims the one it asks for) unless it is
 * headless or an ExternalName; an update keeps the IP; a deleted Service gives it back.
 */
import type { Strategy } from '../strategy.js';

/** The service strategy. */
export const serviceStrategy: Strategy = {
  generation: true,
  prepareForCreate(obj, { ips, dryRun }) {
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
  },
  prepareForUpdate(next, current) {
    const spec = (next.spec ??= {});
    spec.clusterIP ??= current.spec?.clusterIP;
    spec.clusterIPs ??= current.spec?.clusterIPs;
  },
  afterDelete(obj, { ips }) {
    ips.release((obj.spec?.clusterIP as string | undefined) ?? '');
  },
  restore(obj, { ips }) {
    const ip = obj.spec?.clusterIP;
    if (typeof ip === 'string') ips.claim(ip);
  },
};
