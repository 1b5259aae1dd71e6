/**
 * Golden timelines: for each profile, the container states a few standard pods go through on one
 * node, compared exactly with test/profiles/golden/<profile>.json. After an intended change,
 * regenerate with `UPDATE_GOLDEN=1 npx vitest run test/profiles/golden.test.ts` and review the diff.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { PodKill } from '../../machines/protocol.js';
import { profiles, type TimingProfile } from '../../src/profiles/index.js';
import { containerTimeline, createNode, makePod, type PodShape } from './harness.js';

const SEED = 20260101;
const MINUTES = 12;

/** The standard pods. */
const STANDARD: PodShape[] = [
  { name: 'web', containers: [{ name: 'nginx', image: 'nginx:1.25' }] },
  { name: 'job', restartPolicy: 'Never', initContainers: [{ name: 'fetch', image: 'busybox:1.36' }, { name: 'migrate', image: 'python:3.12' }], containers: [{ name: 'main', image: 'python:3.12' }], annotations: { 'kube-actors.io/behavior.main': 'complete' } },
  { name: 'crash', containers: [{ name: 'app', image: 'ghcr.io/acme/app:1.0' }], annotations: { 'kube-actors.io/behavior': 'crash' } },
  { name: 'bad-image', containers: [{ name: 'app', image: 'nginx:does-not-exist' }], annotations: { 'kube-actors.io/behavior': 'fail-pull' } },
  { name: 'oom', restartPolicy: 'OnFailure', containers: [{ name: 'app', image: 'redis:7' }], annotations: { 'kube-actors.io/behavior': 'oom' } },
  { name: 'sidecars', containers: [{ name: 'app', image: 'nginx:1.25' }, { name: 'probe', image: 'busybox:1.36', command: ['sleep', '3600'] }], annotations: { 'kube-actors.io/behavior.app': 'never-ready' } },
];

function timelineOf(profile: TimingProfile): string[] {
  const sim = createNode(profile, { seed: SEED });
  for (const shape of STANDARD) sim.addPod(makePod(shape));
  // delete `web` after 10 minutes, as the kubelet would on an API deletion
  sim.kernel.advance(10 * 60_000);
  const kill: PodKill = { type: 'pod.kill', gracePeriodSeconds: 30, reason: 'deleted' };
  sim.sendToPod('web', kill);
  sim.kernel.advance((MINUTES - 10) * 60_000);
  expect(sim.kernel.errors).toEqual([]);
  return containerTimeline(sim.reports);
}

describe('golden timelines', () => {
  for (const name of Object.keys(profiles)) {
    it(`${name}: the standard pods' timeline is unchanged`, () => {
      const file = new URL(`./golden/${name}.json`, import.meta.url);
      const actual = { profile: name, seed: SEED, minutes: MINUTES, timeline: timelineOf(profiles[name]!) };
      if (process.env.UPDATE_GOLDEN === '1') {
        writeFileSync(file, JSON.stringify(actual, null, 2) + '\n');
        return;
      }
      if (!existsSync(file)) throw new Error(`missing golden file ${file.pathname}: run with UPDATE_GOLDEN=1 to create it`);
      const expected = JSON.parse(readFileSync(file, 'utf8')) as typeof actual;
      expect(actual).toEqual(expected);
    });
  }

  it('the timeline is reproducible within one process (same seed, same lines)', () => {
    expect(timelineOf(profiles.chaos!)).toEqual(timelineOf(profiles.chaos!));
  });
});
