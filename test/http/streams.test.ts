/**
 * `kubectl exec` and `kubectl attach` (the real kubectl 1.32, over WebSocket v5.channel.k8s.io)
 * against a served cluster: output, exit codes, stdin, virtual time, and the refusals of the API
 * server (RBAC, 404, unknown container) and of the kubelet (a container that is not running);
 * and the channel protocol itself through a raw WebSocket client (v4, the error channel's Status,
 * an upgrade that is not WebSocket).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import WebSocket from 'ws';
import type { Pod } from '../../src/api/types.js';
import { HAS_KUBECTL, HAS_PYTHON_PTY, kubectlInPty, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

/** Python 3 gives the kubectl -it test its pseudo-terminal. */
const HAS_PYTHON = HAS_PYTHON_PTY;

/** Opens a raw channel-protocol WebSocket and collects its messages until it closes. */
function channel(s: TestServer, path: string, protocols: string[], send: Buffer[] = []): Promise<{ protocol: string; frames: Buffer[]; code: number }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`wss://127.0.0.1:${s.server.port}${path}`, protocols, { ca: s.server.certificate!.cert, headers: { authorization: `Bearer ${s.cluster.users.admin.token}` } });
    const frames: Buffer[] = [];
    ws.on('open', () => send.forEach((b) => ws.send(b)));
    ws.on('message', (data: Buffer) => frames.push(Buffer.from(data)));
    ws.on('close', (code) => resolve({ protocol: ws.protocol, frames, code }));
    ws.on('unexpected-response', (_req, res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => reject(new Error(`${res.statusCode} ${Buffer.concat(chunks).toString()}`)));
    });
    ws.on('error', reject);
  });
}

describe.skipIf(!HAS_KUBECTL)(HAS_KUBECTL ? 'kubectl exec and attach' : NO_KUBECTL_REASON, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 5 }, speed: 20 });
    await s.kubectl(['run', 'web', '--image=nginx:1.27']);
    await waitFor('web Running', () => s.cluster.object<Pod>('pods', 'web')?.status?.phase === 'Running');
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('exec prints the output; a non-zero exit is kubectl exit code', async () => {
    expect(await s.kubectl(['exec', 'web', '--', 'echo', 'hi'])).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    const r = await s.kubectl(['exec', 'web', '--', 'sh', '-c', 'echo $HOSTNAME; echo oops >&2; exit 3']);
    expect(r).toEqual({ code: 3, stdout: 'web\n', stderr: 'oops\ncommand terminated with exit code 3\n' });
    // the container's files and a word the image lacks
    expect((await s.kubectl(['exec', 'web', '--', 'cat', '/etc/hostname'])).stdout).toBe('web\n');
    expect(await s.kubectl(['exec', 'web', '--', 'sh', '-c', 'nosuchtool'])).toMatchObject({ code: 127, stderr: 'sh: nosuchtool: not found\ncommand terminated with exit code 127\n' });
  }, 60_000);

  it('exec -i passes stdin', async () => {
    expect(await s.kubectl(['exec', '-i', 'web', '--', 'cat'], { input: 'one\ntwo\n' })).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: '' });
  }, 60_000);

  it('a sleeping command ends when virtual time reaches its end', async () => {
    const before = s.cluster.kernel.now();
    const r = await s.kubectl(['exec', 'web', '--', 'sh', '-c', 'sleep 4; echo late']);
    expect(r).toEqual({ code: 0, stdout: 'late\n', stderr: '' });
    expect(s.cluster.kernel.now() - before).toBeGreaterThanOrEqual(4000);
  }, 60_000);

  it('refusals: missing pod, unknown container, RBAC, a container that is not running', async () => {
    expect((await s.kubectl(['exec', 'nope', '--', 'true'])).stderr).toBe('Error from server (NotFound): pods "nope" not found\n');
    expect((await s.kubectl(['exec', 'web', '-c', 'side', '--', 'true'])).stderr).toBe('Error from server (BadRequest): container side is not valid for pod web\n');
    const viewer = await s.kubectl(['exec', 'web', '--', 'true'], { context: 'kube-actors-viewer' });
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toContain('User "viewer" cannot create resource "pods/exec" in API group "" in the namespace "default"');
    await s.kubectl(['run', 'nowhere', '--image=nginx:1.27', '--overrides={"spec":{"nodeSelector":{"disk":"none"}}}']);
    await waitFor('nowhere unschedulable', () => s.cluster.object<Pod>('pods', 'nowhere')?.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') === true);
    expect((await s.kubectl(['exec', 'nowhere', '--', 'true'])).stderr).toBe('Error from server (BadRequest): pod nowhere does not have a host assigned\n');
    await s.kubectl(['run', 'broken', '--image=nginx:doesnotexist-999']);
    await waitFor('broken waiting', () => s.cluster.object<Pod>('pods', 'broken')?.status?.containerStatuses?.[0]?.state?.waiting !== undefined);
    const waiting = await s.kubectl(['exec', 'broken', '--', 'true']);
    expect(waiting).toMatchObject({ code: 1, stderr: 'error: Internal error occurred: unable to upgrade connection: container not found ("broken")\n' });
  }, 60_000);

  it('attach streams the main process output as it is written', async () => {
    await s.kubectl(['run', 'ticker', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'echo before; sleep 60; for i in 1 2 3; do echo "tick $i"; sleep 1; done']);
    await waitFor('ticker Running', () => s.cluster.object<Pod>('pods', 'ticker')?.status?.phase === 'Running');
    const r = await s.kubectl(['attach', 'ticker'], { timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('tick 1\ntick 2\ntick 3\n');
    expect(r.stdout).not.toContain('before');
  }, 60_000);

  it('run -i --rm attaches, shows the output and deletes the pod', async () => {
    const r = await s.kubectl(['run', '-i', '--rm', '--restart=Never', 'once', '--image=busybox', '--', 'sh', '-c', 'sleep 30; echo hello-from-run'], { input: '', timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('hello-from-run\n');
    expect(r.stdout).toContain('pod "once" deleted');
  }, 60_000);

  it('cp fails naming why: the interpreter has no tar', async () => {
    const why = 'tar: kube-actors does not model tar in containers (the interpreter has no archives), so kubectl cp is not supported';
    const out = await s.kubectl(['cp', 'web:/etc/hostname', `${s.dir}/hostname`]);
    expect(out.code).toBe(2);
    expect(out.stdout + out.stderr).toContain(why);
    writeFileSync(`${s.dir}/local.txt`, 'hello\n');
    const into = await s.kubectl(['cp', `${s.dir}/local.txt`, 'web:/tmp/local.txt']);
    expect(into).toMatchObject({ code: 2 });
    expect(into.stderr).toContain(why);
  }, 60_000);

  it('attach -i says that typed input does not reach the process', async () => {
    await s.kubectl(['run', 'waiter', '--image=busybox', '--restart=Never', '--', 'sh', '-c', 'sleep 60; echo woke']);
    await waitFor('waiter Running', () => s.cluster.object<Pod>('pods', 'waiter')?.status?.phase === 'Running');
    const r = await s.kubectl(['attach', '-i', 'waiter'], { input: 'hello\n', timeoutMs: 30_000 });
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('kube-actors: input to an attached container is not delivered (its process is replayed from its start); use kubectl exec -i waiter -- COMMAND');
    expect(r.stdout).toBe('woke\n');
  }, 60_000);

  it('the channel protocol: v4, stdout/stderr channels, the exit Status', async () => {
    const q = 'command=sh&command=-c&command=echo%20a%3B%20echo%20b%20%3E%262%3B%20exit%205&stdout=true&stderr=true';
    const r = await channel(s, `/api/v1/namespaces/default/pods/web/exec?${q}`, ['v4.channel.k8s.io']);
    expect(r.protocol).toBe('v4.channel.k8s.io');
    expect(r.code).toBe(1000);
    expect(r.frames.slice(0, 2).map((f) => [f[0], f.subarray(1).toString()])).toEqual([
      [1, 'a\n'],
      [2, 'b\n'],
    ]);
    const last = r.frames.at(-1)!;
    expect(last[0]).toBe(3);
    expect(JSON.parse(last.subarray(1).toString())).toMatchObject({ status: 'Failure', reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '5' }] } });
    const ok = await channel(s, '/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true', ['v5.channel.k8s.io']);
    expect(ok.frames.map((f) => [f[0], f.subarray(1).toString()])).toEqual([[3, '{"metadata":{},"status":"Success"}']]);
  }, 60_000);

  it('exec -it sh: a terminal that echoes, runs each line and exits with exit N', async () => {
    const stdin = (text: string) => Buffer.concat([Buffer.from([0]), Buffer.from(text)]);
    const r = await channel(s, '/api/v1/namespaces/default/pods/web/exec?command=sh&stdin=true&stdout=true&tty=true', ['v5.channel.k8s.io'], [stdin('echo $HOSTNAME\r'), stdin('exit 3\r')]);
    const out = r.frames
      .filter((f) => f[0] === 1)
      .map((f) => f.subarray(1).toString())
      .join('');
    expect(out).toBe('# echo $HOSTNAME\r\nweb\r\n# exit 3\r\n');
    expect(JSON.parse(r.frames.at(-1)!.subarray(1).toString())).toMatchObject({ reason: 'NonZeroExitCode', details: { causes: [{ reason: 'ExitCode', message: '3' }] } });
  }, 60_000);

  it.skipIf(!HAS_PYTHON)('kubectl exec -it in a terminal (a pty from Python): prompt, output on virtual time, exit code', async () => {
    // the pty side waits for what it expects before typing (no timed waits); 30 s guard against a hang
    const r = await kubectlInPty(s, ['exec', '-it', 'web', '--', 'sh'], [
      { until: '# ' },
      { write: 'echo $HOSTNAME; sleep 2; echo done\r' },
      { until: 'done\r\n# ' },
      { write: 'exit 4\r' },
      { until: 'exit code 4' },
    ], 30);
    expect(r).toBe(`'# echo $HOSTNAME; sleep 2; echo done\\r\\nweb\\r\\ndone\\r\\n# exit 4\\r\\ncommand terminated with exit code 4\\r\\n' 4`);
  }, 60_000);

  it('an upgrade that is not WebSocket, a plain request and an unknown subprotocol get a clear Status', async () => {
    const spdy = await s.call('POST', '/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true', { headers: { connection: 'Upgrade', upgrade: 'SPDY/3.1' } });
    expect(spdy.code).toBe(400);
    expect(spdy.json.message).toContain('over WebSocket only');
    const plain = await s.call('GET', '/api/v1/namespaces/default/pods/web/exec?command=true&stdout=true');
    expect(plain).toMatchObject({ code: 400, json: { message: 'Upgrade request required' } });
    await expect(channel(s, '/api/v1/namespaces/default/pods/web/exec?command=true', ['channel.k8s.io'])).rejects.toThrow(/requested protocol\(s\) are not supported: \[channel.k8s.io\]/);
  }, 60_000);
});
