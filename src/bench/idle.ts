/**
 * Idle cluster benchmark: a cluster of N nodes with nothing to run, advanced through virtual time:
 * every kubelet renews its Lease every 10 s and posts its node status, the controllers resync,
 * the API server keeps its watches. Target: 1 virtual hour of a 1,000-node idle cluster in
 * under 5 s of wall time.
 */
import { pathToFileURL } from 'node:url';
import { createCluster } from '../cluster/create-cluster.js';

/** Figures of the idle benchmark. */
export interface IdleBenchResult {
  nodes: number;
  virtualMs: number;
  wallMs: number;
  messages: number;
  messagesPerSec: number;
  timersFired: number;
  /** Virtual seconds simulated per wall second. */
  speedup: number;
}

/** Runs an idle cluster of `nodes` nodes for `virtualMs` of virtual time. */
export function benchIdle(nodes = 1_000, virtualMs = 3_600_000, onProgress?: (virtualMs: number) => void): IdleBenchResult {
  // the realistic profile has the kubelet's real timings: Lease every 10 s, node status every 5 min
  const cluster = createCluster({ nodes, seed: 1, profile: 'realistic', events: 'warnings', trace: { capacity: 10_000, payloads: false }, pipelines: 'fused' });
  cluster.runUntil(() => cluster.count('nodes') === nodes, { timeout: 120_000 });
  cluster.advance(30_000);
  const messages0 = cluster.kernel.stats.delivered;
  const timers0 = cluster.kernel.stats.timersFired;
  const t0 = performance.now();
  // one virtual minute at a time, for a progress bar
  for (let done = 0; done < virtualMs; ) {
    const chunk = Math.min(60_000, virtualMs - done);
    cluster.advance(chunk);
    done += chunk;
    onProgress?.(done);
  }
  const wallMs = performance.now() - t0;
  const messages = cluster.kernel.stats.delivered - messages0;
  const result = {
    nodes,
    virtualMs,
    wallMs: Math.round(wallMs),
    messages,
    messagesPerSec: Math.round((messages / wallMs) * 1000),
    timersFired: cluster.kernel.stats.timersFired - timers0,
    speedup: Math.round(virtualMs / wallMs),
  };
  cluster.stop();
  return result;
}

/** Human lines for the idle benchmark. */
export function formatIdleBench(r: IdleBenchResult): string {
  return [
    `idle cluster: ${r.nodes} nodes for ${(r.virtualMs / 3_600_000).toFixed(2)} virtual hours`,
    `  wall time      ${(r.wallMs / 1000).toFixed(2)} s   (reference: project goal < 5 s for 1,000 nodes and 1 virtual hour)`,
    `  messages       ${r.messages} (${r.messagesPerSec}/s), timers fired ${r.timersFired}`,
    `  speed-up       ${r.speedup}× real time`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  console.log(formatIdleBench(benchIdle(Number(process.argv[2] ?? 1000), Number(process.argv[3] ?? 3_600_000))));
}
