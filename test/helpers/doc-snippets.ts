/**
 * Running the code of the guides: the ```ts blocks of a doc, each run as a program with
 * `kube-actors` pointing at src/index.ts (written under node_modules, so that it resolves xstate
 * and tsx like the project's own files).
 */
import { execFile } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');

/** The text of a doc under docs/. */
export function readDoc(doc: string): string {
  return readFileSync(join(ROOT, 'docs', doc), 'utf8');
}

/** The ```ts blocks of a doc's text, in order. */
export function tsBlocks(text: string): string[] {
  return [...text.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/** Runs snippets as programs in their own scratch folder (`node_modules/.cache/<folder>`). */
export class SnippetRunner {
  readonly dir: string;

  constructor(folder: string) {
    this.dir = join(ROOT, 'node_modules', '.cache', folder);
  }

  /** Runs one snippet; resolves with its exit code and output. */
  run(name: string, code: string): Promise<{ code: number; stdout: string; stderr: string }> {
    mkdirSync(this.dir, { recursive: true });
    const file = join(this.dir, `${name}.mts`);
    writeFileSync(file, code.replaceAll("from 'kube-actors'", `from '${join(ROOT, 'src', 'index.ts')}'`));
    return new Promise((resolve) => {
      execFile(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, timeout: 120_000 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === 'number' ? error.code : 1) : 0, stdout, stderr });
      });
    });
  }

  /** Removes the scratch folder. */
  clean(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}
