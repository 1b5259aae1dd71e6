import { describe, expect, it } from 'vitest';
import type { Node } from '../../../src/api/types.js';
import { computeZoneState, msUntilToken, newTainter, swapRate, tryAccept, zoneKey, zoneName, zoneRate } from '../../../machines/controllers/node-lifecycle-zones.js';

const RATES = { nodeEvictionRate: 0.1, secondaryNodeEvictionRate: 0.01, largeClusterSizeThreshold: 50, unhealthyZoneThreshold: 0.55 };

describe('zones of the node lifecycle controller', () => {
  it('keys a node by region and zone, the topology labels before the deprecated ones', () => {
    const node = (labels: Record<string, string>) => ({ metadata: { name: 'n', labels } }) as Node;
    expect(zoneKey(node({}))).toBe('');
    expect(zoneKey(node({ 'topology.kubernetes.io/region': 'eu', 'topology.kubernetes.io/zone': 'eu-1a' }))).toBe('eu:\x00:eu-1a');
    expect(zoneKey(node({ 'failure-domain.beta.kubernetes.io/region': 'us', 'failure-domain.beta.kubernetes.io/zone': 'us-2b' }))).toBe('us:\x00:us-2b');
    expect(zoneName('eu:\x00:eu-1a')).toBe('eu/eu-1a');
    expect(zoneName('')).toBe('(no zone)');
  });

  it('computes a zone state as ComputeZoneState does (threshold 0.55)', () => {
    const cases: [number, number, string][] = [
      [3, 0, 'Normal'],
      [0, 1, 'FullDisruption'],
      [0, 5, 'FullDisruption'],
      [1, 2, 'Normal'], // not more than 2 not ready
      [1, 3, 'PartialDisruption'], // 75 %
      [3, 3, 'Normal'], // 50 %
      [45, 55, 'PartialDisruption'], // exactly 55 %
      [0, 0, 'Normal'],
    ];
    for (const [ready, notReady, want] of cases) expect(computeZoneState(ready, notReady, 0.55), `${ready} ready, ${notReady} not`).toBe(want);
  });

  it('sets a zone\'s tainting rate by its state and size (setLimiterInZone)', () => {
    expect(zoneRate('Normal', 3, RATES)).toBe(0.1);
    expect(zoneRate('FullDisruption', 3, RATES)).toBe(0.1); // only some zones: HealthyQPSFunc
    expect(zoneRate('PartialDisruption', 50, RATES)).toBe(0);
    expect(zoneRate('PartialDisruption', 51, RATES)).toBe(0.01);
  });

  it('lets one node through per token, a token per 1/qps seconds, burst 1; a swap refills it; rate 0 never', () => {
    const t = newTainter(0.1, 0);
    expect(tryAccept(t, 0)).toBe(true);
    expect(tryAccept(t, 5_000)).toBe(false);
    expect(msUntilToken(t, 5_000)).toBe(5_000);
    expect(tryAccept(t, 10_000)).toBe(true);
    expect(tryAccept(t, 100_000)).toBe(true); // no more than one saved up
    expect(tryAccept(t, 100_001)).toBe(false);
    swapRate(t, 0.01, 100_001);
    expect(tryAccept(t, 100_001)).toBe(true);
    expect(msUntilToken(t, 100_001)).toBe(100_000);
    swapRate(t, 0, 100_002);
    expect(tryAccept(t, 10_000_000)).toBe(false);
    expect(msUntilToken(t, 10_000_000)).toBe(Infinity);
  });
});
