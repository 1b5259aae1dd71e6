/**
 * A simulated cluster served over HTTPS in real time, in one call: the cluster (virtual time
 * follows the wall clock through a RealtimeDriver, optionally faster), the HTTPS API with a fresh
 * self-signed certificate, and a kubeconfig with a context per user. `kube-actors serve` is this
 * with command-line options; the end-to-end tests use it directly.
 */
import type { InspectionEvent } from 'xstate';
import { createCluster, type Cluster, type ClusterOptions } from '../cluster/create-cluster.js';
import { RealtimeDriver } from '../cli/realtime.js';
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
  const driver = new RealtimeDriver(cluster.kernel, { speed: options.speed ?? 1, tickMs: options.tickMs ?? 10 });
  driver.start();
  let server: KubeHttpServer;
  try {
    server = await serveCluster(cluster, { ...options, kubeconfigPath: undefined });
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
    server,
    url: server.url,
    kubeconfigPath: options.kubeconfigPath,
    async close() {
      await server.close();
      driver.stop();
      if (!cluster.kernel.stopped) cluster.stop();
    },
  };
}
