import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const run = (args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate', ...args], { encoding: 'utf8', timeout: 120_000 });

describe('kube-actors simulate', { timeout: 300_000 }, () => {
  it('applies the nginx Deployment, crashes a node, and prints the pods as kubectl get would', () => {
    const r = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--for', '10m', '--crash-node', 'node-1@30s', '--seed', '3']);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+NODE$/);
    const pods = lines.slice(1, lines.indexOf(''));
    const running = pods.filter((l) => /\sRunning\s/.test(l));
    // three replicas run, none of them on the crashed node
    expect(running).toHaveLength(3);
    for (const l of running) expect(l).not.toMatch(/node-1$/);
    expect(r.stdout).toMatch(/nginx-deployment\s+3\/3\s+3\s+3/);
    expect(r.stdout).toMatch(/node-1\s+NotReady/);
  });

  it('runs a highly available control plane: a control-plane node crashes, the workload keeps running and is rescheduled', () => {
    // control-plane-1 crashes at 30 s; node-1 crashes at 40 s: its replica can only come back on
    // another node if the surviving control-plane nodes (etcd majority, an API server behind the
    // balancer, a scheduler and a controller manager under their Leases) still work
    const r = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--control-plane-nodes', '3', '--crash-node', 'control-plane-1@30s', '--crash-node', 'node-1@40s', '--for', '10m', '--seed', '3']);
    expect(r.stderr).not.toMatch(/unknown node/);
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+NODE$/);
    const pods = lines.slice(1, lines.indexOf(''));
    const running = pods.filter((l) => /\s1\/1\s+Running\s/.test(l));
    expect(running).toHaveLength(3);
    for (const l of running) expect(l).toMatch(/node-[23]$/);
    // the replacement was created after the crashes (younger than the run)
    expect(running.some((l) => !/\s10m\s/.test(l))).toBe(true);
    expect(r.stdout).toMatch(/nginx-deployment\s+3\/3\s+3\s+3/);
    expect(r.stdout).toMatch(/node-1\s+NotReady/);
  });

  it('--scheduler-config schedules with a KubeSchedulerConfiguration: MostAllocated packs the replicas on one node', () => {
    const r = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--scheduler-config', 'examples/scheduler/bin-packing.yaml', '--for', '2m', '--seed', '3']);
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.split('\n');
    const pods = lines.slice(1, lines.indexOf('')).filter((l) => /\sRunning\s/.test(l));
    expect(pods).toHaveLength(3);
    expect(new Set(pods.map((l) => l.trim().split(/\s+/).at(-1))).size).toBe(1);
  });

  it('--scheduler-config refuses a configuration it cannot honour, naming the file and the field (exit 2)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-actors-scheduler-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'apiVersion: kubescheduler.config.k8s.io/v1\nkind: KubeSchedulerConfiguration\nprofiles:\n- plugins:\n    filter:\n      enabled:\n      - name: VolumeZone\n');
    const r = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--scheduler-config', file]);
    expect(r.status).toBe(2);
    expect(r.stderr).toContain(`--scheduler-config ${file}: profiles[0].plugins.filter.enabled[0].name: Unsupported value: "VolumeZone": plugin VolumeZone is not modelled by kube-actors`);
    rmSync(dir, { recursive: true, force: true });
  });

  it('prints a Kubernetes List with -o json, the same for the same seed', () => {
    const a = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--for', '1m', '-o', 'json']);
    const b = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--for', '1m', '-o', 'json']);
    expect(a.status).toBe(0);
    const list = JSON.parse(a.stdout) as { kind: string; items: { kind: string }[] };
    expect(list.kind).toBe('List');
    expect(list.items.filter((i) => i.kind === 'Pod')).toHaveLength(3);
    expect(list.items.some((i) => i.kind === 'Deployment')).toBe(true);
    // every object etcd holds, not a fixed list of kinds
    for (const kind of ['Event', 'Lease', 'ClusterRole', 'ClusterRoleBinding', 'Namespace', 'Node', 'ReplicaSet']) expect(list.items.some((i) => i.kind === kind), kind).toBe(true);
    expect(a.stdout).toBe(b.stdout);
  });

  it('refuses bad usage with exit code 2 and a message naming the problem', () => {
    const noFile = run([]);
    expect(noFile.status).toBe(2);
    expect(noFile.stderr).toContain('give at least one manifest');
    const badNode = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--crash-node', 'node-9@10s']);
    expect(badNode.status).toBe(2);
    expect(badNode.stderr).toContain('unknown node "node-9"');
    const badTime = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--for', 'soon']);
    expect(badTime.status).toBe(2);
    expect(badTime.stderr).toContain('--for must be a duration');
    // control-plane nodes exist only with --control-plane-nodes N > 1
    const noHa = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--crash-node', 'control-plane-1@10s']);
    expect(noHa.status).toBe(2);
    expect(noHa.stderr).toContain('unknown node "control-plane-1"; the cluster has node-1, node-2, node-3');
    const beyond = run(['-f', 'examples/manifests/nginx-deployment.yaml', '--control-plane-nodes', '3', '--crash-node', 'control-plane-4@10s']);
    expect(beyond.status).toBe(2);
    expect(beyond.stderr).toContain('unknown node "control-plane-4"; the cluster has node-1, node-2, node-3, control-plane-1, control-plane-2, control-plane-3');
    for (const bad of ['0', '-1', '2.5', 'three', '']) {
      const r = run(['-f', 'examples/manifests/nginx-deployment.yaml', `--control-plane-nodes=${bad}`]);
      expect(r.status, `--control-plane-nodes ${JSON.stringify(bad)}`).toBe(2);
      expect(r.stderr).toContain(`--control-plane-nodes must be a positive integer; got "${bad}"`);
    }
    const missing = run(['-f', 'does-not-exist.yaml']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('the path "does-not-exist.yaml" does not exist');
  });

  it('exits 1 when the API server refuses a manifest, printing its Status', () => {
    const bad = `apiVersion: v1\nkind: Pod\nmetadata:\n  name: Bad_Name\nspec:\n  containers: []\n`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'simulate', '-f', '-', '--for', '1s'], { input: bad, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('Error from server (Invalid)');
    expect(r.stderr).toContain('metadata.name');
  });
});


describe('kube-actors simulate with the workload and storage examples', { timeout: 120_000 }, () => {
  it('runs the StatefulSet with its claims and the DaemonSet on every node', () => {
    const r = run(['-f', 'examples/manifests/statefulset-web.yaml', '-f', 'examples/manifests/daemonset-fluentd.yaml', '--for', '3m', '--seed', '5']);
    expect(r.stderr).toMatch(/statefulset.apps\/web applied/);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^default\s+web-0\s+1\/1\s+Running\s/m);
    expect(r.stdout).toMatch(/^default\s+web-2\s+1\/1\s+Running\s/m);
    expect(r.stdout).toMatch(/^web\s+3\/3\s/m);
    expect(r.stdout).toMatch(/^fluentd-elasticsearch\s+3\s+3\s+3\s+3\s+3\s/m);
    for (const n of [0, 1, 2]) expect(r.stdout).toMatch(new RegExp(`^www-web-${n}\\s+Bound\\s+pvc-`, 'm'));
  });
});
