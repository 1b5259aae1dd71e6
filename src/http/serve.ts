/**
 * A simulated cluster served over HTTPS in real time, in one call: the cluster (virtual time
 * follows the wall clock through a RealtimeDriver, optionally faster), the HTTPS API with a fresh
 * self-signed certificate, and a kubeconfig with a context per user. `kube-actors serve` is this
 * with command-line options; the end-to-end tests use it directly.
 */
import type { InspectionEvent } from 'xstate';
import { createCluster, type Cluster, type ClusterOptions } from '../cluster/create-cluster.js';
import { RealtimeDriver } from '../driver/realtime.js';
import { describeActorError, errorMessage } from '../kernel/kernel.js';
import { serveCluster, type HttpServerOptions, type KubeHttpServer } from './server.js';

/** Options of {@link startServing}. */
export interface StartServingOptions extends HttpServerOptions {
  /** Options of the cluster (seed, nodes, profile, ...). The kernel's epoch defaults to now, in whole seconds. */
  cluster?: ClusterOptions;
  /** Virtual ms per wall ms. Default 1. */
  speed?: number;
  /** Wall ms between the driver's advances. Default 10. */
  tickMs?: number;
  /** Write the kubeconfig here once ready. */
  kubeconfigPath?: string;
  /** Wall ms to wait for the API server to serve before resolving anyway. Default 15 s. */
  readyTimeoutMs?: number;
  /** XState inspection (e.g. the inspector's hub). */
  inspect?: (event: InspectionEvent) => void;
  /** Where actor errors and a stopped simulation are logged. Default: stderr. */
  errorLog?: (line: string) => void;
}

/** A served cluster. */
export interface Serving {
  cluster: Cluster;
  driver: RealtimeDriver;
  server: KubeHttpServer;
  /** `https://127.0.0.1:<port>`. */
  url: string;
  /** Where the kubeconfig was written (if asked). */
  kubeconfigPath?: string;
  /** Stops the server, the driver and the cluster. */
  close(): Promise<void>;
}

/** Creates a cluster, drives it in real time and serves its API; resolves once the API server serves. */
export async function startServing(options: StartServingOptions = {}): Promise<Serving> {
  const clusterOptions: ClusterOptions = {
    ...(options.cluster ?? {}),
    kernel: { epoch: Math.floor(Date.now() / 1000) * 1000, ...(options.cluster?.kernel ?? {}) },
    ...(options.inspect ? { inspect: options.inspect } : {}),
  };
  const cluster = createCluster(clusterOptions);
  const log = options.errorLog ?? ((line: string) => void process.stderr.write(`${line}\n`));
  // nothing stops silently: every actor error and a stopped simulation is logged, and /readyz says so
  const stopLogging = cluster.kernel.onError((report) => {
    log(`kube-actors: actor ${describeActorError(report)}`);
  });
  let server: KubeHttpServer | undefined;
  const driver = new RealtimeDriver(cluster.kernel, {
    speed: options.speed ?? 1,
    tickMs: options.tickMs ?? 10,
    onError: (error) => {
      log(`kube-actors: the simulation stopped: ${driver.failure}${error instanceof Error && error.stack ? `\n${error.stack}` : ''}`);
      server?.gateway.failPending(driver.failure ?? errorMessage(error));
    },
  });
  driver.start();
  const deadActors = (): string | undefined => {
    const dead = [...new Set(cluster.kernel.errors.map((e) => e.address))].filter((address) => (cluster.actor(address)?.getSnapshot() as { status?: string } | undefined)?.status === 'error');
    if (dead.length === 0) return undefined;
    return dead.map((address) => `${address} stopped: ${errorMessage([...cluster.kernel.errors].reverse().find((e) => e.address === address)!.error)}`).join('; ');
  };
  try {
    server = await serveCluster(cluster, {
      ...options,
      kubeconfigPath: undefined,
      failure: () => driver.failure,
      healthChecks: () => {
        const simulation = { name: 'simulation', failure: driver.failure ?? (cluster.kernel.stopped ? 'the simulation was stopped' : undefined) };
        return { livez: [simulation], readyz: [simulation, { name: 'actors', failure: deadActors() }] };
      },
    });
  } catch (error) {
    driver.stop();
    cluster.stop();
    throw error;
  }
  // ready: the API server answers (it loads its cache from etcd first and answers 503 until then)
  const deadline = Date.now() + (options.readyTimeoutMs ?? 15_000);
  while (Date.now() < deadline) {
    const r = await server.gateway.request(cluster.users.admin.token, { verb: 'get', resource: 'namespaces', name: 'default' });
    if (r.code === 200) break;
    await new Promise((res) => setTimeout(res, 50));
  }
  if (options.kubeconfigPath) server.writeKubeconfig(options.kubeconfigPath);
  return {
    cluster,
    driver,
    server: server,
    url: server.url,
    kubeconfigPath: options.kubeconfigPath,
    async close() {
      stopLogging();
      await server.close();
      driver.stop();
      if (!cluster.kernel.stopped) cluster.stop();
    },
  };
}
