/**
 * One argument parser and one error style for every command (src/cli/args.ts, src/cli/manifests.ts):
 * a table runs every command with bad input, in process, and checks its message and exit code
 * (2 for bad usage, with the pointer to `--help`; 1 for bad input: a missing file, a kind the
 * cluster does not serve). A closed pipe ends the command quietly, and `simulate -o wide` shows
 * kubectl's wide pod columns.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../../src/cli/main.js';

const ROOT = join(import.meta.dirname, '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'kube-actors-cli-errors-'));
const typo = join(dir, 'typo.yaml');

beforeAll(() => {
  writeFileSync(typo, 'apiVersion: apps/v1\nkind: Deploymnet\nmetadata:\n  name: web\nspec:\n  replicas: 1\n');
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

afterEach(() => {
  vi.restoreAllMocks();
});

/** Runs the CLI in process: its exit code and what it printed on standard error. */
async function cli(...argv: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  const err: string[] = [];
  const out: string[] = [];
  vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void err.push(args.join(' ')));
  vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => void out.push(args.join(' ')));
  const code = await main(argv);
  vi.restoreAllMocks();
  return { code, stderr: err.join('\n'), stdout: out.join('\n') };
}

const USAGE = 2;
const INPUT = 1;

/** [arguments, the message's lines, exit code] */
const table: [() => string[], RegExp, number][] = [
  // an unknown flag, with the closest known one
  [() => ['flow', 'create-pod', '--jsn'], /^kube-actors flow: unknown flag: --jsn\nDid you mean --json\?$/m, USAGE],
  [() => ['simulate', '-f', typo, '--node', '3'], /^kube-actors simulate: unknown flag: --node\nDid you mean --nodes\?$/m, USAGE],
  [() => ['verify', '--run', '3'], /^kube-actors verify: unknown flag: --run\nDid you mean --runs\?$/m, USAGE],
  [() => ['inspect', '--file', 'app.yaml'], /^kube-actors inspect: unknown flag: --file\nDid you mean --filename\?$/m, USAGE],
  [() => ['serve', '--kubeconfg', 'x'], /^kube-actors serve: unknown flag: --kubeconfg\nDid you mean --kubeconfig\?$/m, USAGE],
  [() => ['bench', '--onyl', 'kernel'], /^kube-actors bench: unknown flag: --onyl\nDid you mean --only\?$/m, USAGE],
  [() => ['flow', 'get-pods', '--frobnicate'], /^kube-actors flow: unknown flag: --frobnicate$/m, USAGE],
  [() => ['simulate', '-x'], /^kube-actors simulate: unknown shorthand flag: 'x' in -x$/m, USAGE],
  // a flag without its value, a value given to a boolean flag
  [() => ['verify', '--runs'], /^kube-actors verify: flag needs an argument: --runs$/m, USAGE],
  [() => ['simulate', '-f'], /^kube-actors simulate: flag needs an argument: -f$/m, USAGE],
  [() => ['flow', 'get-pods', '--json=yes'], /^kube-actors flow: flag --json takes no value; got "yes"$/m, USAGE],
  // bad numbers: negative, zero, not a number, out of range
  [() => ['verify', '--runs', '-3'], /^kube-actors verify: --runs must be a positive integer; got "-3"$/m, USAGE],
  [() => ['verify', '--runs', 'many'], /^kube-actors verify: --runs must be a positive integer; got "many"$/m, USAGE],
  [() => ['simulate', '-f', typo, '--nodes', '0'], /^kube-actors simulate: --nodes must be a positive integer; got "0"$/m, USAGE],
  [() => ['inspect', '--nodes', '2.5'], /^kube-actors inspect: --nodes must be a positive integer; got "2\.5"$/m, USAGE],
  [() => ['bench', '--nodes', '-1'], /^kube-actors bench: --nodes must be a positive integer; got "-1"$/m, USAGE],
  [() => ['serve', '--port', '70000'], /^kube-actors serve: --port must be an integer between 0 and 65535; got "70000"$/m, USAGE],
  [() => ['inspect', '--port', '-1'], /^kube-actors inspect: --port must be an integer between 0 and 65535; got "-1"$/m, USAGE],
  [() => ['serve', '--speed', 'fast'], /^kube-actors serve: --speed must be a number between 0\.01 and 10000; got "fast"$/m, USAGE],
  [() => ['flow', 'create-pod', '--seed', 'abc'], /^kube-actors flow: --seed must be an integer; got "abc"$/m, USAGE],
  // bad durations
  [() => ['simulate', '-f', typo, '--for', 'soon'], /^kube-actors simulate: --for must be a duration such as 90s, 5m or 1h30m; got "soon"$/m, USAGE],
  [() => ['verify', '--timeout', '-5m'], /^kube-actors verify: --timeout must be a duration such as 90s, 5m or 1h30m; got "-5m"$/m, USAGE],
  // bad choices
  [() => ['simulate', '-f', typo, '-o', 'xml'], /^kube-actors simulate: -o\/--output must be one of wide, json, yaml; got "xml"$/m, USAGE],
  [() => ['simulate', '-f', typo, '--profile', 'slow'], /^kube-actors simulate: --profile must be one of fast, realistic, chaos; got "slow"$/m, USAGE],
  [() => ['inspect', '--profile', 'slow'], /^kube-actors inspect: --profile must be one of fast, realistic, chaos; got "slow"$/m, USAGE],
  [() => ['serve', '--profile', 'slow'], /^kube-actors serve: --profile must be one of fast, realistic, chaos; got "slow"$/m, USAGE],
  [() => ['verify', 'extra'], /^kube-actors verify: unexpected argument "extra"$/m, USAGE],
  // a missing file: kubectl's words, in both commands that read manifests
  [() => ['simulate', '-f', 'nope.yaml'], /^kube-actors simulate: the path "nope\.yaml" does not exist$/m, INPUT],
  [() => ['inspect', '-f', 'nope.yaml'], /^kube-actors inspect: the path "nope\.yaml" does not exist$/m, INPUT],
  [() => ['inspect', '--filename', 'nope.yaml'], /^kube-actors inspect: the path "nope\.yaml" does not exist$/m, INPUT],
  // a kind the cluster does not serve: kubectl's words, before anything is sent
  [() => ['simulate', '-f', typo], /^kube-actors simulate: resource mapping not found for name: "web" namespace: "" from ".*typo\.yaml": no matches for kind "Deploymnet" in version "apps\/v1"\nensure CRDs are installed first$/m, INPUT],
  [() => ['inspect', '-f', typo], /^kube-actors inspect: resource mapping not found for name: "web" namespace: "" from ".*typo\.yaml": no matches for kind "Deploymnet" in version "apps\/v1"\nensure CRDs are installed first$/m, INPUT],
];

describe('every command refuses bad input with one message style and exit code', { timeout: 60_000 }, () => {
  for (const [args, message, code] of table) {
    it(`kube-actors ${args().join(' ').replace(dir, '$TMP')}`, async () => {
      const r = await cli(...args());
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(code);
      if (code === USAGE) expect(r.stderr).toContain(`Run \`kube-actors ${args()[0]} --help\` for usage.`);
      else expect(r.stderr).not.toContain('--help');
      expect(r.stdout).toBe('');
    });
  }

  it('an unknown command, with the closest one', async () => {
    const r = await cli('flwo');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^kube-actors: unknown command "flwo"\nDid you mean flow\?$/m);
  });
});

describe('the command line as a process', { timeout: 120_000 }, () => {
  it('ends quietly when its output pipe closes (flow create-pod --json | head -1)', async () => {
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'kube-actors.js'), 'flow', 'create-pod', '--json'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    // read the first line, then close the pipe as head -1 does
    const first = await new Promise<string>((resolve) => child.stdout.once('data', (c: Buffer) => resolve(c.toString().split('\n')[0]!)));
    child.stdout.destroy();
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(JSON.parse(first)).toHaveProperty('seq');
    expect(stderr).toBe('');
    expect(code).toBe(0);
  });

  it('simulate -o wide shows kubectl wide pod columns (IP, NODE, NOMINATED NODE, READINESS GATES)', () => {
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'kube-actors.js'), 'simulate', '-f', 'examples/manifests/nginx-deployment.yaml', '--for', '1m', '-o', 'wide'], { cwd: ROOT, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    const lines = r.stdout.split('\n');
    expect(lines[0]).toMatch(/^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s+IP\s+NODE\s+NOMINATED NODE\s+READINESS GATES$/);
    const pods = lines.slice(1, lines.indexOf(''));
    expect(pods).toHaveLength(3);
    for (const pod of pods) expect(pod).toMatch(/\s1\/1\s+Running\s+0\s+\S+\s+10\.\d+\.\d+\.\d+\s+node-\d\s+<none>\s+<none>$/);
  });
});
