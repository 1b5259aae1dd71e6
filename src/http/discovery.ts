/**
 * The static documents of the API: `/version`, discovery in both forms kubectl and client
 * libraries use (aggregated discovery `apidiscovery.k8s.io/v2` at `/api` and `/apis`, and the
 * legacy `APIVersions`, `APIGroupList`, `APIGroup` and `APIResourceList` documents), all built
 * from the resource registry (`src/api/resources.ts`).
 */
import { RESOURCES, type ResourceInfo } from '../api/resources.js';
import { HPA_V1, HPA_V2 } from '../api/autoscaling-v1.js';
import { EVENTS_V1 } from '../api/events-v1.js';

/**
 * What discovery lists: the registry, and the versions served by conversion beside the stored
 * one (autoscaling/v1 HorizontalPodAutoscaler, after autoscaling/v2 which stays preferred; the
 * events.k8s.io/v1 Event, after discovery.k8s.io's EndpointSlice).
 */
const SERVED: readonly ResourceInfo[] = RESOURCES.flatMap((r) => (r === HPA_V2 ? [r, HPA_V1] : r.kind === 'EndpointSlice' ? [r, EVENTS_V1] : [r]));

/** The Kubernetes version the server claims (kubectl's dispatcher picks its client by it). */
export const SERVER_VERSION = {
  major: '1',
  minor: '32',
  gitVersion: 'v1.32.0-kube-actors',
  gitCommit: '0000000000000000000000000000000000000000',
  gitTreeState: 'clean',
  buildDate: '2026-01-01T00:00:00Z',
  goVersion: 'go1.23.0',
  compiler: 'gc',
  platform: 'linux/amd64',
} as const;

/** The content type of aggregated discovery (exactly this: kubectl compares it). */
export const AGGREGATED_DISCOVERY_V2 = 'application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList';
/** The beta form some clients still ask for. */
export const AGGREGATED_DISCOVERY_V2BETA1 = 'application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList';

/** A served group version: `{ group: 'apps', version: 'v1' }` (core: group ''). */
export interface GroupVersion {
  group: string;
  version: string;
}

/** Every group version served, core first. */
export function groupVersions(): GroupVersion[] {
  const seen = new Map<string, GroupVersion>();
  for (const r of SERVED) {
    const key = `${r.group}/${r.version}`;
    if (!seen.has(key)) seen.set(key, { group: r.group, version: r.version });
  }
  return [...seen.values()];
}

/** The API groups (named groups only, as `/apis` lists them). */
function apiGroups(): string[] {
  return [...new Set(SERVED.filter((r) => r.group !== '').map((r) => r.group))];
}

/** True when this group version is served. */
export function servesGroupVersion(group: string, version: string): boolean {
  return SERVED.some((r) => r.group === group && r.version === version);
}

function resourcesOf(group: string, version: string): ResourceInfo[] {
  return SERVED.filter((r) => r.group === group && r.version === version);
}

function gvString(group: string, version: string): string {
  return group === '' ? version : `${group}/${version}`;
}

// ---- aggregated discovery -------------------------------------------------------------------

function aggregatedResource(r: ResourceInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    resource: r.plural,
    responseKind: { group: r.group, version: r.version, kind: r.kind },
    scope: r.namespaced ? 'Namespaced' : 'Cluster',
    singularResource: r.singular,
    verbs: [...r.verbs],
  };
  if (r.shortNames.length > 0) out.shortNames = [...r.shortNames];
  if (r.categories.length > 0) out.categories = [...r.categories];
  if (r.subresources.length > 0) {
    out.subresources = r.subresources.map((s) => ({
      subresource: s.name,
      responseKind: { group: s.responseKind.group, version: s.responseKind.version, kind: s.responseKind.kind },
      verbs: [...s.verbs],
    }));
  }
  return out;
}

function aggregatedGroup(group: string): Record<string, unknown> {
  const versions = groupVersions()
    .filter((gv) => gv.group === group)
    .map((gv) => ({ version: gv.version, resources: resourcesOf(group, gv.version).map(aggregatedResource), freshness: 'Current' }));
  return {
    metadata: group === '' ? { creationTimestamp: null } : { name: group, creationTimestamp: null },
    versions,
  };
}

/** `GET /api` or `/apis` as aggregated discovery (`APIGroupDiscoveryList`). */
export function aggregatedDiscovery(which: 'api' | 'apis', version: 'v2' | 'v2beta1' = 'v2'): Record<string, unknown> {
  const groups = which === 'api' ? [''] : apiGroups();
  return {
    kind: 'APIGroupDiscoveryList',
    apiVersion: `apidiscovery.k8s.io/${version}`,
    metadata: {},
    items: groups.map((g) => aggregatedGroup(g)),
  };
}

// ---- legacy discovery ---------------------------------------------------------------------------

/** `GET /api`: `APIVersions`. */
export function apiVersions(serverAddress: string): Record<string, unknown> {
  return {
    kind: 'APIVersions',
    versions: groupVersions().filter((gv) => gv.group === '').map((gv) => gv.version),
    serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress }],
  };
}

/** `GET /apis/<group>`: one `APIGroup`. */
export function apiGroup(group: string): Record<string, unknown> | undefined {
  const versions = groupVersions().filter((gv) => gv.group === group);
  if (group === '' || versions.length === 0) return undefined;
  const list = versions.map((gv) => ({ groupVersion: gvString(group, gv.version), version: gv.version }));
  return { kind: 'APIGroup', apiVersion: 'v1', name: group, versions: list, preferredVersion: list[0] };
}

/** `GET /apis`: `APIGroupList`. */
export function apiGroupList(): Record<string, unknown> {
  const groups = apiGroups().map((g) => {
    const doc = apiGroup(g)!;
    return { name: doc.name, versions: doc.versions, preferredVersion: doc.preferredVersion };
  });
  return { kind: 'APIGroupList', apiVersion: 'v1', groups };
}

/** `GET /api/v1`, `/apis/apps/v1`: `APIResourceList` with subresources as `pods/status`. */
export function apiResourceList(group: string, version: string): Record<string, unknown> | undefined {
  const infos = resourcesOf(group, version);
  if (infos.length === 0) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const r of infos) {
    const entry: Record<string, unknown> = {
      name: r.plural,
      singularName: r.singular,
      namespaced: r.namespaced,
      kind: r.kind,
      verbs: [...r.verbs],
    };
    if (r.shortNames.length > 0) entry.shortNames = [...r.shortNames];
    if (r.categories.length > 0) entry.categories = [...r.categories];
    resources.push(entry);
    for (const s of r.subresources) {
      const sub: Record<string, unknown> = { name: `${r.plural}/${s.name}`, singularName: r.singular, namespaced: r.namespaced };
      if (s.responseKind.group !== r.group || s.responseKind.version !== r.version) {
        sub.group = s.responseKind.group;
        sub.version = s.responseKind.version;
      }
      sub.kind = s.responseKind.kind;
      sub.verbs = [...s.verbs];
      resources.push(sub);
    }
  }
  return { kind: 'APIResourceList', apiVersion: 'v1', groupVersion: gvString(group, version), resources };
}
