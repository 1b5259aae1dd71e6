#!/usr/bin/env node
/**
 * The `kube-actors` executable. Installed from the package, it runs the compiled CLI in dist/.
 * In a clone of the repository (src/cli/main.ts is there), it runs the TypeScript sources through
 * tsx, so `npx kube-actors …` works right after `npm install`, with no build and never a stale one.
 */
import { existsSync } from 'node:fs';

const source = new URL('../src/cli/main.ts', import.meta.url);
let runCli;
if (existsSync(source)) {
  let tsx;
  try {
    tsx = await import('tsx/esm/api');
  } catch (error) {
    console.error(`kube-actors: running from a clone needs its dev dependencies (tsx); run \`npm install\` first (${error.message.split('\n')[0]})`);
    process.exit(1);
  }
  tsx.register();
  ({ runCli } = await import(source.href));
} else {
  ({ runCli } = await import('../dist/src/cli/main.js'));
}
await runCli(process.argv.slice(2));
