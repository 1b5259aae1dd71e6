/**
 * Output helpers shared by the `kube-actors` commands:
 *
 * - `kubectl get`-style tables of Kubernetes objects, printed by the API server's own table
 *   printers (src/api/printers.ts) and rendered as kubectl aligns them;
 * - plain tables of anything else (results, summaries) in the same alignment;
 * - `-o json|yaml|wide|name`, parsed with a usage error that names the bad value, and rendered
 *   as kubectl does (a `List` for several objects, YAML with sorted keys and unindented
 *   sequences, via the `yaml` package);
 * - a progress bar for long runs, drawn only when standard output is a terminal, so that piped or
 *   redirected output (and the tests) never see it.
 *
 * Nothing here reads the simulation's state on its own: callers pass the objects and the virtual
 * time (`epoch + now`) the ages are computed against.
 */
import { stringify as yamlStringify } from 'yaml';
import { printTable, renderTable } from '../api/printers.js';
import type { Table } from '../api/printers-common.js';
import { findResource } from '../api/resources.js';
import type { KubeObject } from '../api/types.js';
import { UsageError } from './main.js';

// ---- output formats -------------------------------------------------------------------------

/** The output formats of `-o`: kubectl's table (no `-o`), `wide`, `json`, `yaml` and `name`. */
export type OutputFormat = 'table' | 'wide' | 'json' | 'yaml' | 'name';

/** Every value `-o` accepts. */
const OUTPUT_FORMATS: readonly Exclude<OutputFormat, 'table'>[] = ['json', 'yaml', 'wide', 'name'];

/**
 * Parses the value of `-o`/`--output`: `undefined` (no option) is the table; anything outside
 * `allowed` is a {@link UsageError} naming the value and the accepted ones (exit code 2).
 *
 * @param text - the option's value as typed.
 * @param allowed - the formats the command supports (default: all of {@link OUTPUT_FORMATS}).
 */
export function parseOutputFormat(text: string | undefined, allowed: readonly OutputFormat[] = OUTPUT_FORMATS): OutputFormat {
  if (text === undefined) return 'table';
  const value = text.trim();
  const accepted = allowed.filter((f) => f !== 'table');
  if (!(accepted as readonly string[]).includes(value)) {
    throw new UsageError(`-o/--output must be one of ${accepted.join(', ')}; got "${text}"`);
  }
  return value as OutputFormat;
}

/** Pretty JSON as kubectl prints it: two-space indentation and a final newline. */
export function toJSON(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}

/**
 * YAML as `kubectl -o yaml` prints it: block style, keys sorted, sequences not indented under
 * their key, no line folding. `undefined` values are left out as in JSON.
 */
export function toYAML(value: unknown): string {
  const plain = value === undefined ? null : JSON.parse(JSON.stringify(value));
  return yamlStringify(plain, { sortMapEntries: true, indentSeq: false, lineWidth: 0, aliasDuplicateObjects: false });
}

/**
 * The document `kubectl get -o json|yaml` prints: the object itself for one named object, or a
 * `v1 List` of the objects.
 */
export function listDocument(objects: readonly KubeObject[], single = false): unknown {
  if (single && objects.length === 1) return objects[0];
  return { apiVersion: 'v1', items: [...objects], kind: 'List', metadata: { resourceVersion: '' } };
}

// ---- tables -----------------------------------------------------------------------------------

/** Options of {@link formatObjects}. */
export interface FormatObjectsOptions {
  /** Wall-clock ms the AGE column is computed against (a cluster's `kernel.epoch + kernel.now()`). */
  now: number;
  /** Add a NAMESPACE column (`kubectl get -A`). */
  showNamespace?: boolean;
  /** Leave out the header line (`--no-headers`). */
  noHeaders?: boolean;
  /** For json/yaml: print the object itself when there is exactly one (`kubectl get pod nginx -o yaml`). */
  single?: boolean;
}

/** Looks a resource up by plural, singular, kind or short name; a usage error names an unknown one. */
function resourceInfo(resource: string): NonNullable<ReturnType<typeof findResource>> {
  const info = findResource(resource);
  if (!info) throw new UsageError(`the server doesn't have a resource type "${resource}"`);
  return info;
}

/**
 * Objects of one resource as `kubectl get <resource> [-o ...]` prints them: the API server's
 * Table rendered with kubectl's alignment (`table`, `wide`), `kind/name` lines (`name`, with the
 * group as kubectl shows it: `deployment.apps/nginx`), or the JSON/YAML document. A table of no
 * objects is `''` (kubectl then says {@link noResourcesFound} on standard error).
 */
export function formatObjects(resource: string, objects: readonly KubeObject[], format: OutputFormat, options: FormatObjectsOptions): string {
  const info = resourceInfo(resource);
  switch (format) {
    case 'json':
      return toJSON(listDocument(objects, options.single));
    case 'yaml':
      return toYAML(listDocument(objects, options.single));
    case 'name': {
      const prefix = info.group ? `${info.singular}.${info.group}` : info.singular;
      return objects.map((o) => `${prefix}/${o.metadata?.name ?? ''}\n`).join('');
    }
    case 'table':
    case 'wide': {
      const table: Table = printTable(info, objects, options.now);
      return renderTable(table, { wide: format === 'wide', showNamespace: options.showNamespace, noHeaders: options.noHeaders });
    }
  }
}

/** kubectl's message for an empty `get`: `No resources found in default namespace.` / `No resources found`. */
export function noResourcesFound(namespace?: string): string {
  return namespace ? `No resources found in ${namespace} namespace.` : 'No resources found';
}

/** What {@link resourceTable} reads: a cluster (or anything with its `objects` and clock). */
export interface ObjectSource {
  objects(resource: string, namespace?: string): KubeObject[];
  kernel: { now(): number; epoch: number };
}

/**
 * `kubectl get <resource>` of a cluster as it is now (read from etcd's store, sending nothing),
 * in any output format. Namespaced resources of all namespaces get a NAMESPACE column unless
 * `namespace` is given.
 */
export function resourceTable(
  source: ObjectSource,
  resource: string,
  options: { namespace?: string; format?: OutputFormat; noHeaders?: boolean } = {},
): string {
  const info = resourceInfo(resource);
  const objects = source.objects(info.plural, info.namespaced ? options.namespace : undefined);
  return formatObjects(info.plural, objects, options.format ?? 'table', {
    now: source.kernel.epoch + source.kernel.now(),
    showNamespace: info.namespaced && options.namespace === undefined,
    noHeaders: options.noHeaders,
  });
}

// ---- progress ---------------------------------------------------------------------------------

/** A stream a progress bar draws on (process.stderr, or a test double). */
export interface ProgressStream {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** Options of {@link createProgressBar}. */
export interface ProgressOptions {
  /** The number of steps that make 100%. */
  total: number;
  /** Text before the bar (`verify`, `simulating`). */
  label?: string;
  /** Where to draw (default process.stderr, so the command's output on stdout stays clean). */
  stream?: ProgressStream;
  /**
   * Draw at all? Default: only when standard output and the drawing stream are both terminals,
   * so `kube-actors verify > out.txt` or a pipe gets no bar.
   */
  enabled?: boolean;
  /** Least wall-clock ms between redraws (default 100; the final state is always drawn). */
  intervalMs?: number;
}

/** A progress bar; a disabled one accepts every call and draws nothing. */
export interface ProgressBar {
  /** True when it draws. */
  readonly enabled: boolean;
  /** Sets the number of completed steps, with an optional note after the bar. */
  update(done: number, note?: string): void;
  /** Adds completed steps. */
  tick(steps?: number, note?: string): void;
  /** Draws the final state and moves to a new line (or clears the line with `clear`). */
  finish(options?: { clear?: boolean }): void;
}

/** `[#####.....]  50% 5/10 label note`, fitted to `columns`. */
export function renderProgress(done: number, total: number, options: { label?: string; note?: string; columns?: number } = {}): string {
  const t = Math.max(0, total);
  const d = Math.min(Math.max(0, done), t);
  const fraction = t === 0 ? 1 : d / t;
  const columns = Math.max(20, options.columns ?? 80);
  const width = Math.max(10, Math.min(30, columns - 40));
  const filled = Math.round(fraction * width);
  const pct = `${Math.floor(fraction * 100)}%`.padStart(4);
  let line = `${options.label ? options.label + ' ' : ''}[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${pct} ${d}/${t}`;
  if (options.note) line += ` ${options.note}`;
  return line.length > columns - 1 ? line.slice(0, columns - 1) : line;
}

/**
 * A progress bar for long runs (verification, long simulations). It redraws one line in place
 * with `\r` and is silent unless standard output is a terminal (or `enabled` says otherwise).
 *
 * @example
 * const bar = createProgressBar({ total: runs, label: 'verify' });
 * for (let i = 0; i < runs; i++) { runOne(i); bar.tick(); }
 * bar.finish({ clear: true });
 */
export function createProgressBar(options: ProgressOptions): ProgressBar {
  if (!Number.isFinite(options.total) || options.total < 0) throw new RangeError(`progress total must be a non-negative number; got ${options.total}`);
  const stream: ProgressStream = options.stream ?? process.stderr;
  const enabled = options.enabled ?? Boolean(process.stdout.isTTY && stream.isTTY);
  const interval = options.intervalMs ?? 100;
  let done = 0;
  let note: string | undefined;
  let lastDraw = -Infinity;
  let lastWidth = 0;
  let finished = false;
  const draw = (force: boolean): void => {
    if (!enabled || finished) return;
    const now = Date.now();
    if (!force && now - lastDraw < interval) return;
    lastDraw = now;
    const line = renderProgress(done, options.total, { label: options.label, note, columns: stream.columns });
    stream.write(`\r${line}${' '.repeat(Math.max(0, lastWidth - line.length))}`);
    lastWidth = line.length;
  };
  return {
    enabled,
    update(n, text) {
      done = n;
      if (text !== undefined) note = text;
      draw(done >= options.total);
    },
    tick(steps = 1, text) {
      this.update(done + steps, text);
    },
    finish(opts = {}) {
      if (!enabled || finished) return;
      if (opts.clear) stream.write(`\r${' '.repeat(lastWidth)}\r`);
      else {
        draw(true);
        stream.write('\n');
      }
      finished = true;
    },
  };
}
