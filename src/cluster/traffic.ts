/**
 * The traffic between the cluster's containers: the lines a server writes because of the requests
 * it served ({@link ContainerTraffic}) and the steady request flows of client loops
 * ({@link RequestFlows}).
 *
 * Lines a container's process writes because of traffic it served (nginx's access log when a
 * request comes through `kubectl port-forward` or `cluster.portForward`), kept per run of the
 * container so that its log (`kubectl logs`, `cluster.logs`) shows them among the lines the
 * process replay gives.
 */
import type { Pod } from '../api/types.js';
import type { LogLine } from './logs.js';
import type { RequestFlow } from '../../machines/kubelet/net-tools.js';

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

/** The steady request flows of one client container's process (machines/kubelet/shell-loop.ts), from its start. */
export interface ClientFlows {
  client: { uid: string; container: string };
  /** The process's start, virtual ms (the flows' times are after it). */
  startMs: number;
  flows: readonly RequestFlow[];
}

/**
 * The request flows of the cluster's client processes (a load generator's loop), as their pod
 * workers last found them: the metrics API turns what each server container receives into CPU
 * usage (src/metrics/metrics-api.ts). A report replaces the container's earlier one.
 */
export class RequestFlows {
  private readonly byClient = new Map<string, ClientFlows>();

  /** The flows of `client`'s process, which started at `startMs` (virtual ms; none: it makes no steady requests). */
  report(client: { uid: string; container: string }, flows: readonly RequestFlow[], startMs: number): void {
    const key = `${client.uid}/${client.container}`;
    if (flows.length === 0) this.byClient.delete(key);
    else this.byClient.set(key, { client: { ...client }, startMs, flows });
  }

  /** Every client's flows, in key order. */
  all(): ClientFlows[] {
    return [...this.byClient.keys()].sort().map((k) => this.byClient.get(k)!);
  }
}
