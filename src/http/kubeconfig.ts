/**
 * The kubeconfig `kube-actors serve` writes: one cluster (the HTTPS server and its self-signed
 * CA), one user per bearer token, one context per user (`kube-actors-admin` is current).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

/** A user the kubeconfig names. */
export interface KubeconfigUser {
  /** User (and context suffix) name: `admin`, `guest`, `viewer`. */
  name: string;
  token: string;
}

/** What the kubeconfig describes. */
export interface KubeconfigOptions {
  /** `https://127.0.0.1:6443`. */
  server: string;
  /** The CA certificate (PEM); written as certificate-authority-data. */
  caCert?: string;
  users: readonly KubeconfigUser[];
  /** Cluster name. Default `kube-actors`. */
  clusterName?: string;
  /** The user whose context is current. Default the first. */
  currentUser?: string;
  /** Namespace of every context. Default `default`. */
  namespace?: string;
}

/** The context name of a user: `kube-actors-admin`. */
export function contextName(user: string, clusterName = 'kube-actors'): string {
  return `${clusterName}-${user}`;
}

/** The kubeconfig as an object (apiVersion v1, kind Config). */
export function kubeconfig(options: KubeconfigOptions): Record<string, unknown> {
  const cluster = options.clusterName ?? 'kube-actors';
  if (options.users.length === 0) throw new RangeError('a kubeconfig needs at least one user');
  const current = options.currentUser ?? options.users[0]!.name;
  return {
    apiVersion: 'v1',
    kind: 'Config',
    preferences: {},
    clusters: [
      {
        name: cluster,
        cluster: {
          server: options.server,
          ...(options.caCert ? { 'certificate-authority-data': Buffer.from(options.caCert).toString('base64') } : {}),
        },
      },
    ],
    users: options.users.map((u) => ({ name: u.name, user: { token: u.token } })),
    contexts: options.users.map((u) => ({
      name: contextName(u.name, cluster),
      context: { cluster, user: u.name, namespace: options.namespace ?? 'default' },
    })),
    'current-context': contextName(current, cluster),
  };
}

/** Writes the kubeconfig as YAML (mode 0600: it holds tokens); returns the text. */
export function writeKubeconfig(path: string, options: KubeconfigOptions): string {
  const text = stringify(kubeconfig(options));
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text, { mode: 0o600 });
  return text;
}
