/**
 * The code of docs/verification.md runs: every ```ts block is run as a program (with `kube-actors`
 * pointing at src/index.ts), exits 0 without writing to standard error, and prints what the guide
 * says in its comments.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MUTANTS } from '../../src/verify/mutants.js';
import { defaultInvariants } from '../../src/verify/invariants/index.js';

const ROOT = join(import.meta.dirname, '..', '..');
const DIR = join(ROOT, 'node_modules', '.cache', 'kube-actors-verify-doc');
const DOC = readFileSync(join(ROOT, 'docs', 'verification.md'), 'utf8');

const EXPECTED: RegExp[][] = [
  [/^seed: 7$/m, /^FAILED after \d+ scenario\(s\)/m, /\[no-pods-on-maintenance-nodes\] .* is bound to node-2, which is under maintenance/, /^1$/m],
  [/^create a pod, create a pod, create a pod$/m],
];

function run(name: string, code: string): Promise<{ code: number; stdout: string; stderr: string }> {
  mkdirSync(DIR, { recursive: true });
  const file = join(DIR, `${name}.mts`);
  writeFileSync(file, code.replaceAll("from 'kube-actors'", `from '${join(ROOT, 'src', 'index.ts')}'`));
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
    });
  });
}

afterAll(() => rmSync(DIR, { recursive: true, force: true }));

describe('docs/verification.md', { timeout: 120_000 }, () => {
  const blocks = [...DOC.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);

  it('has its examples', () => {
    expect(blocks.length).toBe(EXPECTED.length);
  });

  blocks.forEach((code, i) => {
    it.concurrent(`example ${i + 1} runs and prints what the guide says`, async () => {
      const r = await run(`example-${i + 1}`, code);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      for (const pattern of EXPECTED[i] ?? []) expect(r.stdout).toMatch(pattern);
    });
  });

  it('lists every invariant and every mutant', () => {
    for (const inv of defaultInvariants) expect(DOC, inv.name).toContain(`| \`${inv.name}\` |`);
    for (const m of MUTANTS) expect(DOC, m.name).toContain(`| \`${m.name}\` |`);
  });
});
