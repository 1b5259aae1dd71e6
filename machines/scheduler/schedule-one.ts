/**
 * One scheduling cycle for one pod (kube-scheduler `schedule_one.go`): pre-filter, try the
 * nominated node, find feasible nodes round-robin from a start index until
 * `numFeasibleNodesToFind` are found, score them with weights, pick the best with a seeded
 * tie-break; when nothing fits, run the post-filter (preemption dry run) and word the
 * FailedScheduling message.
 */
import type { Pod } from '../../src/api/types.js';
import type { SchedulerCache } from './cache.js';
import { MAX_NODE_SCORE, createCycleState, diagnosisReasons, fitErrorMessage, unresolvable, type CycleState, type Diagnosis, type FilterPlugin, type PluginStatus, type ReasonCount, type WeightedScorePlugin } from './framework.js';
import { type NodeInfo } from './node-info.js';
import type { SchedulerProfile } from './registry.js';
import type { SchedulerListers } from './snapshot.js';

// Module-local copies for the per-node loops (see the note in the plugins: imported bindings can be
// getters under some module runners).
const MAX_SCORE = MAX_NODE_SCORE;

/** Runs the filters on one node in order; the first rejection, or undefined when all pass. */
function filterNode(filters: readonly FilterPlugin[], pod: Pod, nodeInfo: NodeInfo, state: CycleState): PluginStatus | undefined {
  for (let i = 0; i < filters.length; i++) {
    const plugin = filters[i]!;
    const status = plugin.filter(pod, nodeInfo, state);
    if (status.code !== 'Success') return { plugin: plugin.name, status };
  }
  return undefined;
}

/** The seeded generator the tie-break draws from. */
export interface SchedulerRng {
  /** An integer in [0, maxExclusive). */
  int(maxExclusive: number): number;
}

/** Options of {@link schedulePod}. */
export interface ScheduleOptions {
  /** Tie-break randomness (a fork of the simulation kernel's generator). */
  readonly rng: SchedulerRng;
  /** Where this cycle starts in the node list (the previous cycle's `nextStartIndex`; 0 at first). */
  readonly startIndex: number;
  /** Return every scored node's scores (costs allocations; off by default). */
  readonly includeScores?: boolean;
  /**
   * Keep each score plugin's raw and normalised scores per node in the result (`scoreTable`), for
   * the scheduler's cycle records (the inspector's per-plugin view). Off by default.
   */
  readonly recordScores?: boolean;
  /** Namespaces, Services, ReplicaSets... for the plugins that read them (the scheduler's informers). */
  readonly listers?: SchedulerListers;
}

/** One scored node: its weighted total and each plugin's weighted share. */
export interface NodeScore {
  /** The node. */
  readonly node: string;
  /** Sum over plugins of normalized score × weight. */
  readonly total: number;
  /** Normalized score × weight, per plugin that scored. */
  readonly byPlugin: Readonly<Record<string, number>>;
}

/** The pod fits: the chosen node and how the cycle went. */
export interface ScheduleSuccess {
  /** Discriminant. */
  readonly ok: true;
  /** The chosen node. */
  readonly node: string;
  /** Nodes the filters ran on (feasible plus rejected), as kube reports it. */
  readonly evaluatedNodes: number;
  /** Feasible nodes found (at most `numFeasibleNodesToFind`). */
  readonly feasibleNodes: number;
  /**
   * The start index for the next cycle: `(startIndex + evaluatedNodes) % nodeCount`, or
   * `startIndex` unchanged when the nominated node was taken (as kube-scheduler does).
   */
  readonly nextStartIndex: number;
  /** Every scored node's scores, with `includeScores`, when scoring ran. */
  readonly scores?: readonly NodeScore[];
  /** Each score plugin's raw and normalised scores, with `recordScores`, when scoring ran. */
  readonly scoreTable?: ScoreTable;
}

/**
 * What scoring computed, per plugin and node (kube-scheduler-simulator's `score-result` and
 * `finalscore-result`): the arrays are indexed like `nodes`.
 */
export interface ScoreTable {
  /** The feasible nodes that were scored, in the order scoring saw them. */
  readonly nodes: readonly NodeInfo[];
  /** The score plugins that ran, with their weights and scores. */
  readonly plugins: readonly {
    readonly name: string;
    readonly weight: number;
    /** Score's raw values. */
    readonly raw: readonly number[];
    /** After NormalizeScore (the same array as `raw` for a plugin without it), 0..100. */
    readonly normalized: readonly number[];
  }[];
  /** Score plugins whose PreScore returned Skip for the pod. */
  readonly skipped: readonly string[];
  /** Sum over plugins of normalised score × weight, per node. */
  readonly totals: ArrayLike<number>;
}

/** The pod fits nowhere (or the cycle failed). */
export interface ScheduleFailure {
  /** Discriminant. */
  readonly ok: false;
  /** The rejection histogram: which plugin rejected how many nodes for what reason. */
  readonly reasons: readonly ReasonCount[];
  /** The FailedScheduling event message, word for word as kube-scheduler writes it. */
  readonly message: string;
  /** Nodes the filters ran on. */
  readonly evaluatedNodes: number;
  /** The start index for the next cycle. */
  readonly nextStartIndex: number;
  /** Plugins that rejected the pod somewhere (kube's `UnschedulablePlugins`), sorted. */
  readonly unschedulablePlugins: readonly string[];
  /** Nodes where the preemption dry run found that evicting lower-priority pods would make room. */
  readonly preemptionCandidates?: readonly string[];
  /** The node preemption chose for the pod (to be set as its `status.nominatedNodeName`). */
  readonly nominatedNode?: string;
  /** The pods to evict on `nominatedNode`. */
  readonly victims?: readonly Pod[];
  /** True when the cycle failed with an error (e.g. a plugin score out of range) rather than a misfit. */
  readonly error?: true;
  /** The diagnosis behind the message (absent when there are no nodes or on errors). */
  readonly diagnosis?: Diagnosis;
}

/** Result of {@link schedulePod}. */
export type ScheduleResult = ScheduleSuccess | ScheduleFailure;

/** kube-scheduler's `minFeasibleNodesToFind`. */
const MIN_FEASIBLE_NODES_TO_FIND = 100;

/** kube-scheduler's `minFeasibleNodesPercentageToFind`. */
const MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5;

/** The message when the cluster has no nodes (`ErrNoNodesAvailable`). */
const NO_NODES_AVAILABLE = 'no nodes available to schedule pods';

/**
 * How many feasible nodes to find before scoring (`numFeasibleNodesToFind`): every node below 100;
 * else `percentage` of them (adaptive when unset or 0: `50 - n/125`, at least 5), never fewer
 * than 100. Integer arithmetic as Go's int32.
 */
export function numFeasibleNodesToFind(numAllNodes: number, percentageOfNodesToScore?: number): number {
  if (numAllNodes < MIN_FEASIBLE_NODES_TO_FIND) return numAllNodes;
  let percentage = percentageOfNodesToScore ?? 0;
  if (percentage === 0) {
    percentage = 50 - Math.trunc(numAllNodes / 125);
    if (percentage < MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND) percentage = MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND;
  }
  const n = Math.trunc((numAllNodes * percentage) / 100);
  return n < MIN_FEASIBLE_NODES_TO_FIND ? MIN_FEASIBLE_NODES_TO_FIND : n;
}

/**
 * Picks the node with the highest total; among equal totals each is chosen with equal probability
 * by reservoir sampling in list order (`selectHost`: replace the pick with probability 1/k at the
 * k-th tie), drawing `rng.int(k)` once per tie after the first.
 * @returns the index of the chosen entry.
 * @throws {RangeError} on an empty list.
 */
export function selectHost(totals: ArrayLike<number>, rng: SchedulerRng): number {
  if (totals.length === 0) throw new RangeError('empty priority list');
  let best = totals[0]!;
  let selected = 0;
  let ties = 1;
  for (let i = 1; i < totals.length; i++) {
    const t = totals[i]!;
    if (t > best) {
      best = t;
      selected = i;
      ties = 1;
    } else if (t === best) {
      ties++;
      if (rng.int(ties) === 0) selected = i;
    }
  }
  return selected;
}

function goList(names: Iterable<string>): string {
  return `[${[...names].sort().join(' ')}]`;
}

interface PreFilterOutcome {
  readonly filters: FilterPlugin[];
  readonly nodeNames: Set<string> | undefined;
  readonly restrictedBy: string[];
  readonly rejection: PluginStatus | undefined;
  /** Set when a plugin returned Unschedulable: preemption may still run. */
  readonly softRejection: PluginStatus | undefined;
}

function runPreFilters(profile: SchedulerProfile, pod: Pod, state: CycleState): PreFilterOutcome {
  const filters: FilterPlugin[] = [];
  let nodeNames: Set<string> | undefined;
  const restrictedBy: string[] = [];
  let softRejection: PluginStatus | undefined;
  for (const plugin of profile.filters) {
    const res = plugin.preFilter?.(pod, state);
    const status = res?.status;
    if (status?.code === 'Skip') continue;
    filters.push(plugin);
    if (status && status.code !== 'Success') {
      const ps = { plugin: plugin.name, status };
      if (status.code === 'Unschedulable') {
        softRejection = ps;
        continue;
      }
      return { filters, nodeNames, restrictedBy, rejection: ps, softRejection };
    }
    if (res?.nodeNames) {
      restrictedBy.push(plugin.name);
      nodeNames = nodeNames ? new Set([...nodeNames].filter((n) => res.nodeNames!.has(n))) : new Set(res.nodeNames);
      if (nodeNames.size === 0) {
        const msg =
          restrictedBy.length === 1
            ? `node(s) didn't satisfy plugin ${restrictedBy[0]}`
            : `node(s) didn't satisfy plugin(s) ${goList(restrictedBy)} simultaneously`;
        return { filters, nodeNames, restrictedBy, rejection: { plugin: plugin.name, status: unresolvable(msg) }, softRejection };
      }
    }
  }
  return { filters, nodeNames, restrictedBy, rejection: undefined, softRejection };
}

/**
 * What filtering computed, as the cycle records keep it: the Filter plugins that ran (PreFilter
 * skips removed), the plugins whose PreFilter restricted the nodes, and each evaluated node's
 * verdict (`statuses` for the rejected ones, `feasible` for the others).
 */
export interface FilterOutcome {
  readonly filters: readonly FilterPlugin[];
  readonly restrictedBy: readonly string[];
  /** The rejected nodes, by name, with the first plugin that rejected each. */
  readonly statuses: ReadonlyMap<string, PluginStatus>;
  /** The nodes that passed every filter (empty when a PreFilter decided the cycle). */
  readonly feasible: readonly NodeInfo[];
}

/** Nodes that passed the filters, ready to be scored. */
export interface FeasibleNodes {
  readonly feasible: readonly NodeInfo[];
  readonly state: CycleState;
  /** Nodes the filters ran on. */
  readonly processed: number;
  readonly nextStartIndex: number;
  readonly outcome: FilterOutcome;
}

/** What filtering gives: a decided cycle, or nodes to score. */
export type FilterPhase = { readonly done: ScheduleResult; readonly state?: CycleState; readonly outcome?: FilterOutcome } | FeasibleNodes;

/**
 * The filtering half of a scheduling cycle: pre-filter, the nominated node, then feasible nodes
 * round-robin from the start index until `numFeasibleNodesToFind`. Either the cycle is already
 * decided (`done`: no node fits, or exactly one does), or `feasible` nodes go on to scoring.
 */
export function findFeasibleNodes(pod: Pod, cache: SchedulerCache, profile: SchedulerProfile, options: ScheduleOptions): FilterPhase {
  const allNodes = cache.nodeList();
  const numAll = allNodes.length;
  const startIndex = options.startIndex;
  if (numAll === 0) {
    return { done: { ok: false, reasons: [], message: NO_NODES_AVAILABLE, evaluatedNodes: 0, nextStartIndex: startIndex, unschedulablePlugins: [] } };
  }
  const state = createCycleState(pod, cache.snapshot(options.listers));
  const pre = runPreFilters(profile, pod, state);
  const filters = pre.filters;
  const statuses = new Map<string, PluginStatus>();
  const rejectors = new Set<string>();

  const fail = (diagnosis: Diagnosis, evaluated: number, next: number): ScheduleFailure => {
    const post = profile.postFilter?.postFilter(pod, state, diagnosis, {
      nodes: allNodes,
      nodeInfo: (name) => {
        const ni = cache.getNodeInfo(name);
        return ni?.node ? ni : undefined;
      },
      podRecord: (key) => cache.getPod(key),
      filters,
    });
    if (diagnosis.absentStatus && diagnosis.nodeStatuses.size < diagnosis.numAllNodes) rejectors.add(diagnosis.absentStatus.plugin);
    for (const { plugin } of diagnosis.nodeStatuses.values()) rejectors.add(plugin);
    return {
      ok: false,
      reasons: diagnosisReasons(diagnosis),
      message: fitErrorMessage(diagnosis, post?.message ?? ''),
      evaluatedNodes: evaluated,
      nextStartIndex: next,
      unschedulablePlugins: [...rejectors].sort(),
      ...(post?.candidates && post.candidates.length > 0 ? { preemptionCandidates: post.candidates } : {}),
      ...(post?.nominatedNode ? { nominatedNode: post.nominatedNode, victims: post.victims ?? [] } : {}),
      diagnosis,
    };
  };

  const rejection = pre.rejection ?? pre.softRejection;
  if (rejection) {
    const diagnosis: Diagnosis = {
      numAllNodes: numAll,
      nodeStatuses: statuses,
      absentStatus: rejection,
      preFilterMessage: rejection.status.reasons.join(', '),
    };
    return { done: fail(diagnosis, 0, startIndex), outcome: { filters, restrictedBy: pre.restrictedBy, statuses, feasible: [] } };
  }

  // A nominated node (set by an earlier preemption) is tried first.
  const nominated = pod.status?.nominatedNodeName;
  if (nominated) {
    const ni = cache.getNodeInfo(nominated);
    if (ni?.node) {
      const rejected = filterNode(filters, pod, ni, state);
      if (!rejected) {
        return { done: { ok: true, node: ni.name, evaluatedNodes: 1, feasibleNodes: 1, nextStartIndex: startIndex }, state, outcome: { filters, restrictedBy: pre.restrictedBy, statuses, feasible: [ni] } };
      }
      statuses.set(ni.name, rejected);
    }
  }

  let nodes: readonly NodeInfo[] = allNodes;
  let absentStatus: PluginStatus | undefined;
  if (pre.nodeNames) {
    const subset: NodeInfo[] = [];
    for (const name of pre.nodeNames) {
      const ni = cache.getNodeInfo(name);
      if (ni?.node) subset.push(ni);
    }
    nodes = subset;
    absentStatus = {
      plugin: pre.restrictedBy[0]!,
      status: unresolvable(`node(s) didn't satisfy plugin(s) ${goList(pre.restrictedBy)}`),
    };
  }

  // findNodesThatPassFilters
  const n = nodes.length;
  let toFind = numFeasibleNodesToFind(n, profile.percentageOfNodesToScore);
  if (profile.scores.length === 0) toFind = Math.min(toFind, 1);
  const feasible: NodeInfo[] = [];
  if (profile.filters.length === 0) {
    for (let i = 0; i < toFind; i++) feasible.push(nodes[(startIndex + i) % n]!);
  } else {
    for (let i = 0; i < n && feasible.length < toFind; i++) {
      const ni = nodes[(startIndex + i) % n]!;
      const rejected = filterNode(filters, pod, ni, state);
      if (rejected) statuses.set(ni.name, rejected);
      else feasible.push(ni);
    }
  }
  const processed = feasible.length + statuses.size;
  const nextStartIndex = (startIndex + processed) % numAll;
  const outcome: FilterOutcome = { filters, restrictedBy: pre.restrictedBy, statuses, feasible };

  if (feasible.length === 0) {
    return { done: fail({ numAllNodes: numAll, nodeStatuses: statuses, absentStatus, preFilterMessage: undefined }, processed, nextStartIndex), outcome };
  }
  if (feasible.length === 1) {
    return { done: { ok: true, node: feasible[0]!.name, evaluatedNodes: 1 + statuses.size, feasibleNodes: 1, nextStartIndex }, state, outcome };
  }
  return { feasible, state, processed, nextStartIndex, outcome };
}

/**
 * The scoring half of a scheduling cycle: every score plugin with its weight over the feasible
 * nodes (normalized to 0..100), then `selectHost` with the seeded tie-break.
 */
export function scoreFeasibleNodes(pod: Pod, phase: FeasibleNodes, profile: SchedulerProfile, options: ScheduleOptions): ScheduleResult {
  const { rng } = options;
  const { feasible, state, processed, nextStartIndex } = phase;
  // prioritizeNodes
  const m = feasible.length;
  const totals = new Float64Array(m);
  const active: WeightedScorePlugin[] = [];
  let skipped: string[] | undefined;
  for (const entry of profile.scores) {
    if (entry.plugin.preScore?.(pod, state, feasible) !== 'skip') active.push(entry);
    else if (options.recordScores) (skipped ??= []).push(entry.plugin.name);
  }
  const perPlugin: number[][] | undefined = options.includeScores ? [] : undefined;
  const table: { name: string; weight: number; raw: number[]; normalized: number[] }[] | undefined = options.recordScores ? [] : undefined;
  const scores: number[] = [];
  for (const { plugin, weight } of active) {
    scores.length = 0;
    if (plugin.scoreNodes) plugin.scoreNodes(pod, feasible, state, scores);
    else for (let i = 0; i < m; i++) scores.push(plugin.score(pod, feasible[i]!, state));
    // recording copies the arrays (a slice of packed numbers is one copy); the one array is reused
    const raw = table && plugin.normalize ? scores.slice() : undefined;
    plugin.normalize?.(scores, state);
    if (table) {
      const normalized = scores.slice();
      table.push({ name: plugin.name, weight, raw: raw ?? normalized, normalized });
    }
    for (let i = 0; i < m; i++) {
      const s = scores[i]!;
      if (!(s >= 0 && s <= MAX_SCORE)) {
        return {
          ok: false,
          error: true,
          reasons: [],
          message: `plugin "${plugin.name}" returns an invalid score ${s}, it should in the range of [0, ${MAX_NODE_SCORE}] after normalizing`,
          evaluatedNodes: processed,
          nextStartIndex,
          unschedulablePlugins: [],
        };
      }
      totals[i]! += s * weight;
    }
    perPlugin?.push(scores.map((s) => s * weight));
  }
  const chosen = selectHost(totals, rng);
  let result: ScheduleSuccess = { ok: true, node: feasible[chosen]!.name, evaluatedNodes: processed, feasibleNodes: m, nextStartIndex };
  if (table) result = { ...result, scoreTable: { nodes: feasible, plugins: table, skipped: skipped ?? [], totals } };
  if (!perPlugin) return result;
  const detailed: NodeScore[] = feasible.map((ni, i) => ({
    node: ni.name,
    total: totals[i]!,
    byPlugin: Object.fromEntries(active.map(({ plugin }, p) => [plugin.name, perPlugin[p]![i]!])),
  }));
  return { ...result, scores: detailed };
}

/**
 * Schedules one pod: the whole kube-scheduler cycle up to (not including) binding — filtering
 * ({@link findFeasibleNodes}) then scoring ({@link scoreFeasibleNodes}). The caller binds the pod,
 * `cache.assume`s it, and passes `nextStartIndex` to the next cycle.
 */
export function schedulePod(pod: Pod, cache: SchedulerCache, profile: SchedulerProfile, options: ScheduleOptions): ScheduleResult {
  const phase = findFeasibleNodes(pod, cache, profile, options);
  return 'done' in phase ? phase.done : scoreFeasibleNodes(pod, phase, profile, options);
}
