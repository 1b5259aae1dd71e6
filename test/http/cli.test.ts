/**
 * `kube-actors serve` as a process: it prints the kubeconfig's path once the API answers, the
 * kubeconfig works (with kubectl when installed, else with a raw HTTPS request), SIGTERM stops
 * it with exit code 0; bad options are usage errors (exit 2).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { HAS_KUBECTL, KUBECTL } from './helpers.js';

const TSX = join(process.cwd(), 'node_modules', '.bin', 'tsx');
// Long-running commands that a test stops with a signal run as `node --import tsx` (no tsx CLI in
// between): the tsx CLI kills a child that does not confirm a relayed signal within 30 ms, which
// a busy simulation on a loaded machine can miss (exit 143 instead of a clean 0).
const MAIN = join(process.cwd(), 'src', 'cli', 'main.ts');

describe('kube-actors serve (the command)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'kube-actors-serve-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('prints the kubeconfig path when ready, serves, and stops on SIGTERM', async () => {
    const kc = join(dir, 'kc.yaml');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--nodes', '1', '--seed', '3', '--speed', '2', '--kubeconfig', kc], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!stdout.includes('\n') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      expect(stdout).toBe(`${kc}\n`);
      expect(stderr).toMatch(/kube-actors serve: https:\/\/127\.0\.0\.1:\d+ {2}\(seed 3, 1 node, profile fast, speed 2×/);
      const config = parseYaml(readFileSync(kc, 'utf8'));
      const server = new URL(config.clusters[0].cluster.server as string);
      const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
      const token = config.users.find((u: any) => u.name === 'admin').user.token as string;
      const nodes = await new Promise<any>((resolve, reject) => {
        request({ host: server.hostname, port: server.port, path: '/api/v1/nodes', ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
          let t = '';
          res.on('data', (d) => (t += d));
          res.on('end', () => resolve(JSON.parse(t)));
        })
          .on('error', reject)
          .end();
      });
      expect(nodes.kind).toBe('NodeList');
      // kubeadm's add-ons are installed by default
      const coredns = await new Promise<any>((resolve, reject) => {
        request({ host: server.hostname, port: server.port, path: '/apis/apps/v1/namespaces/kube-system/deployments/coredns', ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
          let t = '';
          res.on('data', (d) => (t += d));
          res.on('end', () => resolve(JSON.parse(t)));
        })
          .on('error', reject)
          .end();
      });
      expect(coredns.spec.replicas).toBe(2);
      if (HAS_KUBECTL) {
        const out = await new Promise<string>((resolve) =>
          execFile(KUBECTL, ['--kubeconfig', kc, '--cache-dir', join(dir, 'cache'), 'get', 'namespaces', '-o', 'name'], { env: { ...process.env, HOME: dir } }, (_e, so, se) => resolve(String(so) + String(se))),
        );
        expect(out.split('\n').filter(Boolean).sort()).toEqual(['namespace/default', 'namespace/kube-node-lease', 'namespace/kube-public', 'namespace/kube-system']);
      }
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 90_000);

  it('serves a highly available control plane with --control-plane-nodes 3 (and --no-addons); bad values exit 2', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(TSX, [MAIN, 'serve', ...args], (error, _o, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stderr: String(stderr) })),
      );
    for (const bad of ['0', '-2', '1.5', 'x']) {
      const r = await run([`--control-plane-nodes=${bad}`]);
      expect(r.code, bad).toBe(2);
      expect(r.stderr).toContain(`--control-plane-nodes must be a positive integer; got "${bad}"`);
    }
    const kc = join(dir, 'kc-ha.yaml');
    const child = spawn(process.execPath, ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--nodes', '1', '--control-plane-nodes', '3', '--no-addons', '--seed', '4', '--speed', '2', '--kubeconfig', kc], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    try {
      const deadline = Date.now() + 60_000;
      while (!stdout.includes('\n') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 50));
      expect(stdout).toBe(`${kc}\n`);
      expect(stderr).toMatch(/kube-actors serve: https:\/\/127\.0\.0\.1:\d+ {2}\(seed 4, 3 control-plane nodes, 1 node, profile fast/);
      const config = parseYaml(readFileSync(kc, 'utf8'));
      const server = new URL(config.clusters[0].cluster.server as string);
      const ca = Buffer.from(config.clusters[0].cluster['certificate-authority-data'], 'base64').toString();
      const token = config.users.find((u: any) => u.name === 'admin').user.token as string;
      const get = (path: string) =>
        new Promise<any>((resolve, reject) => {
          request({ host: server.hostname, port: server.port, path, ca, headers: { authorization: `Bearer ${token}` } }, (res) => {
            let t = '';
            res.on('data', (d) => (t += d));
            res.on('end', () => resolve(JSON.parse(t)));
          })
            .on('error', reject)
            .end();
        });
      // the Leases of the elected scheduler and controller manager, read through the load balancer
      let holders = new Map<string, string>();
      const until = Date.now() + 30_000;
      do {
        const leases = await get('/apis/coordination.k8s.io/v1/namespaces/kube-system/leases');
        expect(leases.kind).toBe('LeaseList');
        holders = new Map<string, string>(leases.items.map((l: any) => [l.metadata.name, l.spec?.holderIdentity ?? '']));
        if (holders.get('kube-scheduler') && holders.get('kube-controller-manager')) break;
        await new Promise((r) => setTimeout(r, 200));
      } while (Date.now() < until);
      for (const name of ['kube-scheduler', 'kube-controller-manager']) expect(holders.get(name), name).toMatch(/^control-plane-[123]_/);
      // --no-addons: no CoreDNS, no kube-proxy DaemonSet
      expect((await get('/apis/apps/v1/namespaces/kube-system/deployments')).items).toEqual([]);
      expect((await get('/apis/apps/v1/namespaces/kube-system/daemonsets')).items).toEqual([]);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toBe(0);
  }, 120_000);

  it('rejects bad options with exit code 2', async () => {
    const run = (args: string[]) =>
      new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(TSX, [MAIN, 'serve', ...args], (error, _o, stderr) => resolve({ code: error ? Number((error as { code?: number }).code) : 0, stderr: String(stderr) })),
      );
    const speed = await run(['--speed', '0']);
    expect(speed.code).toBe(2);
    expect(speed.stderr).toContain('--speed must be a number between 0.01 and 10000');
    const port = await run(['--port', '70000']);
    expect(port.code).toBe(2);
    const extra = await run(['extra']);
    expect(extra.code).toBe(2);
  }, 60_000);
});
