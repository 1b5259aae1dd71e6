import { describe, expect } from 'vitest';
import { fc, test } from '@fast-check/vitest';
import { Kernel } from '../../../src/kernel/kernel.js';
import { Port } from '../../../src/kernel/port.js';
import { ApiClient } from '../../../machines/client/api-client.js';
import { Informer } from '../../../machines/client/informer.js';
import type { KubeObject } from '../../../src/api/types.js';
import type { WatchEvent } from '../../../machines/protocol.js';

const cm = (name: string, v: number): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'default', resourceVersion: String(v + 2) }, data: { v: String(v) } }) as KubeObject;

describe('Informer', () => {
  test.prop([fc.array(fc.tuple(fc.constantFrom('watch.added', 'watch.modified', 'watch.deleted', 'list'), fc.constantFrom('b', 'a', 'c', 'a1', 'B')), { maxLength: 40 })])(
    'lists its objects in key order, the newest of each, through adds, updates and deletes',
    (steps) => {
      const kernel = new Kernel({ seed: 1 });
      const informer = new Informer(new ApiClient(new Port(kernel, 'me', kernel.fork('me')), 'token'), { resource: 'configmaps' });
      informer.start(true);
      const model = new Map<string, KubeObject>();
      let seq = 0;
      steps.forEach(([type, name], v) => {
        if (type === 'list') {
          const keys = [...model.keys()].sort();
          expect(informer.list()).toEqual(keys.map((k) => model.get(k)));
          return;
        }
        const obj = cm(name, v);
        const event = { type, watchId: informer.id, seq: ++seq, object: obj } as WatchEvent;
        informer.handle(event);
        if (type === 'watch.deleted') model.delete(`default/${name}`);
        else model.set(`default/${name}`, obj);
      });
      expect(informer.list()).toEqual([...model.keys()].sort().map((k) => model.get(k)));
    },
  );
});
