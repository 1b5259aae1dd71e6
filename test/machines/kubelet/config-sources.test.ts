/**
 * A pod's ConfigMaps and Secrets, as the kubelet's configmap and secret managers serve them: env
 * (valueFrom, envFrom with a prefix), volumes (all keys, items, subPath), a pod held back while
 * one is missing (FailedMount; CreateContainerConfigError) and started once it appears, optional
 * references never holding it back.
 */
import { describe, expect, it } from 'vitest';
import type { Event, Pod } from '../../../src/api/types.js';
import { createCluster, type Cluster } from '../../../src/cluster/create-cluster.js';

const pod = (name: string, container: Record<string, unknown>, volumes?: unknown[]): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers: [{ name: 'app', image: 'busybox:1.36', command: ['sleep', '3600'], ...container }], ...(volumes ? { volumes } : {}) } }) as unknown as Pod;
const configMap = (name: string, data: Record<string, string>) => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default' }, data });
const phase = (c: Cluster, name: string) => c.object<Pod>('pods', name)?.status?.phase;
const waiting = (c: Cluster, name: string) => c.object<Pod>('pods', name)?.status?.containerStatuses?.[0]?.state?.waiting;
const events = (c: Cluster, name: string) => c.objects<Event>('events', 'default').filter((e) => e.involvedObject?.name === name).map((e) => `${e.type} ${e.reason} ${e.message}`);

describe('kubelet: ConfigMaps and Secrets of a pod', () => {
  it('env from a missing ConfigMap: CreateContainerConfigError with the kubelet’s message, then Running once it exists, with the value', () => {
    const c = createCluster({ nodes: 1, seed: 2 });
    c.client.create(pod('envpod', { env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'app-config', key: 'level' } } }] }));
    expect(c.runUntil(() => waiting(c, 'envpod')?.reason === 'CreateContainerConfigError', { timeout: 30_000 })).toBe(true);
    expect(waiting(c, 'envpod')?.message).toBe('configmap "app-config" not found');
    expect(phase(c, 'envpod')).toBe('Pending');
    expect(events(c, 'envpod')).toContain('Warning Failed Error: configmap "app-config" not found');
    // the ConfigMap without the key: the message changes
    c.client.create(configMap('app-config', { other: 'x' }));
    expect(c.runUntil(() => waiting(c, 'envpod')?.message === "couldn't find key level in ConfigMap default/app-config", { timeout: 30_000 })).toBe(true);
    expect(phase(c, 'envpod')).toBe('Pending');
    c.client.apply(configMap('app-config', { other: 'x', level: 'debug' }));
    expect(c.runUntil(() => phase(c, 'envpod') === 'Running', { timeout: 60_000 })).toBe(true);
    expect(c.exec('envpod', ['printenv', 'LEVEL']).stdout).toBe('debug\n');
    c.stop();
  });

  it('a configMap volume that is missing holds the pod with FailedMount; its keys become files (items, subPath) once it exists', () => {
    const c = createCluster({ nodes: 1, seed: 3 });
    c.client.create(
      pod('volpod', { volumeMounts: [{ name: 'config', mountPath: '/etc/config' }, { name: 'one', mountPath: '/etc/one/renamed.conf', subPath: 'renamed.conf' }] }, [
        { name: 'config', configMap: { name: 'files' } },
        { name: 'one', configMap: { name: 'files', items: [{ key: 'b.conf', path: 'renamed.conf' }] } },
      ]),
    );
    expect(c.runUntil(() => events(c, 'volpod').some((e) => e.startsWith('Warning FailedMount')), { timeout: 30_000 })).toBe(true);
    expect(events(c, 'volpod')).toContain('Warning FailedMount MountVolume.SetUp failed for volume "config" : configmap "files" not found');
    c.advance(30_000);
    expect(phase(c, 'volpod')).toBe('Pending');
    c.client.create(configMap('files', { 'a.conf': 'alpha\n', 'b.conf': 'beta\n' }));
    expect(c.runUntil(() => phase(c, 'volpod') === 'Running', { timeout: 60_000 })).toBe(true);
    expect(c.exec('volpod', ['cat', '/etc/config/a.conf']).stdout).toBe('alpha\n');
    expect(c.exec('volpod', ['ls', '/etc/config']).stdout).toBe('a.conf\nb.conf\n');
    expect(c.exec('volpod', ['cat', '/etc/one/renamed.conf']).stdout).toBe('beta\n');
    c.stop();
  });

  it('envFrom a Secret with a prefix (values decoded), and optional references that never hold a pod back', () => {
    const c = createCluster({ nodes: 1, seed: 4 });
    c.client.create({ apiVersion: 'v1', kind: 'Secret', metadata: { name: 'creds', namespace: 'default' }, data: { user: Buffer.from('admin').toString('base64') } });
    c.client.create(
      pod(
        'secretpod',
        {
          envFrom: [{ secretRef: { name: 'creds' }, prefix: 'DB_' }, { configMapRef: { name: 'absent', optional: true } }],
          env: [{ name: 'MAYBE', valueFrom: { configMapKeyRef: { name: 'absent', key: 'k', optional: true } } }],
          volumeMounts: [{ name: 'opt', mountPath: '/etc/opt' }],
        },
        [{ name: 'opt', secret: { secretName: 'absent-secret', optional: true } }],
      ),
    );
    expect(c.runUntil(() => phase(c, 'secretpod') === 'Running', { timeout: 60_000 })).toBe(true);
    expect(c.exec('secretpod', ['printenv', 'DB_user']).stdout).toBe('admin\n');
    const env = c.exec('secretpod', ['env']).stdout;
    expect(env).not.toContain('MAYBE=');
    c.stop();
  });
});
