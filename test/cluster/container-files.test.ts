/**
 * Files written in a container persist as on a real node (machines/kubelet/container-files.ts):
 * the container's writable layer lives as long as the container (a restart starts over from the
 * image), an emptyDir volume as long as the pod, a PersistentVolume's data as long as the volume,
 * wherever its claim's next pod runs; ConfigMap and projected volumes are read-only.
 */
import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { createCluster, type Cluster } from '../../src/cluster/create-cluster.js';

function running(c: Cluster, name: string, restarts = 0): Pod {
  const ok = c.runUntil(
    () => {
      const p = c.object<Pod>('pods', name);
      return p?.status?.phase === 'Running' && p.status.containerStatuses?.every((s) => s.state?.running && (s.restartCount ?? 0) >= restarts) === true;
    },
    { timeout: 120_000 },
  );
  expect(ok).toBe(true);
  return c.object<Pod>('pods', name)!;
}

function gone(c: Cluster, resource: 'pods' | 'persistentvolumes' | 'persistentvolumeclaims', name: string, namespace?: string): void {
  expect(c.runUntil(() => c.object(resource, name, namespace) === undefined, { timeout: 120_000 })).toBe(true);
}

describe('files written in a container', () => {
  it('stay in its writable layer for the life of the container; a restarted container starts from its image, its emptyDir kept (with what its command wrote there)', () => {
    const c = createCluster({ nodes: 1, seed: 5 });
    c.advance(2_000);
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'box' },
      spec: {
        // it exits after a minute: the kubelet restarts it (restartPolicy Always)
        containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'echo run >> /cache/runs; sleep 60; exit 1'], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
        volumes: [{ name: 'cache', emptyDir: {} }],
      },
    });
    running(c, 'box');
    expect(c.exec('box', ['sh', '-c', 'echo layer > /tmp/a; echo volume > /cache/b; rm /etc/hostname']).exitCode).toBe(0);
    // another exec, later, sees them (and not the file it removed)
    c.advance(1_000);
    expect(c.exec('box', ['cat', '/tmp/a', '/cache/b']).stdout).toBe('layer\nvolume\n');
    expect(c.exec('box', ['ls', '/cache']).stdout).toBe('b\nruns\n');
    expect(c.exec('box', ['cat', '/cache/runs']).stdout).toBe('run\n');
    const removed = c.exec('box', ['cat', '/etc/hostname']);
    expect(removed.exitCode).toBe(1);
    expect(removed.stderr).toBe("cat: can't open '/etc/hostname': No such file or directory\n");
    expect(c.exec('box', ['sh', '-c', 'echo more >> /tmp/a']).exitCode).toBe(0);
    // a file copied in through stdin (`kubectl exec -i box -- sh -c 'cat > /tmp/in' < file`)
    expect(c.exec('box', ['sh', '-c', 'cat > /tmp/in'], { stdin: 'from stdin\n' }).exitCode).toBe(0);
    expect(c.exec('box', ['cat', '/tmp/in']).stdout).toBe('from stdin\n');
    expect(c.exec('box', ['cat', '/tmp/a']).stdout).toBe('layer\nmore\n');
    // the container exits and is restarted: a new container, from the image
    running(c, 'box', 1);
    const lost = c.exec('box', ['cat', '/tmp/a']);
    expect(lost.exitCode).toBe(1);
    expect(lost.stderr).toBe("cat: can't open '/tmp/a': No such file or directory\n");
    expect(c.exec('box', ['cat', '/etc/hostname']).stdout).toBe('box\n');
    expect(c.exec('box', ['cat', '/cache/b']).stdout).toBe('volume\n');
    // what the container's own command wrote in the emptyDir stayed too: the new run appended to it
    expect(c.exec('box', ['cat', '/cache/runs']).stdout).toBe('run\nrun\n');
    // removed with the pod: a pod of the same name has a new, empty emptyDir
    c.client.delete('pods', 'box', { gracePeriodSeconds: 0 });
    gone(c, 'pods', 'box');
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'box' },
      spec: { containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }], volumes: [{ name: 'cache', emptyDir: {} }] },
    });
    running(c, 'box');
    expect(c.exec('box', ['ls', '/cache']).stdout).toBe('');
    c.stop();
  });

  it('an init container\'s page in an emptyDir is what nginx serves (the Configure Pod Initialization task, with a local page)', () => {
    const c = createCluster({ nodes: 1, seed: 12 });
    c.advance(2_000);
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'init-demo' },
      spec: {
        initContainers: [{ name: 'install', image: 'busybox:1.28', command: ['sh', '-c', 'echo "<h1>from the init container</h1>" > /work-dir/index.html'], volumeMounts: [{ name: 'workdir', mountPath: '/work-dir' }] }],
        containers: [{ name: 'nginx', image: 'nginx', ports: [{ containerPort: 80 }], volumeMounts: [{ name: 'workdir', mountPath: '/usr/share/nginx/html' }] }],
        volumes: [{ name: 'workdir', emptyDir: {} }],
      },
    });
    running(c, 'init-demo');
    expect(c.exec('init-demo', ['curl', '-s', 'http://localhost/']).stdout).toBe('<h1>from the init container</h1>\n');
    c.stop();
  });

  it('an emptyDir is shared by the pod\'s containers; the container\'s own layer is not', () => {
    const c = createCluster({ nodes: 1, seed: 6 });
    c.advance(2_000);
    const mount = [{ name: 'shared', mountPath: '/shared' }];
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'pair' },
      spec: {
        containers: [
          { name: 'a', image: 'busybox', command: ['sleep', '3600'], volumeMounts: mount },
          {
            name: 'b',
            image: 'busybox',
            command: ['sleep', '3600'],
            volumeMounts: [
              { name: 'shared', mountPath: '/data' },
              { name: 'shared', mountPath: '/sub', subPath: 'dir' },
            ],
          },
        ],
        volumes: [{ name: 'shared', emptyDir: {} }],
      },
    });
    running(c, 'pair');
    c.exec('pair', ['sh', '-c', 'echo from-a > /shared/note; echo mine > /tmp/own'], { container: 'a' });
    expect(c.exec('pair', ['cat', '/data/note'], { container: 'b' }).stdout).toBe('from-a\n');
    expect(c.exec('pair', ['cat', '/tmp/own'], { container: 'b' }).exitCode).toBe(1);
    // a subPath mount is that directory of the volume
    c.exec('pair', ['sh', '-c', 'mkdir -p /shared/dir; echo in-dir > /shared/dir/x'], { container: 'a' });
    expect(c.exec('pair', ['cat', '/sub/x'], { container: 'b' }).stdout).toBe('in-dir\n');
    c.exec('pair', ['sh', '-c', 'echo from-b > /sub/y'], { container: 'b' });
    expect(c.exec('pair', ['cat', '/shared/dir/y'], { container: 'a' }).stdout).toBe('from-b\n');
    expect(c.exec('pair', ['cat', '/data/dir/y'], { container: 'b' }).stdout).toBe('from-b\n');
    c.stop();
  });

  it('what an exec hook writes stays in the container (the lifecycle tutorial\'s postStart message)', () => {
    const c = createCluster({ nodes: 1, seed: 4 });
    c.advance(2_000);
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'lifecycle-demo' },
      spec: {
        containers: [
          {
            name: 'lifecycle-demo-container',
            image: 'nginx',
            lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', 'echo Hello from the postStart handler > /usr/share/message'] } } },
          },
        ],
      },
    });
    running(c, 'lifecycle-demo');
    expect(c.exec('lifecycle-demo', ['cat', '/usr/share/message']).stdout).toBe('Hello from the postStart handler\n');
    c.stop();
  });

  it('what an exec writes later does not change what a process already logged', () => {
    const c = createCluster({ nodes: 1, seed: 13 });
    c.advance(2_000);
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'reader' },
      spec: {
        containers: [{ name: 'main', image: 'busybox', command: ['sh', '-c', 'while true; do echo "seen: $(cat /cache/x 2>/dev/null)"; sleep 5; done'], volumeMounts: [{ name: 'cache', mountPath: '/cache' }] }],
        volumes: [{ name: 'cache', emptyDir: {} }],
      },
    });
    running(c, 'reader');
    c.advance(20_000);
    const before = c.logs('reader');
    const lines = before.split('\n').filter(Boolean);
    expect(lines.length).toBeGreaterThanOrEqual(4);
    expect(lines.every((l) => l === 'seen: ')).toBe(true);
    c.exec('reader', ['sh', '-c', 'echo hello > /cache/x']);
    expect(c.logs('reader').startsWith(before)).toBe(true);
    expect(c.exec('reader', ['cat', '/cache/x']).stdout).toBe('hello\n');
    c.stop();
  });

  it('ConfigMap, projected and readOnly mounts are read-only file systems', () => {
    const c = createCluster({ nodes: 1, seed: 7 });
    c.advance(2_000);
    c.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { 'app.conf': 'x=1\n' } });
    c.client.create({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'ro' },
      spec: {
        containers: [
          {
            name: 'main',
            image: 'busybox',
            command: ['sleep', '3600'],
            volumeMounts: [
              { name: 'cfg', mountPath: '/etc/cfg' },
              { name: 'data', mountPath: '/data', readOnly: true },
            ],
          },
        ],
        volumes: [
          { name: 'cfg', configMap: { name: 'cfg' } },
          { name: 'data', emptyDir: {} },
        ],
      },
    });
    running(c, 'ro');
    const redirect = c.exec('ro', ['sh', '-c', 'echo y > /etc/cfg/app.conf']);
    expect(redirect.exitCode).toBe(1);
    expect(redirect.stderr).toBe("sh: can't create /etc/cfg/app.conf: Read-only file system\n");
    expect(c.exec('ro', ['touch', '/var/run/secrets/kubernetes.io/serviceaccount/x']).stderr).toBe('touch: /var/run/secrets/kubernetes.io/serviceaccount/x: Read-only file system\n');
    expect(c.exec('ro', ['rm', '/etc/cfg/app.conf']).stderr).toBe("rm: can't remove '/etc/cfg/app.conf': Read-only file system\n");
    expect(c.exec('ro', ['mkdir', '/data/d']).stderr).toBe("mkdir: can't create directory '/data/d': Read-only file system\n");
    expect(c.exec('ro', ['cat', '/etc/cfg/app.conf']).stdout).toBe('x=1\n');
    c.stop();
  });

  it('nginx serves what was written in its document root (the Debian image: dash\'s message for a read-only file)', () => {
    const c = createCluster({ nodes: 1, seed: 8 });
    c.advance(2_000);
    c.client.create({ apiVersion: 'v1', kind: 'Pod', metadata: { name: 'web' }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }] }] } });
    running(c, 'web');
    expect(c.exec('web', ['curl', '-s', 'http://localhost/']).stdout).toContain('<title>Welcome to nginx!</title>');
    expect(c.exec('web', ['sh', '-c', 'echo hello > /usr/share/nginx/html/index.html; echo page > /usr/share/nginx/html/p.html']).exitCode).toBe(0);
    expect(c.exec('web', ['curl', '-s', 'http://localhost/']).stdout).toBe('hello\n');
    expect(c.exec('web', ['curl', '-s', 'http://localhost/p.html']).stdout).toBe('page\n');
    const answer = Buffer.from(c.portForward('web', 80).send('GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n')).toString();
    expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(answer.endsWith('\r\n\r\nhello\n')).toBe(true);
    const denied = c.exec('web', ['sh', '-c', 'echo x > /var/run/secrets/kubernetes.io/serviceaccount/token']);
    expect(denied.exitCode).toBe(2);
    expect(denied.stderr).toBe('sh: 1: cannot create /var/run/secrets/kubernetes.io/serviceaccount/token: Read-only file system\n');
    c.stop();
  });

  it('a PersistentVolume keeps its data across pods and nodes, and loses it with the volume', () => {
    const c = createCluster({ nodes: 2, seed: 9 });
    c.advance(2_000);
    const [first, second] = c.nodes as [string, string];
    // a volume by hand, reachable from every node (no node affinity), bound to the claim
    c.client.create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'disk' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Delete', storageClassName: '', nfs: { server: 'nas', path: '/export' } } });
    c.client.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } } });
    const pod = (name: string, node: string) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name },
      spec: { nodeName: node, containers: [{ name: 'main', image: 'busybox', command: ['sleep', '3600'], volumeMounts: [{ name: 'd', mountPath: '/data' }] }], volumes: [{ name: 'd', persistentVolumeClaim: { claimName: 'data' } }] },
    });
    // its own command writes there too: kept when its run ends
    c.client.create({ ...pod('writer', first), spec: { ...pod('writer', first).spec, containers: [{ ...pod('writer', first).spec.containers[0]!, command: ['sh', '-c', 'echo "$(hostname) was here" >> /data/log; sleep 3600'] }] } });
    running(c, 'writer');
    expect(c.exec('writer', ['sh', '-c', 'echo kept > /data/f; echo lost > /tmp/f']).exitCode).toBe(0);
    c.client.delete('pods', 'writer', { gracePeriodSeconds: 0 });
    gone(c, 'pods', 'writer');
    // the claim's next pod, on the other node, finds the volume's files
    c.client.create(pod('reader', second));
    running(c, 'reader');
    expect(c.exec('reader', ['cat', '/data/f']).stdout).toBe('kept\n');
    expect(c.exec('reader', ['cat', '/data/log']).stdout).toBe('writer was here\n');
    expect(c.exec('reader', ['cat', '/tmp/f']).exitCode).toBe(1);
    // the volume goes with its claim (reclaim policy Delete); a new volume and claim of the same names start empty
    c.client.delete('pods', 'reader', { gracePeriodSeconds: 0 });
    gone(c, 'pods', 'reader');
    c.client.delete('persistentvolumeclaims', 'data');
    gone(c, 'persistentvolumeclaims', 'data');
    gone(c, 'persistentvolumes', 'disk');
    c.client.create({ apiVersion: 'v1', kind: 'PersistentVolume', metadata: { name: 'disk' }, spec: { capacity: { storage: '1Gi' }, accessModes: ['ReadWriteOnce'], storageClassName: '', nfs: { server: 'nas', path: '/export' } } });
    c.client.create({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } } });
    c.client.create(pod('fresh', first));
    running(c, 'fresh');
    expect(c.exec('fresh', ['ls', '/data']).stdout).toBe('');
    // the storage backend forgot the old volume's data
    c.exec('fresh', ['touch', '/data/new']);
    expect(c.storage.keys()).toEqual([`pv/disk/${c.object('persistentvolumes', 'disk')!.metadata!.uid}`]);
    c.stop();
  });
});
