import { describe, expect, it } from 'vitest';
import { podAntiAffinityRespected } from '../../../src/verify/invariants/pod-anti-affinity-respected.js';
import { createProfile } from '../../../machines/scheduler/registry.js';
import { placed, runPlacement } from './placement-helpers.js';

const steps = ['q1', 'q2', 'q3', 'q4'].map((n) => placed(n, { antiAffinity: true }));

describe('pod-anti-affinity-respected', () => {
  it('holds for the real scheduler: one pod of the group per node, the fourth stays Pending', { timeout: 60_000 }, () => {
    const r = runPlacement(podAntiAffinityRespected, steps);
    expect(r.violations).toEqual([]);
    const nodes = Object.values(r.placed).filter(Boolean);
    expect(nodes.length).toBe(3);
    expect(new Set(nodes).size).toBe(3);
  });

  it('a pod without the anti-affinity may join the group on any node; the term is the incoming pod\'s or the existing one\'s', { timeout: 60_000 }, () => {
    // q1..q3 take a node each with anti-affinity; q4 without it matches their terms: it must wait too
    const r = runPlacement(podAntiAffinityRespected, [...steps.slice(0, 3), placed('q4')]);
    expect(r.violations).toEqual([]);
    expect(r.placed['q4']).toBe('');
  });

  it('catches a scheduler without InterPodAffinity', { timeout: 60_000 }, () => {
    expect(() => runPlacement(podAntiAffinityRespected, steps, { profile: createProfile({ disable: ['InterPodAffinity'] }) })).toThrow(
      /\[pod-anti-affinity-respected\] .*pod default\/q\d was bound to node-\d at revision \d+ although .*required anti-affinity term/,
    );
  });
});
