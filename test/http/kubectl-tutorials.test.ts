/**
 * Kubernetes' documented walkthroughs with the real kubectl, as a user follows them: the Job
 * page's pi Job (`perl -Mbignum=bpi -wle "print bpi(2000)"` completes and its log is π), the
 * Deployment page's stuck rollout (`nginx:1.161` does not exist: the new pod cannot pull, rollout
 * status times out, rollout undo recovers), pods named as the API server names them (utilrand's
 * alphabet) and `describe`'s events in the order they happened (Pulling before Pulled); the
 * StatefulSet Basics tutorial's stable storage (each replica writes its hostname into the page on
 * its claim's volume; deleted and recreated, each replica serves the same page).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nginxDeploymentYaml } from '../../src/cluster/samples.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = Record<string, any>;

const PI_JOB = `apiVersion: batch/v1
kind: Job
metadata:
  name: pi
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
`;

const AFFINITY_POD = `apiVersion: v1
kind: Pod
metadata:
  name: with-node-affinity
spec:
  affinity:
    nodeAffinity:
      requiredDuringSchedulingIgnoredDuringExecution:
        nodeSelectorTerms:
        - matchExpressions:
          - key: topology.kubernetes.io/zone
            operator: In
            values:
            - antarctica-east1
  containers:
  - name: with-node-affinity
    image: registry.k8s.io/pause:3.8
`;

const MEMORY_PODS = `apiVersion: v1
kind: Pod
metadata:
  name: memory-demo
spec:
  containers:
  - name: memory-demo-ctr
    image: polinux/stress
    resources:
      requests:
        memory: "100Mi"
      limits:
        memory: "200Mi"
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"]
---
apiVersion: v1
kind: Pod
metadata:
  name: memory-demo-2
spec:
  containers:
  - name: memory-demo-2-ctr
    image: polinux/stress
    resources:
      requests:
        memory: "50Mi"
      limits:
        memory: "100Mi"
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]
`;

// the StatefulSet Basics tutorial's web.yaml
const WEB_YAML = `apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels:
    app: nginx
spec:
  ports:
  - port: 80
    name: web
  clusterIP: None
  selector:
    app: nginx
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports:
        - containerPort: 80
          name: web
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
`;

describe.skipIf(!HAS_KUBECTL)(`kubectl through the documentation's tutorials${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, { timeout: 120_000 }, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 5 }, speed: 20 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('the pi Job completes and its log is π to 2000 digits', async () => {
    const file = join(s.dir, 'job.yaml');
    writeFileSync(file, PI_JOB);
    expect((await s.kubectl(['apply', '-f', file])).stdout).toBe('job.batch/pi created\n');
    const wait = await s.kubectl(['wait', '--for=condition=complete', 'job/pi', '--timeout=60s']);
    expect(wait.stdout).toBe('job.batch/pi condition met\n');
    const jobs = await s.kubectl(['get', 'jobs']);
    expect(jobs.stdout).toMatch(/^pi\s+Complete\s+1\/1\s+\d+s\s+\d+s$/m);
    const logs = await s.kubectl(['logs', 'jobs/pi']);
    expect(logs.stdout.startsWith('3.14159265358979323846264338327950288419716939937510')).toBe(true);
    // 2000 significant digits, the last one rounded
    expect(logs.stdout.endsWith('904780275901\n')).toBe(true);
    expect(logs.stdout.length).toBe(2002);
    const describeJob = await s.kubectl(['describe', 'job', 'pi']);
    expect(describeJob.stdout).toContain('Pods Statuses:    0 Active (0 Ready) / 1 Succeeded / 0 Failed');
    expect(describeJob.stdout).toMatch(/Normal\s+Completed\s+\S+\s+job-controller\s+Job completed/);
  });

  it('pods get utilrand names; describe lists the kubelet events in the order they happened', async () => {
    const pods = s.cluster.objects<Obj>('pods', 'default').filter((p) => p.metadata.name.startsWith('pi-'));
    expect(pods).toHaveLength(1);
    expect(pods[0]!.metadata.name).toMatch(/^pi-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const described = await s.kubectl(['describe', 'pod', pods[0]!.metadata.name]);
    const reasons = described.stdout
      .slice(described.stdout.indexOf('Events:'))
      .split('\n')
      .slice(3)
      .map((line) => line.trim().split(/\s+/)[1])
      .filter(Boolean);
    expect(reasons).toEqual(['Scheduled', 'Pulling', 'Pulled', 'Created', 'Started']);
  });

  it('a rollout to nginx:1.161 is stuck on a pull that fails; rollout undo goes back', async () => {
    const file = join(s.dir, 'nginx-deployment.yaml');
    writeFileSync(file, nginxDeploymentYaml());
    expect((await s.kubectl(['apply', '-f', file])).code).toBe(0);
    expect((await s.kubectl(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=60s'])).code).toBe(0);
    const set = await s.kubectl(['set', 'image', 'deployment/nginx-deployment', 'nginx=nginx:1.161']);
    expect(set.stdout).toBe('deployment.apps/nginx-deployment image updated\n');
    const stuck = () =>
      s.cluster
        .objects<Obj>('pods', 'default')
        .find((p) => p.spec.containers[0].image === 'nginx:1.161' && ['ErrImagePull', 'ImagePullBackOff'].includes(p.status?.containerStatuses?.[0]?.state?.waiting?.reason));
    await waitFor('the new pod cannot pull', () => stuck() !== undefined, 60_000);
    const status = await s.kubectl(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=2s']);
    expect(status.code).toBe(1);
    expect(status.stdout).toContain('Waiting for deployment "nginx-deployment" rollout to finish: 1 out of 3 new replicas have been updated...');
    const described = await s.kubectl(['describe', 'pod', stuck()!.metadata.name]);
    expect(described.stdout).toContain('Failed to pull image "nginx:1.161": rpc error: code = NotFound desc = failed to pull and unpack image "docker.io/library/nginx:1.161"');
    const undo = await s.kubectl(['rollout', 'undo', 'deployment/nginx-deployment']);
    expect(undo.stdout).toBe('deployment.apps/nginx-deployment rolled back\n');
    expect((await s.kubectl(['rollout', 'status', 'deployment/nginx-deployment', '--timeout=60s'])).code).toBe(0);
    expect(s.cluster.object<Obj>('deployments', 'nginx-deployment', 'default')!.spec.template.spec.containers[0].image).toBe('nginx:1.14.2');
  });

  it('node affinity: Pending with the scheduler\'s message until a node has the label, then runs registry.k8s.io/pause:3.8', async () => {
    const file = join(s.dir, 'pod-with-node-affinity.yaml');
    writeFileSync(file, AFFINITY_POD);
    expect((await s.kubectl(['apply', '-f', file])).stdout).toBe('pod/with-node-affinity created\n');
    const pending = async () => (await s.kubectl(['describe', 'pod', 'with-node-affinity'])).stdout;
    await waitFor('FailedScheduling', async () => (await pending()).includes('FailedScheduling'), 30_000);
    expect(await pending()).toMatch(/Warning\s+FailedScheduling\s+\S+\s+default-scheduler\s+0\/2 nodes are available: 2 node\(s\) didn't match Pod's node affinity\/selector\. preemption: 0\/2 nodes are available: 2 Preemption is not helpful for scheduling\./);
    expect((await s.kubectl(['label', 'nodes', 'node-2', 'topology.kubernetes.io/zone=antarctica-east1'])).stdout).toBe('node/node-2 labeled\n');
    expect((await s.kubectl(['wait', '--for=condition=Ready', 'pod/with-node-affinity', '--timeout=60s'])).stdout).toBe('pod/with-node-affinity condition met\n');
    expect(s.cluster.object<Obj>('pods', 'with-node-affinity', 'default')!.spec.nodeName).toBe('node-2');
  });

  it('memory limits: stress within its limit shows its 150M in kubectl top; past its limit it is OOMKilled and crash-loops', async () => {
    const file = join(s.dir, 'memory.yaml');
    writeFileSync(file, MEMORY_PODS);
    expect((await s.kubectl(['apply', '-f', file])).code).toBe(0);
    const lastState = () => s.cluster.object<Obj>('pods', 'memory-demo-2', 'default')?.status?.containerStatuses?.[0]?.lastState?.terminated;
    await waitFor('memory-demo-2 OOMKilled', () => lastState()?.reason === 'OOMKilled', 60_000);
    expect(lastState()!.exitCode).toBe(137);
    const described = await s.kubectl(['describe', 'pod', 'memory-demo-2']);
    expect(described.stdout).toMatch(/Last State:\s+Terminated\n\s+Reason:\s+OOMKilled\n\s+Exit Code:\s+137/);
    let top = '';
    await waitFor('metrics of memory-demo', async () => {
      const r = await s.kubectl(['top', 'pod', 'memory-demo']);
      top = r.stdout;
      return r.code === 0;
    }, 60_000);
    const mi = Number(/^memory-demo\s+\d+m\s+(\d+)Mi\s*$/m.exec(top)?.[1]);
    // 150 MiB, with the default profile's ±10 % noise
    expect(mi).toBeGreaterThanOrEqual(135);
    expect(mi).toBeLessThanOrEqual(165);
  });
});

// its own cluster: the tutorial's `kubectl delete pod -l app=nginx` must meet only its own pods
describe.skipIf(!HAS_KUBECTL)(`kubectl through the StatefulSet Basics tutorial${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, { timeout: 120_000 }, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 2, seed: 5 }, speed: 20 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  it('StatefulSet Basics, stable storage: each replica serves the hostname it wrote, before and after its pod is deleted and recreated', async () => {
    const file = join(s.dir, 'web.yaml');
    writeFileSync(file, WEB_YAML);
    expect((await s.kubectl(['apply', '-f', file])).stdout).toBe('service/nginx created\nstatefulset.apps/web created\n');
    expect((await s.kubectl(['rollout', 'status', 'statefulset/web', '--timeout=60s'])).code).toBe(0);
    for (const i of [0, 1]) expect((await s.kubectl(['exec', `web-${i}`, '--', 'sh', '-c', 'hostname'])).stdout).toBe(`web-${i}\n`);
    // each replica's claim, from the claim template, bound to its own volume
    const pvcs = await s.kubectl(['get', 'pvc', '-l', 'app=nginx']);
    expect(pvcs.stdout).toMatch(/^NAME\s+STATUS\s+VOLUME\s+CAPACITY\s+ACCESS MODES\s+STORAGECLASS/);
    expect(pvcs.stdout).toMatch(/\nwww-web-0\s+Bound\s+pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+standard/);
    expect(pvcs.stdout).toMatch(/\nwww-web-1\s+Bound\s+pvc-[0-9a-f-]+\s+1Gi\s+RWO\s+standard/);
    // nothing written yet: the claim's empty volume hides the image's page, and nginx has no index to serve
    const empty = await s.kubectl(['exec', 'web-0', '--', 'curl', '-s', '-o', '/dev/null', '-w', '%{http_code}', 'http://localhost/']);
    // (the interpreter's output is line by line: curl's -w text comes back as a line)
    expect(empty.stdout.trim()).toBe('403');
    // "Writing to stable storage"
    for (const i of [0, 1]) {
      const wrote = await s.kubectl(['exec', `web-${i}`, '--', 'sh', '-c', 'echo "$(hostname)" > /usr/share/nginx/html/index.html']);
      expect(wrote.code).toBe(0);
      expect(wrote.stderr).toBe('');
    }
    const curlAll = async () => {
      const out: string[] = [];
      for (const i of [0, 1]) out.push((await s.kubectl(['exec', '-i', `web-${i}`, '--', 'curl', 'http://localhost/'], { input: '' })).stdout);
      return out;
    };
    expect(await curlAll()).toEqual(['web-0\n', 'web-1\n']);
    const uids = (await s.kubectl(['get', 'pod', '-l', 'app=nginx', '-o', 'jsonpath={.items[*].metadata.uid}'])).stdout;
    const deleted = await s.kubectl(['delete', 'pod', '-l', 'app=nginx']);
    expect(deleted.stdout).toBe('pod "web-0" deleted\npod "web-1" deleted\n');
    // the StatefulSet controller recreates them (new pods, same names, same claims)
    await waitFor('web-0 and web-1 recreated and Ready', async () => {
      const r = await s.kubectl(['get', 'pod', '-l', 'app=nginx', '-o', 'jsonpath={range .items[*]}{.metadata.uid} {.status.conditions[?(@.type=="Ready")].status}{"\\n"}{end}']);
      const rows = r.stdout.split('\n').filter(Boolean).map((l) => l.split(' '));
      return rows.length === 2 && rows.every(([uid, ready]) => !uids.includes(uid!) && ready === 'True');
    }, 60_000);
    expect(await curlAll()).toEqual(['web-0\n', 'web-1\n']);
  });
});
