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
    expect(c.runUntil(() => events(c, 'envpod').includes('Warning Failed Error: configmap "app-config" not found'), { timeout: 30_000 })).toBe(true);
    // the ConfigMap without the key: the message changes
    c.client.create(configMap('app-config', { other: 'x' }));
    expect(c.runUntil(() => waiting(c, 'envpod')?.message === "couldn't find key level in ConfigMap default/app-config", { timeout: 30_000 })).toBe(true);
    expect(phase(c, 'envpod')).toBe('Pending');
    c.client.apply(configMap('app-config', { other: 'x', level: 'debug' }));
    expect(c.runUntil(() => phase(c, 'envpod') === 'Running', { timeout: 60_000 })).toBe(true);
    expect(c.exec('envpod', ['printenv', 'LEVEL']).stdout).toBe('debug\n');
    c.stop();
  });

  it('CreateContainerConfigError as the kubelet goes through it: sandbox and pod IP, the image pulled, Failed at each sync (counted), then started in place', () => {
    const c = createCluster({ nodes: 1, seed: 5 });
    c.client.create(pod('cfg', { env: [{ name: 'LEVEL', valueFrom: { configMapKeyRef: { name: 'x', key: 'k' } } }] }));
    expect(c.runUntil(() => waiting(c, 'cfg')?.reason === 'CreateContainerConfigError', { timeout: 30_000 })).toBe(true);
    const before = c.object<Pod>('pods', 'cfg')!;
    // the sandbox exists: a pod IP, PodReadyToStartContainers
    expect(before.status?.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(before.status?.conditions?.find((x) => x.type === 'PodReadyToStartContainers')?.status).toBe('True');
    expect(c.runUntil(() => events(c, 'cfg').includes('Warning Failed Error: configmap "x" not found'), { timeout: 30_000 })).toBe(true);
    expect(events(c, 'cfg')).toEqual(expect.arrayContaining(['Normal Pulling Pulling image "busybox:1.36"', expect.stringMatching(/^Normal Pulled Successfully pulled image "busybox:1\.36"/), 'Warning Failed Error: configmap "x" not found']));
    // tried again at each sync of its worker (10 s): pulled again (present now) and failed again, one Event whose count grows
    c.advance(35_000);
    const failed = c.objects<Event>('events', 'default').find((e) => e.involvedObject?.name === 'cfg' && e.reason === 'Failed')!;
    expect(failed.count).toBeGreaterThanOrEqual(4);
    const present = c.objects<Event>('events', 'default').find((e) => e.involvedObject?.name === 'cfg' && e.message === 'Container image "busybox:1.36" already present on machine')!;
    expect(present.count).toBeGreaterThanOrEqual(3);
    c.client.create(configMap('x', { k: 'v' }));
    expect(c.runUntil(() => phase(c, 'cfg') === 'Running', { timeout: 60_000 })).toBe(true);
    // the same pod, its sandbox kept
    const after = c.object<Pod>('pods', 'cfg')!;
    expect(after.metadata?.uid).toBe(before.metadata?.uid);
    expect(after.status?.podIP).toBe(before.status?.podIP);
    expect(after.status?.containerStatuses?.[0]?.restartCount).toBe(0);
    expect(c.exec('cfg', ['printenv', 'LEVEL']).stdout).toBe('v\n');
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
