/** `kube-actors verify`: output, exit codes and replay, through `runVerify` (and the real executable for exit codes). */
import { afterAll, describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { runVerify, type VerifyIo } from '../../src/cli/commands/verify.js';
import { MUTANTS } from '../../src/verify/mutants.js';
import { InputError, UsageError } from '../../src/cli/main.js';

function io(options: { tty?: boolean; env?: Record<string, string> } = {}): VerifyIo & { text: () => string } {
  let out = '';
  return { out: (t) => (out += t), err: (t) => (out += t), isTTY: options.tty ?? false, columns: 100, env: options.env ?? {}, text: () => out };
}

describe('kube-actors verify', () => {
  it('--list-mutants prints the mutant names, one a line', async () => {
    const o = io();
    expect(await runVerify(['--list-mutants'], o)).toBe(0);
    expect(o.text()).toBe(MUTANTS.map((m) => m.name).join('\n') + '\n');
  });

  it('prints the seed first, plain progress lines when not on a terminal, and exits 0 when every scenario passes', { timeout: 60_000 }, async () => {
    const o = io();
    expect(await runVerify(['--runs', '10', '--seed', '3', '--steps', '8', '--workers', '2'], o)).toBe(0);
    const lines = o.text().split('\n');
    expect(lines[0]).toBe('seed: 3');
    expect(lines[1]).toBe('running 10 scenario(s) of up to 8 steps on 2 workers');
    expect(lines.filter((l) => l.startsWith('progress: ')).length).toBe(10);
    expect(o.text()).toContain('ok: 10 scenario(s) passed 35 invariants');
    expect(o.text()).not.toContain('\r');
  });

  it('takes the seed from KUBE_ACTORS_SEED', { timeout: 60_000 }, async () => {
    const o = io({ env: { KUBE_ACTORS_SEED: '77' } });
    expect(await runVerify(['--runs', '2', '--steps', '3'], o)).toBe(0);
    expect(o.text().split('\n')[0]).toBe('seed: 77');
  });

  it('draws a progress bar on a terminal', { timeout: 60_000 }, async () => {
    const o = io({ tty: true });
    expect(await runVerify(['--runs', '3', '--seed', '3', '--steps', '3'], o)).toBe(0);
    expect(o.text()).toMatch(/\rverify \[#+\.*\] +\d+% \d\/3/);
  });

  it('catches a mutant: exit 1, the seed, the shrunk steps, the violated invariant, the replay command and the trace file; the replay fails the same way', { timeout: 120_000 }, async () => {
    const trace = join(tmpdir(), `kube-actors-verify-test-${process.pid}.jsonl`);
    const o = io();
    expect(await runVerify(['--mutant', 'scheduler-ignores-capacity', '--runs', '50', '--seed', '1', '--steps', '10', '--trace-out', trace], o)).toBe(1);
    const text = o.text();
    expect(text.split('\n')[0]).toBe('seed: 1');
    expect(text).toContain('mutant: scheduler-ignores-capacity: the scheduler runs without NodeResourcesFit');
    expect(text).toMatch(/\nsteps \(\d+\):\n {3}1\. /);
    expect(text).toMatch(/\n {2}\[node-capacity\] /);
    const replay = /\nreplay: (kube-actors verify .*)\n/.exec(text)![1]!;
    expect(replay).toMatch(/^kube-actors verify --seed 1 --runs 50 --steps 10 --mutant scheduler-ignores-capacity --path \d+(:\d+)*( --replay-path '.*')?$/);
    expect(readFileSync(trace, 'utf8').split('\n').length).toBeGreaterThan(50);
    const args = replay
      .slice('kube-actors verify '.length)
      .match(/'[^']*'|\S+/g)!
      .map((a) => a.replace(/^'(.*)'$/, '$1'));
    const again = io();
    expect(await runVerify([...args, '--trace-out', trace], again)).toBe(1);
    const steps = (t: string) => t.slice(t.indexOf('\nsteps ('), t.indexOf('\nviolations:'));
    expect(steps(again.text())).toBe(steps(text));
    expect(again.text()).toContain('replaying the counterexample at path');
  });

  it('refuses bad usage with a message naming the problem (exit 2 through the command line)', async () => {
    await expect(runVerify(['--mutant', 'no-such-mutant'], io())).rejects.toThrow(UsageError);
    await expect(runVerify(['--mutant', 'no-such-mutant'], io())).rejects.toThrow(new RegExp(`unknown mutant "no-such-mutant"; the mutants are:\\n  ${MUTANTS[0]!.name}\\n`));
    await expect(runVerify(['--runs', '0'], io())).rejects.toThrow('--runs must be a positive integer; got "0"');
    await expect(runVerify(['--path', 'x:y'], io())).rejects.toThrow(/--path must be a fast-check path/);
    await expect(runVerify(['extra'], io())).rejects.toThrow('unexpected argument "extra"');
  });

  it('exits 2 for an unknown mutant, listing the names', { timeout: 60_000 }, async () => {
    const run = promisify(execFile);
    const result = await run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify', '--mutant', 'nope'], { cwd: join(import.meta.dirname, '../..') }).then(
      () => ({ code: 0, stderr: '' }),
      (e: { code: number; stderr: string }) => e,
    );
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('kube-actors verify: unknown mutant "nope"; the mutants are:');
    expect(result.stderr).toContain('  scheduler-ignores-capacity');
  });

  describe('shards', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kube-actors-shards-'));
    afterAll(() => rmSync(dir, { recursive: true, force: true }));

    it('--shard I/N --report FILE runs one block and writes its JSON report; verify merge combines the shards into one report', { timeout: 120_000 }, async () => {
      const files: string[] = [];
      for (const i of [1, 2]) {
        const o = io();
        const file = join(dir, `shard-${i}.json`);
        files.push(file);
        expect(await runVerify(['--seed', '4', '--runs', '5', '--steps', '4', '--timeout', '1m', '--workers', '1', '--shard', `${i}/2`, '--report', file], o)).toBe(0);
        expect(o.text().split('\n')[1]).toBe(i === 1 ? 'shard 1/2: scenarios 0-1 (2) of 5 of up to 4 steps' : 'shard 2/2: scenarios 2-4 (3) of 5 of up to 4 steps');
        expect(o.text()).toContain(`ok: ${i === 1 ? 2 : 3} scenario(s) passed`);
        expect(o.text()).toContain(`report: ${file}\n`);
        const report = JSON.parse(readFileSync(file, 'utf8')) as { seed: number; shard: unknown; scenarios: { from: number; to: number; run: number; clusterSeeds: number[] }; invariants: string[] };
        expect(report.seed).toBe(4);
        expect(report.shard).toEqual({ index: i, count: 2 });
        expect(report.scenarios.run).toBe(report.scenarios.to - report.scenarios.from);
        expect(report.scenarios.clusterSeeds).toHaveLength(report.scenarios.run);
        expect(report.invariants).toContain('node-capacity');
      }
      const merged = io();
      expect(await runVerify(['merge', ...[...files].reverse()], merged)).toBe(0);
      expect(merged.text()).toBe('seed: 4\nshards: 2 of 2; 5 scenario(s) of up to 4 steps in the campaign\nok: 5 scenario(s) passed 35 invariants\n');
      const json = io();
      const out = join(dir, 'merged.json');
      expect(await runVerify(['merge', files[0]!, '--json', '--report', out], json)).toBe(3); // shard 2 missing
      expect(JSON.parse(json.text())).toMatchObject({ seed: 4, scenarios: 2, complete: false, shards: { count: 2, present: [1], missing: [2] } });
      expect(JSON.parse(readFileSync(out, 'utf8'))).toEqual(JSON.parse(json.text()));
    });

    it('refuses a bad --shard, a missing or corrupt report, and reports of another campaign, naming the problem', async () => {
      await expect(runVerify(['--shard', '3/2'], io())).rejects.toThrow('--shard must be I/N, the I-th of N shards with 1 <= I <= N (such as 2/8); got "3/2": shard 3 is not one of 1..2');
      await expect(runVerify(['--shard', 'x'], io())).rejects.toThrow('--shard must be I/N, the I-th of N shards with 1 <= I <= N (such as 2/8); got "x"');
      await expect(runVerify(['--shard', '0/0'], io())).rejects.toThrow('got "0/0": there is no shard of 0');
      await expect(runVerify(['--shard', '1/2', '--path', '3:1'], io())).rejects.toThrow(UsageError);
      await expect(runVerify(['merge'], io())).rejects.toThrow('verify merge needs the shard reports to merge');
      const missing = join(dir, 'nope.json');
      await expect(runVerify(['merge', missing], io())).rejects.toThrow(new InputError(`cannot read the shard report ${missing}: no such file`));
      const corrupt = join(dir, 'corrupt.json');
      writeFileSync(corrupt, '{"format": "kube-actors/verify-shard-report@1", ');
      await expect(runVerify(['merge', corrupt], io())).rejects.toThrow(new RegExp(`^${corrupt} is not JSON \\(`));
      const other = join(dir, 'other.json');
      writeFileSync(other, '{"format": "something else"}');
      await expect(runVerify(['merge', other], io())).rejects.toThrow(`${other} is not a verify shard report: its "format" is "something else"`);
      const a = join(dir, 'a.json');
      const b = join(dir, 'b.json');
      expect(await runVerify(['--seed', '1', '--runs', '2', '--steps', '2', '--workers', '1', '--shard', '1/2', '--report', a], io())).toBe(0);
      expect(await runVerify(['--seed', '2', '--runs', '2', '--steps', '2', '--workers', '1', '--shard', '2/2', '--report', b], io())).toBe(0);
      await expect(runVerify(['merge', a, b], io())).rejects.toThrow(`${b} has root seed 2 but ${a} has 1: the shards of one campaign share the root seed and options`);
    });

    it('exits 1 through the command line for an unreadable report, 2 for a bad --shard', { timeout: 60_000 }, async () => {
      const run = promisify(execFile);
      const cli = (...args: string[]) => run(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'verify', ...args], { cwd: join(import.meta.dirname, '../..') }).then(() => ({ code: 0, stderr: '' }), (e: { code: number; stderr: string }) => e);
      const bad = await cli('--shard', '3/2');
      expect(bad.code).toBe(2);
      expect(bad.stderr).toContain('kube-actors verify: --shard must be I/N');
      const unreadable = await cli('merge', join(dir, 'not-there.json'));
      expect(unreadable.code).toBe(1);
      expect(unreadable.stderr).toContain(`kube-actors verify: cannot read the shard report ${join(dir, 'not-there.json')}: no such file`);
    });
  });
});
