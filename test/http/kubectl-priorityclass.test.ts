/**
 * PriorityClasses with the real kubectl: `kubectl create priorityclass` sends its object as
 * protobuf (decoded with scheduling/v1's field numbers, `value` kept at 0 as its JSON tag has no
 * omitempty), and `get priorityclass` shows it with kubectl's columns.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/api/types.js';
import { HAS_KUBECTL, NO_KUBECTL_REASON, parseTable, startTestServer, type TestServer } from './helpers.js';

type Obj = KubeObject & Record<string, any>;

describe.skipIf(!HAS_KUBECTL)(`kubectl with PriorityClasses${HAS_KUBECTL ? '' : ` (${NO_KUBECTL_REASON})`}`, () => {
  let s: TestServer;

  beforeAll(async () => {
    s = await startTestServer({ cluster: { nodes: 1, seed: 1 } });
  });
  afterAll(async () => {
    await s?.close();
  });

  it('creates them through kubectl create priorityclass (a protobuf body) and lists them', async () => {
    const high = await s.kubectl(['create', 'priorityclass', 'high', '--value=1000', '--description=for the front end', '--preemption-policy=Never']);
    expect(high.stderr).toBe('');
    expect(high.stdout.trim()).toBe('priorityclass.scheduling.k8s.io/high created');
    const zero = await s.kubectl(['create', 'priorityclass', 'zero', '--value=0', '--global-default']);
    expect(zero.stderr).toBe('');
    expect(s.cluster.object<Obj>('priorityclasses', 'high')).toMatchObject({ value: 1000, description: 'for the front end', preemptionPolicy: 'Never' });
    expect(s.cluster.object<Obj>('priorityclasses', 'high')!.globalDefault).toBeUndefined();
    expect(s.cluster.object<Obj>('priorityclasses', 'zero')).toMatchObject({ value: 0, globalDefault: true, preemptionPolicy: 'PreemptLowerPriority' });
    const rows = parseTable((await s.kubectl(['get', 'priorityclass', 'high', 'zero'])).stdout);
    expect(rows.map((r) => [r['NAME'], r['VALUE'], r['GLOBAL-DEFAULT'], r['PREEMPTIONPOLICY']])).toEqual([
      ['high', '1000', 'false', 'Never'],
      ['zero', '0', 'true', 'PreemptLowerPriority'],
    ]);
  });
});
