/**
 * The ConfigMaps and Secrets a pod's containers read: through `env` (`configMapKeyRef`,
 * `secretKeyRef`), `envFrom` (`configMapRef`, `secretRef`) and volumes (`configMap`, `secret`,
 * `projected` sources). As the kubelet's configmap and secret managers, the kubelet GETs each one
 * a pod references (it may read only those of its pods) and the pod waits until they resolve:
 *
 * - a volume whose ConfigMap or Secret is missing (or a key its `items` name): the pod is not
 *   started, with a `FailedMount` Warning (`MountVolume.SetUp failed for volume "config" :
 *   configmap "app-config" not found`), and the kubelet asks again on its housekeeping tick;
 * - an env reference that does not resolve does not hold the pod: its sandbox is created and the
 *   image pulled, then the container waits in `CreateContainerConfigError` (`configmap
 *   "app-config" not found`, `couldn't find key level in ConfigMap default/app-config`), with a
 *   `Failed` Warning `Error: …`, pulled and tried again at each sync of its worker (every 10 s)
 *   until it resolves (the kubelet hands the worker the sources when they change: `pod.config`).
 *
 * References marked `optional: true` never hold a pod back. What resolved is handed to the pod
 * worker as data ({@link ConfigData}) and becomes the containers' environment and files
 * ({@link processContextOf}).
 *
 * A projected volume's `serviceAccountToken` source is the kubelet's token manager's: it asks the
 * API server for a token of the pod's ServiceAccount bound to the pod (a TokenRequest with
 * `boundObjectRef` naming the pod and its uid, for the source's audience and lifetime), holds it,
 * and asks for a fresh one once it is within 20 % of its lifetime of expiring or older than 24 h
 * (the token manager's `requiresRefresh`, without its jitter). Until it has one the pod waits,
 * with a `FailedMount` Warning (`failed to fetch token: ...`). The projection's `downwardAPI` items
 * are the pod's fields (`metadata.namespace`, ...), as a `downwardAPI` volume's.
 */
import type { ConfigMap, Container, Pod, Secret } from '../../src/api/types.js';
import type { ApiClient } from '../client/api-client.js';
import type { FileTree } from './files.js';
import { fieldRefValue, type ProcessContext } from './process.js';
import type { NetworkTimeline } from './network.js';
import { containerMounts, writableMounts, type PodFiles } from './container-files.js';
import { keyDefaultingNamespace } from '../../src/api/object-key.js';

/** A ConfigMap or a Secret. */
export type SourceKind = 'configMap' | 'secret';

/** The data of the ConfigMaps and Secrets a pod references, by name (Secrets decoded); `null`: not found. */
export interface ConfigData {
  configMap: Record<string, Record<string, string> | null>;
  secret: Record<string, Record<string, string> | null>;
  /** The service account tokens of the pod's projected volumes, by volume name: the token, or why it could not be fetched. */
  tokens?: Record<string, { token: string } | { error: string }>;
}

/** A projected volume's `serviceAccountToken` source, by volume. */
interface TokenSource {
  volume: string;
  path: string;
  audience: string;
  expirationSeconds: number;
}

/** The `serviceAccountToken` sources of a pod's projected volumes (one per volume, as validation allows). */
function tokenSources(pod: Pod): TokenSource[] {
  const out: TokenSource[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    for (const s of v.projected?.sources ?? []) {
      const t = s.serviceAccountToken;
      if (t) out.push({ volume: v.name, path: t.path, audience: t.audience ?? '', expirationSeconds: t.expirationSeconds ?? 3600 });
    }
  }
  return out;
}

interface Ref {
  kind: SourceKind;
  name: string;
  optional: boolean;
}

/** The ConfigMaps and Secrets of a pod's volumes, by volume name. */
function volumeRefs(pod: Pod): { volume: string; ref: Ref; items?: { key: string; path: string }[] }[] {
  const out: { volume: string; ref: Ref; items?: { key: string; path: string }[] }[] = [];
  for (const v of pod.spec?.volumes ?? []) {
    if (v.configMap) out.push({ volume: v.name, ref: { kind: 'configMap', name: v.configMap.name ?? '', optional: v.configMap.optional === true }, items: v.configMap.items });
    if (v.secret) out.push({ volume: v.name, ref: { kind: 'secret', name: v.secret.secretName ?? '', optional: v.secret.optional === true }, items: v.secret.items });
    for (const s of v.projected?.sources ?? []) {
      if (s.configMap) out.push({ volume: v.name, ref: { kind: 'configMap', name: s.configMap.name ?? '', optional: s.configMap.optional === true }, items: s.configMap.items });
      if (s.secret) out.push({ volume: v.name, ref: { kind: 'secret', name: s.secret.name ?? '', optional: s.secret.optional === true }, items: s.secret.items });
    }
  }
  return out;
}

/** A container's env references: whole objects (`envFrom`) and keys (`valueFrom`). */
function envRefs(container: Container): (Ref & { key?: string })[] {
  const out: (Ref & { key?: string })[] = [];
  for (const f of container.envFrom ?? []) {
    if (f.configMapRef) out.push({ kind: 'configMap', name: f.configMapRef.name ?? '', optional: f.configMapRef.optional === true });
    if (f.secretRef) out.push({ kind: 'secret', name: f.secretRef.name ?? '', optional: f.secretRef.optional === true });
  }
  for (const e of container.env ?? []) {
    const c = e.valueFrom?.configMapKeyRef;
    const s = e.valueFrom?.secretKeyRef;
    if (c) out.push({ kind: 'configMap', name: c.name ?? '', key: c.key, optional: c.optional === true });
    if (s) out.push({ kind: 'secret', name: s.name ?? '', key: s.key, optional: s.optional === true });
  }
  return out;
}

function containersOf(pod: Pod): Container[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])];
}

/** Every ConfigMap and Secret the pod references (`configMap/<name>`, `secret/<name>`), once each. */
function referencedSources(pod: Pod): string[] {
  const refs = new Set<string>();
  for (const v of volumeRefs(pod)) refs.add(`${v.ref.kind}/${v.ref.name}`);
  for (const c of containersOf(pod)) for (const r of envRefs(c)) refs.add(`${r.kind}/${r.name}`);
  return [...refs];
}

const NOUN: Record<SourceKind, string> = { configMap: 'configmap', secret: 'secret' };
const KIND: Record<SourceKind, string> = { configMap: 'ConfigMap', secret: 'Secret' };

/** Why the pod's volumes cannot be set up (the FailedMount message), or undefined. */
function mountError(pod: Pod, data: ConfigData): string | undefined {
  for (const t of tokenSources(pod)) {
    const got = data.tokens?.[t.volume];
    if (got && 'error' in got) return `MountVolume.SetUp failed for volume "${t.volume}" : failed to fetch token: ${got.error}`;
  }
  for (const v of volumeRefs(pod)) {
    const got = data[v.ref.kind][v.ref.name];
    if (got === null || got === undefined) {
      if (v.ref.optional) continue;
      return `MountVolume.SetUp failed for volume "${v.volume}" : ${NOUN[v.ref.kind]} "${v.ref.name}" not found`;
    }
    for (const item of v.items ?? []) {
      if (!(item.key in got) && !v.ref.optional) return `MountVolume.SetUp failed for volume "${v.volume}" : ${NOUN[v.ref.kind]} references non-existent config key: ${item.key}`;
    }
  }
  return undefined;
}

/** Why a container cannot be created from its env references (CreateContainerConfigError's message), or undefined. */
export function containerConfigError(pod: Pod, container: Container, data: ConfigData): string | undefined {
  const ns = pod.metadata?.namespace ?? 'default';
  for (const r of envRefs(container)) {
    const got = data[r.kind][r.name];
    if (got === null || got === undefined) {
      if (r.optional) continue;
      return `${NOUN[r.kind]} "${r.name}" not found`;
    }
    if (r.key !== undefined && !(r.key in got) && !r.optional) return `couldn't find key ${r.key} in ${KIND[r.kind]} ${ns}/${r.name}`;
  }
  return undefined;
}

/** The files of a `downwardAPI` volume or projection: each item's field of the pod. */
function downwardFiles(pod: Pod, items: NonNullable<NonNullable<NonNullable<NonNullable<Pod['spec']>['volumes']>[number]['downwardAPI']>['items']>, podIP: string, hostIP: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const item of items) {
    if (item.fieldRef) out[item.path] = fieldRefValue(pod, item.fieldRef.fieldPath, podIP, hostIP);
    else if (item.resourceFieldRef) throw new Error(`downwardAPI volume item "${item.path}": resourceFieldRef is not modelled by kube-actors`);
  }
  return out;
}

/**
 * The files of a volume for a container: its ConfigMap or Secret keys (or `items`), its
 * downward API fields and its service account token, as paths under the mount.
 */
function volumeFiles(pod: Pod, volume: string, data: ConfigData, podIP: string, hostIP: string): FileTree | undefined {
  let files: Record<string, string> | undefined;
  for (const v of volumeRefs(pod)) {
    if (v.volume !== volume) continue;
    const got = data[v.ref.kind][v.ref.name];
    files ??= {};
    if (!got) continue;
    if (v.items && v.items.length > 0) {
      for (const item of v.items) if (item.key in got) files[item.path] = got[item.key]!;
    } else for (const [k, value] of Object.entries(got)) files[k] = value;
  }
  const spec = pod.spec?.volumes?.find((v) => v.name === volume);
  if (spec?.downwardAPI) files = { ...files, ...downwardFiles(pod, spec.downwardAPI.items ?? [], podIP, hostIP) };
  for (const s of spec?.projected?.sources ?? []) {
    if (s.downwardAPI) files = { ...files, ...downwardFiles(pod, s.downwardAPI.items ?? [], podIP, hostIP) };
    const token = data.tokens?.[volume];
    if (s.serviceAccountToken && token && 'token' in token) files = { ...files, [s.serviceAccountToken.path]: token.token };
  }
  return files;
}

/** The process context of a container: its IPs, its env references resolved, its ConfigMap and Secret volumes mounted. */
export function processContextOf(pod: Pod, container: Container, base: Omit<ProcessContext, 'keyRef' | 'source' | 'mounts'>, data: ConfigData | undefined): ProcessContext {
  if (!data) return base;
  const mounts: { path: string; files: FileTree }[] = [];
  for (const m of container.volumeMounts ?? []) {
    const files = volumeFiles(pod, m.name, data, base.podIP, base.hostIP);
    if (!files) continue;
    if (m.subPath) {
      const content = files[m.subPath];
      if (content !== undefined) mounts.push({ path: m.mountPath, files: { '': content } });
    } else mounts.push({ path: m.mountPath, files });
  }
  return {
    ...base,
    source: (kind, name) => data[kind][name] ?? undefined,
    keyRef: (kind, name, key) => data[kind][name]?.[key],
    mounts,
  };
}

/** A Secret's data as text (its values are base64), `stringData` folded in as the API server does. */
function secretData(s: Secret): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(s.data ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(s.stringData ?? {})) out[k] = v;
  return out;
}

/** A ConfigMap's data (binaryData as text). */
function configMapData(c: ConfigMap): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.binaryData ?? {})) out[k] = Buffer.from(v, 'base64').toString('utf8');
  for (const [k, v] of Object.entries(c.data ?? {})) out[k] = v;
  return out;
}

/**
 * Reads a ConfigMap or a Secret (outside the simulation: the cluster's objects); `tokens`, when
 * given, reads the service account tokens the kubelet of the pod's node holds for its projected
 * volumes, by volume name.
 */
export type SourceReader = ((kind: SourceKind, namespace: string, name: string) => ConfigMap | Secret | undefined) & {
  tokens?: (pod: Pod) => Record<string, string>;
  /** The network timeline of the pod's worker (machines/kubelet/network.ts). */
  network?: (pod: Pod) => NetworkTimeline | undefined;
  /** Where the files written in the pod's containers and volumes are (machines/kubelet/container-files.ts). */
  files?: (pod: Pod) => PodFiles | undefined;
};

/**
 * The process context of a container as seen from outside the simulation (logs, exec,
 * port-forward): its sources read by `sources`, its data volumes (emptyDir, hostPath, claims)
 * mounted with their files as they were at `startAbs` (its run's start, ms since 1970).
 */
export function podProcessContext(pod: Pod, container: Container, catalog: ProcessContext['catalog'], sources: SourceReader | undefined, startAbs = Infinity): ProcessContext {
  const network = sources?.network?.(pod);
  const base = { podIP: pod.status?.podIP ?? '', hostIP: pod.status?.hostIP ?? '', catalog, ...(network ? { network } : {}) };
  const ctx = processContextOf(pod, container, base, sources ? configDataOf(pod, sources) : undefined);
  if (!container.volumeMounts?.length) return ctx;
  const data = writableMounts(containerMounts(pod, container, sources?.files?.(pod)), startAbs);
  if (data.length === 0) return ctx;
  return { ...ctx, mounts: [...(ctx.mounts ?? []), ...data].sort((a, b) => a.path.replace(/\/+$/, '').length - b.path.replace(/\/+$/, '').length) };
}

/**
 * An empty record for keys that differ from pod to pod (a projected volume's generated name,
 * `kube-api-access-x7k2p`): without a prototype, so V8 keeps it as a dictionary. A plain `{}`
 * given such a key adds a hidden-class transition to the one map every `{}` starts from; past
 * about 1,500 pods that map's transitions are full, and from then on every object that starts as
 * `{}` and gets a property name not seen before (XState's actor options, pods' specs) receives a
 * hidden class of its own, several hundred bytes per pod.
 */
function byVolume<T>(): Record<string, T> {
  return Object.create(null) as Record<string, T>;
}

/** The data a pod references, read by `get`. */
function configDataOf(pod: Pod, get: SourceReader): ConfigData {
  const ns = pod.metadata?.namespace ?? 'default';
  const data: ConfigData = { configMap: {}, secret: {} };
  for (const ref of referencedSources(pod)) {
    const [kind, name] = ref.split('/') as [SourceKind, string];
    const obj = get(kind, ns, name);
    data[kind][name] = obj ? (kind === 'secret' ? secretData(obj as Secret) : configMapData(obj as ConfigMap)) : null;
  }
  const tokens = get.tokens?.(pod);
  if (tokens) {
    data.tokens = byVolume();
    for (const [volume, token] of Object.entries(tokens)) data.tokens[volume] = { token };
  }
  return data;
}

/** A token the kubelet holds (the token manager's cache entry). */
interface HeldToken {
  token: string;
  /** When it was issued and when the API server said it expires (ms since 1970), and the lifetime asked for. */
  issuedMs: number;
  expiresMs: number;
  expirationSeconds: number;
}

/** The token manager's `maxTTL`: a token older than this is refreshed whatever its lifetime. */
const MAX_TOKEN_TTL_MS = 24 * 3600 * 1000;

/**
 * The kubelet's reads of the ConfigMaps and Secrets its pods reference, and its token manager:
 * each is asked for once a pod needs it, and again on every housekeeping tick while a pod waits
 * for it (a token, also when it needs refreshing).
 */
export class ConfigSources {
  /** `configMap/<ns>/<name>` → its data, or null when not found; absent: not answered yet. */
  private readonly known = new Map<string, Record<string, string> | null>();
  private readonly inFlight = new Set<string>();
  /** Pods (`namespace/name`) waiting for a source, with what they wait for. */
  private readonly waiting = new Map<string, string[]>();
  /** `token/<ns>/<pod>/<uid>/<volume>` → the token held, or why the API server refused it. */
  private readonly tokens = new Map<string, HeldToken | { error: string }>();

  constructor(
    private readonly client: ApiClient,
    /** A pod's key whose sources were answered: sync it again. */
    private readonly resync: (podKey: string) => void,
    /** The kubelet's clock, ms since 1970. */
    private readonly nowMs: () => number,
  ) {}

  /** The data of the pod's sources once every one was answered (found or not); undefined (and asked for) before. */
  dataFor(pod: Pod): ConfigData | undefined {
    const ns = pod.metadata?.namespace ?? 'default';
    const key = keyDefaultingNamespace(pod);
    const refs = referencedSources(pod).map((r) => {
      const [kind, name] = r.split('/') as [SourceKind, string];
      return { kind, name, id: `${kind}/${ns}/${name}` };
    });
    const unknown = refs.filter((r) => !this.known.has(r.id));
    const tokens = tokenSources(pod).map((t) => ({ ...t, id: tokenId(pod, t.volume) }));
    const unasked = tokens.filter((t) => !this.tokens.has(t.id));
    if (unknown.length > 0 || unasked.length > 0) {
      this.waiting.set(key, [...unknown.map((r) => r.id), ...unasked.map((t) => t.id)]);
      for (const r of unknown) this.ask(r.id);
      for (const t of unasked) this.askToken(pod, t);
      return undefined;
    }
    const data: ConfigData = { configMap: {}, secret: {} };
    for (const r of refs) data[r.kind][r.name] = this.known.get(r.id)!;
    if (tokens.length > 0) {
      data.tokens = byVolume();
      for (const t of tokens) {
        const held = this.tokens.get(t.id)!;
        data.tokens[t.volume] = 'error' in held ? held : { token: held.token };
      }
    }
    return data;
  }

  /** The tokens held for a pod's projected volumes, by volume name (what its containers read now). */
  tokensOf(pod: Pod): Record<string, string> {
    const out = byVolume<string>();
    for (const t of tokenSources(pod)) {
      const held = this.tokens.get(tokenId(pod, t.volume));
      if (held && 'token' in held) out[t.volume] = held.token;
    }
    return out;
  }

  /** The pod waits for one of its sources to appear (or change): ask for them again on the next tick. */
  waitFor(pod: Pod): void {
    const ns = pod.metadata?.namespace ?? 'default';
    const ids = referencedSources(pod).map((r) => `${r.split('/')[0]}/${ns}/${r.split('/')[1]}`);
    // a token refused is asked for again
    for (const t of tokenSources(pod)) {
      const id = tokenId(pod, t.volume);
      if (this.tokens.get(id) && 'error' in this.tokens.get(id)!) ids.push(id);
    }
    this.waiting.set(keyDefaultingNamespace(pod), ids);
  }

  /** Forgets a pod (started or deleted). */
  forget(podKey: string): void {
    this.waiting.delete(podKey);
  }

  /** Forgets the tokens of a pod that is gone (the token manager's `DeleteServiceAccountToken`). */
  forgetTokens(uid: string): void {
    for (const id of [...this.tokens.keys()]) if (id.split('/')[3] === uid) this.tokens.delete(id);
  }

  /** Housekeeping: asks again for what waiting pods need, and for the tokens due for a refresh. */
  tick(pods: (key: string) => Pod | undefined): void {
    const ids = new Set<string>();
    for (const list of this.waiting.values()) for (const id of list) ids.add(id);
    for (const id of ids) {
      if (!id.startsWith('token/')) this.ask(id, true);
      else if (!this.tokens.has(id)) {
        // asked and not answered (a timeout, the API server down): ask again
        const [, ns, name, uid, volume] = id.split('/') as [string, string, string, string, string];
        const pod = pods(`${ns}/${name}`);
        const source = pod?.metadata?.uid === uid ? tokenSources(pod).find((t) => t.volume === volume) : undefined;
        if (pod && source) this.askToken(pod, source);
      }
    }
    const now = this.nowMs();
    for (const [id, held] of this.tokens) {
      const [, ns, name, uid, volume] = id.split('/') as [string, string, string, string, string];
      const refused = 'error' in held;
      if (refused ? !ids.has(id) : !requiresRefresh(held, now)) continue;
      const pod = pods(`${ns}/${name}`);
      if (!pod || pod.metadata?.uid !== uid) continue;
      const source = tokenSources(pod).find((t) => t.volume === volume);
      if (source) this.askToken(pod, source);
    }
  }

  private ask(id: string, again = false): void {
    if (this.inFlight.has(id) || (!again && this.known.has(id))) return;
    this.inFlight.add(id);
    const [kind, namespace, name] = id.split('/') as [SourceKind, string, string];
    this.client.request({ verb: 'get', resource: kind === 'secret' ? 'secrets' : 'configmaps', namespace, name }, (res) => {
      this.inFlight.delete(id);
      if (res.code !== 200 && res.code !== 404) return; // unanswered (a timeout, etcd down): asked again on the next tick
      const before = this.known.get(id);
      const obj = res.code === 200 ? (res.body as ConfigMap | Secret) : undefined;
      const now = obj ? (kind === 'secret' ? secretData(obj as Secret) : configMapData(obj as ConfigMap)) : null;
      this.known.set(id, now);
      const changed = before === undefined || JSON.stringify(before) !== JSON.stringify(now);
      if (!changed) return;
      for (const [podKey, ids] of [...this.waiting]) if (ids.includes(id)) this.resync(podKey);
    });
  }

  /** The token manager's `GetServiceAccountToken`: a TokenRequest for the pod's account, bound to the pod. */
  private askToken(pod: Pod, source: TokenSource): void {
    const id = tokenId(pod, source.volume);
    if (this.inFlight.has(id)) return;
    this.inFlight.add(id);
    const namespace = pod.metadata?.namespace ?? 'default';
    const account = pod.spec?.serviceAccountName ?? 'default';
    const spec = {
      ...(source.audience ? { audiences: [source.audience] } : {}),
      expirationSeconds: source.expirationSeconds,
      boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: pod.metadata?.name ?? '', uid: pod.metadata?.uid ?? '' },
    };
    const issuedMs = this.nowMs();
    this.client.request({ verb: 'create', resource: 'serviceaccounts', subresource: 'token', namespace, name: account, body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec } }, (res) => {
      this.inFlight.delete(id);
      const before = this.tokens.get(id);
      if (res.code === 201) {
        const status = (res.body as { status?: { token?: string; expirationTimestamp?: string } }).status ?? {};
        const expiresMs = Date.parse(status.expirationTimestamp ?? '');
        this.tokens.set(id, { token: status.token ?? '', issuedMs, expiresMs: Number.isNaN(expiresMs) ? issuedMs + source.expirationSeconds * 1000 : expiresMs, expirationSeconds: source.expirationSeconds });
      } else if (res.code >= 400 && res.code < 500) {
        // a refresh that fails keeps the token held (the real manager serves it until it expires)
        if (before && 'token' in before) return;
        this.tokens.set(id, { error: (res.body as { message?: string }).message ?? `the API server answered ${res.code}` });
      } else return; // unanswered: asked again on the next tick
      if (before !== undefined && 'error' in before === 'error' in this.tokens.get(id)!) {
        if (!('error' in before)) return; // a refreshed token: the containers read it from now on
        if ((before).error === (this.tokens.get(id) as { error: string }).error) return;
      }
      for (const [podKey, ids] of [...this.waiting]) if (ids.includes(id)) this.resync(podKey);
    });
  }
}

/** The token manager's key of a pod's projected volume token. */
function tokenId(pod: Pod, volume: string): string {
  return `token/${pod.metadata?.namespace ?? 'default'}/${pod.metadata?.name ?? ''}/${pod.metadata?.uid ?? ''}/${volume}`;
}

/** The token manager's `requiresRefresh`: older than 24 h, or within 20 % of its lifetime of its expiry. */
function requiresRefresh(held: HeldToken, nowMs: number): boolean {
  if (nowMs > held.issuedMs + MAX_TOKEN_TTL_MS) return true;
  return nowMs > held.expiresMs - (held.expirationSeconds * 1000 * 20) / 100;
}

/** What holds a pod back from starting: its volumes cannot be mounted, or a container's env cannot be built. */
export type ConfigHold = { kind: 'mount'; message: string } | { kind: 'env'; container: string; message: string };

/** Whether the pod can start with `data`, or what holds it back (init containers first, as they would start first). */
export function configHold(pod: Pod, data: ConfigData): ConfigHold | undefined {
  const mount = mountError(pod, data);
  if (mount) return { kind: 'mount', message: mount };
  for (const c of containersOf(pod)) {
    const message = containerConfigError(pod, c, data);
    if (message) return { kind: 'env', container: c.name, message };
  }
  return undefined;
}
