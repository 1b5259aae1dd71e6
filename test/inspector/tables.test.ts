/**
 * The inspector's kubectl tables (src/inspector/tables.ts) and controller view: the workload
 * kinds' objects appear in their tables, printed with the columns kubectl prints, and every
 * controller of the controller manager is an actor of the page's controller view.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';
import { InspectorHub } from '../../src/inspector/hub.js';
import { clusterTables } from '../../src/inspector/tables.js';
import type { KubeObject } from '../../src/api/types.js';

const EXAMPLES = ['batch.yaml', 'daemonset-fluentd.yaml', 'statefulset-web.yaml', 'nginx-deployment.yaml', 'pdb-web.yaml', 'hpa-web.yaml'];

let cluster: Cluster;
const hub = new InspectorHub();

beforeAll(() => {
  cluster = createCluster({ nodes: 2, seed: 21, inspect: hub.inspect });
  hub.attach(cluster.kernel);
  cluster.advance(2_000);
  for (const file of EXAMPLES) {
    for (const doc of parseAllDocuments(readFileSync(`examples/manifests/${file}`, 'utf8'))) {
      const obj = doc.toJS() as KubeObject | null;
      if (obj) cluster.client.apply(obj);
    }
  }
  cluster.advance(90_000);
}, 120_000);

afterAll(() => {
  hub.detach();
  cluster.stop();
});

/** The rows of a table as { column: cell } records. */
function rows(key: string): Record<string, string>[] {
  const t = clusterTables(cluster)[key]!;
  return t.rows.map((r) => Object.fromEntries(t.columns.map((c, i) => [c, r[i]!])));
}

describe('inspector tables of the workload kinds', { timeout: 120_000 }, () => {
  it('has a table per kind, each with the kubectl command it stands for', () => {
    const tables = clusterTables(cluster);
    expect(Object.keys(tables)).toEqual([
      'nodes',
      'pods',
      'deployments',
      'replicasets',
      'services',
      'daemonsets',
      'statefulsets',
      'jobs',
      'cronjobs',
      'replicationcontrollers',
      'horizontalpodautoscalers',
      'poddisruptionbudgets',
      'persistentvolumeclaims',
      'persistentvolumes',
    ]);
    expect(tables.daemonsets!.command).toBe('kubectl get daemonsets -A');
    expect(tables.persistentvolumes!.command).toBe('kubectl get persistentvolumes');
    expect(tables.persistentvolumes!.columns[0]).toBe('NAME');
    expect(tables.jobs!.columns.slice(0, 4)).toEqual(['NAMESPACE', 'NAME', 'STATUS', 'COMPLETIONS']);
  });

  it('prints the examples\' objects with their controllers\' status', () => {
    expect(rows('daemonsets')).toEqual([expect.objectContaining({ NAMESPACE: 'kube-system', NAME: 'fluentd-elasticsearch', DESIRED: '2', CURRENT: '2', READY: '2' })]);
    expect(rows('statefulsets')).toEqual([expect.objectContaining({ NAMESPACE: 'default', NAME: 'web', READY: '3/3' })]);
    expect(rows('jobs')).toEqual(expect.arrayContaining([expect.objectContaining({ NAME: 'pi', STATUS: 'Complete', COMPLETIONS: '3/3' })]));
    expect(rows('cronjobs')).toEqual([expect.objectContaining({ NAME: 'hello', SCHEDULE: '*/2 * * * *', SUSPEND: 'False' })]);
    expect(rows('replicationcontrollers')).toEqual([expect.objectContaining({ NAME: 'nginx', DESIRED: '2', READY: '2' })]);
    expect(rows('horizontalpodautoscalers')).toEqual([expect.objectContaining({ NAME: 'php-apache', REFERENCE: 'Deployment/php-apache', MINPODS: '1' })]);
    expect(rows('poddisruptionbudgets')).toEqual([expect.objectContaining({ NAME: 'frontend', 'MAX UNAVAILABLE': '1', 'ALLOWED DISRUPTIONS': '1' })]);
    expect(rows('persistentvolumeclaims').map((r) => `${r.NAME} ${r.STATUS}`)).toEqual(['www-web-0 Bound', 'www-web-1 Bound', 'www-web-2 Bound']);
    expect(rows('persistentvolumes').map((r) => `${r.STATUS} ${r.CLAIM}`).sort()).toEqual(['Bound default/www-web-0', 'Bound default/www-web-1', 'Bound default/www-web-2']);
  });

  it('shows every workload controller beside the others in the controller view', () => {
    const controllers = hub
      .actors()
      .filter((a) => a.kind === 'controller')
      .map((a) => a.key);
    for (const name of ['replicaset', 'deployment', 'job', 'cronjob', 'daemonset', 'statefulset', 'replicationcontroller', 'disruption', 'horizontal-pod-autoscaler', 'persistentvolume-binder', 'ttl-after-finished']) {
      expect(controllers, name).toContain(`controller-manager/${name}`);
    }
  });
});
