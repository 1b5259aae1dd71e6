/**
 * The node's container log directories (`/var/log/pods/<namespace>_<name>_<uid>/<container>/
 * <restartCount>.log`), as far as the kubelet reads them back: they are on the node's disk, so
 * they outlive the kubelet and the container runtime (a node crash or reboot), unlike the
 * runtime's containers. When the runtime has no container of that name for the pod (after a
 * reboot), the kubelet's `startContainer` takes the new container's restart count from them
 * (kuberuntime_container.go `calcRestartCountByLogDir`: the highest `N.log` plus one), so a pod's
 * restartCount goes on counting instead of starting over at 0. The kubelet's garbage collector
 * removes a pod's directory once the pod is gone.
 *
 * One per node (machines/node.ts holds it across boots); the pod workers write a container's
 * file when a run starts.
 */
export class ContainerLogDirs {
  /** `<uid>/<container>` → the highest restart count that has a log file. */
  private readonly highest = new Map<string, number>();

  /** A run of the container started with this restart count: its `N.log` exists from now on. */
  started(uid: string, container: string, restartCount: number): void {
    const key = `${uid}/${container}`;
    if ((this.highest.get(key) ?? -1) < restartCount) this.highest.set(key, restartCount);
  }

  /** `calcRestartCountByLogDir`: the restart count of the container's next run (0 with no log). */
  nextRestartCount(uid: string, container: string): number {
    const n = this.highest.get(`${uid}/${container}`);
    return n === undefined ? 0 : n + 1;
  }

  /** The pod is gone: its log directory is removed. */
  removePod(uid: string): void {
    for (const key of [...this.highest.keys()]) if (key.startsWith(`${uid}/`)) this.highest.delete(key);
  }
}
