import { describe, expect, it } from 'vitest';
import type { Pod } from '../../src/api/types.js';
import { ContainerTraffic } from '../../src/cluster/traffic.js';

const pod = { metadata: { name: 'web', namespace: 'default', uid: 'u1' } } as Pod;

describe('ContainerTraffic', () => {
  it('keeps lines per pod, container and run', () => {
    const t = new ContainerTraffic();
    t.record(pod, 'web', '2026-01-01T00:00:00Z', { abs: 1, stream: 'stdout', text: 'a' });
    t.record(pod, 'web', '2026-01-01T00:00:00Z', { abs: 2, stream: 'stdout', text: 'b' });
    t.record(pod, 'web', '2026-01-01T00:05:00Z', { abs: 3, stream: 'stdout', text: 'next run' });
    expect(t.lines(pod, 'web', '2026-01-01T00:00:00Z').map((l) => l.text)).toEqual(['a', 'b']);
    expect(t.lines(pod, 'web', '2026-01-01T00:05:00Z').map((l) => l.text)).toEqual(['next run']);
    expect(t.lines(pod, 'side', '2026-01-01T00:00:00Z')).toEqual([]);
    expect(t.lines({ metadata: { name: 'web', uid: 'u2' } } as Pod, 'web', '2026-01-01T00:00:00Z')).toEqual([]);
  });
});
