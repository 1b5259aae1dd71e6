/**
 * The code of docs/verification.md runs: every ```ts block is run as a program (with `kube-actors`
 * pointing at src/index.ts), exits 0 without writing to standard error, and prints what the guide
 * says in its comments.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { MUTANTS } from '../../src/verify/mutants.js';
import { defaultInvariants } from '../../src/verify/invariants/index.js';
import { readDoc, SnippetRunner, tsBlocks } from '../helpers/doc-snippets.js';

const DOC = readDoc('verification.md');
const runner = new SnippetRunner('kube-actors-verify-doc');

const EXPECTED: RegExp[][] = [
  [/^6 true$/m, /^shards: 3 of 3; 6 scenario\(s\) of up to 5 steps in the campaign$/m],
  [/^seed: 7$/m, /^FAILED after \d+ scenario\(s\)/m, /\[no-pods-on-maintenance-nodes\] .* is bound to node-2, which is under maintenance/, /^2$/m],
  [/^create a pod, create a pod, create a pod$/m],
];

afterAll(() => runner.clean());

describe('docs/verification.md', { timeout: 120_000 }, () => {
  const blocks = tsBlocks(DOC);

  it('has its examples', () => {
    expect(blocks.length).toBe(EXPECTED.length);
  });

  blocks.forEach((code, i) => {
    it.concurrent(`example ${i + 1} runs and prints what the guide says`, async () => {
      const r = await runner.run(`example-${i + 1}`, code);
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
