/**
 * What the kubelet shows a user through the real kubectl: a container waiting in
 * CreateContainerConfigError (`kubectl describe pod`: its IP, the pulls, `Error: configmap "x"
 * not found` counted `(xN over ...)` as the kubelet retries at each sync, then Running in place
 * once the ConfigMap exists), and the deletion of a pod whose PID 1 ignores SIGTERM (`kubectl
 * get pod -w`: busybox `sleep 3600` runs until the grace period's end and is SIGKILLed, 137,
 * while nginx stops at once, 0), the RESTARTS of a pod whose node rebooted (`kubectl get pod`:
 * 1, not 0, and the SandboxChanged event), and a readiness probe whose curl reaches a Service
 * created after the container started (READY 0/1, then 1/1).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = Record<string, any>;

const CFG_POD = `apiVersion: v1
kind: Pod
metadata:
  name: cfg
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sleep", "3600"]
    env:
    - name: LEVEL
      valueFrom:
        configMapKeyRef:
          name: x
          key: k
`;

const podYaml = (name: string, image: string, command?: string[]) => `apiVersion: v1
kind: Pod
metadata:
  name: ${name}
spec:
  containers:
  - name: ${name}
    image: ${image}
${command ? `    command: ${JSON.stringify(command)}\n` : ''}`;

describe.skipIf(!HAS_KUBECTL)(`the kubelet through kubectl${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 7 }, speed: 20 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const pod = (name: string) => s.cluster.objects<Obj>('pods', 'default').find((p) => p.metadata?.name === name);

  it('describe pod: CreateContainerConfigError with a pod IP, the image pulled, Failed counted at each sync; Running in place once the ConfigMap exists', async () => {
    const file = join(s.dir, 'cfg.yaml');
    writeFileSync(file, CFG_POD);
    expect((await s.kubectl(['apply', '-f', file])).stderr).toBe('');
    await waitFor('the Failed event repeated 4 times', () => s.cluster.objects<Obj>('events', 'default').some((e) => e.involvedObject?.name === 'cfg' && e.reason === 'Failed' && e.count >= 4), 60_000);
    const uid = pod('cfg')?.metadata?.uid;
    const d = await s.kubectl(['describe', 'pod', 'cfg']);
    expect(d.stderr).toBe('');
    expect(d.stdout).toMatch(/^IP:\s+\d+\.\d+\.\d+\.\d+$/m);
    expect(d.stdout).toMatch(/^\s+State:\s+Waiting\n\s+Reason:\s+CreateContainerConfigError$/m);
    expect(d.stdout).toMatch(/Normal\s+Pulled\s+.*kubelet\s+Successfully pulled image "busybox:1\.36"/);
    expect(d.stdout).toMatch(/Normal\s+Pulled\s+\S+ \(x\d+ over \S+\)\s+kubelet\s+Container image "busybox:1\.36" already present on machine/);
    expect(d.stdout).toMatch(/Warning\s+Failed\s+\S+ \(x[4-9] over \S+\)\s+kubelet\s+Error: configmap "x" not found/);
    expect((await s.kubectl(['create', 'configmap', 'x', '--from-literal=k=v'])).stderr).toBe('');
    await waitFor('the pod Running', () => pod('cfg')?.status?.phase === 'Running', 60_000);
    const r = await s.kubectl(['get', 'pod', 'cfg', '-o', 'jsonpath={.metadata.uid} {.status.containerStatuses[0].restartCount}']);
    expect(r.stdout).toBe(`${uid} 0`);
    expect((await s.kubectl(['exec', 'cfg', '--', 'printenv', 'LEVEL'])).stdout).toBe('v\n');
  });

  it('get pod -w while deleting: busybox sleep ignores SIGTERM and is SIGKILLed at the grace period’s end (137); nginx stops at once (0)', async () => {
    const file = join(s.dir, 'pods.yaml');
    writeFileSync(file, `${podYaml('sleeper', 'busybox:1.36', ['sleep', '3600'])}---\n${podYaml('web', 'nginx:1.27')}`);
    expect((await s.kubectl(['apply', '-f', file])).stderr).toBe('');
    await waitFor('both Running', () => pod('sleeper')?.status?.phase === 'Running' && pod('web')?.status?.phase === 'Running', 60_000);
    const ends: Record<string, string> = {};
    for (const name of ['sleeper', 'web']) {
      const watch = s.spawnKubectl(['get', 'pod', name, '-w', '-o', 'jsonpath={.metadata.deletionTimestamp} {.status.containerStatuses[0].state.terminated.finishedAt} {.status.containerStatuses[0].state.terminated.exitCode}{"\\n"}']);
      let out = '';
      watch.stdout!.on('data', (chunk: Buffer) => (out += chunk.toString()));
      // the watch has the pod before it is deleted
      await waitFor(`the watch of ${name} started`, () => out.includes('\n'), 30_000);
      const d = await s.kubectl(['delete', 'pod', name]);
      expect(d.stdout).toBe(`pod "${name}" deleted\n`);
      await waitFor(`the watch of ${name} shows its end`, () => out.split('\n').some((l) => /^\S+ \S+ \d+$/.test(l)), 30_000);
      watch.kill();
      ends[name] = out.split('\n').find((l) => /^\S+ \S+ \d+$/.test(l))!;
    }
    // deletionTimestamp is the deletion's time plus the grace period (30 s)
    const [delSleeper, endSleeper, codeSleeper] = ends['sleeper']!.split(' ');
    expect(codeSleeper).toBe('137');
    expect(Date.parse(endSleeper!)).toBeGreaterThanOrEqual(Date.parse(delSleeper!) - 1_000);
    const [delWeb, endWeb, codeWeb] = ends['web']!.split(' ');
    expect(codeWeb).toBe('0');
    expect(Date.parse(endWeb!)).toBeLessThan(Date.parse(delWeb!) - 20_000);
  });

  it('get pod after a node reboot: RESTARTS 1 (counted on from the node’s log directories), SandboxChanged in describe', async () => {
    const file = join(s.dir, 'boot.yaml');
    writeFileSync(file, podYaml('boot', 'nginx:1.27'));
    expect((await s.kubectl(['apply', '-f', file])).stderr).toBe('');
    await waitFor('boot Running', () => pod('boot')?.status?.phase === 'Running', 60_000);
    s.cluster.faults.crashNode('node-1');
    s.cluster.faults.restartNode('node-1');
    await waitFor('boot running again', () => pod('boot')?.status?.containerStatuses?.[0]?.restartCount === 1 && pod('boot')?.status?.containerStatuses?.[0]?.state?.running !== undefined, 60_000);
    const r = await s.kubectl(['get', 'pod', 'boot', '--no-headers', '-o', 'custom-columns=RESTARTS:.status.containerStatuses[0].restartCount,LAST:.status.containerStatuses[0].lastState.terminated.reason']);
    expect(r.stdout.trim().split(/\s+/)).toEqual(['1', 'ContainerStatusUnknown']);
    await waitFor('the SandboxChanged event', () => s.cluster.objects<Obj>('events', 'default').some((e) => e.involvedObject?.name === 'boot' && e.reason === 'SandboxChanged'), 30_000);
    expect((await s.kubectl(['describe', 'pod', 'boot'])).stdout).toMatch(/Normal\s+SandboxChanged\s+.*kubelet\s+Pod sandbox changed, it will be killed and re-created\./);
  });

  it('get pod: a readiness probe that curls a Service created later goes READY 0/1 -> 1/1', async () => {
    const file = join(s.dir, 'probe.yaml');
    writeFileSync(
      file,
      `apiVersion: v1
kind: Pod
metadata:
  name: checker
  labels:
    app: checker
spec:
  containers:
  - name: checker
    image: nginx:1.27
    readinessProbe:
      exec:
        command: ["curl", "-sSf", "-m", "1", "http://late"]
      periodSeconds: 2
`,
    );
    expect((await s.kubectl(['apply', '-f', file])).stderr).toBe('');
    await waitFor('checker Running', () => pod('checker')?.status?.phase === 'Running', 60_000);
    await waitFor('an Unhealthy event', () => s.cluster.objects<Obj>('events', 'default').some((e) => e.involvedObject?.name === 'checker' && e.reason === 'Unhealthy'), 30_000);
    expect((await s.kubectl(['get', 'pod', 'checker', '--no-headers'])).stdout).toMatch(/^checker\s+0\/1\s+Running/);
    expect((await s.kubectl(['describe', 'pod', 'checker'])).stdout).toMatch(/Warning\s+Unhealthy\s+.*kubelet\s+Readiness probe failed: curl: \(6\) Could not resolve host: late/);
    // a backend, and the Service in front of it
    const backend = join(s.dir, 'backend.yaml');
    writeFileSync(backend, podYaml('backend', 'nginx:1.27'));
    expect((await s.kubectl(['apply', '-f', backend])).stderr).toBe('');
    expect((await s.kubectl(['label', 'pod', 'backend', 'app=backend'])).stderr).toBe('');
    expect((await s.kubectl(['expose', 'pod', 'backend', '--name=late', '--port=80'])).stderr).toBe('');
    await waitFor('checker Ready', () => pod('checker')?.status?.conditions?.some((c: Obj) => c.type === 'Ready' && c.status === 'True'), 60_000);
    expect((await s.kubectl(['get', 'pod', 'checker', '--no-headers'])).stdout).toMatch(/^checker\s+1\/1\s+Running/);
  });
});
