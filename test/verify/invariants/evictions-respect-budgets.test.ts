import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../../src/api/types.js';
import { evictionsRespectBudgets } from '../../../src/verify/invariants/evictions-respect-budgets.js';
import { ScenarioRunner } from '../../../src/verify/runner.js';
import { controllerSpecOf, defineController, type ControllerClient, type ControllerMachine } from '../../../machines/controllers/controller.js';
import { disruptionController } from '../../../machines/controllers/disruption.js';

type Obj = KubeObject & Record<string, any>;

/** Mutant: a disruption controller that overcounts: it allows one disruption more than the budget has. */
function overcountingDisruptionController(): ControllerMachine {
  const spec = controllerSpecOf(disruptionController)!;
  return defineController({
    ...spec,
    sync(key, ctx) {
      const client: ControllerClient = {
        ...ctx.client,
        updateStatus: (ref, obj, options) => {
          const o = obj as Obj;
          const status = { ...o.status, disruptionsAllowed: (o.status?.disruptionsAllowed ?? 0) + 1 };
          ctx.client.updateStatus(ref, { ...o, status } as KubeObject, options);
        },
      };
      const wrapped = new Proxy(ctx, { get: (target, p) => (p === 'client' ? client : Reflect.get(target, p)) });
      return spec.sync(key, wrapped);
    },
  });
}

const labels = { app: 'web' };
const deployment = {
  apiVersion: 'apps/v1',
  kind: 'Deployment',
  metadata: { name: 'web', namespace: 'default' },
  spec: { replicas: 3, selector: { matchLabels: labels }, template: { metadata: { labels }, spec: { containers: [{ name: 'nginx', image: 'nginx:1.27' }] } } },
};
const budget = (spec: Obj) => ({ apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name: 'web', namespace: 'default' }, spec: { selector: { matchLabels: labels }, ...spec } });

/** Three replicas under a budget, then two evictions in a row; the answers' codes. */
function run(controllers: unknown[], spec: Obj): { violations: string[]; codes: number[] } {
  const runner = new ScenarioRunner({ cluster: { nodes: 2, seed: 8, controllerManager: { controllers: controllers as never } }, invariants: [evictionsRespectBudgets] });
  const codes: number[] = [];
  const evictOne = () =>
    runner.step({
      op: 'custom',
      label: 'evict one web pod',
      run: (ctx) => {
        // a Running pod: a Pending replacement (or one being deleted) is evicted without the budget (canIgnorePDB)
        const pod = ctx.cluster.objects('pods', 'default').find((p) => p.metadata?.labels?.app === 'web' && !p.metadata.deletionTimestamp && p.status?.phase === 'Running')!;
        const name = pod.metadata!.name!;
        codes.push(ctx.cluster.client.request({ verb: 'create', resource: 'pods', namespace: 'default', name, subresource: 'eviction', body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name, namespace: 'default' } } }).code);
      },
    });
  try {
    runner.step({ op: 'custom', label: 'create deployment web', run: (ctx) => void ctx.cluster.client.create(deployment as never) });
    runner.step({ op: 'wait', ms: 20_000 });
    runner.step({ op: 'custom', label: 'create budget web', run: (ctx) => void ctx.cluster.client.create(budget(spec) as never) });
    runner.step({ op: 'wait', ms: 2_000 });
    evictOne();
    evictOne();
    runner.step({ op: 'wait', ms: 20_000 });
    return { violations: runner.violations.map((v) => v.message), codes };
  } finally {
    runner.dispose();
  }
}

describe('evictions-respect-budgets', () => {
  it('holds for the real disruption controller and eviction subresource: the second eviction is refused', { timeout: 60_000 }, () => {
    const { violations, codes } = run([], { minAvailable: 2 });
    expect(violations).toEqual([]);
    expect(codes).toEqual([201, 429]);
  });

  it('holds with maxUnavailable over the Deployment\'s scale', { timeout: 60_000 }, () => {
    const { violations, codes } = run([], { maxUnavailable: '34%' });
    expect(violations).toEqual([]);
    // 34% of 3 rounds up to 2: both evictions pass, one healthy pod is left (desiredHealthy 1)
    expect(codes).toEqual([201, 201]);
  });

  it('catches a disruption controller that overcounts the disruptions allowed', { timeout: 60_000 }, () => {
    expect(() => run([overcountingDisruptionController()], { minAvailable: 3 })).toThrow(
      /\[evictions-respect-budgets\] .*the eviction of pod default\/web-[a-z0-9-]+ \(revision \d+\) left PodDisruptionBudget default\/web with 2 healthy pods, below its desiredHealthy 3/,
    );
  });
});
