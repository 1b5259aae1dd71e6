/**
 * The processes a container sees, as the runtime sets up PID namespaces: its own (its main
 * process is PID 1); an ephemeral container with `targetContainerName` joins its target's
 * namespace (the target's processes first, PID 1 being the target's main process), and so the
 * target sees it too; with `shareProcessNamespace: true` the pod has one namespace for every
 * container, whose PID 1 is the sandbox's `/pause`. Only running containers have processes. PIDs
 * are numbered in order of the containers' starts (then their order in the spec), one after the
 * other; `ps` adds itself after them.
 */
import type { Container, ContainerStatus, Pod } from '../../src/api/types.js';
import { catalogEntry, withDefaults, type ImageEntry } from '../../src/profiles/images.js';
import { containerArgv } from './process.js';
import type { PsEntry } from './shell.js';

/** A container's processes in the namespace `container` sees, with the PID of its main process. */
export interface VisibleContainer {
  name: string;
  spec: Container;
  mainPid: number;
}

interface Running {
  spec: Container;
  status: ContainerStatus;
  order: number;
  ephemeral: boolean;
}

function runningContainers(pod: Pod): Running[] {
  const out: Running[] = [];
  const add = (specs: readonly Container[] | undefined, statuses: readonly ContainerStatus[] | undefined, ephemeral: boolean) => {
    for (const spec of specs ?? []) {
      const status = statuses?.find((s) => s.name === spec.name);
      if (status?.state?.running) out.push({ spec, status, order: out.length, ephemeral });
    }
  };
  add(pod.spec?.initContainers, pod.status?.initContainerStatuses, false);
  add(pod.spec?.containers, pod.status?.containerStatuses, false);
  add(pod.spec?.ephemeralContainers, pod.status?.ephemeralContainerStatuses, true);
  return out;
}

/** The containers of the PID namespace of `name`: their names. */
function namespaceOf(pod: Pod, name: string): (c: Running) => boolean {
  if (pod.spec?.shareProcessNamespace === true) return () => true;
  const target = (pod.spec?.ephemeralContainers ?? []).find((e) => e.name === name)?.targetContainerName;
  const root = target ?? name;
  return (c) => c.spec.name === root || (c.ephemeral && (c.spec as { targetContainerName?: string }).targetContainerName === root);
}

function userOf(pod: Pod, spec: Container, given: string | undefined): string {
  const uid = spec.securityContext?.runAsUser ?? pod.spec?.securityContext?.runAsUser;
  if (uid !== undefined && uid !== 0) return String(uid);
  return given ?? 'root';
}

/** What `ps` lists in container `name` of `pod` (before itself), and the containers it sees with their main PIDs. */
export function processTable(pod: Pod, name: string, catalog?: readonly ImageEntry[]): { processes: PsEntry[]; containers: VisibleContainer[] } {
  const shared = pod.spec?.shareProcessNamespace === true;
  const visible = runningContainers(pod)
    .filter(namespaceOf(pod, name))
    .sort((a, b) => (a.status.state!.running!.startedAt ?? '').localeCompare(b.status.state!.running!.startedAt ?? '') || a.order - b.order);
  const processes: PsEntry[] = shared ? [{ pid: 1, user: 'root', command: '/pause' }] : [];
  const containers: VisibleContainer[] = [];
  for (const c of visible) {
    const image = catalogEntry(c.spec.image ?? '', withDefaults(catalog));
    const own = c.spec.command === undefined && c.spec.args === undefined ? image?.processes : undefined;
    const list = own ?? [{ command: containerArgv(c.spec, catalog).join(' ') }];
    containers.push({ name: c.spec.name, spec: c.spec, mainPid: processes.length + 1 });
    for (const p of list) processes.push({ pid: processes.length + 1, user: userOf(pod, c.spec, p.user), command: p.command });
  }
  return { processes, containers };
}
