/**
 * `KubeSchedulerConfiguration` (`kubescheduler.config.k8s.io/v1`): the scheduler's configuration
 * file, turned into a {@link SchedulerProfile} the way kube-scheduler builds its framework:
 *
 * - the defaults are the v1 `multiPoint` set (`getDefaultPlugins`); each extension point's
 *   `enabled` / `disabled` lists are merged into the defaults as `mergePluginSet` does (`*`
 *   disables every default; re-enabling a default plugin overrides it in place, its weight too);
 * - `multiPoint` plugins are expanded into every extension point they implement, unless disabled
 *   there; a plugin enabled at a specific point overrides its multiPoint entry
 *   (`expandMultiPointPlugins`, with its ordering: overrides, then multiPoint, then the others);
 * - score weights come from `score` first, then `multiPoint`; 0 means 1;
 * - `pluginConfig` args of NodeResourcesFit (scoringStrategy LeastAllocated / MostAllocated /
 *   RequestedToCapacityRatio), NodeResourcesBalancedAllocation (resources), PodTopologySpread
 *   (defaultConstraints, defaultingType), InterPodAffinity (hardPodAffinityWeight,
 *   ignorePreferredTermsOfExistingPods) and DefaultPreemption (its defaults only).
 *
 * Whatever is not modelled is refused with an error naming the field: unknown fields, a second
 * profile, extenders, plugins kube-actors does not model (the volume plugins), a plugin's PreFilter
 * configured apart from its Filter, a Score without its PreScore, args it does not implement.
 */
import { parse as parseYaml } from 'yaml';
import type { FilterPlugin, PostFilterPlugin, ScorePlugin, WeightedScorePlugin } from './framework.js';
import { createProfile, type SchedulerProfile } from './registry.js';
import { NodeUnschedulable } from './plugins/node-unschedulable.js';
import { NodeName } from './plugins/node-name.js';
import { TaintToleration } from './plugins/taint-toleration.js';
import { NodeAffinity } from './plugins/node-affinity.js';
import { NodePorts } from './plugins/node-ports.js';
import { NodeResourcesFit } from './plugins/node-resources-fit.js';
import { createPodTopologySpread, type PodTopologySpreadArgs, type TopologySpreadConstraintSpec } from './plugins/pod-topology-spread.js';
import { createInterPodAffinity } from './plugins/inter-pod-affinity.js';
import { DefaultPreemption } from './plugins/default-preemption.js';
import { createBalancedAllocation } from './plugins/balanced-allocation.js';
import { ImageLocality } from './plugins/image-locality.js';
import { VolumeRestrictions } from './plugins/volume-restrictions.js';
import { createVolumeBinding, VolumeBinding } from './plugins/volume-binding.js';
import { createLeastAllocated, DEFAULT_RESOURCES, type ResourceSpec } from './plugins/least-allocated.js';
import { createMostAllocated } from './plugins/most-allocated.js';
import { createRequestedToCapacityRatio, MAX_CUSTOM_PRIORITY_SCORE, type UtilizationShapePoint } from './plugins/requested-to-capacity-ratio.js';
import { isObject } from '../../src/api/json-values.js';

/** A configuration kube-actors cannot honour, with the path of the offending field. */
export class SchedulerConfigurationError extends Error {
  /** The field, as kube-scheduler names it (`profiles[0].plugins.score.enabled[1].weight`). */
  readonly field: string;
  constructor(field: string, message: string) {
    super(`${field}: ${message}`);
    this.name = 'SchedulerConfigurationError';
    this.field = field;
  }
}

/** What a configuration gives the scheduler. */
export interface SchedulerConfiguration {
  /** The profile (plugins, weights, percentageOfNodesToScore). */
  readonly profile: SchedulerProfile;
  /** `profiles[0].schedulerName` (default `default-scheduler`). */
  readonly schedulerName: string;
  /** `podInitialBackoffSeconds` in ms (default 1,000). */
  readonly podInitialBackoffMs: number;
  /** `podMaxBackoffSeconds` in ms (default 10,000). */
  readonly podMaxBackoffMs: number;
}

type ExtensionPoint = 'preEnqueue' | 'queueSort' | 'preFilter' | 'filter' | 'postFilter' | 'preScore' | 'score' | 'reserve' | 'permit' | 'preBind' | 'bind' | 'postBind';
const EXTENSION_POINTS: readonly ExtensionPoint[] = ['preEnqueue', 'queueSort', 'preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'permit', 'preBind', 'bind', 'postBind'];

/** The extension points each plugin kube-actors models implements (as kube-scheduler's do). */
const CAPABILITIES: Readonly<Record<string, readonly ExtensionPoint[]>> = {
  SchedulingGates: ['preEnqueue'],
  PrioritySort: ['queueSort'],
  NodeUnschedulable: ['filter'],
  NodeName: ['filter'],
  TaintToleration: ['filter', 'preScore', 'score'],
  NodeAffinity: ['preFilter', 'filter', 'preScore', 'score'],
  NodePorts: ['preFilter', 'filter'],
  NodeResourcesFit: ['preFilter', 'filter', 'preScore', 'score'],
  PodTopologySpread: ['preFilter', 'filter', 'preScore', 'score'],
  InterPodAffinity: ['preFilter', 'filter', 'preScore', 'score'],
  VolumeRestrictions: ['preFilter', 'filter'],
  VolumeBinding: ['preFilter', 'filter', 'reserve', 'preBind'],
  DefaultPreemption: ['postFilter'],
  NodeResourcesBalancedAllocation: ['preScore', 'score'],
  ImageLocality: ['score'],
  DefaultBinder: ['bind'],
};

/** In-tree plugins of kube-scheduler v1.32 that kube-actors does not model: they may be disabled, not enabled. */
const NOT_MODELLED = new Set(['NodeVolumeLimits', 'VolumeZone', 'DynamicResources', 'EBSLimits', 'GCEPDLimits', 'AzureDiskLimits', 'CinderLimits']);

/** Plugins that are always on: the queue sort, the gates and the binder are the scheduler's own code here. */
const STRUCTURAL = new Set(['SchedulingGates', 'PrioritySort', 'DefaultBinder']);

interface PluginEntry {
  name: string;
  weight: number;
}

/** kube-scheduler v1.32's default `multiPoint` set, as far as it is modelled. */
const DEFAULT_MULTI_POINT: readonly PluginEntry[] = [
  { name: 'SchedulingGates', weight: 0 },
  { name: 'PrioritySort', weight: 0 },
  { name: 'NodeUnschedulable', weight: 0 },
  { name: 'NodeName', weight: 0 },
  { name: 'TaintToleration', weight: 3 },
  { name: 'NodeAffinity', weight: 2 },
  { name: 'NodePorts', weight: 0 },
  { name: 'NodeResourcesFit', weight: 1 },
  { name: 'VolumeRestrictions', weight: 0 },
  { name: 'VolumeBinding', weight: 0 },
  { name: 'PodTopologySpread', weight: 2 },
  { name: 'InterPodAffinity', weight: 2 },
  { name: 'DefaultPreemption', weight: 0 },
  { name: 'NodeResourcesBalancedAllocation', weight: 1 },
  { name: 'ImageLocality', weight: 1 },
  { name: 'DefaultBinder', weight: 0 },
];

type Obj = Record<string, unknown>;

const isObj: (v: unknown) => v is Obj = isObject;

function fail(field: string, message: string): never {
  throw new SchedulerConfigurationError(field, message);
}

/** Refuses fields outside `known` (kube's strict decoding: `unknown field`). */
function onlyFields(obj: Obj, path: string, known: readonly string[]): void {
  for (const k of Object.keys(obj)) if (!known.includes(k)) fail(path ? `${path}.${k}` : k, `unknown field "${k}"`);
}

function objectAt(v: unknown, path: string): Obj {
  if (!isObj(v)) fail(path, `Invalid value: ${JSON.stringify(v)}: must be an object`);
  return v;
}

function arrayAt(v: unknown, path: string): unknown[] {
  if (!Array.isArray(v)) fail(path, `Invalid value: ${JSON.stringify(v)}: must be a list`);
  return v;
}

function intAt(v: unknown, path: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, `Invalid value: ${JSON.stringify(v)}: must be an integer`);
  if (v < min || v > max) fail(path, `Invalid value: ${v}: not in valid range [${min}, ${max}]`);
  return v;
}

function boolAt(v: unknown, path: string): boolean {
  if (typeof v !== 'boolean') fail(path, `Invalid value: ${JSON.stringify(v)}: must be a boolean`);
  return v;
}

interface PluginSet {
  enabled: PluginEntry[];
  disabled: string[];
}

function parsePluginSet(v: unknown, path: string): PluginSet {
  const o = objectAt(v, path);
  onlyFields(o, path, ['enabled', 'disabled']);
  const entries = (list: unknown, p: string, withWeight: boolean): PluginEntry[] =>
    arrayAt(list ?? [], p).map((e, i) => {
      const ep = `${p}[${i}]`;
      const eo = objectAt(e, ep);
      onlyFields(eo, ep, withWeight ? ['name', 'weight'] : ['name']);
      if (typeof eo['name'] !== 'string' || eo['name'] === '') fail(`${ep}.name`, 'Required value');
      const weight = eo['weight'] === undefined ? 0 : intAt(eo['weight'], `${ep}.weight`, 0, 100_000);
      return { name: eo['name'], weight };
    });
  return { enabled: entries(o['enabled'], `${path}.enabled`, true), disabled: entries(o['disabled'], `${path}.disabled`, false).map((e) => e.name) };
}

/** `mergePluginSet`: the defaults minus the disabled (all with `*`), re-configured in place, then the other enabled. */
function mergePluginSet(defaults: readonly PluginEntry[], custom: PluginSet): PluginSet {
  const disabled = new Set(custom.disabled);
  const enabledByName = new Map(custom.enabled.map((p, i) => [p.name, i] as const));
  const replaced = new Set<number>();
  const enabled: PluginEntry[] = [];
  if (!disabled.has('*')) {
    for (const d of defaults) {
      if (disabled.has(d.name)) continue;
      const i = enabledByName.get(d.name);
      if (i !== undefined) {
        enabled.push(custom.enabled[i]!);
        replaced.add(i);
      } else enabled.push(d);
    }
  }
  custom.enabled.forEach((p, i) => {
    if (!replaced.has(i)) enabled.push(p);
  });
  return { enabled, disabled: custom.disabled };
}

/** Checks a plugin name an enabled list names: known, modelled, and implementing `point` (unless multiPoint). */
function checkEnabled(name: string, path: string, point: ExtensionPoint | 'multiPoint'): void {
  if (NOT_MODELLED.has(name)) fail(path, `Unsupported value: "${name}": plugin ${name} is not modelled by kube-actors (it may only be disabled)`);
  const caps = CAPABILITIES[name];
  if (!caps) fail(path, `Invalid value: "${name}": plugin "${name}" does not exist`);
  if (point !== 'multiPoint' && !caps.includes(point)) fail(path, `Invalid value: "${name}": plugin "${name}" does not extend ${point.charAt(0).toUpperCase()}${point.slice(1)}`);
}

function checkDisabled(name: string, path: string): void {
  if (name === '*' || NOT_MODELLED.has(name)) return;
  if (!CAPABILITIES[name]) fail(path, `Invalid value: "${name}": plugin "${name}" does not exist`);
  if (STRUCTURAL.has(name)) fail(path, `Unsupported value: "${name}": kube-actors' scheduler always runs ${name}`);
}

/** `expandMultiPointPlugins` for one extension point: the plugin names in order. */
function expand(point: ExtensionPoint, set: PluginSet, multiPoint: readonly PluginEntry[]): string[] {
  const enabled = set.enabled.map((p) => p.name);
  const enabledSet = new Set(enabled);
  const disabled = new Set(set.disabled);
  if (disabled.has('*')) return enabled;
  const multi: string[] = [];
  const overrides = new Set<string>();
  for (const p of multiPoint) {
    if (!(CAPABILITIES[p.name] ?? []).includes(point) || disabled.has(p.name)) continue;
    if (enabledSet.has(p.name)) overrides.add(p.name);
    else if (!multi.includes(p.name)) multi.push(p.name);
  }
  return [...enabled.filter((n) => overrides.has(n)), ...multi, ...enabled.filter((n) => !overrides.has(n))];
}

function resourceSpecs(v: unknown, path: string): ResourceSpec[] {
  return arrayAt(v, path).map((r, i) => {
    const p = `${path}[${i}]`;
    const o = objectAt(r, p);
    onlyFields(o, p, ['name', 'weight']);
    const name = o['name'];
    if (name !== 'cpu' && name !== 'memory' && name !== 'ephemeral-storage') {
      fail(`${p}.name`, `Unsupported value: ${JSON.stringify(name)}: supported values: "cpu", "ephemeral-storage", "memory" (kube-actors models no extended resources)`);
    }
    return { name, weight: o['weight'] === undefined ? 1 : intAt(o['weight'], `${p}.weight`, 1, 100) };
  });
}

function argsObject(v: unknown, path: string, kind: string, fields: readonly string[]): Obj {
  const o = objectAt(v, path);
  onlyFields(o, path, ['apiVersion', 'kind', ...fields]);
  if (o['kind'] !== undefined && o['kind'] !== kind) fail(`${path}.kind`, `Invalid value: ${JSON.stringify(o['kind'])}: must be "${kind}"`);
  if (o['apiVersion'] !== undefined && o['apiVersion'] !== 'kubescheduler.config.k8s.io/v1') fail(`${path}.apiVersion`, `Invalid value: ${JSON.stringify(o['apiVersion'])}: must be "kubescheduler.config.k8s.io/v1"`);
  return o;
}

/** Runs a plugin factory, turning its RangeError into an error on the args' field. */
function build<T>(path: string, make: () => T): T {
  try {
    return make();
  } catch (error) {
    if (error instanceof RangeError) fail(path, error.message);
    throw error;
  }
}

interface Built {
  filter?: FilterPlugin;
  score?: ScorePlugin;
  postFilter?: PostFilterPlugin;
}

/** The plugin objects of each modelled plugin, with its args (`pluginConfig`). */
function buildPlugins(pluginConfig: ReadonlyMap<string, { args: unknown; path: string }>): Record<string, Built> {
  const out: Record<string, Built> = {
    NodeUnschedulable: { filter: NodeUnschedulable },
    NodeName: { filter: NodeName },
    TaintToleration: { filter: TaintToleration, score: TaintToleration },
    NodeAffinity: { filter: NodeAffinity, score: NodeAffinity },
    NodePorts: { filter: NodePorts },
    NodeResourcesFit: { filter: NodeResourcesFit, score: NodeResourcesFit },
    VolumeRestrictions: { filter: VolumeRestrictions },
    VolumeBinding: { filter: VolumeBinding },
    DefaultPreemption: { postFilter: DefaultPreemption },
    ImageLocality: { score: ImageLocality },
  };
  for (const [name, { args, path }] of pluginConfig) {
    switch (name) {
      case 'NodeResourcesFit': {
        const o = argsObject(args, path, 'NodeResourcesFitArgs', ['ignoredResources', 'ignoredResourceGroups', 'scoringStrategy']);
        for (const f of ['ignoredResources', 'ignoredResourceGroups']) {
          if (o[f] !== undefined && arrayAt(o[f], `${path}.${f}`).length > 0) fail(`${path}.${f}`, 'Unsupported value: kube-actors models no extended resources to ignore');
        }
        if (o['scoringStrategy'] === undefined) break;
        const sp = `${path}.scoringStrategy`;
        const s = objectAt(o['scoringStrategy'], sp);
        onlyFields(s, sp, ['type', 'resources', 'requestedToCapacityRatio']);
        const type = s['type'] ?? 'LeastAllocated';
        const resources = s['resources'] === undefined ? [...DEFAULT_RESOURCES] : resourceSpecs(s['resources'], `${sp}.resources`);
        if (type !== 'RequestedToCapacityRatio' && s['requestedToCapacityRatio'] !== undefined) fail(`${sp}.requestedToCapacityRatio`, `Forbidden: only for scoring strategy type RequestedToCapacityRatio`);
        let score: ScorePlugin;
        if (type === 'LeastAllocated') score = createLeastAllocated(resources);
        else if (type === 'MostAllocated') score = createMostAllocated(resources);
        else if (type === 'RequestedToCapacityRatio') {
          const rp = `${sp}.requestedToCapacityRatio`;
          const r = objectAt(s['requestedToCapacityRatio'] ?? {}, rp);
          onlyFields(r, rp, ['shape']);
          const shape = arrayAt(r['shape'] ?? [], `${rp}.shape`);
          if (shape.length === 0) fail(`${rp}.shape`, 'Required value: at least one point must be specified');
          const points: UtilizationShapePoint[] = shape.map((pt, i) => {
            const pp = `${rp}.shape[${i}]`;
            const po = objectAt(pt, pp);
            onlyFields(po, pp, ['utilization', 'score']);
            return { utilization: intAt(po['utilization'] ?? 0, `${pp}.utilization`, 0, 100), score: intAt(po['score'] ?? 0, `${pp}.score`, 0, MAX_CUSTOM_PRIORITY_SCORE) };
          });
          for (let i = 1; i < points.length; i++) {
            if (points[i]!.utilization <= points[i - 1]!.utilization) fail(`${rp}.shape[${i}].utilization`, `Invalid value: ${points[i]!.utilization}: utilization values must be sorted in increasing order`);
          }
          score = createRequestedToCapacityRatio(resources, points);
        } else {
          fail(`${sp}.type`, `Unsupported value: ${JSON.stringify(type)}: supported values: "LeastAllocated", "MostAllocated", "RequestedToCapacityRatio"`);
        }
        out['NodeResourcesFit'] = { filter: NodeResourcesFit, score };
        break;
      }
      case 'NodeResourcesBalancedAllocation': {
        const o = argsObject(args, path, 'NodeResourcesBalancedAllocationArgs', ['resources']);
        if (o['resources'] !== undefined) out['NodeResourcesBalancedAllocation'] = { score: createBalancedAllocation(resourceSpecs(o['resources'], `${path}.resources`)) };
        break;
      }
      case 'PodTopologySpread': {
        const o = argsObject(args, path, 'PodTopologySpreadArgs', ['defaultConstraints', 'defaultingType']);
        const a: { -readonly [K in keyof PodTopologySpreadArgs]: PodTopologySpreadArgs[K] } = {};
        if (o['defaultingType'] !== undefined) a.defaultingType = o['defaultingType'] as 'System' | 'List';
        if (o['defaultConstraints'] !== undefined) {
          a.defaultConstraints = arrayAt(o['defaultConstraints'], `${path}.defaultConstraints`).map((c, i) => {
            const cp = `${path}.defaultConstraints[${i}]`;
            const co = objectAt(c, cp);
            onlyFields(co, cp, ['maxSkew', 'topologyKey', 'whenUnsatisfiable', 'labelSelector', 'minDomains', 'nodeAffinityPolicy', 'nodeTaintsPolicy', 'matchLabelKeys']);
            intAt(co['maxSkew'], `${cp}.maxSkew`, 1, 2 ** 31 - 1);
            if (typeof co['topologyKey'] !== 'string' || co['topologyKey'] === '') fail(`${cp}.topologyKey`, 'Required value: can not be empty');
            if (co['whenUnsatisfiable'] !== 'DoNotSchedule' && co['whenUnsatisfiable'] !== 'ScheduleAnyway') {
              fail(`${cp}.whenUnsatisfiable`, `Unsupported value: ${JSON.stringify(co['whenUnsatisfiable'])}: supported values: "DoNotSchedule", "ScheduleAnyway"`);
            }
            return co as unknown as TopologySpreadConstraintSpec;
          });
        }
        const plugin = build(path, () => createPodTopologySpread(a));
        out['PodTopologySpread'] = { filter: plugin, score: plugin };
        break;
      }
      case 'InterPodAffinity': {
        const o = argsObject(args, path, 'InterPodAffinityArgs', ['hardPodAffinityWeight', 'ignorePreferredTermsOfExistingPods']);
        const hardPodAffinityWeight = o['hardPodAffinityWeight'] === undefined ? undefined : intAt(o['hardPodAffinityWeight'], `${path}.hardPodAffinityWeight`, 0, 100);
        const ignore = o['ignorePreferredTermsOfExistingPods'] === undefined ? undefined : boolAt(o['ignorePreferredTermsOfExistingPods'], `${path}.ignorePreferredTermsOfExistingPods`);
        const plugin = createInterPodAffinity({
          ...(hardPodAffinityWeight !== undefined ? { hardPodAffinityWeight } : {}),
          ...(ignore !== undefined ? { ignorePreferredTermsOfExistingPods: ignore } : {}),
        });
        out['InterPodAffinity'] = { filter: plugin, score: plugin };
        break;
      }
      case 'VolumeBinding': {
        const o = argsObject(args, path, 'VolumeBindingArgs', ['bindTimeoutSeconds', 'shape']);
        if (o['shape'] !== undefined) fail(`${path}.shape`, 'Forbidden: not allowed if VolumeCapacityPriority feature is disabled');
        const seconds = o['bindTimeoutSeconds'] === undefined ? 600 : intAt(o['bindTimeoutSeconds'], `${path}.bindTimeoutSeconds`, 0, 2 ** 53);
        out['VolumeBinding'] = { filter: build(path, () => createVolumeBinding({ bindTimeoutMs: seconds * 1000 })) };
        break;
      }
      case 'DefaultPreemption': {
        const o = argsObject(args, path, 'DefaultPreemptionArgs', ['minCandidateNodesPercentage', 'minCandidateNodesAbsolute']);
        const pct = o['minCandidateNodesPercentage'] === undefined ? 10 : intAt(o['minCandidateNodesPercentage'], `${path}.minCandidateNodesPercentage`, 0, 100);
        const abs = o['minCandidateNodesAbsolute'] === undefined ? 100 : intAt(o['minCandidateNodesAbsolute'], `${path}.minCandidateNodesAbsolute`, 0, 2 ** 31 - 1);
        if (pct === 0 && abs === 0) fail(path, 'Invalid value: at least one of minCandidateNodesPercentage and minCandidateNodesAbsolute must be positive');
        if (pct !== 10) fail(`${path}.minCandidateNodesPercentage`, `Unsupported value: ${pct}: kube-actors' preemption dry-runs every potential node (only the default 10 is accepted)`);
        if (abs !== 100) fail(`${path}.minCandidateNodesAbsolute`, `Unsupported value: ${abs}: kube-actors' preemption dry-runs every potential node (only the default 100 is accepted)`);
        break;
      }
      default:
        fail(`${path}`, `Unsupported value: plugin ${name} takes no args in kube-actors`);
    }
  }
  if (!out['PodTopologySpread']) {
    const p = createPodTopologySpread();
    out['PodTopologySpread'] = { filter: p, score: p };
  }
  if (!out['InterPodAffinity']) {
    const p = createInterPodAffinity();
    out['InterPodAffinity'] = { filter: p, score: p };
  }
  out['NodeResourcesBalancedAllocation'] ??= { score: createBalancedAllocation() };
  return out;
}

const TOP_FIELDS = [
  'apiVersion',
  'kind',
  'parallelism',
  'leaderElection',
  'clientConnection',
  'healthzBindAddress',
  'metricsBindAddress',
  'enableProfiling',
  'enableContentionProfiling',
  'percentageOfNodesToScore',
  'podInitialBackoffSeconds',
  'podMaxBackoffSeconds',
  'profiles',
  'extenders',
  'delayCacheUntilActive',
] as const;

/**
 * Turns a `KubeSchedulerConfiguration` object (as decoded from its YAML or JSON) into what the
 * scheduler runs with.
 *
 * @throws {SchedulerConfigurationError} naming the field kube-actors cannot honour.
 */
export function schedulerConfiguration(config: unknown): SchedulerConfiguration {
  const c = objectAt(config, '<root>');
  onlyFields(c, '', TOP_FIELDS);
  if (c['apiVersion'] !== 'kubescheduler.config.k8s.io/v1') fail('apiVersion', `Unsupported value: ${JSON.stringify(c['apiVersion'])}: supported values: "kubescheduler.config.k8s.io/v1"`);
  if (c['kind'] !== 'KubeSchedulerConfiguration') fail('kind', `Unsupported value: ${JSON.stringify(c['kind'])}: supported values: "KubeSchedulerConfiguration"`);
  if (c['parallelism'] !== undefined) intAt(c['parallelism'], 'parallelism', 1, 2 ** 31 - 1);
  if (c['extenders'] !== undefined && arrayAt(c['extenders'], 'extenders').length > 0) fail('extenders', 'Unsupported value: scheduler extenders are not modelled by kube-actors');
  const topPct = c['percentageOfNodesToScore'] === undefined ? undefined : intAt(c['percentageOfNodesToScore'], 'percentageOfNodesToScore', 0, 100);
  const initial = c['podInitialBackoffSeconds'] === undefined ? 1 : intAt(c['podInitialBackoffSeconds'], 'podInitialBackoffSeconds', 1, 2 ** 31 - 1);
  const max = c['podMaxBackoffSeconds'] === undefined ? 10 : intAt(c['podMaxBackoffSeconds'], 'podMaxBackoffSeconds', 1, 2 ** 31 - 1);
  if (max < initial) fail('podMaxBackoffSeconds', `Invalid value: ${max}: must be greater than or equal to PodInitialBackoffSeconds`);
  const profiles = c['profiles'] === undefined ? [{}] : arrayAt(c['profiles'], 'profiles');
  if (profiles.length === 0) fail('profiles', 'Required value');
  if (profiles.length > 1) fail('profiles[1]', 'Unsupported value: kube-actors runs one scheduling profile');
  const pp = 'profiles[0]';
  const p = objectAt(profiles[0], pp);
  onlyFields(p, pp, ['schedulerName', 'percentageOfNodesToScore', 'plugins', 'pluginConfig']);
  const schedulerName = p['schedulerName'] === undefined ? 'default-scheduler' : p['schedulerName'];
  if (typeof schedulerName !== 'string' || schedulerName === '') fail(`${pp}.schedulerName`, 'Required value');
  const pct = p['percentageOfNodesToScore'] === undefined ? topPct : intAt(p['percentageOfNodesToScore'], `${pp}.percentageOfNodesToScore`, 0, 100);

  // plugins
  const plugins = objectAt(p['plugins'] ?? {}, `${pp}.plugins`);
  onlyFields(plugins, `${pp}.plugins`, [...EXTENSION_POINTS, 'multiPoint']);
  const sets = new Map<ExtensionPoint | 'multiPoint', PluginSet>();
  for (const point of [...EXTENSION_POINTS, 'multiPoint'] as const) {
    const path = `${pp}.plugins.${point}`;
    const set = plugins[point] === undefined || plugins[point] === null ? { enabled: [], disabled: [] } : parsePluginSet(plugins[point], path);
    set.enabled.forEach((e, i) => checkEnabled(e.name, `${path}.enabled[${i}].name`, point));
    set.disabled.forEach((n, i) => checkDisabled(n, `${path}.disabled[${i}].name`));
    sets.set(point, point === 'multiPoint' ? mergePluginSet(DEFAULT_MULTI_POINT, set) : set);
  }
  const multiPoint = sets.get('multiPoint')!.enabled;
  for (const s of STRUCTURAL) {
    if (!multiPoint.some((e) => e.name === s)) {
      const point = CAPABILITIES[s]![0]!;
      if (!sets.get(point)!.enabled.some((e) => e.name === s)) fail(`${pp}.plugins.multiPoint.disabled`, `Unsupported value: "${s}": kube-actors' scheduler always runs ${s}`);
    }
  }
  const order = new Map<ExtensionPoint, string[]>();
  for (const point of ['preFilter', 'filter', 'postFilter', 'preScore', 'score', 'reserve', 'preBind'] as const) order.set(point, expand(point, sets.get(point)!, multiPoint));
  // Reserve and PreBind are the filter plugin's own hooks here (VolumeBinding's): they go with its Filter
  for (const point of ['reserve', 'preBind'] as const) {
    const a = new Set(order.get(point));
    const b = new Set(order.get('filter'));
    for (const name of Object.keys(CAPABILITIES)) {
      if (!CAPABILITIES[name]!.includes(point) || a.has(name) === b.has(name)) continue;
      fail(`${pp}.plugins.${a.has(name) ? 'filter' : point}`, `Unsupported value: "${name}": its Filter, Reserve and PreBind run together in kube-actors; enable or disable them all`);
    }
  }
  for (const [pre, main] of [['preFilter', 'filter'], ['preScore', 'score']] as const) {
    const a = new Set(order.get(pre));
    const b = new Set(order.get(main));
    for (const name of Object.keys(CAPABILITIES)) {
      const caps = CAPABILITIES[name]!;
      if (!caps.includes(pre) || !caps.includes(main) || a.has(name) === b.has(name)) continue;
      // a PreScore without its Score computes state nothing reads: kube-scheduler's outcome too
      if (pre === 'preScore' && a.has(name)) continue;
      fail(`${pp}.plugins.${a.has(name) ? main : pre}`, `Unsupported value: "${name}": its ${pre === 'preFilter' ? 'PreFilter and Filter' : 'PreScore and Score'} run together in kube-actors; enable or disable both`);
    }
  }

  // pluginConfig
  const pluginConfig = new Map<string, { args: unknown; path: string }>();
  arrayAt(p['pluginConfig'] ?? [], `${pp}.pluginConfig`).forEach((e, i) => {
    const path = `${pp}.pluginConfig[${i}]`;
    const o = objectAt(e, path);
    onlyFields(o, path, ['name', 'args']);
    const name = o['name'];
    if (typeof name !== 'string' || name === '') fail(`${path}.name`, 'Required value');
    if (pluginConfig.has(name)) fail(`${path}`, `Duplicate value: "${name}"`);
    if (NOT_MODELLED.has(name)) fail(`${path}.name`, `Unsupported value: "${name}": plugin ${name} is not modelled by kube-actors`);
    if (!CAPABILITIES[name]) fail(`${path}.name`, `Invalid value: "${name}": plugin "${name}" does not exist`);
    pluginConfig.set(name, { args: o['args'] ?? {}, path: `${path}.args` });
  });
  const built = buildPlugins(pluginConfig);

  const filters = order.get('filter')!.map((n) => built[n]!.filter!);
  const weights = new Map<string, number>();
  for (const e of [...sets.get('score')!.enabled, ...multiPoint]) if (!weights.has(e.name)) weights.set(e.name, e.weight === 0 ? 1 : e.weight);
  const scores: WeightedScorePlugin[] = order.get('score')!.map((n) => ({ plugin: built[n]!.score!, weight: weights.get(n) ?? 1 }));
  const postFilters = order.get('postFilter')!;
  const profile = createProfile({
    filters,
    scores,
    postFilter: postFilters.length > 0 ? built[postFilters[0]!]!.postFilter! : null,
    ...(pct !== undefined ? { percentageOfNodesToScore: pct } : {}),
  });
  return { profile, schedulerName, podInitialBackoffMs: initial * 1000, podMaxBackoffMs: max * 1000 };
}

/**
 * Reads a `KubeSchedulerConfiguration` from the text of its file (YAML or JSON).
 *
 * @throws {SchedulerConfigurationError} on text that does not parse or a configuration kube-actors cannot honour.
 */
export function parseSchedulerConfiguration(text: string): SchedulerConfiguration {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (error) {
    throw new SchedulerConfigurationError('<file>', `does not parse as YAML or JSON: ${error instanceof Error ? error.message : String(error)}`);
  }
  return schedulerConfiguration(doc);
}
