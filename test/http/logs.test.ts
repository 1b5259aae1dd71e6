/**
 * `kubectl logs` (the real kubectl 1.32) against a served cluster: the log of a finished
 * `kubectl run ... -- echo`, nginx's start-up lines, `--tail`, `--timestamps`, `-f` following a
 * ticking process until it is stopped, and the refusals kubectl prints.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

describe.skipIf(!HAS_KUBECTL)(HAS_KUBECTL ? 'kubectl logs' : NO_KUBECTL_REASON, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 3 }, speed: 20 });
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });
  const phase = (name: string) => s.cluster.object<Pod>('pods', name)?.status?.phase;

  it('run --restart=Never -- echo hi: Succeeded, and logs print hi', async () => {
    const run = await s.kubectl(['run', 'hi', '--image=busybox', '--restart=Never', '--', 'echo', 'hi']);
    expect(run.stderr).toBe('');
    await waitFor('hi Succeeded', () => phase('hi') === 'Succeeded');
    const logs = await s.kubectl(['logs', 'hi']);
    expect(logs).toMatchObject({ code: 0, stdout: 'hi\n' });
  }, 60_000);

  it('nginx: start-up lines, --tail, --timestamps; refusals', async () => {
    await s.kubectl(['run', 'web', '--image=nginx:1.27']);
    await waitFor('web Running', () => phase('web') === 'Running');
    const all = await s.kubectl(['logs', 'web']);
    expect(all.stdout.split('\n')[0]).toBe('/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration');
    const tail = await s.kubectl(['logs', 'web', '--tail=1', '--timestamps']);
    expect(tail.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z \d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \[notice\] 1#1: start worker process 29\n$/);
    const missing = await s.kubectl(['logs', 'nope']);
    expect(missing.code).not.toBe(0);
    expect(missing.stderr).toContain('pods "nope" not found');
    const previous = await s.kubectl(['logs', 'web', '--previous']);
    expect(previous.stderr).toContain('previous terminated container "web" in pod "web" not found');
  }, 60_000);

  it('logs -f follows new lines until the container stops', async () => {
    await s.kubectl(['run', 'tick', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'for i in 1 2 3 4; do echo "tick $i"; sleep 2; done']);
    await waitFor('tick Running', () => phase('tick') === 'Running' || phase('tick') === 'Succeeded');
    const follow = await s.kubectl(['logs', '-f', 'tick'], { timeoutMs: 30_000 });
    expect(follow).toMatchObject({ code: 0, stdout: 'tick 1\ntick 2\ntick 3\ntick 4\n' });
  }, 60_000);
});
