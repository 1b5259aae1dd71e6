/**
 * The ConfigMaps and Secrets a pod's containers read: through `env` (`configMapKeyRef`,
 * `secretKeyRef`), `envFrom` (`configMapRef`, `secretRef`) and volumes (`configMap`, `secret`,
 * `projected` sources). As the kubelet's configmap and secret managers, the kubelet GETs each one
 * a pod references (it may read only those of its pods) and the pod waits until they resolve:
 *
 * - a volume whose ConfigMap or Secret is missing (or a key its `items` name): the pod is not
 *   started, with a `FailedMount` Warning (`MountVolume.SetUp failed for volume "config" :
 *   configmap "app-config" not found`), and the kubelet asks again on its housekeeping tick;
 * - an env reference that does not resolve: the container waits in `CreateContainerConfigError`
 *   (`configmap "app-config" not found`, `couldn't find key level in ConfigMap default/app-config`),
 *   with a `Failed` Warning `Error: …`, until it does.
 *
 * References marked `optional: true` never hold a pod back. What resolved is handed to the pod
 * worker as data ({@link ConfigData}) and becomes the containers' environment and files
 * ({@link processContextOf}).
 */
import type { ConfigMap, Container, Pod, Secret } from '../../src/api/types.js';
import type { ApiClient } from '../client/api-client.js';
import type { FileTree } from './files.js';
import type { ProcessContext } from './process.js';

/** A ConfigMap or a Secret. */
export type SourceKind = 'configMap' | 'secret';

/** The data of the ConfigMaps and Secrets a pod references, by name (Secrets decoded); `null`: not found. */
export interface ConfigData {
  configMap: Record<string, Record<string, string> | null>;
  secret: Record<string, Record<string, string> | null>;
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
function containerConfigError(pod: Pod, container: Container, data: ConfigData): string | undefined {
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

/** The files of a volume for a container: its ConfigMap or Secret keys (or `items`), as paths under the mount. */
function volumeFiles(pod: Pod, volume: string, data: ConfigData): FileTree | undefined {
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
  return files;
}

/** The process context of a container: its IPs, its env references resolved, its ConfigMap and Secret volumes mounted. */
export function processContextOf(pod: Pod, container: Container, base: Omit<ProcessContext, 'keyRef' | 'source' | 'mounts'>, data: ConfigData | undefined): ProcessContext {
  if (!data) return base;
  const mounts: { path: string; files: FileTree }[] = [];
  for (const m of container.volumeMounts ?? []) {
    const files = volumeFiles(pod, m.name, data);
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

/** Reads a ConfigMap or a Secret (outside the simulation: the cluster's objects). */
export type SourceReader = (kind: SourceKind, namespace: string, name: string) => ConfigMap | Secret | undefined;

/** The process context of a container as seen from outside the simulation (logs, exec, port-forward): its sources read by `sources`. */
export function podProcessContext(pod: Pod, container: Container, catalog: ProcessContext['catalog'], sources: SourceReader | undefined): ProcessContext {
  const base = { podIP: pod.status?.podIP ?? '', hostIP: pod.status?.hostIP ?? '', catalog };
  return processContextOf(pod, container, base, sources ? configDataOf(pod, sources) : undefined);
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
  return data;
}

/**
 * The kubelet's reads of the ConfigMaps and Secrets its pods reference: each is asked for once a
 * pod needs it, and again on every housekeeping tick while a pod waits for it.
 */
export class ConfigSources {
  /** `configMap/<ns>/<name>` → its data, or null when not found; absent: not answered yet. */
  private readonly known = new Map<string, Record<string, string> | null>();
  private readonly inFlight = new Set<string>();
  /** Pods (`namespace/name`) waiting for a source, with what they wait for. */
  private readonly waiting = new Map<string, string[]>();

  constructor(
    private readonly client: ApiClient,
    /** A pod's key whose sources were answered: sync it again. */
    private readonly resync: (podKey: string) => void,
  ) {}

  /** The data of the pod's sources once every one was answered (found or not); undefined (and asked for) before. */
  dataFor(pod: Pod): ConfigData | undefined {
    const ns = pod.metadata?.namespace ?? 'default';
    const key = `${ns}/${pod.metadata?.name ?? ''}`;
    const refs = referencedSources(pod).map((r) => {
      const [kind, name] = r.split('/') as [SourceKind, string];
      return { kind, name, id: `${kind}/${ns}/${name}` };
    });
    const unknown = refs.filter((r) => !this.known.has(r.id));
    if (unknown.length > 0) {
      this.waiting.set(key, unknown.map((r) => r.id));
      for (const r of unknown) this.ask(r.id);
      return undefined;
    }
    const data: ConfigData = { configMap: {}, secret: {} };
    for (const r of refs) data[r.kind][r.name] = this.known.get(r.id)!;
    return data;
  }

  /** The pod waits for one of its sources to appear (or change): ask for them again on the next tick. */
  waitFor(pod: Pod): void {
    const ns = pod.metadata?.namespace ?? 'default';
    this.waiting.set(`${ns}/${pod.metadata?.name ?? ''}`, referencedSources(pod).map((r) => `${r.split('/')[0]}/${ns}/${r.split('/')[1]}`));
  }

  /** Forgets a pod (started or deleted). */
  forget(podKey: string): void {
    this.waiting.delete(podKey);
  }

  /** Housekeeping: asks again for what waiting pods need. */
  tick(): void {
    const ids = new Set<string>();
    for (const list of this.waiting.values()) for (const id of list) ids.add(id);
    for (const id of ids) this.ask(id, true);
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

/**
 * The status the kubelet reports for a pod whose container cannot be created from its env
 * references: Pending, the container waiting in `CreateContainerConfigError` with the message,
 * the others in `ContainerCreating` (`PodInitializing` for an init container).
 */
export function configErrorStatus(pod: Pod, hold: Extract<ConfigHold, { kind: 'env' }>, hostIP: string, now: string): NonNullable<Pod['status']> {
  const waiting = (c: Container, fallback: string) => ({
    name: c.name,
    image: c.image ?? '',
    imageID: '',
    ready: false,
    restartCount: 0,
    started: false,
    state: { waiting: c.name === hold.container ? { reason: 'CreateContainerConfigError', message: hold.message } : { reason: fallback } },
    lastState: {},
  });
  const inits = pod.spec?.initContainers ?? [];
  const apps = pod.spec?.containers ?? [];
  const names = (inits.length > 0 ? inits : apps).map((c) => c.name).join(' ');
  const started = pod.status?.startTime ?? now;
  return {
    phase: 'Pending',
    conditions: [
      { type: 'PodReadyToStartContainers', status: 'False', lastProbeTime: null, lastTransitionTime: now },
      inits.length > 0
        ? { type: 'Initialized', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotInitialized', message: `containers with incomplete status: [${names}]` }
        : { type: 'Initialized', status: 'True', lastProbeTime: null, lastTransitionTime: now },
      { type: 'Ready', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady', message: `containers with unready status: [${apps.map((c) => c.name).join(' ')}]` },
      { type: 'ContainersReady', status: 'False', lastProbeTime: null, lastTransitionTime: now, reason: 'ContainersNotReady', message: `containers with unready status: [${apps.map((c) => c.name).join(' ')}]` },
      ...(pod.status?.conditions ?? []).filter((c) => c.type === 'PodScheduled'),
    ],
    hostIP,
    hostIPs: [{ ip: hostIP }],
    startTime: started,
    ...(inits.length > 0 ? { initContainerStatuses: inits.map((c) => waiting(c, 'PodInitializing')) } : {}),
    containerStatuses: apps.map((c) => waiting(c, inits.length > 0 ? 'PodInitializing' : 'ContainerCreating')),
    qosClass: pod.status?.qosClass,
  } as NonNullable<Pod['status']>;
}
