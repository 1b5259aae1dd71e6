/**
 * Lines a container's process writes because of traffic it served (nginx's access log when a
 * request comes through `kubectl port-forward` or `cluster.portForward`), kept per run of the
 * container so that its log (`kubectl logs`, `cluster.logs`) shows them among the lines the
 * process replay gives.
 */
import type { Pod } from '../api/types.js';
import type { LogLine } from './logs.js';

/** The traffic lines of a cluster's containers, by pod uid, container and run. */
export class ContainerTraffic {
  private readonly runs = new Map<string, LogLine[]>();

  private static key(pod: Pod, container: string, startedAt: string): string {
    return `${pod.metadata?.uid ?? `${pod.metadata?.namespace}/${pod.metadata?.name}`}/${container}/${startedAt}`;
  }

  /** Records a line of the run of `container` that started at `startedAt`. */
  record(pod: Pod, container: string, startedAt: string, line: LogLine): void {
    const key = ContainerTraffic.key(pod, container, startedAt);
    const lines = this.runs.get(key) ?? [];
    // in time order (a request from a pod is recorded when its process's fate is known, maybe ahead of others)
    let at = lines.length;
    while (at > 0 && lines[at - 1]!.abs > line.abs) at--;
    lines.splice(at, 0, line);
    this.runs.set(key, lines);
  }

  /** The lines of one run, in the order written. */
  lines(pod: Pod, container: string, startedAt: string): readonly LogLine[] {
    return this.runs.get(ContainerTraffic.key(pod, container, startedAt)) ?? [];
  }
}
