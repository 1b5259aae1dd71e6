/**
 * The generated documentation is up to date: `generatedDocs()` (what `npm run docs` writes) equals
 * the files under docs/, and docs/machines/ holds no page that the generator no longer makes.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { DOCS_DIR, generatedDocs } from '../../src/docs/generate.js';

let files: Record<string, string> = {};

beforeAll(async () => {
  files = await generatedDocs();
}, 120_000);

describe('generated documentation', () => {
  it('includes one page per machine and the machines index', () => {
    const machines = Object.keys(files).filter((p) => p.startsWith('machines/'));
    for (const name of ['README', 'etcd', 'api-server', 'scheduler', 'controller-manager', 'controller', 'kubectl', 'node', 'kubelet', 'kube-proxy', 'container-runtime', 'pod', 'container', 'control-plane-node', 'etcd-member', 'leader-elector', 'load-balancer']) {
      expect(machines).toContain(`machines/${name}.md`);
    }
  });

  it('matches the files in docs/ (run `npm run docs` after changing a machine)', () => {
    const stale: string[] = [];
    for (const [path, content] of Object.entries(files)) {
      const full = join(DOCS_DIR, path);
      if (!existsSync(full)) stale.push(`${path} (missing)`);
      else if (readFileSync(full, 'utf8') !== content) stale.push(path);
    }
    expect(stale, `stale generated docs: ${stale.join(', ')}; run \`npm run docs\``).toEqual([]);
  });

  it('leaves no page in docs/machines/ that the generator does not make', () => {
    const dir = join(DOCS_DIR, 'machines');
    const onDisk = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith('.md')) : [];
    const generated = Object.keys(files).filter((p) => p.startsWith('machines/')).map((p) => p.slice('machines/'.length));
    expect(onDisk.sort()).toEqual(generated.sort());
  });

  it('links every machine page from the index, and every page links its source file', () => {
    const index = files['machines/README.md']!;
    for (const path of Object.keys(files).filter((p) => p.startsWith('machines/') && p !== 'machines/README.md')) {
      const name = path.slice('machines/'.length);
      expect(index).toContain(`](${name})`);
      const source = /in \[([^\]]+)\]\(\.\.\/\.\.\/([^)]+)\)/.exec(files[path]!);
      expect(source, `${path} names its source`).not.toBeNull();
      expect(existsSync(join(DOCS_DIR, '..', source![2]!)), `${source![2]} exists`).toBe(true);
    }
  });
});
