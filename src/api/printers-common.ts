/**
 * What the server-side printers share: the Table types (`metav1.Table`), kubectl's
 * `HumanDuration`, label and selector formatting as kubectl prints them, and the column helpers.
 *
 * Nothing here reads a clock: every age is computed against the `now` passed in (virtual
 * milliseconds since the epoch).
 */
import type { KubeObject, ObjectMeta } from './types.js';
import { isObject } from './json-values.js';

/** One column of a Table (`metav1.TableColumnDefinition`). */
export interface TableColumnDefinition {
  /** Column name as the server sends it (`Name`, `Nominated Node`); kubectl upper-cases it. */
  name: string;
  /** OpenAPI type of the cells: `string`, `integer`, `date`, ... */
  type: string;
  /** OpenAPI format (`name` for the name column), `''` otherwise. */
  format: string;
  /** Human-readable description. */
  description: string;
  /** 0 for default columns, 1 for the `-o wide` ones. */
  priority: number;
}

/** `metav1.PartialObjectMetadata`: the object of a Table row under `includeObject=Metadata`. */
export interface PartialObjectMetadata {
  kind: 'PartialObjectMetadata';
  apiVersion: 'meta.k8s.io/v1';
  metadata: ObjectMeta;
}

/** A condition of a Table row (pods that completed). */
export interface TableRowCondition {
  type: string;
  status: string;
  reason?: string;
  message?: string;
}

/** One row of a Table. */
export interface TableRow {
  /** One cell per column definition (strings, numbers, or null). */
  cells: unknown[];
  /** Row conditions (`Completed` for finished pods). */
  conditions?: TableRowCondition[];
  /** The object, as chosen by `includeObject`. */
  object?: PartialObjectMetadata | KubeObject;
}

/** A `meta.k8s.io/v1` Table. */
export interface Table {
  kind: 'Table';
  apiVersion: 'meta.k8s.io/v1';
  metadata: { resourceVersion?: string; continue?: string; remainingItemCount?: number };
  columnDefinitions: TableColumnDefinition[];
  rows: TableRow[];
}

/** Options of {@link printTable}. */
export interface PrintOptions {
  /** What each row carries: `Metadata` (default, as kubectl asks), the whole `Object`, or `None`. */
  includeObject?: 'None' | 'Metadata' | 'Object';
  /** Leave the column definitions out (`TableOptions.noHeaders`, later watch events). */
  noHeaders?: boolean;
  /** Table metadata.resourceVersion (the list's). */
  resourceVersion?: string;
  /** Table metadata.continue. */
  continue?: string;
}

/** Readers of decoded JSON that never throw: a missing or mistyped field reads as empty. */
export type Obj = Record<string, unknown>;
export const isObj: (v: unknown) => v is Obj = isObject;
export const obj = (v: unknown): Obj => (isObj(v) ? v : {});
export const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);
export const str = (v: unknown): string => (typeof v === 'string' ? v : '');
export const int = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

// ---------------------------------------------------------------------------------------------
// Durations

/**
 * kubectl's `duration.HumanDuration`: `45s`, `5m10s`, `12m`, `3h`, `5h20m`, `2d3h`, `30d`, `2y45d`.
 * Durations under -1 s are `<invalid>`, other negatives `0s`.
 */
export function formatAge(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < -1) return '<invalid>';
  if (seconds < 0) return '0s';
  if (seconds < 60 * 2) return `${seconds}s`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes < 10) {
    const s = seconds % 60;
    return s === 0 ? `${minutes}m` : `${minutes}m${s}s`;
  }
  if (minutes < 60 * 3) return `${minutes}m`;
  const hours = Math.trunc(minutes / 60);
  if (hours < 8) {
    const m = minutes % 60;
    return m === 0 ? `${hours}h` : `${hours}h${m}m`;
  }
  if (hours < 48) return `${hours}h`;
  if (hours < 24 * 8) {
    const h = hours % 24;
    return h === 0 ? `${Math.trunc(hours / 24)}d` : `${Math.trunc(hours / 24)}d${h}h`;
  }
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24)}d`;
  if (hours < 24 * 365 * 8) {
    const dy = Math.trunc(hours / 24) % 365;
    const y = Math.trunc(hours / 24 / 365);
    return dy === 0 ? `${y}y` : `${y}y${dy}d`;
  }
  return `${Math.trunc(hours / 24 / 365)}y`;
}

/** Milliseconds of an RFC 3339 timestamp, or undefined when absent or unparseable. */
export function timeOf(ts: unknown): number | undefined {
  if (typeof ts !== 'string' || ts === '') return undefined;
  const t = Date.parse(ts);
  return Number.isNaN(t) ? undefined : t;
}

/** kubectl's `translateTimestampSince`: `<unknown>` for a zero timestamp, otherwise the age at `now`. */
export function ageSince(timestamp: unknown, now: number): string {
  const t = timeOf(timestamp);
  return t === undefined ? '<unknown>' : formatAge(now - t);
}

// ---------------------------------------------------------------------------------------------
// Label selectors as kubectl prints them

/** `labels.FormatLabels`: sorted `k=v` joined by commas, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined | null): string {
  if (!labels) return '<none>';
  const keys = Object.keys(labels).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels[k]}`).join(',');
}

// ---------------------------------------------------------------------------------------------
// Column definitions

export const NAME_DESC =
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names';
export const AGE_DESC =
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata';

export function col(name: string, type: string, description: string, priority = 0, format = ''): TableColumnDefinition {
  return { name, type, format, description, priority };
}
export const NAME = col('Name', 'string', NAME_DESC, 0, 'name');
export const AGE = col('Age', 'string', AGE_DESC);

/** One kind's printer: its columns and how it prints a row. */
export type Printer = { columns: TableColumnDefinition[]; row: (o: Obj, now: number) => { cells: unknown[]; conditions?: TableRowCondition[] } };

export const nameOf = (o: Obj): string => str(obj(o['metadata'])['name']);
export const ageOf = (o: Obj, now: number): string => ageSince(obj(o['metadata'])['creationTimestamp'], now);
