import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { processFate, processOf } from '../../../machines/kubelet/process.js';
import { lookupImage } from '../../../src/profiles/images.js';

const pod = (name: string, container: Record<string, unknown>, restartPolicy = 'Never'): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { restartPolicy, containers: [{ name, ...container }] } }) as Pod;

describe('containers run processes', () => {
  it('`run --restart=Never --image=busybox -- echo hi` ends Succeeded; `sh -c "sleep 5; exit 3"` ends Failed after 5 s', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('hi', { image: 'busybox', args: ['echo', 'hi'] }));
    c.client.create(pod('three', { image: 'busybox:1.36', command: ['sh', '-c', 'sleep 5; exit 3'] }));
    c.client.create(pod('app', { image: 'python:3.12', command: ['python', 'app.py'], ports: [{ containerPort: 8080 }] }));
    expect(c.runUntil(() => c.object<Pod>('pods', 'hi')?.status?.phase === 'Succeeded', { timeout: 60_000 })).toBe(true);
    expect(c.object<Pod>('pods', 'hi')!.status!.containerStatuses![0]!.state!.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(c.runUntil(() => c.object<Pod>('pods', 'three')?.status?.phase === 'Failed', { timeout: 60_000 })).toBe(true);
    const t = c.object<Pod>('pods', 'three')!.status!.containerStatuses![0]!.state!.terminated!;
    expect(t).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(Date.parse(t.finishedAt!) - Date.parse(t.startedAt!)).toBe(5000);
    // an application's own entrypoint runs until stopped
    c.advance(60_000);
    expect(c.object<Pod>('pods', 'app')!.status!.phase).toBe('Running');
    c.stop();
  });

  it('busybox with no command runs `sh`, which exits 0 at once: restartPolicy Always crash-loops', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('bb', { image: 'busybox' }, 'Always'));
    expect(c.runUntil(() => c.object<Pod>('pods', 'bb')?.status?.containerStatuses?.[0]?.state?.waiting?.reason === 'CrashLoopBackOff', { timeout: 120_000 })).toBe(true);
    const s = c.object<Pod>('pods', 'bb')!.status!.containerStatuses![0]!;
    expect(s.lastState?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(s.state!.waiting!.message).toMatch(/^back-off 10s restarting failed container=bb pod=bb_default\(/);
    c.stop();
  });

  it('the registry: an unknown tag of a catalog image fails as a real pull (ErrImagePull, then ImagePullBackOff)', () => {
    expect(lookupImage('nginx:1.27').found).toBe(true);
    expect(lookupImage('ghcr.io/acme/app:1.0').found).toBe(true);
    const missing = lookupImage('nginx:doesnotexist-999');
    expect(missing).toEqual({
      found: false,
      message:
        'rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:doesnotexist-999": failed to resolve reference "docker.io/library/nginx:doesnotexist-999": docker.io/library/nginx:doesnotexist-999: not found',
    });
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('bad', { image: 'nginx:doesnotexist-999' }, 'Always'));
    const waiting = () => c.object<Pod>('pods', 'bad')?.status?.containerStatuses?.[0]?.state?.waiting;
    expect(c.runUntil(() => waiting()?.reason === 'ErrImagePull', { timeout: 60_000 })).toBe(true);
    expect(waiting()!.message).toBe(`Failed to pull image "nginx:doesnotexist-999": ${missing.found ? '' : missing.message}`);
    expect(c.runUntil(() => waiting()?.reason === 'ImagePullBackOff', { timeout: 60_000 })).toBe(true);
    expect(waiting()!.message).toBe('Back-off pulling image "nginx:doesnotexist-999"');
    c.stop();
  });

  it('environment: literal values, $(VAR) references and the downward API reach the process', () => {
    const p = pod('env', {
      image: 'busybox',
      command: ['sh', '-c', 'echo $(GREETING) $POD $NODE'],
      env: [
        { name: 'NAME', value: 'world' },
        { name: 'GREETING', value: 'hello-$(NAME)' },
        { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
        { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      ],
    });
    const spec = processOf(p, p.spec!.containers[0]!, { podIP: '10.244.0.5', hostIP: '192.168.0.2' });
    expect(spec.argv).toEqual(['sh', '-c', 'echo hello-world $POD $NODE']);
    expect(spec.env).toContainEqual(['POD', 'env']);
    // a shell as PID 1: no SIGTERM handler
    expect(processFate(p, p.spec!.containers[0]!, { podIP: '10.244.0.5', hostIP: '192.168.0.2' })).toEqual({ exit: { afterMs: 0, code: 0 }, ignoresSigterm: true });
    // a script that traps TERM stops on it
    const trap = pod('trap', { image: 'busybox', command: ['sh', '-c', "trap 'exit 0' SIGTERM; echo hi"] });
    expect(processFate(trap, trap.spec!.containers[0]!, { podIP: '', hostIP: '' })).toEqual({ exit: { afterMs: 0, code: 0 } });
    // busybox httpd as PID 1 (a server applet): runs until stopped, no SIGTERM handler
    const httpd = pod('httpd', { image: 'busybox', command: ['httpd', '-f', '-p', '80'] });
    expect(processFate(httpd, httpd.spec!.containers[0]!, { podIP: '', hostIP: '' })).toEqual({ exit: undefined, ignoresSigterm: true });
    // a server: no exit, stops on SIGTERM; an unmodelled entrypoint: the profile decides
    const nginx = pod('web', { image: 'nginx:1.27' });
    expect(processFate(nginx, nginx.spec!.containers[0]!, { podIP: '', hostIP: '' })).toEqual({ exit: undefined });
    const own = pod('own', { image: 'ghcr.io/acme/app:1.0' });
    expect(processFate(own, own.spec!.containers[0]!, { podIP: '', hostIP: '' })).toBeUndefined();
  });
});
