/**
 * The last scheduling cycle of each pod, as kube-scheduler-simulator shows it (its
 * `prefilter-result`, `filter-result`, `score-result`, `finalscore-result`, `postfilter-result`
 * and `selected-node` annotations): each Filter plugin's verdict per node with its reason, each
 * Score plugin's raw and normalised score per node, the totals, and the chosen node or the
 * FailedScheduling message.
 *
 * A record holds only what the cycle computed anyway (the rejected nodes' statuses, the feasible
 * nodes, the score arrays), by reference; it is turned into plain JSON only when asked
 * ({@link cycleRecordJSON}). The scheduler keeps the records of the last pods it tried, a bounded
 * number ({@link CycleRecords}), and forgets a pod's record when the pod is deleted.
 */
import type { Pod } from '../../src/api/types.js';
import type { PluginStatus, StatusCode } from './framework.js';
import type { FilterOutcome, ScheduleResult, ScoreTable } from './schedule-one.js';
import { keyDefaultingNamespace } from '../../src/api/object-key.js';

/** One pod's last scheduling cycle, as the cycle left it. */
export interface CycleRecord {
  /** The pod as the cycle saw it. */
  readonly pod: Pod;
  /** The scheduler's attempt counter at this cycle (1 for its first cycle of any pod). */
  readonly attempt: number;
  /** Virtual time of the cycle (ms). */
  readonly time: number;
  /** The nodes in the scheduler's cache at the cycle. */
  readonly numAllNodes: number;
  /** The Filter plugins of the profile, in order (those whose PreFilter skipped are not in `outcome.filters`). */
  readonly profileFilters: readonly { readonly name: string }[];
  /** What filtering computed; undefined when no node existed. */
  readonly outcome: FilterOutcome | undefined;
  /** The cycle's result. */
  readonly result: ScheduleResult;
}

/** A Filter plugin's verdict on one node. */
export type FilterVerdict =
  /** It passed. */
  | 'Success'
  /** The plugin's PreFilter returned Skip for this pod: its Filter did not run. */
  | 'Skip'
  /** An earlier plugin rejected the node: this one did not run (kube stops at the first rejection). */
  | 'NotRun'
  /** It rejected the node. */
  | { readonly code: StatusCode; readonly reasons: readonly string[] };

/** One node's row of a {@link CycleRecordJSON}. */
export interface NodeRecordJSON {
  readonly node: string;
  /** Each Filter plugin's verdict, by plugin name. */
  readonly filters: Readonly<Record<string, FilterVerdict>>;
  /** Each Score plugin's raw score, normalised score and normalised × weight, by plugin name (feasible nodes when scoring ran). */
  readonly scores?: Readonly<Record<string, { readonly raw: number; readonly normalized: number; readonly weighted: number }>>;
  /** Sum of the weighted scores. */
  readonly total?: number;
  /** The node the pod was bound to. */
  readonly selected?: true;
}

/** A {@link CycleRecord} as the inspector's protocol sends it. */
export interface CycleRecordJSON {
  /** `namespace/name` */
  readonly pod: string;
  readonly uid?: string;
  readonly attempt: number;
  /** Virtual time of the cycle (ms). */
  readonly time: number;
  /** The Filter plugins in the profile's order (the table's columns). */
  readonly filterPlugins: readonly string[];
  /** The Score plugins that ran, with their weights, in order. */
  readonly scorePlugins: readonly { readonly name: string; readonly weight: number }[];
  /** Score plugins whose PreScore returned Skip. */
  readonly skippedScorePlugins: readonly string[];
  /** A PreFilter that rejected the pod on every node (the cycle ran no Filter). */
  readonly preFilterRejection?: { readonly plugin: string; readonly code: StatusCode; readonly reasons: readonly string[] };
  /** Plugins whose PreFilter restricted the nodes to a subset (`PreFilterResult.NodeNames`). */
  readonly restrictedBy: readonly string[];
  /** One row per node the filters ran on, in the order they ran. */
  readonly nodes: readonly NodeRecordJSON[];
  /** Nodes of the cluster the cycle did not evaluate (it had found enough feasible ones, or a PreFilter excluded them). */
  readonly notEvaluated: number;
  /** Why scoring did not run, when it did not: one feasible node, or none. */
  readonly scoring: 'ran' | 'one feasible node' | 'no feasible node' | 'error';
  /** The chosen node, or the FailedScheduling message. */
  readonly result:
    | { readonly ok: true; readonly node: string }
    | { readonly ok: false; readonly message: string; readonly nominatedNode?: string; readonly victims?: readonly string[] };
}

function verdictOf(status: PluginStatus['status']): FilterVerdict {
  return { code: status.code, reasons: status.reasons };
}

/** Turns a record into the protocol's plain JSON (the per-node table). */
export function cycleRecordJSON(record: CycleRecord): CycleRecordJSON {
  const { pod, outcome, result } = record;
  const ran = new Set(outcome?.filters.map((f) => f.name) ?? []);
  const filterPlugins = record.profileFilters.map((f) => f.name);
  const table: ScoreTable | undefined = result.ok ? result.scoreTable : undefined;
  const rows: NodeRecordJSON[] = [];
  const rowOf = (node: string, rejected: PluginStatus | undefined): NodeRecordJSON => {
    const filters: Record<string, FilterVerdict> = {};
    let stopped = false;
    for (const name of filterPlugins) {
      if (!ran.has(name)) filters[name] = 'Skip';
      else if (stopped) filters[name] = 'NotRun';
      else if (rejected && rejected.plugin === name) {
        filters[name] = verdictOf(rejected.status);
        stopped = true;
      } else filters[name] = 'Success';
    }
    return { node, filters };
  };
  // the rejected nodes (a nominated node that failed first), then the feasible ones
  for (const [node, status] of outcome?.statuses ?? []) rows.push(rowOf(node, status));
  const scoredAt = new Map<string, number>();
  table?.nodes.forEach((ni, i) => scoredAt.set(ni.name, i));
  for (const ni of outcome?.feasible ?? []) {
    const row = rowOf(ni.name, undefined);
    const i = scoredAt.get(ni.name);
    const extra: { scores?: NodeRecordJSON['scores']; total?: number; selected?: true } = {};
    if (table && i !== undefined) {
      const scores: Record<string, { raw: number; normalized: number; weighted: number }> = {};
      for (const p of table.plugins) scores[p.name] = { raw: p.raw[i]!, normalized: p.normalized[i]!, weighted: p.normalized[i]! * p.weight };
      extra.scores = scores;
      extra.total = table.totals[i]!;
    }
    if (result.ok && result.node === ni.name) extra.selected = true;
    rows.push({ ...row, ...extra });
  }
  const preRejection = !result.ok && result.diagnosis?.preFilterMessage !== undefined ? result.diagnosis.absentStatus : undefined;
  const scoring: CycleRecordJSON['scoring'] = table
    ? 'ran'
    : !result.ok && result.error
      ? 'error'
      : result.ok
        ? 'one feasible node'
        : 'no feasible node';
  return {
    pod: keyDefaultingNamespace(pod),
    ...(pod.metadata?.uid ? { uid: pod.metadata.uid } : {}),
    attempt: record.attempt,
    time: record.time,
    filterPlugins,
    scorePlugins: table?.plugins.map((p) => ({ name: p.name, weight: p.weight })) ?? [],
    skippedScorePlugins: table?.skipped ?? [],
    ...(preRejection ? { preFilterRejection: { plugin: preRejection.plugin, code: preRejection.status.code, reasons: preRejection.status.reasons } } : {}),
    restrictedBy: outcome?.restrictedBy ?? [],
    nodes: rows,
    notEvaluated: Math.max(0, record.numAllNodes - rows.length),
    scoring,
    result: result.ok
      ? { ok: true, node: result.node }
      : {
          ok: false,
          message: result.message,
          ...(result.nominatedNode ? { nominatedNode: result.nominatedNode, victims: (result.victims ?? []).map((v) => keyDefaultingNamespace(v)) } : {}),
        },
  };
}

/**
 * The records of the last pods the scheduler tried, by pod key (`namespace/name`), at most
 * `capacity` of them: a new cycle replaces the pod's record and makes it the newest; beyond the
 * capacity the oldest record is forgotten. 0 keeps none.
 */
export class CycleRecords {
  private readonly byKey = new Map<string, CycleRecord>();

  constructor(readonly capacity: number) {}

  /** Keeps a pod's last cycle. */
  set(key: string, record: CycleRecord): void {
    if (this.capacity <= 0) return;
    this.byKey.delete(key);
    this.byKey.set(key, record);
    if (this.byKey.size > this.capacity) this.byKey.delete(this.byKey.keys().next().value!);
  }

  /** The pod's last cycle, if kept. */
  get(key: string): CycleRecord | undefined {
    return this.byKey.get(key);
  }

  /** Forgets a pod (deleted). */
  delete(key: string): void {
    this.byKey.delete(key);
  }

  /** How many records are kept. */
  get size(): number {
    return this.byKey.size;
  }
}
