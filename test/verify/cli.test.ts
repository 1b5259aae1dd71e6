/** `kube-actors verify`: output, exit codes and replay, through `runVerify` (and the real executable for exit codes). */
import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { promisify } from 'node:util';
import { runVerify, type VerifyIo } from '../../src/cli/commands/verify.js';
import { MUTANTS } from '../../src/verify/mutants.js';
import { UsageError } from '../../src/cli/main.js';

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
    expect(o.text()).toContain('ok: 10 scenario(s) passed 21 invariants');
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
});
