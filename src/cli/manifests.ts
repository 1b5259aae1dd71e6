/**
 * Reading manifests for the commands that take `-f/--filename` (simulate, inspect), with kubectl's
 * messages: a missing file is `the path "nope.yaml" does not exist`, a manifest that does not parse
 * is `error parsing nope.yaml: …`, and a kind the cluster does not serve is kubectl's
 * `resource mapping not found for name: "web" namespace: "" from "app.yaml": no matches for kind
 * "Deploymnet" in version "apps/v1"` followed by `ensure CRDs are installed first`.
 */
import { readFileSync } from 'node:fs';
import { resourceForKind } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { parseManifest } from '../inspector/apply.js';
import { InputError } from './main.js';

/** A manifest file read and parsed. */
export interface Manifest {
  /** The path as given (`-` for standard input). */
  file: string;
  text: string;
  objects: KubeObject[];
}

/** Reads a manifest file (`-`: standard input). */
function readManifestFile(file: string): string {
  try {
    return readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`the path "${file}" does not exist`);
    if (code === 'EISDIR') throw new InputError(`the path "${file}" is a directory; give the manifest files in it`);
    throw new InputError(`cannot read "${file}": ${(error as Error).message}`);
  }
}

/**
 * Reads and parses the manifests, and checks that the cluster serves every object's kind (as
 * kubectl maps each kind to a resource before it sends anything).
 */
export function loadManifests(files: readonly string[]): Manifest[] {
  const manifests: Manifest[] = [];
  const unmapped: string[] = [];
  for (const file of files) {
    const text = readManifestFile(file);
    const parsed = parseManifest(text);
    if (parsed.error) throw new InputError(`${(parsed.error.message ?? 'error: the manifest does not parse').replace(/^error: /, '').replace('manifest', file === '-' ? 'standard input' : `"${file}"`)}`);
    for (const obj of parsed.objects) {
      if (typeof obj.kind !== 'string' || obj.kind === '') throw new InputError(`error validating "${file}": kind not set`);
      if (typeof obj.apiVersion !== 'string' || obj.apiVersion === '') throw new InputError(`error validating "${file}": apiVersion not set`);
      if (!resourceForKind(obj.apiVersion, obj.kind)) {
        unmapped.push(`resource mapping not found for name: "${obj.metadata?.name ?? ''}" namespace: "${obj.metadata?.namespace ?? ''}" from "${file}": no matches for kind "${obj.kind}" in version "${obj.apiVersion}"`);
      }
    }
    manifests.push({ file, text, objects: parsed.objects });
  }
  if (unmapped.length > 0) throw new InputError(`${unmapped.join('\n')}\nensure CRDs are installed first`);
  return manifests;
}
