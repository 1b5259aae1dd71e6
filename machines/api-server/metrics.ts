/**
 * The API server's answers to the resource metrics API (`metrics.k8s.io/v1beta1` nodes and
 * pods): metrics-server's reads, computed from the watch cache's pods and nodes and the usage
 * model (src/metrics). Only `get` and `list` exist; a list takes label selectors (on the pods' or
 * nodes' labels, which metrics-server copies into the metrics' metadata) and field selectors on
 * `metadata.name` / `metadata.namespace`.
 */
import { findResource, type ResourceInfo } from '../../src/api/resources.js';
import { parseFieldSelector } from '../../src/api/field-selectors.js';
import { parseLabelSelector } from '../../src/api/selectors.js';
import * as S from '../../src/api/status.js';
import type { KubeObject, Status } from '../../src/api/types.js';
import { MetricsSnapshot, METRICS_API_VERSION, type MetricsSource } from '../../src/metrics/metrics-api.js';
import type { ApiRequest } from '../protocol.js';
import type { WatchCache } from './watch-cache.js';

const PODS = findResource('pods')!;

/** metrics-server's NotFound: `podmetrics.metrics.k8s.io "web-1" not found` (its group resources are podmetrics and nodemetrics). */
function metricsNotFound(info: ResourceInfo, name: string): Status {
  const resource = info.kind.toLowerCase();
  const status = S.notFound(info, name);
  return { ...status, message: `${resource}.${info.group} "${name}" not found`, details: { ...status.details, kind: resource } };
}
const NODES = findResource('nodes')!;

/** The answer to a read of the metrics API. */
export function serveMetrics(req: ApiRequest, info: ResourceInfo, cache: WatchCache, source: MetricsSource): { code: number; body: KubeObject | Status } {
  const snapshot = new MetricsSnapshot(source, cache.list(PODS));
  const q = req.query ?? {};
  const labels = q.labelSelector ? parseLabelSelector(q.labelSelector) : undefined;
  const fields = q.fieldSelector ? parseFieldSelector(q.fieldSelector, info.kind) : undefined;
  const keep = (obj: KubeObject): boolean => (!labels || labels.matches(obj.metadata?.labels)) && (!fields || fields.matches(obj));
  if (info.kind === 'NodeMetrics') {
    if (req.verb === 'get') {
      const node = cache.list(NODES).find((n) => n.metadata?.name === req.name);
      const metrics = node ? snapshot.nodeMetrics(node) : undefined;
      return metrics ? { code: 200, body: metrics } : { code: 404, body: metricsNotFound(info, req.name ?? '') };
    }
    const items = cache
      .list(NODES)
      .map((n) => snapshot.nodeMetrics(n))
      .filter((m): m is NonNullable<typeof m> => m !== undefined && keep(m));
    return { code: 200, body: { apiVersion: METRICS_API_VERSION, kind: 'NodeMetricsList', metadata: {}, items } as KubeObject };
  }
  if (req.verb === 'get') {
    const metrics = snapshot.podMetrics(`${req.namespace}/${req.name}`);
    return metrics ? { code: 200, body: metrics } : { code: 404, body: metricsNotFound(info, req.name ?? '') };
  }
  const prefix = req.namespace ? `${req.namespace}/` : '';
  const items = snapshot
    .podKeys()
    .filter((k) => k.startsWith(prefix))
    .map((k) => snapshot.podMetrics(k)!)
    .filter(keep);
  return { code: 200, body: { apiVersion: METRICS_API_VERSION, kind: 'PodMetricsList', metadata: {}, items } as KubeObject };
}
