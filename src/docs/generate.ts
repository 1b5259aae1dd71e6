/**
 * `npm run docs`: writes the generated documentation (flow diagrams, and every other generated
 * part registered here) under docs/. The tests call the same generators and compare.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { flowPages } from './flows.js';

/** Every generated file: path under docs/ → content. */
export async function generatedDocs(): Promise<Record<string, string>> {
  const files: Record<string, string> = {};
  for (const [name, content] of Object.entries(flowPages())) files[`flows/${name}`] = content;
  try {
    const modulePath = './machines.js';
    const machines = (await import(modulePath)) as { machinePages?: () => Record<string, string> };
    if (machines.machinePages) for (const [name, content] of Object.entries(machines.machinePages())) files[`machines/${name}`] = content;
  } catch (error) {
    if ((error as { code?: string }).code !== 'ERR_MODULE_NOT_FOUND') throw error;
  }
  return files;
}

/** The docs/ folder of this checkout. */
export const DOCS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs');

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const files = await generatedDocs();
  for (const [path, content] of Object.entries(files)) {
    const full = join(DOCS_DIR, path);
    mkdirSync(dirname(full), { recursive: true });
    writeFileSync(full, content);
    console.log(`wrote docs/${path}`);
  }
}
