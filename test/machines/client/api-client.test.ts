import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Kernel } from '../../../src/kernel/kernel.js';
import { Port } from '../../../src/kernel/port.js';
import { ApiClient } from '../../../machines/client/api-client.js';

describe('ApiClient', () => {
  // a model of the client's requests in flight: when each was last sent, and whether it is still waiting
  test.prop([fc.array(fc.oneof(fc.constant({ op: 'send' as const }), fc.record({ op: fc.constant('answer' as const), pick: fc.nat() }), fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 6_000 }) })), { maxLength: 60 })])(
    'nextDueAt is the earliest time a request in flight times out, through answers, re-sends and give-ups',
    (steps) => {
      const kernel = new Kernel({ seed: 1 });
      const client = new ApiClient(new Port(kernel, 'me', kernel.fork('me')), 'token', { timeoutMs: 5_000, maxTries: 2 });
      const inFlight = new Map<string, { sent: number; tries: number }>();
      const timedOut: string[] = [];
      for (const step of steps) {
        if (step.op === 'send') {
          const id = client.request({ verb: 'get', resource: 'pods', namespace: 'default', name: 'p' }, (r) => {
            if (r.code === 504) timedOut.push(id);
          });
          inFlight.set(id, { sent: kernel.now(), tries: 1 });
        } else if (step.op === 'answer') {
          const ids = [...inFlight.keys()];
          if (ids.length === 0) continue;
          const id = ids[step.pick % ids.length]!;
          expect(client.handle({ type: 'api.response', id, code: 200, body: {} } as never)).toBe(true);
          inFlight.delete(id);
        } else {
          kernel.advanceTo(kernel.now() + step.ms);
          client.sweep();
          for (const [id, r] of [...inFlight]) {
            if (kernel.now() - r.sent < 5_000) continue;
            if (r.tries < 2) inFlight.set(id, { sent: kernel.now(), tries: r.tries + 1 });
            else {
              inFlight.delete(id);
              expect(timedOut).toContain(id);
            }
          }
        }
        const due = Math.min(Infinity, ...[...inFlight.values()].map((r) => r.sent + 5_000));
        expect(client.nextDueAt()).toBe(due);
        expect(client.inFlight).toBe(inFlight.size);
      }
    },
  );
});
