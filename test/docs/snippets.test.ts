/**
 * The code in the guides runs: every ```ts block of docs/library.md and docs/kernel.md is run as a
 * program (with `kube-actors` pointing at src/index.ts), must exit 0 without writing to standard
 * error, and the values the guides promise in comments are checked against what it prints.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { readDoc, SnippetRunner, tsBlocks } from '../helpers/doc-snippets.js';

const runner = new SnippetRunner('kube-actors-doc-snippets');
const snippets = (doc: string): string[] => tsBlocks(readDoc(doc));

afterAll(() => runner.clean());

/** What some snippets must print (by the guide, the n-th ```ts block). */
const EXPECTED: Record<string, RegExp[]> = {
  'library-1': [/^nginx runs on node-\d after [\d.]+ virtual ms$/m],
  'library-2': [/^422 Invalid /m, /^403$/m, /^watch\./m],
  'library-3': [/crash-node/, /restart-node/, /heal-all/],
  'library-4': [/^kubectl -> api-server: api\.request list pods default$/m, /^sequenceDiagram$/m, /^4$/m, /^stateDiagram-v2$/m],
  'library-5': [/^a$/m],
  'library-6': [/controller: \{ running: '(idle|syncing)' \}/],
  'library-7': [/^still pending$/m],
  'library-8': [/^true 2 $/m, /^false 2 KeyExists$/m],
  'library-9': [/^seed: 1$/m, /^ok: 10 scenario\(s\) passed 1 invariants$/m],
  'kernel-1': [/^pong got ping at 100\d(\.\d+)? ms$/m, /"from":"ping","to":"pong","type":"ping"/],
  'kernel-2': [/^200 \d+(\.\d+)?$/m],
};

describe('the guides’ code', { timeout: 180_000 }, () => {
  for (const doc of ['library.md', 'kernel.md']) {
    const blocks = snippets(doc);
    it(`${doc} has code to run`, () => {
      expect(blocks.length).toBeGreaterThan(0);
    });
    blocks.forEach((code, i) => {
      const name = `${doc.replace('.md', '')}-${i + 1}`;
      it.concurrent(`${name} runs`, async () => {
        const r = await runner.run(name, code);
        expect(r.stderr, `${name} wrote to stderr`).toBe('');
        expect(r.code).toBe(0);
        for (const pattern of EXPECTED[name] ?? []) expect(r.stdout, `${name} prints ${pattern}`).toMatch(pattern);
      });
    });
  }

  it('every expectation names a snippet that exists', () => {
    const names = ['library.md', 'kernel.md'].flatMap((doc) => snippets(doc).map((_, i) => `${doc.replace('.md', '')}-${i + 1}`));
    for (const name of Object.keys(EXPECTED)) expect(names).toContain(name);
  });
});
