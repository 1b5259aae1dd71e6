/**
 * What a container runs, as the container runtime would start it: the argv (the container's
 * `command`/`args` over the image's ENTRYPOINT/CMD), its environment (the kubelet's service
 * variables, `env` with literal values and the downward API), its files (the image's, the
 * kubelet's `/etc/hosts` and friends, the pod's volumes) and the image's programs.
 *
 * `runContainerProcess` replays the process on its own virtual clock (machines/kubelet/shell.ts):
 * the pod worker learns from it when the process exits (its fate), the log endpoint what it wrote
 * up to a moment. A process whose entrypoint the interpreter does not model (an application's
 * own binary) is taken as a long-lived server listening on the container's declared ports; in a
 * busybox image a busybox applet is not (the interpreter says it does not model it and exits 127).
 * The network a process sees (DNS, Services, pods) is an input captured once
 * (machines/kubelet/network.ts).
 */
import type { Container, Pod } from '../../src/api/types.js';
import { catalogEntry, containerDemand, withDefaults, type ImageEntry, type ImageProgram } from '../../src/profiles/images.js';
import { memoryLimitOf } from '../../src/profiles/stress.js';
import { overlay, type FileTree } from './files.js';
import { containerMounts, readOnlyPaths } from './container-files.js';
import { isModelledCommand, runProcess, type PsEntry, type ShellOptions, type ShellResult } from './shell.js';
import { BUSYBOX_APPLETS } from './shell-builtins.js';
import type { NetworkTimeline } from './network.js';
import type { NetRequest, RequestFlow } from './net-tools.js';

/** A container's process, as data (kept by its container actor for logs and exec). */
export interface ProcessSpec {
  /** The argv the runtime starts (ENTRYPOINT + CMD as overridden by command/args). */
  argv: string[];
  /** True when the interpreter runs it (a shell, a modelled command, a program of the image). */
  modelled: boolean;
  env: [string, string][];
  files: FileTree;
  hostname: string;
  /** The container's declared TCP ports. */
  declaredPorts: number[];
  /** The image's entry in the catalog, if any. */
  image: ImageEntry | undefined;
  /** The processes of its PID namespace, for `ps` in an exec (see `processTable`). */
  processes?: readonly PsEntry[];
  /** The network it sees over time (machines/kubelet/network.ts). */
  network?: NetworkTimeline;
  /** `nslookup`'s format, from the image's tag (busybox 1.28's, or current busybox's). */
  nslookupStyle: 'busybox-1.28' | 'busybox';
  /** Its read-only mounts (ConfigMap, Secret, projected, downward API volumes; `readOnly: true`): writing there fails. */
  readOnly?: readonly string[];
}

/** The argv a container runs: `command` replaces ENTRYPOINT (and drops CMD), `args` replaces CMD. */
function argvOf(container: Pick<Container, 'command' | 'args'>, image: ImageEntry | undefined): string[] {
  const entrypoint = container.command ?? image?.entrypoint ?? [];
  const args = container.args ?? (container.command ? [] : (image?.cmd ?? []));
  return [...entrypoint, ...args];
}

/**
 * The argv a container runs, as the runtime composes it: its `command` (else the image's
 * ENTRYPOINT), then its `args` (else the image's CMD, unless `command` is set): busybox with
 * neither runs `sh`.
 */
export function containerArgv(container: Pick<Container, 'image' | 'command' | 'args'>, catalog?: readonly ImageEntry[]): string[] {
  return argvOf(container, catalogEntry(container.image ?? '', withDefaults(catalog)));
}

function programsOf(image: ImageEntry | undefined): Record<string, ImageProgram> {
  return image?.programs ?? {};
}

/** The downward API value of a `fieldRef` (`metadata.name`, `status.podIP`, ...), or an error. */
export function fieldRefValue(pod: Pod, path: string, podIP: string, hostIP: string): string {
  const m = pod.metadata ?? {};
  const label = /^metadata\.labels\['(.+)'\]$/.exec(path);
  if (label) return m.labels?.[label[1]!] ?? '';
  const annotation = /^metadata\.annotations\['(.+)'\]$/.exec(path);
  if (annotation) return m.annotations?.[annotation[1]!] ?? '';
  switch (path) {
    case 'metadata.name':
      return m.name ?? '';
    case 'metadata.namespace':
      return m.namespace ?? 'default';
    case 'metadata.uid':
      return m.uid ?? '';
    case 'spec.nodeName':
      return pod.spec?.nodeName ?? '';
    case 'spec.serviceAccountName':
      return pod.spec?.serviceAccountName ?? 'default';
    case 'status.podIP':
    case 'status.podIPs':
      return podIP;
    case 'status.hostIP':
    case 'status.hostIPs':
      return hostIP;
    default:
      throw new Error(`unsupported fieldRef fieldPath "${path}"`);
  }
}

/** Expands `$(VAR)` references in env values and command/args as the kubelet does (`$$` escapes). */
function expandRefs(text: string, vars: Map<string, string>): string {
  return text.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_.-]*)\)/g, (m, name: string | undefined) => (m === '$$' ? '$' : vars.has(name!) ? vars.get(name!)! : m));
}

/** Where a pod's process runs: its IPs and the values the kubelet resolved for it (ConfigMap/Secret keys, volumes). */
export interface ProcessContext {
  podIP: string;
  hostIP: string;
  /** A `configMapKeyRef`/`secretKeyRef` value: `undefined` when missing. */
  keyRef?: (kind: 'configMap' | 'secret', name: string, key: string) => string | undefined;
  /** A ConfigMap's or Secret's whole data (`envFrom`): `undefined` when missing. */
  source?: (kind: 'configMap' | 'secret', name: string) => Record<string, string> | undefined;
  /** Files of the pod's volumes, by mount. */
  mounts?: { path: string; files: FileTree }[];
  /** Images besides the default catalog (the profile's `catalog`). */
  catalog?: readonly ImageEntry[];
  /** The network the pod's processes see over time, as the kubelet and the pod worker captured it. */
  network?: NetworkTimeline;
}

/** The environment of a container, as the kubelet builds it (service variables, then `env` in order). */
function environmentOf(pod: Pod, container: Container, ctx: ProcessContext): [string, string][] {
  const vars = new Map<string, string>();
  const enableService = pod.spec?.enableServiceLinks !== false;
  vars.set('KUBERNETES_SERVICE_HOST', '10.96.0.1');
  vars.set('KUBERNETES_SERVICE_PORT', '443');
  if (enableService) {
    vars.set('KUBERNETES_SERVICE_PORT_HTTPS', '443');
    vars.set('KUBERNETES_PORT', 'tcp://10.96.0.1:443');
    vars.set('KUBERNETES_PORT_443_TCP', 'tcp://10.96.0.1:443');
    vars.set('KUBERNETES_PORT_443_TCP_PROTO', 'tcp');
    vars.set('KUBERNETES_PORT_443_TCP_PORT', '443');
    vars.set('KUBERNETES_PORT_443_TCP_ADDR', '10.96.0.1');
  }
  // envFrom first, in order, then env (a later value wins); keys that are not valid variable names are skipped
  for (const f of container.envFrom ?? []) {
    const ref = f.configMapRef ? { kind: 'configMap' as const, name: f.configMapRef.name ?? '' } : f.secretRef ? { kind: 'secret' as const, name: f.secretRef.name ?? '' } : undefined;
    if (!ref) continue;
    const data = ctx.source?.(ref.kind, ref.name);
    for (const [k, v] of Object.entries(data ?? {})) {
      const name = `${f.prefix ?? ''}${k}`;
      if (/^[-._a-zA-Z][-._a-zA-Z0-9]*$/.test(name)) vars.set(name, v);
    }
  }
  for (const e of container.env ?? []) {
    const from = e.valueFrom as Record<string, { name?: string; key?: string; fieldPath?: string; optional?: boolean; resource?: string }> | undefined;
    if (!from) {
      vars.set(e.name, expandRefs(e.value ?? '', vars));
      continue;
    }
    if (from.fieldRef) vars.set(e.name, fieldRefValue(pod, from.fieldRef.fieldPath ?? '', ctx.podIP, ctx.hostIP));
    else if (from.configMapKeyRef || from.secretKeyRef) {
      const kind = from.configMapKeyRef ? 'configMap' : 'secret';
      const ref = (from.configMapKeyRef ?? from.secretKeyRef)!;
      const value = ctx.keyRef?.(kind, ref.name ?? '', ref.key ?? '');
      if (value !== undefined) vars.set(e.name, value);
    } else if (from.resourceFieldRef) vars.set(e.name, '0');
  }
  return [...vars];
}

/**
 * The files the kubelet gives every container: `/etc/hostname`, `/etc/hosts`, `/etc/resolv.conf`.
 * The service account token, CA and namespace are the projected volume ServiceAccount admission
 * added (machines/kubelet/config-sources.ts).
 */
function kubeletFiles(pod: Pod, podIP: string): Record<string, string> {
  const name = pod.metadata?.name ?? '';
  const ns = pod.metadata?.namespace ?? 'default';
  const files: Record<string, string> = {
    '/etc/hostname': `${name}\n`,
    '/etc/hosts': `# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n${podIP}\t${name}\n`,
    '/etc/resolv.conf': `search ${ns}.svc.cluster.local svc.cluster.local cluster.local\nnameserver 10.96.0.10\noptions ndots:5\n`,
  };
  return files;
}

/**
 * A busybox applet run as a server (`httpd -f -p 80`, `nc -lk -p 8080`, `crond -f`): like an
 * application's own binary it is taken as running until stopped, listening on the declared ports.
 */
function appletServer(argv: readonly string[]): boolean {
  const base = argv[0]!.slice(argv[0]!.lastIndexOf('/') + 1);
  if (['httpd', 'crond', 'syslogd', 'telnetd', 'udhcpd', 'inetd', 'ntpd'].includes(base)) return true;
  return base === 'nc' && argv.slice(1).some((a) => /^-[a-zA-Z]*l/.test(a));
}

/** The process a container of a pod runs. */
export function processOf(pod: Pod, container: Container, ctx: ProcessContext): ProcessSpec {
  const image = catalogEntry(container.image ?? '', withDefaults(ctx.catalog));
  const env = environmentOf(pod, container, ctx);
  const vars = new Map(env);
  const argv = argvOf(container, image).map((a) => expandRefs(a, vars));
  const programs = programsOf(image);
  const first = argv[0];
  const flavor = image?.flavor ?? (image ? 'gnu' : 'busybox');
  // in a busybox image every applet is a command: one the interpreter does not model says so (shell.ts) instead of running for ever
  const applet = first !== undefined && image !== undefined && flavor === 'busybox' && BUSYBOX_APPLETS.has(first.slice(first.lastIndexOf('/') + 1)) && !appletServer(argv);
  const modelled = first !== undefined && (isModelledCommand(first) || first in programs || image?.files?.[first] !== undefined || applet);
  const files = overlay({ ...(image?.files ?? {}), ...kubeletFiles(pod, ctx.podIP) }, ctx.mounts ?? []);
  const declaredPorts = (container.ports ?? []).filter((p) => (p.protocol ?? 'TCP') === 'TCP').map((p) => p.containerPort);
  const nslookupStyle = /busybox:1\.(1\d|2[0-8])([.-]|$)/.test(container.image ?? '') ? 'busybox-1.28' : 'busybox';
  const readOnly = readOnlyMounts(pod, container);
  return { argv, modelled, env, files, hostname: pod.metadata?.name ?? '', declaredPorts, image, nslookupStyle, ...(ctx.network ? { network: ctx.network } : {}), ...(readOnly ? { readOnly } : {}) };
}

/** The lists of read-only mount paths in use, one instance per list (most pods share the service account token's). */
const READ_ONLY_LISTS = new Map<string, readonly string[]>();

/** The read-only mount paths of a container (a shared list), or undefined when it has none. */
function readOnlyMounts(pod: Pod, container: Container): readonly string[] | undefined {
  if (!container.volumeMounts?.length) return undefined;
  const paths = readOnlyPaths(containerMounts(pod, container, undefined));
  if (paths.length === 0) return undefined;
  const key = paths.join('\n');
  let shared = READ_ONLY_LISTS.get(key);
  if (!shared) {
    shared = Object.freeze(paths);
    READ_ONLY_LISTS.set(key, shared);
  }
  return shared;
}

/**
 * Replays a container's process from its start (`startAbsMs`, ms since 1970) until `horizonMs`
 * later (default: until it exits, or is taken as running for ever): its lines, its exit, its ports.
 */
export function runContainerProcess(spec: ProcessSpec, startAbsMs: number, horizonMs?: number): ShellResult {
  if (!spec.modelled) return { lines: [], ports: spec.declaredPorts, atMs: horizonMs ?? 0 };
  return runProcess(spec.argv, { ...shellOptions(spec, startAbsMs), horizonMs });
}

/** What the interpreter needs of a container's process to run a command in it. */
function shellOptions(spec: ProcessSpec, startAbsMs: number): ShellOptions {
  return {
    env: spec.env,
    files: spec.files,
    hostname: spec.hostname,
    startAbsMs,
    flavor: spec.image?.flavor ?? (spec.image ? 'gnu' : 'busybox'),
    programs: programsOf(spec.image),
    declaredPorts: spec.declaredPorts,
    nslookupStyle: spec.nslookupStyle,
    ...(spec.readOnly ? { readOnly: spec.readOnly } : {}),
    ...(spec.image?.commands ? { commands: spec.image.commands } : {}),
    ...(spec.network ? { network: spec.network } : {}),
  };
}

/** Runs a command in a running container (`kubectl exec`): a shell word the image lacks is `not found` (exit 127). */
export function execInContainer(spec: ProcessSpec, argv: readonly string[], startAbsMs: number, stdin?: string): ShellResult {
  const first = argv[0] ?? '';
  const base = first.slice(first.lastIndexOf('/') + 1);
  if (spec.image?.shell === 'none' && (base === 'sh' || base === 'bash')) {
    return {
      lines: [{ atMs: 0, stream: 'stderr', text: `OCI runtime exec failed: exec failed: unable to start container process: exec: "${first}": executable file not found in $PATH: unknown` }],
      exit: { atMs: 0, code: 126 },
      ports: [],
      atMs: 0,
    };
  }
  return runProcess(argv, {
    ...shellOptions(spec, startAbsMs),
    stdin,
    ...(spec.processes ? { processes: spec.processes } : {}),
    maxSteps: 20_000,
    horizonMs: 3_600_000,
  });
}

/** An interactive shell (`sh`, `/bin/bash -i`, `ash -l`): with stdin open it reads commands until stdin closes. */
function readsTerminal(argv: readonly string[]): boolean {
  const first = argv[0] ?? '';
  const base = first.slice(first.lastIndexOf('/') + 1);
  return ['sh', 'bash', 'ash', 'dash'].includes(base) && argv.slice(1).every((a) => a === '-i' || a === '-l' || a === '--login');
}

/** A `trap` of SIGTERM in a script (`trap 'exit 0' TERM`, `trap "..." SIGTERM`, `trap cleanup 15`). */
const TRAPS_TERM = /\btrap\b[^;&|\n]*\s(SIG)?(TERM|15)\b/;

/**
 * A busybox applet run as a server as PID 1 (`httpd -f`, `nc -l`): busybox installs no SIGTERM
 * handler for them, so as PID 1 of its PID namespace it does not stop on SIGTERM.
 */
function busyboxPid1(spec: ProcessSpec): boolean {
  const first = spec.argv[0];
  if (first === undefined || !spec.image || (spec.image.flavor ?? 'gnu') !== 'busybox') return false;
  return BUSYBOX_APPLETS.has(first.slice(first.lastIndexOf('/') + 1));
}

/**
 * A modelled process as PID 1 (a shell, `sleep`, a busybox applet: what the interpreter runs)
 * ignores SIGTERM: the kernel gives PID 1 of a PID namespace no default signal handlers, and
 * these install none, so SIGTERM does nothing and the kubelet SIGKILLs it at the end of the grace
 * period (the reason `kubectl delete` of a busybox `sleep 3600` pod takes 30 s). A script that
 * traps TERM stops on it. The image's own servers (nginx, redis-server) and applications' binaries
 * handle SIGTERM.
 */
function ignoresSigterm(spec: ProcessSpec): boolean {
  return !TRAPS_TERM.test(spec.argv.join(' '));
}

/** How long a load generator runs before it has allocated past its memory limit (stress touches its pages at once). */
const OOM_AFTER_MS = 100;

/** Follows an image's wrapper entrypoints: true when the argv ends in one of its servers (it runs until stopped). */
function isServer(argv: readonly string[], programs: Record<string, ImageProgram>): boolean {
  let rest = argv;
  for (;;) {
    const first = rest[0];
    if (first === undefined) return false;
    const program = programs[first] ?? programs[first.slice(first.lastIndexOf('/') + 1)];
    if (!program) return false;
    if (!program.wrapper) return !(program.exitsWithoutArgs && rest.length === 1) && program.run?.(rest.slice(1)) === undefined;
    rest = rest.slice(1);
  }
}

/**
 * What a container's process means for its fate, as a behavior layer: `{ exit }` when the
 * interpreter finds it exits (`echo hi` exits 0 at once, `sleep 30; exit 3` exits 3 after 30 s),
 * `{ exit: undefined }` when it runs until stopped (a server, `sleep infinity`, an endless loop),
 * undefined when the process is not modelled (the profile decides). `startAbsMs` is when it starts
 * (epoch ms; it matters only for which network snapshot its commands see: 0 = the first).
 */
export function processFate(
  pod: Pod,
  container: Container,
  ctx: ProcessContext,
  startAbsMs = 0,
): { exit: { afterMs: number; code: number } | undefined; requests?: NetRequest[]; flows?: RequestFlow[]; oomAfterMs?: number; ignoresSigterm?: boolean } | undefined {
  const image = catalogEntry(container.image ?? '', withDefaults(ctx.catalog));
  const argv = argvOf(container, image);
  if (argv.length === 0) return undefined;
  const programs = programsOf(image);
  // a load generator that allocates more than the container's memory limit: the cgroup's OOM killer
  const demand = containerDemand(container, ctx.catalog);
  const limit = memoryLimitOf(container);
  if (demand?.memoryBytes !== undefined && limit !== undefined && demand.memoryBytes > limit) return { exit: undefined, oomAfterMs: OOM_AFTER_MS };
  if (!argv.some((a) => a.includes('$(')) && isServer(argv, programs)) return { exit: undefined };
  // `kubectl run -it -- sh`, `kubectl debug -it --image=busybox -- sh`: a shell on an open stdin waits for input
  if (container.stdin && readsTerminal(argv)) return { exit: undefined, ignoresSigterm: true };
  const spec = processOf(pod, container, ctx);
  if (!spec.modelled) return busyboxPid1(spec) ? { exit: undefined, ignoresSigterm: true } : undefined;
  const result = runContainerProcess(spec, startAbsMs);
  return {
    exit: result.exit ? { afterMs: result.exit.atMs, code: result.exit.code } : undefined,
    ...(result.requests ? { requests: result.requests } : {}),
    ...(result.flows ? { flows: result.flows } : {}),
    ...(ignoresSigterm(spec) ? { ignoresSigterm: true } : {}),
  };
}
