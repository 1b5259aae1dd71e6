/**
 * Plugin registry and profiles. The default profile is kube-scheduler's default (the `v1`
 * `getDefaultPlugins` set of v1.32) restricted to the plugins modelled here (not NodeVolumeLimits,
 * VolumeZone or DynamicResources): filters in kube's order NodeUnschedulable, NodeName,
 * TaintToleration, NodeAffinity, NodePorts, NodeResourcesFit, VolumeRestrictions, VolumeBinding
 * (which also reserves and pre-binds), PodTopologySpread, InterPodAffinity; scores TaintToleration ×3,
 * NodeAffinity ×2, NodeResourcesFit (LeastAllocated) ×1, PodTopologySpread ×2,
 * InterPodAffinity ×2, NodeResourcesBalancedAllocation ×1, ImageLocality ×1; DefaultPreemption
 * as post-filter; adaptive percentageOfNodesToScore.
 */
import type { FilterPlugin, PostFilterPlugin, ScorePlugin, WeightedScorePlugin } from './framework.js';
import { NodeResourcesBalancedAllocation } from './plugins/balanced-allocation.js';
import { DefaultPreemption } from './plugins/default-preemption.js';
import { InterPodAffinity } from './plugins/inter-pod-affinity.js';
import { PodTopologySpread } from './plugins/pod-topology-spread.js';
import { NodePorts } from './plugins/node-ports.js';
import { ImageLocality } from './plugins/image-locality.js';
import { NodeAffinity } from './plugins/node-affinity.js';
import { NodeName } from './plugins/node-name.js';
import { NodeResourcesFit } from './plugins/node-resources-fit.js';
import { NodeUnschedulable } from './plugins/node-unschedulable.js';
import { TaintToleration } from './plugins/taint-toleration.js';
import { VolumeBinding } from './plugins/volume-binding.js';
import { VolumeRestrictions } from './plugins/volume-restrictions.js';

/** The default filter plugins, in the order kube-scheduler runs them. */
export const DEFAULT_FILTERS: readonly FilterPlugin[] = Object.freeze([
  NodeUnschedulable,
  NodeName,
  TaintToleration,
  NodeAffinity,
  NodePorts,
  NodeResourcesFit,
  VolumeRestrictions,
  VolumeBinding,
  PodTopologySpread,
  InterPodAffinity,
]);

/** The default score plugins with kube-scheduler's default weights. */
export const DEFAULT_SCORES: readonly WeightedScorePlugin[] = Object.freeze([
  { plugin: TaintToleration, weight: 3 },
  { plugin: NodeAffinity, weight: 2 },
  { plugin: NodeResourcesFit, weight: 1 },
  { plugin: PodTopologySpread, weight: 2 },
  { plugin: InterPodAffinity, weight: 2 },
  { plugin: NodeResourcesBalancedAllocation, weight: 1 },
  { plugin: ImageLocality, weight: 1 },
]);

/** Every built-in plugin by name (NodeResourcesFit both filters and scores). */
export const PLUGINS: Readonly<Record<string, FilterPlugin | ScorePlugin | PostFilterPlugin>> = Object.freeze({
  NodeUnschedulable,
  NodeName,
  TaintToleration,
  NodeAffinity,
  NodeResourcesFit,
  NodeResourcesBalancedAllocation,
  NodePorts,
  PodTopologySpread,
  InterPodAffinity,
  ImageLocality,
  VolumeRestrictions,
  VolumeBinding,
  DefaultPreemption,
});

/** A scheduling profile: which plugins run, with what weights, over how many nodes. */
export interface SchedulerProfile {
  /** Filter plugins, in order. */
  readonly filters: readonly FilterPlugin[];
  /** Score plugins and their weights. */
  readonly scores: readonly WeightedScorePlugin[];
  /** Percentage of nodes to find feasible before scoring (1..100); undefined for kube's adaptive default. */
  readonly percentageOfNodesToScore: number | undefined;
  /** The post-filter run when nothing fits (preemption), or undefined for none. */
  readonly postFilter: PostFilterPlugin | undefined;
}

/** Options of {@link createProfile}. */
export interface ProfileOptions {
  /** Filter plugins in order; default {@link DEFAULT_FILTERS}. Plain `{ name, filter }` objects work. */
  readonly filters?: readonly FilterPlugin[];
  /**
   * Score plugins; default {@link DEFAULT_SCORES}. Each entry is `{ plugin, weight }` or a bare
   * score plugin, which gets weight 1.
   */
  readonly scores?: readonly (WeightedScorePlugin | ScorePlugin)[];
  /** Plugins added after the filters (default or given). */
  readonly addFilters?: readonly FilterPlugin[];
  /** Score plugins added after the scores (default or given). */
  readonly addScores?: readonly (WeightedScorePlugin | ScorePlugin)[];
  /** Names of plugins to remove from the filters, the scores and the post-filter. */
  readonly disable?: readonly string[];
  /** 0 or undefined: adaptive (kube's default); otherwise a percentage 1..100. */
  readonly percentageOfNodesToScore?: number;
  /** The post-filter; default DefaultPreemption's dry run; `null` for none. */
  readonly postFilter?: PostFilterPlugin | null;
}

function weighted(entry: WeightedScorePlugin | ScorePlugin): WeightedScorePlugin {
  return 'plugin' in entry ? entry : { plugin: entry, weight: 1 };
}

/**
 * Builds a profile: starts from the defaults (or the given lists), appends `addFilters` /
 * `addScores`, removes the `disable`d names.
 *
 * @throws {TypeError} when a plugin lacks a name or its function, or two filters (two score
 *   plugins) share a name.
 * @throws {RangeError} on a weight that is not a positive finite number or a percentage outside 0..100.
 */
export function createProfile(options: ProfileOptions = {}): SchedulerProfile {
  const disabled = new Set(options.disable ?? []);
  const filters = [...(options.filters ?? DEFAULT_FILTERS), ...(options.addFilters ?? [])].filter((p) => !disabled.has(p.name));
  const scores = [...(options.scores ?? DEFAULT_SCORES), ...(options.addScores ?? [])]
    .map(weighted)
    .filter((w) => !disabled.has(w.plugin.name));
  const seen = new Set<string>();
  for (const f of filters) {
    if (typeof f?.name !== 'string' || f.name === '' || typeof f.filter !== 'function') {
      throw new TypeError(`a filter plugin needs a name and a filter function; got ${JSON.stringify(f?.name)}`);
    }
    if (seen.has(f.name)) throw new TypeError(`filter plugin ${f.name} is listed twice`);
    seen.add(f.name);
  }
  seen.clear();
  for (const { plugin, weight } of scores) {
    if (typeof plugin?.name !== 'string' || plugin.name === '' || typeof plugin.score !== 'function') {
      throw new TypeError(`a score plugin needs a name and a score function; got ${JSON.stringify(plugin?.name)}`);
    }
    if (seen.has(plugin.name)) throw new TypeError(`score plugin ${plugin.name} is listed twice`);
    if (!Number.isFinite(weight) || weight <= 0) throw new RangeError(`score plugin ${plugin.name} has weight ${weight}; it must be positive`);
    seen.add(plugin.name);
  }
  const pct = options.percentageOfNodesToScore;
  if (pct !== undefined && (!Number.isInteger(pct) || pct < 0 || pct > 100)) {
    throw new RangeError(`percentageOfNodesToScore must be an integer in 0..100; got ${pct}`);
  }
  const postFilter = options.postFilter === null ? undefined : (options.postFilter ?? DefaultPreemption);
  return Object.freeze({
    filters: Object.freeze(filters),
    scores: Object.freeze(scores),
    percentageOfNodesToScore: pct === 0 ? undefined : pct,
    postFilter: postFilter && !disabled.has(postFilter.name) ? postFilter : undefined,
  });
}

/** kube-scheduler's default profile (with the plugins modelled here). */
export const defaultProfile: SchedulerProfile = createProfile();
