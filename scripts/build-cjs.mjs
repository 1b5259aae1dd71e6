/**
 * The CommonJS build (run by `npm run build` after tsc): `require('kube-actors')` loads
 * dist/cjs/src/index.js, one CommonJS bundle of src/index.ts made by esbuild (the dependencies stay
 * external), beside a copy of tsc's declarations under dist/cjs/ whose package.json says
 * `"type": "commonjs"`, so TypeScript projects in CommonJS mode (`module: nodenext` without
 * `"type": "module"`) read them as CommonJS declarations.
 */
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(root, 'dist', 'cjs');
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
writeFileSync(join(out, 'package.json'), JSON.stringify({ type: 'commonjs' }, null, 2) + '\n');

await build({
  entryPoints: [join(root, 'src', 'index.ts')],
  outfile: join(out, 'src', 'index.js'),
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  // the ESM sources' import.meta.url, as the bundle's own file URL
  define: { 'import.meta.url': '__kubeActorsFileUrl' },
  banner: { js: 'const __kubeActorsFileUrl = require("node:url").pathToFileURL(__filename).href;' },
});

// the declarations, read as CommonJS under dist/cjs/package.json
for (const dir of ['src', 'machines']) {
  cpSync(join(root, 'dist', dir), join(out, dir), { recursive: true, filter: (src) => !/\.(js|js\.map)$/.test(src) || src.endsWith('.d.ts') });
}
