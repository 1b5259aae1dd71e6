/**
 * A property of your own, checked with `verify`: "no pod ever runs on a node under maintenance".
 * The custom scheduler profile of examples/custom-scheduler-plugin.ts (its `AvoidMaintenance`
 * filter) is what makes it hold. `verify` generates random workloads (pods, Deployments,
 * Services, scaling, deletions, bad requests, virtual time passing), runs each on a real
 * simulated cluster and checks the property after every step:
 *
 * - with the custom profile, it holds in every scenario;
 * - with kube-scheduler's default profile, `verify` finds a scenario where it does not, shrinks it
 *   to the smallest one (a pod or two) and says how to replay it from its seed.
 *
 * Run it: `npx tsx examples/verify-property.ts`
 */
import { pathToFileURL } from 'node:url';
import { defineInvariant, formatReport, verify, type NodeOptions, type Pod, type SchedulerProfile, type VerifyReport } from '../src/index.js';
import { customProfile } from './custom-scheduler-plugin.js';

/** The property: pods are never bound to a node labelled `maintenance=true`. */
export const noPodsOnMaintenanceNodes = defineInvariant({
  name: 'no-pods-on-maintenance-nodes',
  kind: 'safety',
  description: 'no pod is ever bound to a node labelled maintenance=true',
  check(cluster) {
    const underMaintenance = new Set(cluster.nodeSpecs.filter((n) => n.labels?.['maintenance'] === 'true').map((n) => n.name));
    return cluster
      .objects<Pod>('pods')
      .filter((p) => p.spec?.nodeName && underMaintenance.has(p.spec.nodeName))
      .map((p) => `pod ${p.metadata?.namespace}/${p.metadata?.name} is bound to ${p.spec!.nodeName}, which is under maintenance`);
  },
});

/** Three nodes; node-2 is under maintenance. */
export const NODES: NodeOptions[] = [{ name: 'node-1' }, { name: 'node-2', labels: { maintenance: 'true' } }, { name: 'node-3' }];

/** Verifies the property on clusters scheduled with `profile` (kube-scheduler's default when undefined). */
export function check(profile: SchedulerProfile | undefined, options: { runs?: number; seed?: number } = {}): VerifyReport {
  return verify({
    runs: options.runs ?? 25,
    seed: options.seed ?? 7,
    steps: 15,
    cluster: { nodes: NODES, ...(profile ? { schedulerProfile: profile } : {}) },
    invariants: [noPodsOnMaintenanceNodes],
  });
}

/** Runs the example; `log` receives each printed line. */
export function main(options: { runs?: number; seed?: number; log?: (line: string) => void } = {}): { withPlugin: VerifyReport; withDefaults: VerifyReport } {
  const log = options.log ?? console.log;
  log('== with the AvoidMaintenance filter plugin');
  const withPlugin = check(customProfile, options);
  log(formatReport(withPlugin));
  log('');
  log("== with kube-scheduler's default plugins");
  const withDefaults = check(undefined, options);
  log(formatReport(withDefaults));
  if (withDefaults.failure) {
    log('');
    const { path, replayPath } = withDefaults.failure;
    log(`(the command line does not know this invariant: replay the failure with the same options plus`);
    log(` verify({ ..., seed: ${withDefaults.seed}, path: '${path}'${replayPath ? `, replayPath: '${replayPath}'` : ''} }))`);
  }
  return { withPlugin, withDefaults };
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
