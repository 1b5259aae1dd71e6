import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { StatusError } from '../../src/api/status.js';
import { createCluster } from '../../src/cluster/create-cluster.js';

const pod = (name: string, containers: Record<string, unknown>[], restartPolicy = 'Always'): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { restartPolicy, containers } }) as unknown as Pod;
const status = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return e instanceof StatusError ? `${e.status.code} ${e.message}` : String(e);
  }
  return 'no error';
};

describe('cluster.logs and cluster.exec', () => {
  it('logs are what the process wrote, with timestamps, tailLines and sinceSeconds', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('ticker', [{ name: 'ticker', image: 'busybox:1.36', command: ['sh', '-c', 'i=0; while true; do i=$((i+1)); echo "tick $i"; sleep 10; done'] }]));
    expect(c.runUntil(() => c.object<Pod>('pods', 'ticker')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
    c.advance(35_000);
    expect(c.logs('ticker')).toBe('tick 1\ntick 2\ntick 3\ntick 4\n');
    expect(c.logs('ticker', { tailLines: 2 })).toBe('tick 3\ntick 4\n');
    expect(c.logs('ticker', { sinceSeconds: 12 })).toBe('tick 4\n');
    const startedAt = c.object<Pod>('pods', 'ticker')!.status!.containerStatuses![0]!.state!.running!.startedAt!;
    expect(c.logs('ticker', { timestamps: true }).split('\n')[0]).toBe(`${startedAt.replace('Z', '.000000000Z')} tick 1`);
    expect(c.logs('ticker', { limitBytes: 8 })).toBe('tick 1\nt');
    c.stop();
  });

  it('nginx writes its start-up lines; previous is the run before a restart; refusals as the kubelet words them', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('web', [{ name: 'web', image: 'nginx:1.27' }, { name: 'side', image: 'busybox', command: ['sh', '-c', 'echo once; exit 1'] }]));
    c.advance(60_000);
    expect(c.logs('web', { container: 'web' })).toContain('/docker-entrypoint.sh: Configuration complete; ready for start up\n');
    expect(c.logs('web', { container: 'side', previous: true })).toBe('once\n');
    expect(status(() => c.logs('web'))).toBe('400 a container name must be specified for pod web, choose one of: [web side]');
    expect(status(() => c.logs('web', { container: 'nope' }))).toBe('400 container nope is not valid for pod web');
    expect(status(() => c.logs('web', { container: 'web', previous: true }))).toBe('400 previous terminated container "web" in pod "web" not found');
    expect(status(() => c.logs('missing'))).toBe('404 pods "missing" not found');
    c.client.create(pod('bad', [{ name: 'bad', image: 'nginx:doesnotexist-999' }]));
    c.advance(30_000);
    expect(status(() => c.logs('bad'))).toBe('400 container "bad" in pod "bad" is waiting to start: trying and failing to pull image');
    c.stop();
  });

  it('exec runs through the interpreter and sees the files the process wrote', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('box', [{ name: 'box', image: 'busybox:1.36', command: ['sh', '-c', 'echo ready > /tmp/state; sleep 3600'], env: [{ name: 'MODE', value: 'prod' }] }]));
    expect(c.runUntil(() => c.object<Pod>('pods', 'box')?.status?.phase === 'Running', { timeout: 60_000 })).toBe(true);
    c.advance(1000);
    expect(c.exec('box', ['cat', '/tmp/state'])).toMatchObject({ stdout: 'ready\n', stderr: '', exitCode: 0 });
    expect(c.exec('box', ['sh', '-c', 'echo $MODE; hostname'])).toMatchObject({ stdout: 'prod\nbox\n', exitCode: 0 });
    expect(c.exec('box', ['sh', '-c', 'foo'])).toMatchObject({ stderr: 'sh: foo: not found\n', exitCode: 127 });
    expect(c.exec('box', ['false']).exitCode).toBe(1);
    // the lines with their virtual times (what the exec stream replays), and the run's length
    expect(c.exec('box', ['sh', '-c', 'echo a; sleep 2; echo b >&2; exit 4'])).toMatchObject({
      lines: [
        { atMs: 0, stream: 'stdout', text: 'a' },
        { atMs: 2000, stream: 'stderr', text: 'b' },
      ],
      durationMs: 2000,
      exitCode: 4,
    });
    // kubectl cp's tar is refused with the reason
    expect(c.exec('box', ['tar', 'cf', '-', '/tmp/state'])).toMatchObject({ exitCode: 2, stdout: '', stderr: expect.stringContaining('kubectl cp is not supported') });
    c.stop();
  });
});
