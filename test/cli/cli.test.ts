/**
 * The `kube-actors` command line, run as a child process (`node --import tsx src/cli/main.ts ...`, what
 * `npx tsx` runs without the tsx CLI's own process) the way a user runs it: help for the CLI and each command, exit code 2 with a message naming the problem
 * for an unknown command, an unknown option or a bad value, and `flow create-pod --json` as JSON
 * Lines.
 */
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { COMMANDS } from '../../src/cli/main.js';

const ROOT = join(import.meta.dirname, '..', '..');

interface Result {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI; resolves with its exit code and output (never rejects on a non-zero exit). */
function cli(...args: string[]): Promise<Result> {
  return new Promise((resolve, reject) => {
    execFile(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { cwd: ROOT, timeout: 90_000, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error && typeof error.code !== 'number') return reject(error);
      resolve({ code: error ? (error.code as number) : 0, stdout, stderr });
    });
  });
}

describe.concurrent('kube-actors help', { timeout: 120_000 }, () => {
  it('--help lists every command and exits 0', async () => {
    const r = await cli('--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: kube-actors <command> [options]');
    for (const c of COMMANDS) expect(r.stdout).toMatch(new RegExp(`^  ${c.name}\\s+${c.summary.replace(/[()]/g, '\\$&')}$`, 'm'));
    expect(COMMANDS.map((c) => c.name)).toEqual(['inspect', 'flow', 'simulate', 'verify', 'serve', 'bench']);
  });

  it('no command prints the help and exits 2', async () => {
    const r = await cli();
    expect(r.code).toBe(2);
    expect(r.stdout).toContain('Usage: kube-actors <command> [options]');
  });

  for (const { name } of COMMANDS) {
    it(`${name} --help prints its usage and exits 0`, async () => {
      const r = await cli(name, '--help');
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout.startsWith(`Usage: kube-actors ${name}`)).toBe(true);
    });
  }

  it('-h is --help', async () => {
    const [long, short] = await Promise.all([cli('flow', '--help'), cli('flow', 'create-pod', '-h')]);
    expect(short.code).toBe(0);
    expect(short.stdout).toBe(long.stdout);
  });
});

describe.concurrent('kube-actors usage errors exit 2 with a message naming the problem', { timeout: 120_000 }, () => {
  it('an unknown command', async () => {
    const r = await cli('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('kube-actors: unknown command "frobnicate"');
    expect(r.stdout).toBe('');
  });

  const cases: [string[], RegExp][] = [
    [['flow'], /^kube-actors flow: which flow\? one of create-pod, get-pods, delete-pod$/m],
    [['flow', 'create-everything'], /^kube-actors flow: unknown flow "create-everything"; the flows are create-pod, get-pods, delete-pod$/m],
    [['flow', 'create-pod', '--seed', 'abc'], /^kube-actors flow: --seed must be an integer; got "abc"$/m],
    [['flow', 'create-pod', '--frobnicate'], /^kube-actors flow: unknown flag: --frobnicate$/m],
    [['simulate'], /^kube-actors simulate: give at least one manifest with -f FILE$/m],
    [['simulate', '-f', '/dev/null', '-o', 'xml'], /^kube-actors simulate: -o\/--output must be one of wide, json, yaml; got "xml"$/m],
    [['simulate', '-f', '/dev/null', '--for', 'soon'], /^kube-actors simulate: --for must be a duration such as 90s, 5m or 1h30m; got "soon"$/m],
    [['simulate', '-f', '/dev/null', '--crash-node', 'node-2'], /^kube-actors simulate: --crash-node must be NAME@TIME, e\.g\. node-2@30s; got "node-2"$/m],
    [['inspect', '--port', '70000'], /^kube-actors inspect: --port must be an integer between 0 and 65535; got "70000"$/m],
    [['inspect', '--nodes', '0'], /^kube-actors inspect: --nodes must be a positive integer; got "0"$/m],
    [['serve', '--profile', 'slow'], /^kube-actors serve: --profile must be one of fast, realistic, chaos; got "slow"$/m],
    [['serve', '--speed', 'fast'], /^kube-actors serve: --speed must be a number between 0\.01 and 10000; got "fast"$/m],
    [['bench', '--nodes', 'x'], /^kube-actors bench: --nodes must be a positive integer; got "x"$/m],
    [['verify', '--runs', 'many'], /^kube-actors verify: --runs must be a positive integer; got "many"$/m],
    [['verify', '--seed', '1.5'], /^kube-actors verify: --seed must be an integer; got "1\.5"$/m],
  ];
  for (const [args, message] of cases) {
    it(args.join(' '), async () => {
      const r = await cli(...args);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).toContain(`Run \`kube-actors ${args[0]} --help\` for usage.`);
    });
  }
});

describe('kube-actors flow create-pod --json', { timeout: 120_000 }, () => {
  it('prints the flow as JSON Lines, one trace entry per line, the same for the same seed', async () => {
    const [a, b, other] = await Promise.all([cli('flow', 'create-pod', '--json'), cli('flow', 'create-pod', '--json', '--seed', '1'), cli('flow', 'create-pod', '--json', '--seed', '2')]);
    expect(a.code).toBe(0);
    expect(a.stderr).toBe('');
    const lines = a.stdout.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(20);
    const entries = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    for (const e of entries) {
      for (const key of ['seq', 'time', 'sent', 'msg', 'from', 'to', 'type', 'summary', 'status', 'flow']) expect(e, key).toHaveProperty(key);
      expect(typeof e.seq).toBe('number');
      expect(typeof e.time).toBe('number');
      expect(typeof e.from).toBe('string');
      expect(typeof e.to).toBe('string');
      expect(e.status).toMatch(/^(delivered|dropped)$/);
      expect(e).not.toHaveProperty('event');
    }
    const seqs = entries.map((e) => e.seq as number);
    expect(seqs).toEqual([...seqs].sort((x, y) => x - y));
    const hops = entries.map((e) => `${e.from}>${e.to}:${e.type}`);
    const create = entries.findIndex((e) => e.from === 'kubectl' && e.type === 'api.request' && String(e.summary).startsWith('create pods default/nginx'));
    expect(create).toBeGreaterThanOrEqual(0);
    expect(hops.indexOf('api-server>etcd:etcd.create', create)).toBeGreaterThan(create);
    expect(hops.some((h) => /^api-server>kubelet\/node-\d:watch\.added$/.test(h))).toBe(true);
    for (const e of entries) if (e.to === 'etcd') expect(e.from).toBe('api-server');
    // deterministic: seed 1 is the default, and replays byte for byte
    expect(b.stdout).toBe(a.stdout);
    expect(other.code).toBe(0);
    expect(other.stdout.trimEnd().split('\n').every((l) => JSON.parse(l).type)).toBe(true);
  });

  it('without --json prints a readable trace with a header', async () => {
    const r = await cli('flow', 'get-pods');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toBe('flow get-pods (seed 1): 4 messages');
    expect(r.stdout).toMatch(/kubectl\s+→ api-server\s+api\.request\s+list pods default/);
  });
});
