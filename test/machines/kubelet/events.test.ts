import { describe, expect, it } from 'vitest';
import type { Pod } from '../../../src/api/types.js';
import { createCluster } from '../../../src/cluster/create-cluster.js';
import { goDuration } from '../../../machines/kubelet/pod-containers.js';

interface Ev {
  reason: string;
  type: string;
  message: string;
  count: number;
  involvedObject: { name: string; fieldPath?: string };
  source: { component: string; host?: string };
}
const eventsOf = (c: ReturnType<typeof createCluster>, name: string) =>
  c.objects<Ev & { apiVersion: string }>('events', 'default').filter((e) => e.involvedObject.name === name) as unknown as Ev[];
const pod = (name: string, container: Record<string, unknown>, restartPolicy = 'Always'): Pod =>
  ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default' }, spec: { restartPolicy, containers: [{ name, ...container }] } }) as Pod;

describe('kubelet events', () => {
  it('a pod that starts: Pulling, Pulled, Created, Started about its container, from the kubelet of its node', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('web', { image: 'nginx:1.27' }));
    c.client.create(pod('web2', { image: 'nginx:1.27' }));
    const running = (n: string) => c.object<Pod>('pods', n)?.status?.phase === 'Running';
    expect(c.runUntil(() => running('web') && running('web2'), { timeout: 60_000 })).toBe(true);
    c.advance(1000);
    const order = ['Pulling', 'Pulled', 'Created', 'Started'];
    const kubeletEvents = (name: string) =>
      eventsOf(c, name)
        .filter((e) => e.source.component === 'kubelet')
        .sort((a, b) => order.indexOf(a.reason) - order.indexOf(b.reason));
    // whichever pod started first pulled the image; the other found it on the node
    const [first, second] = kubeletEvents('web').some((e) => e.reason === 'Pulling') ? ['web', 'web2'] : ['web2', 'web'];
    const events = kubeletEvents(first);
    expect(events.map((e) => [e.reason, e.type, e.involvedObject.fieldPath])).toEqual([
      ['Pulling', 'Normal', `spec.containers{${first}}`],
      ['Pulled', 'Normal', `spec.containers{${first}}`],
      ['Created', 'Normal', `spec.containers{${first}}`],
      ['Started', 'Normal', `spec.containers{${first}}`],
    ]);
    expect(events[0]!.message).toBe('Pulling image "nginx:1.27"');
    expect(events[1]!.message).toMatch(/^Successfully pulled image "nginx:1\.27" in \d+(\.\d+)?m?s \(\d+(\.\d+)?m?s including waiting\)\. Image size: 72000000 bytes\.$/);
    expect(events[2]!.message).toBe(`Created container: ${first}`);
    expect(events[3]!.message).toBe(`Started container ${first}`);
    expect(events[0]!.source.host).toBe(c.nodes[0]);
    expect(kubeletEvents(second).map((e) => e.reason)).toEqual(['Pulled', 'Created', 'Started']);
    expect(kubeletEvents(second)[0]!.message).toBe('Container image "nginx:1.27" already present on machine');
    c.stop();
  });

  it('a crash loop: one BackOff event whose count grows, with the kubelet message', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('crasher', { image: 'busybox:1.36', command: ['sh', '-c', 'exit 1'] }));
    c.advance(5 * 60_000);
    const p = c.object<Pod>('pods', 'crasher')!;
    const backOff = eventsOf(c, 'crasher').filter((e) => e.reason === 'BackOff');
    expect(backOff).toHaveLength(1);
    expect(backOff[0]).toMatchObject({ type: 'Warning', message: `Back-off restarting failed container crasher in pod crasher_default(${p.metadata!.uid})` });
    expect(backOff[0]!.count).toBeGreaterThan(2);
    const started = eventsOf(c, 'crasher').filter((e) => e.reason === 'Started');
    expect(started).toHaveLength(1);
    expect(started[0]!.count).toBe(p.status!.containerStatuses![0]!.restartCount + 1);
    c.stop();
  });

  it('a failing pull: Failed with the pull error, Failed Error: ErrImagePull, BackOff and Failed Error: ImagePullBackOff', () => {
    const c = createCluster({ nodes: 1 });
    c.client.create(pod('bad', { image: 'nginx:doesnotexist-999' }));
    c.advance(60_000);
    const reasons = eventsOf(c, 'bad')
      .filter((e) => e.source.component === 'kubelet')
      .map((e) => `${e.type} ${e.reason}: ${e.message.split(':')[0]}`);
    expect(reasons).toEqual(
      expect.arrayContaining(['Normal Pulling: Pulling image "nginx', 'Warning Failed: Failed to pull image "nginx', 'Warning Failed: Error', 'Normal BackOff: Back-off pulling image "nginx']),
    );
    expect(eventsOf(c, 'bad').find((e) => e.message === 'Error: ImagePullBackOff')?.type).toBe('Warning');
    c.stop();
  });

  it('deleting a pod: Killing "Stopping container <name>" for each running container', () => {
    const c = createCluster({ nodes: 1 });
    const p = pod('two', { image: 'nginx:1.27' });
    p.spec!.containers.push({ name: 'side', image: 'redis:7' });
    c.client.create(p);
    c.runUntil(() => c.object<Pod>('pods', 'two')?.status?.phase === 'Running', { timeout: 60_000 });
    c.client.delete('pods', 'two');
    c.advance(40_000);
    const killing = eventsOf(c, 'two').filter((e) => e.reason === 'Killing');
    expect(killing.map((e) => e.message).sort()).toEqual(['Stopping container side', 'Stopping container two']);
    c.stop();
  });

  it('formats durations as Go does', () => {
    expect(goDuration(523)).toBe('523ms');
    expect(goDuration(2500)).toBe('2.5s');
    expect(goDuration(62_300)).toBe('1m2.3s');
    // whole nanoseconds: a sum of floats prints as Go prints the Duration
    expect(goDuration(1175.0000000000002)).toBe('1.175s');
    expect(goDuration(1618.874)).toBe('1.618874s');
    expect(goDuration(950.5)).toBe('950.5ms');
    expect(goDuration(0.5)).toBe('500µs');
    expect(goDuration(0)).toBe('0s');
  });
});
