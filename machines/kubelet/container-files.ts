/**
 * Where the files written in a container live, as on a real node:
 *
 * - a container's **writable layer** (containerd's overlayfs upper directory): what its processes
 *   write outside its volumes, for the life of that container; a restarted container is a new
 *   container, started from its image, with a new layer. It is on its node's disk ({@link NodeDisk}),
 *   keyed by pod uid, container name and the run's start;
 * - an **emptyDir** volume: on its node's disk under the pod's uid, shared by the pod's containers,
 *   kept across container restarts, removed with the pod;
 * - a **hostPath** volume: on its node's disk, by path (another node has other files there);
 * - a **PersistentVolume** (a claim's volume): in the storage backend the volume was provisioned
 *   on ({@link FileStore} keyed by the PersistentVolume's uid, held by the cluster), so that its
 *   data follows the claim to whichever node its next pod runs on, and is gone with the volume;
 * - ConfigMap, Secret, projected and downward API volumes (and any mount with `readOnly: true`)
 *   are read-only: writing there fails with `Read-only file system`.
 *
 * Every store keeps the versions of each tree with the time each was written, so that a process
 * replayed from its start sees its volumes as they were when it started (a replay never changes
 * after the fact), and what was written in them since is laid over what it wrote itself.
 *
 * A pod that writes nothing costs nothing: stores hold only the trees something was written to.
 */
import type { Container, Pod } from '../../src/api/types.js';
import type { FileTree } from './files.js';

/** Files written over a base, by absolute (or volume-relative) path: `null` is a file removed (an overlay whiteout). */
export type Layer = Readonly<Record<string, string | null>>;

/** The layer of nothing written (shared by every container and volume that wrote nothing). */
const EMPTY_LAYER: Layer = Object.freeze({});

interface Version {
  atAbs: number;
  tree: Layer;
}

/** Trees of files by key, each with its versions over time (ms since 1970). */
export class FileStore {
  private readonly trees = new Map<string, Version[]>();

  /** The tree of `key` as it was at `atAbs` (default: its latest). */
  read(key: string, atAbs = Infinity): Layer {
    const versions = this.trees.get(key);
    if (!versions) return EMPTY_LAYER;
    for (let i = versions.length - 1; i >= 0; i--) if (versions[i]!.atAbs <= atAbs) return versions[i]!.tree;
    return EMPTY_LAYER;
  }

  /** Writes the tree of `key` at `atAbs` (its latest version from then on). */
  write(key: string, atAbs: number, tree: Layer): void {
    const versions = this.trees.get(key) ?? [];
    const last = versions[versions.length - 1];
    // writes are in time order: one stamped before the latest (a clock read earlier) is taken as made with it
    if (last && last.atAbs >= atAbs) versions[versions.length - 1] = { atAbs: last.atAbs, tree: Object.freeze({ ...tree }) };
    else versions.push({ atAbs, tree: Object.freeze({ ...tree }) });
    this.trees.set(key, versions);
  }

  /** Removes every tree whose key starts with `prefix`. */
  remove(prefix: string): void {
    for (const key of [...this.trees.keys()]) if (key.startsWith(prefix)) this.trees.delete(key);
  }

  /** Keeps only the trees `keep` accepts. */
  retain(keep: (key: string) => boolean): void {
    for (const key of [...this.trees.keys()]) if (!keep(key)) this.trees.delete(key);
  }

  /** How many trees it holds. */
  get size(): number {
    return this.trees.size;
  }

  /** The keys holding a tree, in order. */
  keys(): string[] {
    return [...this.trees.keys()].sort();
  }
}

/**
 * A node's disk: its containers' writable layers (containerd's snapshots), its pods' emptyDir
 * volumes (the kubelet's `/var/lib/kubelet/pods/<uid>/volumes`) and what hostPath volumes wrote
 * under its paths. It belongs to the machine (machines/node.ts), so it outlives a restart of the
 * kubelet; the kubelet removes a pod's layers and emptyDirs when the pod is gone.
 */
export class NodeDisk extends FileStore {
  /** Removes what belongs to the pod with this uid (its layers, its emptyDir volumes). */
  forgetPod(uid: string): void {
    this.remove(`layer/${uid}/`);
    this.remove(`emptyDir/${uid}/`);
  }
}

/**
 * The storage backend of PersistentVolumes: each volume's files by `pv/<name>/<uid>`. It knows the
 * volumes it holds (`uidOf` a volume's name: its uid, undefined when there is none). A volume's
 * data goes with the volume: each write first forgets the data of volumes that are gone.
 */
export class VolumeStorage extends FileStore {
  constructor(private readonly uidOf: (name: string) => string | undefined) {
    super();
  }

  /** The volume of that name as it is now (its uid), undefined when there is none. */
  volume(name: string): { name: string; uid: string } | undefined {
    const uid = this.uidOf(name);
    return uid === undefined ? undefined : { name, uid };
  }

  override write(key: string, atAbs: number, tree: Layer): void {
    this.retain((k) => {
      const [, name = '', uid = ''] = k.split('/');
      return this.uidOf(name) === uid;
    });
    super.write(key, atAbs, tree);
  }
}

/** The key of a container run's writable layer on its node's disk. */
export function layerKey(pod: Pod, container: string, startedAt: string): string {
  return `layer/${pod.metadata?.uid ?? ''}/${container}/${startedAt}`;
}

/** Where the written files of a pod are: its node's disk, the PersistentVolumes' storage. */
export interface PodFiles {
  /** The disk of the pod's node (undefined: the pod is on no node, or the node is gone). */
  disk: NodeDisk | undefined;
  /** The storage backend of PersistentVolumes, by `pv/<name>/<uid>`. */
  storage: FileStore | undefined;
  /** The PersistentVolume bound to the claim `name` of the pod's namespace (undefined: none bound). */
  volumeOf(claim: string): { name: string; uid: string } | undefined;
}

/** Where the writes of a container's lifecycle hooks go: the container, in its pod, on its node's disk. */
export interface HookWrites {
  pod: Pod;
  container: Container;
  files: PodFiles;
}

/**
 * Runs `run` (a command in a container's run that started at `startedAt`) over the container's
 * files now (`replayed` with what was written since), and keeps what it wrote at `atAbs`.
 */
export function withWrites<R extends { files?: FileTree }>(writes: HookWrites | undefined, startedAt: string, replayed: FileTree, atAbs: number, run: (files: FileTree) => R): R {
  if (!writes) return run(replayed);
  const files = filesNow(writes.pod, writes.container, startedAt, replayed, writes.files);
  const result = run(files);
  if (result.files) keepWrites(files, result.files, containerMounts(writes.pod, writes.container, writes.files), { store: writes.files.disk, key: layerKey(writes.pod, writes.container.name, startedAt) }, atAbs);
  return result;
}

/** A mount of a container, as the runtime sets it up. */
export interface MountPlan {
  /** Where it is mounted (no trailing slash). */
  path: string;
  readOnly: boolean;
  /** A ConfigMap, Secret, projected or downward API volume (its files are the kubelet's), or a volume of data. */
  source: 'config' | 'data';
  /** Where its data is written (a writable emptyDir, hostPath or PersistentVolume whose store is known). */
  store?: FileStore;
  key?: string;
  /** The directory of the volume mounted (its `subPath`), '' for all of it. */
  subPath: string;
}

const READ_ONLY_SOURCES = ['configMap', 'secret', 'projected', 'downwardAPI'] as const;

function trim(path: string): string {
  const t = path.replace(/\/+$/, '');
  return t === '' ? '/' : t;
}

/** The mounts of `container` in `pod`, deepest last, with where each one's data is written. */
export function containerMounts(pod: Pod, container: Container, files: PodFiles | undefined): MountPlan[] {
  const out: MountPlan[] = [];
  const uid = pod.metadata?.uid ?? '';
  for (const m of container.volumeMounts ?? []) {
    const volume = pod.spec?.volumes?.find((v) => v.name === m.name);
    if (!volume) continue;
    const source = volume as unknown as Record<string, unknown>;
    const config = READ_ONLY_SOURCES.some((k) => source[k] !== undefined && source[k] !== null);
    const plan: MountPlan = { path: trim(m.mountPath), readOnly: m.readOnly === true || config, source: config ? 'config' : 'data', subPath: (m.subPath ?? '').replace(/^\/+|\/+$/g, '') };
    if (volume.emptyDir && files?.disk) Object.assign(plan, { store: files.disk, key: `emptyDir/${uid}/${volume.name}` });
    else if (volume.hostPath && files?.disk) Object.assign(plan, { store: files.disk, key: `hostPath${trim(volume.hostPath.path.startsWith('/') ? volume.hostPath.path : `/${volume.hostPath.path}`)}` });
    else if (volume.persistentVolumeClaim) {
      if (volume.persistentVolumeClaim.readOnly) plan.readOnly = true;
      const pv = files?.volumeOf(volume.persistentVolumeClaim.claimName);
      if (pv && files?.storage) Object.assign(plan, { store: files.storage, key: `pv/${pv.name}/${pv.uid}` });
    }
    out.push(plan);
  }
  return out.sort((a, b) => a.path.length - b.path.length);
}

/** Where a file of the mounted volume (`rel`, relative to the volume) is in the container, if it is under the mount's `subPath`. */
function inContainer(plan: MountPlan, rel: string): string | undefined {
  const base = plan.path === '/' ? '' : plan.path;
  if (plan.subPath === '') return `${base}/${rel}`;
  if (rel === plan.subPath) return plan.path; // a file mounted by its subPath
  return rel.startsWith(`${plan.subPath}/`) ? `${base}/${rel.slice(plan.subPath.length + 1)}` : undefined;
}

/** Where a file of the container under the mount (`path`) is in its volume ('' for the mount point itself with no subPath). */
function inVolume(plan: MountPlan, path: string): string {
  const rest = path === plan.path ? '' : path.slice(plan.path === '/' ? 1 : plan.path.length + 1);
  return [plan.subPath, rest].filter((x) => x !== '').join('/');
}

/** The files of a writable mount's volume at `atAbs`, relative to the mount ('' for a file mounted by its subPath). */
function mountedAt(plan: MountPlan, atAbs: number): FileTree {
  if (!plan.store || !plan.key) return {};
  const out: Record<string, string> = {};
  for (const [rel, content] of Object.entries(plan.store.read(plan.key, atAbs))) {
    const path = content === null ? undefined : inContainer(plan, rel);
    if (path === undefined) continue;
    out[path === plan.path ? '' : path.slice(plan.path === '/' ? 1 : plan.path.length + 1)] = content!;
  }
  return out;
}

/**
 * The data volumes mounted in a container (emptyDir, hostPath, claims) as a run that started at `startAbs` finds them (their
 * volumes' files then), for the process's context: they hide what the image has under them.
 */
export function writableMounts(plans: readonly MountPlan[], startAbs: number): { path: string; files: FileTree }[] {
  return plans.filter((p) => p.source === 'data').map((p) => ({ path: p.path, files: mountedAt(p, startAbs) }));
}

/** The mount `path` is under (the deepest), if any. */
function mountOf(plans: readonly MountPlan[], path: string): MountPlan | undefined {
  let found: MountPlan | undefined;
  for (const p of plans) if (path === p.path || path.startsWith(p.path === '/' ? '/' : `${p.path}/`)) found = p;
  return found;
}

/** The mount paths a container cannot write under (its read-only mounts). */
export function readOnlyPaths(plans: readonly MountPlan[]): string[] {
  return plans.filter((p) => p.readOnly).map((p) => p.path);
}

/**
 * A container's files now: what its process left (`replayed`, a run from `startAbs`), with what
 * was written since laid over it: its writable layer, and the files of its writable volumes that
 * changed since the run started (written by an exec, another container, another pod).
 */
function currentFiles(replayed: FileTree, plans: readonly MountPlan[], layer: Layer, startAbs: number): FileTree {
  const changedVolumes = plans.filter((p) => p.store && p.key && p.store.read(p.key) !== p.store.read(p.key, startAbs));
  if (layer === EMPTY_LAYER && changedVolumes.length === 0) return replayed;
  const out: Record<string, string> = { ...replayed };
  for (const [path, content] of Object.entries(layer)) {
    if (content === null) delete out[path];
    else out[path] = content;
  }
  for (const p of changedVolumes) {
    const then = p.store!.read(p.key!, startAbs);
    const now = p.store!.read(p.key!);
    for (const rel of new Set([...Object.keys(then), ...Object.keys(now)])) {
      const path = then[rel] === now[rel] ? undefined : inContainer(p, rel);
      if (path === undefined) continue;
      const content = now[rel];
      if (content === undefined || content === null) delete out[path];
      else out[path] = content;
    }
  }
  return out;
}

/**
 * The files of container `container` of `pod` in its run that started at `startedAt`, now:
 * `replayed` (what its process left) with what was written since laid over it.
 */
export function filesNow(pod: Pod, container: Container, startedAt: string, replayed: FileTree, files: PodFiles | undefined): FileTree {
  if (!files) return replayed;
  const plans = container.volumeMounts?.length ? containerMounts(pod, container, files) : [];
  const layer = files.disk?.read(layerKey(pod, container.name, startedAt)) ?? EMPTY_LAYER;
  return currentFiles(replayed, plans, layer, Date.parse(startedAt));
}

/**
 * Keeps what a command run in a container (an exec) changed in its files (`before` → `after`) at
 * `atAbs`: a file under a writable volume in that volume's store, any other in the container's
 * writable layer (`layer`, at `layerAt`). Files under `/proc` (other containers' roots) and under
 * read-only mounts are not kept.
 */
export function keepWrites(before: FileTree, after: FileTree, plans: readonly MountPlan[], layerAt: { store: FileStore | undefined; key: string }, atAbs: number): void {
  const changed: [string, string | null][] = [];
  for (const [path, content] of Object.entries(after)) if (before[path] !== content) changed.push([path, content]);
  for (const path of Object.keys(before)) if (!(path in after)) changed.push([path, null]);
  if (changed.length === 0) return;
  const volumes = new Map<MountPlan, Record<string, string | null>>();
  let layer: Record<string, string | null> | undefined;
  for (const [path, content] of changed.sort(([a], [b]) => a.localeCompare(b))) {
    if (path === '/proc' || path.startsWith('/proc/')) continue;
    const mount = mountOf(plans, path);
    if (mount?.readOnly) continue;
    if (mount) {
      if (!mount.store || !mount.key) continue;
      const rel = inVolume(mount, path);
      if (rel === '') continue; // the mount point itself
      const tree = volumes.get(mount) ?? { ...mount.store.read(mount.key) };
      if (content === null) delete tree[rel];
      else tree[rel] = content;
      volumes.set(mount, tree);
      continue;
    }
    if (!layerAt.store) continue;
    layer ??= { ...layerAt.store.read(layerAt.key) };
    layer[path] = content;
  }
  for (const [mount, tree] of volumes) mount.store!.write(mount.key!, atAbs, tree);
  if (layer && layerAt.store) {
    // the runtime keeps one layer per container: a new run's replaces the last one's
    const prefix = layerAt.key.slice(0, layerAt.key.lastIndexOf('/') + 1);
    layerAt.store.retain((k) => !k.startsWith(prefix) || k === layerAt.key);
    layerAt.store.write(layerAt.key, atAbs, layer);
  }
}
