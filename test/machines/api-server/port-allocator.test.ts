import { describe, expect, it } from 'vitest';
import { ERR_ALLOCATED, NodePortAllocator, NodePortOperation, rangeOffset } from '../../../machines/api-server/port-allocator.js';
import { Rng } from '../../../src/kernel/rng.js';

describe('the node port allocator (portallocator, bitmap randomScanStrategyWithOffset)', () => {
  it('splits the range into a static band of min(max(16, size/16), 128) ports (calculateRangeOffset cases)', () => {
    expect(rangeOffset(2768)).toBe(128); // 30000-32767
    expect(rangeOffset(16)).toBe(0);
    expect(rangeOffset(17)).toBe(16);
    expect(rangeOffset(256)).toBe(16);
    expect(rangeOffset(512)).toBe(32);
    expect(rangeOffset(65535)).toBe(128);
    expect(new NodePortAllocator('30000-32767', new Rng(1)).validPorts).toBe('30000-32767');
    expect(new NodePortAllocator('30000+100', new Rng(1)).validPorts).toBe('30000-30099');
    expect(() => new NodePortAllocator('3-x', new Rng(1))).toThrow(/unable to parse port range/);
  });

  it('draws from the dynamic band first, then the static band, then reports the range full', () => {
    const ports = new NodePortAllocator('30000-30031', new Rng(3)); // 32 ports: static 30000-30015
    const drawn: number[] = [];
    for (let i = 0; i < 16; i++) drawn.push(ports.allocateNext()!);
    expect(drawn.every((p) => p >= 30016 && p <= 30031)).toBe(true);
    expect(new Set(drawn).size).toBe(16);
    for (let i = 0; i < 16; i++) expect(ports.allocateNext()).toBeLessThan(30016);
    expect(ports.allocateNext()).toBeUndefined();
  });

  it('replays from its seed, and draws differ between seeds', () => {
    const draw = (seed: number) => {
      const ports = new NodePortAllocator('30000-32767', new Rng(seed));
      return [1, 2, 3, 4].map(() => ports.allocateNext());
    };
    expect(draw(5)).toEqual(draw(5));
    expect(draw(5)).not.toEqual(draw(6));
  });

  it('an operation reverts what it took on failure, releases only on commit, and a dry run takes nothing', () => {
    const ports = new NodePortAllocator('30000-32767', new Rng(1));
    expect(ports.allocate(30100)).toBeUndefined();
    expect(ports.allocate(30100)).toBe(ERR_ALLOCATED);
    const failed = new NodePortOperation(ports, false);
    expect(failed.allocate(30101)).toBeUndefined();
    failed.releaseDeferred(30100);
    failed.revert();
    expect(ports.allocated()).toEqual([30100]);
    const ok = new NodePortOperation(ports, false);
    ok.releaseDeferred(30100);
    expect(ports.has(30100)).toBe(true);
    ok.commit();
    expect(ports.allocated()).toEqual([]);
    const dry = new NodePortOperation(ports, true);
    expect(dry.allocate(30200)).toBeUndefined();
    expect(dry.allocate(30200)).toBe(ERR_ALLOCATED); // taken within the operation
    expect(dry.allocateNext()).toBeGreaterThanOrEqual(30128);
    dry.commit();
    expect(ports.allocated()).toEqual([]);
  });
});
