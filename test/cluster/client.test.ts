import { describe, expect, it } from 'vitest';
import type { ConfigMap, Deployment, Pod } from '../../src/api/types.js';
import { StatusError } from '../../src/api/status.js';
import { createCluster } from '../../src/cluster/create-cluster.js';
import { LAST_APPLIED } from '../../src/cluster/client.js';
import type { WatchEvent } from '../../machines/protocol.js';

describe('the typed client', () => {
  it('apply creates with the last-applied annotation, then patches only what the manifest changed', () => {
    const c = createCluster({ nodes: 1 });
    const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg', labels: { a: '1' } }, data: { x: '1', y: '2' } } as ConfigMap;
    const first = c.client.apply(cm);
    expect(JSON.parse(first.metadata!.annotations![LAST_APPLIED]!)).toMatchObject({ data: { x: '1', y: '2' } });
    // someone else adds a label: apply keeps it, as kubectl does
    c.client.patch('configmaps', 'cfg', { metadata: { labels: { owner: 'ops' } } }, { type: 'merge' });
    const second = c.client.apply({ ...cm, data: { x: '1', z: '3' } } as ConfigMap);
    expect(second.data).toEqual({ x: '1', z: '3' });
    expect(second.metadata?.labels).toEqual({ a: '1', owner: 'ops' });
    expect(Number(second.metadata?.resourceVersion)).toBeGreaterThan(Number(first.metadata?.resourceVersion));
    // applying the same manifest again changes nothing
    const third = c.client.apply({ ...cm, data: { x: '1', z: '3' } } as ConfigMap);
    expect(third.metadata?.resourceVersion).toBe(second.metadata?.resourceVersion);
    c.stop();
  });

  it('gets, lists with selectors, scales, deletes, and throws the Status of a refusal', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'a', labels: { tier: 'web' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } as Pod);
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'b', labels: { tier: 'db' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } as Pod);
    // short and singular names work too (names only known at run time: the typed calls take plural names)
    const po: string = 'po';
    const pod: string = 'pod';
    expect(c.client.list(po, { labelSelector: 'tier=web' }).items.map((p) => p.metadata?.name)).toEqual(['a']);
    expect(c.client.get(pod, 'b').metadata?.labels).toEqual({ tier: 'db' });
    c.client.create({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'd' },
      spec: { replicas: 1, selector: { matchLabels: { app: 'd' } }, template: { metadata: { labels: { app: 'd' } }, spec: { containers: [{ name: 'c', image: 'nginx' }] } } },
    } as Deployment);
    const scale = c.client.scale('deploy', 'd', 4) as { kind: string; spec: { replicas: number } };
    expect(scale).toMatchObject({ kind: 'Scale', spec: { replicas: 4 } });
    expect(c.client.get<Deployment>('deployments', 'd').spec?.replicas).toBe(4);
    c.client.delete('pods', 'b');
    c.runUntil(() => c.object('pods', 'b') === undefined, { timeout: 60_000 });
    let thrown: unknown;
    try {
      c.client.get('pods', 'b');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(StatusError);
    expect((thrown as StatusError).status).toMatchObject({ code: 404, reason: 'NotFound', message: 'pods "b" not found' });
    // @ts-expect-error widgets is not a resource: a compile-time error, and a 404 at run time
    expect(() => c.client.get('widgets', 'x')).toThrow('the server doesn\'t have a resource type "widgets"');
    c.stop();
  });

  it('watches: every change to the selected objects arrives in resourceVersion order until stopped', () => {
    const c = createCluster({ nodes: 1 });
    const seen: string[] = [];
    const handle = c.client.watch('configmaps', { labelSelector: 'watched=yes' }, (e) => {
      const w = e as WatchEvent;
      if (w.type !== 'watch.bookmark' && 'object' in w) seen.push(`${w.type.slice(6)} ${w.object.metadata?.name} ${w.object.metadata?.resourceVersion}`);
    });
    const mk = (name: string, watched: string) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, labels: { watched } }, data: {} }) as ConfigMap;
    const a = c.client.create(mk('a', 'yes'));
    c.client.create(mk('b', 'no'));
    const a2 = c.client.patch('configmaps', 'a', { data: { k: 'v' } }, { type: 'merge' });
    c.client.delete('configmaps', 'a');
    c.runUntilIdle();
    handle.stop();
    c.client.create(mk('later', 'yes'));
    c.runUntilIdle();
    expect(seen).toEqual([`added a ${a.metadata?.resourceVersion}`, `modified a ${a2.metadata?.resourceVersion}`, expect.stringMatching(/^deleted a \d+$/)]);
    c.stop();
  });
});
