/**
 * `kubectl debug` (the real kubectl 1.32) against a served cluster: it GETs the pod, PATCHes the
 * pods/NAME/ephemeralcontainers subresource with a strategic merge patch, the kubelet starts the
 * ephemeral container (ephemeralContainerStatuses), `kubectl logs -c debugger-xxxxx` reads it,
 * and `kubectl debug -it … -- sh` waits for it and attaches a terminal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { HAS_KUBECTL, HAS_PYTHON_PTY, kubectlInPty, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

const HAS_PYTHON = HAS_PYTHON_PTY;

describe.skipIf(!HAS_KUBECTL)(HAS_KUBECTL ? 'kubectl debug' : NO_KUBECTL_REASON, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 7 }, speed: 20 });
    await s.kubectl(['run', 'app', '--image=nginx:1.27']);
    await waitFor('app Running', () => s.cluster.object<Pod>('pods', 'app')?.status?.phase === 'Running');
  }, 60_000);
  afterAll(async () => {
    await s?.stop();
  });

  it('kubectl debug POD --image=busybox -- echo hi, then kubectl logs POD -c debugger-xxxxx', async () => {
    const r = await s.kubectl(['debug', 'app', '--image=busybox:1.36', '--', 'echo', 'hi']);
    expect(r.code).toBe(0);
    const name = /Defaulting debug container name to (debugger-\w{5})\./.exec(r.stderr + r.stdout)?.[1];
    expect(name).toBeDefined();
    await waitFor('debugger ran', () => s.cluster.object<Pod>('pods', 'app')?.status?.ephemeralContainerStatuses?.find((e) => e.name === name)?.state?.terminated !== undefined);
    expect(await s.kubectl(['logs', 'app', '-c', name!])).toEqual({ code: 0, stdout: 'hi\n', stderr: '' });
    const pod = JSON.parse((await s.kubectl(['get', 'pod', 'app', '-o', 'json'])).stdout) as Pod;
    expect(pod.spec?.ephemeralContainers).toMatchObject([{ name, image: 'busybox:1.36', command: ['echo', 'hi'] }]);
    expect(pod.status?.ephemeralContainerStatuses).toMatchObject([{ name, ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }]);
    // describe shows it
    expect((await s.kubectl(['describe', 'pod', 'app'])).stdout).toContain('Ephemeral Containers:');
  }, 60_000);

  it('a debugger named as a container of the pod is refused as the API server validates it', async () => {
    const again = await s.kubectl(['debug', 'app', '--image=alpine', '--container=app', '--', 'true']);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/The Pod "app" is invalid: spec\.ephemeralContainers\[\d\]\.name: Duplicate value: "app"\n/);
  }, 60_000);

  it.skipIf(!HAS_PYTHON)('kubectl debug -it POD --image=busybox --target=app -- sh: a terminal in the ephemeral container', async () => {
    const r = await kubectlInPty(s, ['debug', '-it', 'app', '--image=busybox:1.36', '--target=app', '--container=shell', '--', 'sh'], [
      { until: 'If you don' },
      { write: '\r' },
      { until: '# ' },
      { write: 'echo in-$(hostname)\r' },
      { until: 'in-app\r\n# ' },
      { write: 'exit\r' },
    ]);
    expect(r).toContain('see a command prompt, try pressing enter.');
    expect(r).toContain('# echo in-$(hostname)\\r\\nin-app\\r\\n# ');
    expect(r.endsWith(' 0')).toBe(true);
    const status = s.cluster.object<Pod>('pods', 'app')!.status!.ephemeralContainerStatuses!.find((e) => e.name === 'shell')!;
    expect(status.state?.running).toBeDefined();
    expect(s.cluster.object<Pod>('pods', 'app')!.spec!.ephemeralContainers!.find((e) => e.name === 'shell')).toMatchObject({ stdin: true, tty: true, targetContainerName: 'app', command: ['sh'] });
  }, 90_000);

  it.skipIf(!HAS_PYTHON)("kubectl debug -it POD --image=busybox --target=app (no command: the image's CMD, sh) is a terminal too", async () => {
    const r = await kubectlInPty(s, ['debug', '-it', 'app', '--image=busybox:1.36', '--target=app', '--container=shell2'], [
      { until: 'If you don' },
      { write: '\r' },
      { until: '# ' },
      { write: 'echo in-$(hostname)\r' },
      { until: 'in-app\r\n# ' },
      { write: 'ps\r' },
      { until: '0:00 ps\r\n# ' },
      { write: 'exit\r' },
    ]);
    expect(r).toContain('see a command prompt, try pressing enter.');
    expect(r).toContain('# echo in-$(hostname)\\r\\nin-app\\r\\n# ');
    // it shares the target's PID namespace: busybox's ps lists nginx's processes (PID 1 the master) before the shells
    expect(r).toContain('PID   USER     TIME  COMMAND\\r\\n    1 root      0:00 nginx: master process nginx -g daemon off;\\r\\n    2 101       0:00 nginx: worker process\\r\\n');
    expect(r.endsWith(' 0')).toBe(true);
    const status = s.cluster.object<Pod>('pods', 'app')!.status!.ephemeralContainerStatuses!.find((e) => e.name === 'shell2')!;
    expect(status.state?.running).toBeDefined();
    expect(s.cluster.object<Pod>('pods', 'app')!.spec!.ephemeralContainers!.find((e) => e.name === 'shell2')).toMatchObject({ stdin: true, tty: true, targetContainerName: 'app' });
    expect(s.cluster.object<Pod>('pods', 'app')!.spec!.ephemeralContainers!.find((e) => e.name === 'shell2')!.command).toBeUndefined();
  }, 90_000);

  it('a ServiceAccount annotated enforce-mountable-secrets: a pod naming a Secret it does not list is refused with the plugin\'s message', async () => {
    expect((await s.kubectl(['create', 'serviceaccount', 'strict'])).stderr).toBe('');
    expect((await s.kubectl(['annotate', 'serviceaccount', 'strict', 'kubernetes.io/enforce-mountable-secrets=true'])).stderr).toBe('');
    const overrides = JSON.stringify({ apiVersion: 'v1', spec: { serviceAccountName: 'strict', containers: [{ name: 'leak', image: 'nginx:1.27', envFrom: [{ secretRef: { name: 'db' } }] }] } });
    const r = await s.kubectl(['run', 'leak', '--image=nginx:1.27', `--overrides=${overrides}`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toBe('Error from server (Forbidden): pods "leak" is forbidden: container leak with envFrom referencing secret.secretName="db" is not allowed because service account strict does not reference that secret\n');
  }, 60_000);
});

