import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { StatusError } from '../../src/api/status.js';
import { createCluster } from '../../src/cluster/create-cluster.js';

const pod = (name: string, containers: Record<string, unknown>[], extra: Record<string, unknown> = {}): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { containers, ...extra } }) as unknown as Pod;
const failure = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    return e instanceof StatusError ? `${e.status.code} ${e.message}` : String(e);
  }
  return 'no error';
};

describe('ephemeral containers (kubectl debug)', () => {
  it('cluster.debug adds one through the subresource; the kubelet runs it once; logs and exec reach it', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('app', [{ name: 'app', image: 'nginx:1.27' }]));
    expect(c.runUntil(() => c.object<Pod>('pods', 'app')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
    const name = c.debug('app', { image: 'busybox:1.36', command: ['sh', '-c', 'echo hi; echo $HOSTNAME-$(hostname)'], target: 'app' });
    expect(name).toMatch(/^debugger-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const spec = c.object<Pod>('pods', 'app')!.spec!.ephemeralContainers!;
    expect(spec).toMatchObject([{ name, image: 'busybox:1.36', targetContainerName: 'app', terminationMessagePath: '/dev/termination-log', imagePullPolicy: 'IfNotPresent' }]);
    expect(c.runUntil(() => c.object<Pod>('pods', 'app')?.status?.ephemeralContainerStatuses?.[0]?.state?.terminated !== undefined, { timeout: 60_000 })).toBe(true);
    c.advance(30_000);
    const status = c.object<Pod>('pods', 'app')!.status!;
    expect(status.ephemeralContainerStatuses).toHaveLength(1);
    const ec = status.ephemeralContainerStatuses![0]!;
    // never restarted, never ready, no `started`, as the kubelet reports them
    expect(ec).toMatchObject({ name, ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } });
    expect(ec.started).toBeUndefined();
    expect(status.phase).toBe('Running');
    expect(status.containerStatuses![0]!.ready).toBe(true);
    expect(c.logs('app', { container: name })).toBe('hi\napp-app\n');
    expect(failure(() => c.logs('app'))).toBe('no error');
    c.stop();
  });

  it('an interactive shell on stdin keeps running; exec runs in it; the pod is killed with it', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('two', [{ name: 'a', image: 'nginx:1.27' }, { name: 'b', image: 'redis:7' }]));
    expect(c.runUntil(() => c.object<Pod>('pods', 'two')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
    c.debug('two', { image: 'busybox:1.36', command: ['sh'], stdin: true, tty: true, name: 'shell' });
    expect(c.runUntil(() => c.object<Pod>('pods', 'two')?.status?.ephemeralContainerStatuses?.[0]?.state?.running !== undefined, { timeout: 60_000 })).toBe(true);
    c.advance(120_000);
    expect(c.object<Pod>('pods', 'two')!.status!.ephemeralContainerStatuses![0]!.state!.running).toBeDefined();
    expect(c.exec('two', ['sh', '-c', 'echo from-$(hostname)'], { container: 'shell' })).toMatchObject({ stdout: 'from-two\n', exitCode: 0 });
    expect(failure(() => c.logs('two'))).toBe('400 a container name must be specified for pod two, choose one of: [a b] or one of the ephemeral containers: [shell]');
    c.client.delete('pods', 'two');
    expect(c.runUntil(() => c.object<Pod>('pods', 'two') === undefined, { timeout: 120_000 })).toBe(true);
    c.stop();
  });

  it('the registry: only spec.ephemeralContainers changes, existing ones stay, refused on create (kube validation messages)', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('p', [{ name: 'app', image: 'nginx:1.27' }], { initContainers: [{ name: 'init', image: 'busybox', command: ['true'] }] }));
    // ValidatePodCreate
    expect(failure(() => c.client.create(pod('q', [{ name: 'app', image: 'nginx' }], { ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] })))).toBe(
      '422 Pod "q" is invalid: spec.ephemeralContainers: Forbidden: cannot be set on create',
    );
    const patch = (ecs: unknown[]) => c.client.patch<Pod>('pods', 'p', { spec: { ephemeralContainers: ecs } }, { subresource: 'ephemeralcontainers' });
    // the GET of the subresource is the pod
    expect(c.client.request({ verb: 'get', resource: 'pods', namespace: 'default', name: 'p', subresource: 'ephemeralcontainers' }).body).toMatchObject({ kind: 'Pod', metadata: { name: 'p' } });
    // TestValidateEphemeralContainers' error cases
    expect(failure(() => patch([{ name: 'app', image: 'busybox' }]))).toContain('spec.ephemeralContainers[0].name: Duplicate value: "app"');
    expect(failure(() => patch([{ name: 'init', image: 'busybox' }]))).toContain('spec.ephemeralContainers[0].name: Duplicate value: "init"');
    expect(failure(() => patch([{ name: 'dbg', image: 'busybox', targetContainerName: 'bogus' }]))).toContain('spec.ephemeralContainers[0].targetContainerName: Not found: "bogus"');
    expect(failure(() => patch([{ name: 'dbg', image: 'busybox', lifecycle: { preStop: { exec: { command: ['true'] } } } }]))).toBe(
      '422 Pod "p" is invalid: spec.ephemeralContainers[0].lifecycle: Forbidden: cannot be set for an Ephemeral Container',
    );
    expect(failure(() => patch([{ name: 'dbg', image: 'busybox', ports: [{ containerPort: 80 }], resources: { limits: { cpu: '1' } }, readinessProbe: { exec: { command: ['true'] } } }]))).toBe(
      '422 Pod "p" is invalid: [spec.ephemeralContainers[0].ports: Forbidden: cannot be set for an Ephemeral Container, spec.ephemeralContainers[0].resources: Forbidden: cannot be set for an Ephemeral Container, spec.ephemeralContainers[0].readinessProbe: Forbidden: cannot be set for an Ephemeral Container]',
    );
    expect(failure(() => patch([{ name: 'dbg', image: '' }]))).toContain('spec.ephemeralContainers[0].image: Required value');
    // changes to anything but ephemeralContainers are dropped (dropNonEphemeralContainerUpdates)
    const added = c.client.patch<Pod>('pods', 'p', { metadata: { labels: { x: 'y' } }, spec: { activeDeadlineSeconds: 5, ephemeralContainers: [{ name: 'dbg', image: 'busybox' }] } }, { subresource: 'ephemeralcontainers' });
    expect(added.metadata?.labels).toBeUndefined();
    expect(added.spec?.activeDeadlineSeconds).toBeUndefined();
    expect(added.spec?.ephemeralContainers).toMatchObject([{ name: 'dbg', image: 'busybox', terminationMessagePolicy: 'File', imagePullPolicy: 'Always' }]);
    // a strategic merge patch merges by name (the patch's items first, as normalizeElementOrder orders them)
    expect(patch([{ name: 'dbg2', image: 'busybox' }]).spec?.ephemeralContainers?.map((e) => e.name)).toEqual(['dbg2', 'dbg']);
    // existing ones may be neither changed nor removed (ValidatePodEphemeralContainersUpdate)
    expect(failure(() => patch([{ name: 'dbg', image: 'alpine' }]))).toContain('spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be changed');
    const current = c.object<Pod>('pods', 'p')!;
    expect(failure(() => c.client.update({ ...current, spec: { ...current.spec!, ephemeralContainers: [current.spec!.ephemeralContainers![0]!] } } as Pod, { subresource: 'ephemeralcontainers' }))).toContain(
      'spec.ephemeralContainers: Forbidden: existing ephemeral containers "dbg" may not be removed',
    );
    // the pod's own update may not touch them
    expect(failure(() => c.client.update({ ...current, spec: { ...current.spec!, ephemeralContainers: [] } } as Pod))).toContain('pod updates may not change fields other than');
    // a template may not carry them
    expect(
      failure(() =>
        c.client.create({
          apiVersion: 'apps/v1',
          kind: 'Deployment',
          metadata: { name: 'd' },
          spec: { selector: { matchLabels: { a: 'b' } }, template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'nginx' }], ephemeralContainers: [{ name: 'e', image: 'busybox' }] } } },
        }),
      ),
    ).toContain('spec.template.spec.ephemeralContainers: Forbidden: ephemeral containers not allowed in pod template');
    c.stop();
  });

  describe('process namespaces: what ps sees', () => {
    const running = (c: ReturnType<typeof createCluster>, name: string, container: string) =>
      c.runUntil(() => c.object<Pod>('pods', name)?.status?.ephemeralContainerStatuses?.find((e) => e.name === container)?.state?.running !== undefined, { timeout: 60_000 });

    it('an ephemeral container with --target shares the target container\'s PID namespace: ps lists its processes, /proc/1/root reaches its files', () => {
      const c = createCluster({ nodes: 1 });
      c.client.create(pod('app', [{ name: 'app', image: 'nginx:1.27' }, { name: 'side', image: 'busybox:1.36', command: ['sleep', '3600'] }]));
      expect(c.runUntil(() => c.object<Pod>('pods', 'app')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
      c.debug('app', { image: 'busybox:1.36', stdin: true, tty: true, target: 'app', name: 'dbg' });
      c.debug('app', { image: 'busybox:1.36', stdin: true, tty: true, name: 'alone' });
      expect(running(c, 'app', 'dbg') && running(c, 'app', 'alone')).toBe(true);
      // busybox's ps: PID USER TIME COMMAND; the target's main process is PID 1 (nginx renames itself and forks a worker as uid 101)
      expect(c.exec('app', ['ps'], { container: 'dbg' })).toMatchObject({
        exitCode: 0,
        stdout: ['PID   USER     TIME  COMMAND', '    1 root      0:00 nginx: master process nginx -g daemon off;', '    2 101       0:00 nginx: worker process', '    3 root      0:00 sh', '    4 root      0:00 ps', ''].join('\n'),
      });
      expect(c.exec('app', ['cat', '/proc/1/root/usr/share/nginx/html/index.html'], { container: 'dbg' }).stdout).toContain('<title>Welcome to nginx!</title>');
      expect(c.exec('app', ['sh', '-c', 'ps aux | grep -c nginx'], { container: 'dbg' }).stdout).toBe('2\n');
      // without a target: its own namespace, its shell is PID 1; the side container is seen by nobody else
      expect(c.exec('app', ['ps'], { container: 'alone' }).stdout).toBe(['PID   USER     TIME  COMMAND', '    1 root      0:00 sh', '    2 root      0:00 ps', ''].join('\n'));
      expect(c.exec('app', ['ps'], { container: 'side' }).stdout).toBe(['PID   USER     TIME  COMMAND', '    1 root      0:00 sleep 3600', '    2 root      0:00 ps', ''].join('\n'));
      expect(c.exec('app', ['cat', '/proc/1/root/etc/os-release'], { container: 'alone' }).exitCode).toBe(1);
      // nginx's image (Debian) has no ps: procps is not installed
      expect(c.exec('app', ['ps'], { container: 'app' })).toMatchObject({ exitCode: 127, stdout: '' });
      c.stop();
    });

    it('shareProcessNamespace: true puts every container in one namespace whose PID 1 is /pause', () => {
      const c = createCluster({ nodes: 1 });
      c.client.create(pod('shared', [{ name: 'app', image: 'nginx:1.27' }, { name: 'shell', image: 'busybox:1.36', command: ['sleep', '3600'], securityContext: { runAsUser: 1000 } }], { shareProcessNamespace: true }));
      expect(c.runUntil(() => c.object<Pod>('pods', 'shared')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
      expect(c.exec('shared', ['ps'], { container: 'shell' }).stdout).toBe(
        ['PID   USER     TIME  COMMAND', '    1 root      0:00 /pause', '    2 root      0:00 nginx: master process nginx -g daemon off;', '    3 101       0:00 nginx: worker process', '    4 1000      0:00 sleep 3600', '    5 root      0:00 ps', ''].join('\n'),
      );
      expect(c.exec('shared', ['cat', '/proc/2/root/usr/share/nginx/html/index.html'], { container: 'shell' }).stdout).toContain('Welcome to nginx!');
      c.stop();
    });
  });
});
