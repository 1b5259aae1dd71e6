/**
 * Storage semantics seen through `kubectl rollout`: removing a Deployment's last template
 * annotation leaves no `annotations: {}` (protobuf storage drops empty maps), so the template is
 * the first revision's again and the deployment controller reuses that ReplicaSet (with the next
 * revision number) instead of creating a third; `rollout undo` then goes back to the second one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAS_KUBECTL, NO_KUBECTL_REASON, startTestServer, waitFor, type TestServer } from './helpers.js';

type Obj = Record<string, any>;

describe.skipIf(!HAS_KUBECTL)(`kubectl rollout with empty maps dropped as stored${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, { timeout: 120_000 }, () => {
  let s: TestServer;
  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 11 }, speed: 20 });
  });
  afterAll(async () => {
    await s?.stop();
  });

  const replicaSets = (): Obj[] => s.cluster.objects<Obj>('replicasets', 'default').filter((r) => r.metadata?.labels?.app === 'web');
  const revision = (rs: Obj): string => rs.metadata?.annotations?.['deployment.kubernetes.io/revision'];
  const current = (): Obj | undefined => {
    const d = s.cluster.object<Obj>('deployments', 'web', 'default');
    return replicaSets().find((r) => revision(r) === d?.metadata?.annotations?.['deployment.kubernetes.io/revision']);
  };

  it('removing the last template annotation reuses the first ReplicaSet; rollout undo returns to the second', async () => {
    expect((await s.kubectl(['create', 'deployment', 'web', '--image=nginx'])).code).toBe(0);
    await waitFor('revision 1', () => replicaSets().length === 1 && revision(replicaSets()[0]!) === '1');
    const first = replicaSets()[0]!.metadata.name as string;

    const annotated = await s.kubectl(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"metadata":{"annotations":{"note":"two"}}}}}']);
    expect(annotated.stderr).toBe('');
    await waitFor('revision 2', () => replicaSets().length === 2 && current() !== undefined && current()!.metadata.name !== first);
    const second = current()!.metadata.name as string;

    const removed = await s.kubectl(['patch', 'deployment', 'web', '-p', '{"spec":{"template":{"metadata":{"annotations":{"note":null}}}}}']);
    expect(removed.stderr).toBe('');
    const stored = s.cluster.object<Obj>('deployments', 'web', 'default')!;
    expect(stored.spec.template.metadata).not.toHaveProperty('annotations');
    await waitFor('the first ReplicaSet is revision 3', () => replicaSets().find((r) => r.metadata.name === first) !== undefined && revision(replicaSets().find((r) => r.metadata.name === first)!) === '3');
    expect(replicaSets().map((r) => r.metadata.name).sort()).toEqual([first, second].sort());

    const undo = await s.kubectl(['rollout', 'undo', 'deployment', 'web']);
    expect(undo.stderr).toBe('');
    expect(undo.stdout).toBe('deployment.apps/web rolled back\n');
    await waitFor('the second ReplicaSet is revision 4', () => revision(replicaSets().find((r) => r.metadata.name === second)!) === '4');
    expect(replicaSets()).toHaveLength(2);
    expect(s.cluster.object<Obj>('deployments', 'web', 'default')!.spec.template.metadata.annotations).toEqual({ note: 'two' });
    const history = await s.kubectl(['rollout', 'history', 'deployment', 'web']);
    expect(history.stdout.trim().split('\n').slice(2).map((line) => line.trim().split(/\s+/)[0])).toEqual(['3', '4']);
  });
});
