/**
 * The kubelet's pod status computation: getPhase with restartable init containers (ported from
 * kubelet_pods_test.go's TestPodPhaseWithRestartAlwaysRestartableInitContainers and friends).
 */
import { describe, expect, it } from 'vitest';
import type { ContainerStatus } from '../../../src/api/types.js';
import { computePhase } from '../../../machines/kubelet/pod-status.js';

const base: ContainerStatus = { name: 'x', image: 'x', imageID: '', ready: false, restartCount: 0, state: {} };
const st = (name: string, state: ContainerStatus['state'], more: Partial<ContainerStatus> = {}): ContainerStatus => ({ ...base, name, state, ...more });
const running = (name: string, started = true) => st(name, { running: {} }, { started });
const waiting = (name: string) => st(name, { waiting: { reason: 'PodInitializing' } });
const backOff = (name: string) => st(name, { waiting: { reason: 'CrashLoopBackOff' } }, { lastState: { terminated: { exitCode: 1 } } });
const exited = (name: string, code: number) => st(name, { terminated: { exitCode: code } });

describe('computePhase with restartable init containers (kubelet getPhase)', () => {
  const sidecars = new Set(['side']);
  it.each([
    ['restartable init container running and started, regular running', [running('side')], [running('app')], 'Always', 'Running'],
    ['restartable init container running, not started (startup probe pending)', [running('side', false)], [waiting('app')], 'Always', 'Pending'],
    ['restartable init container waiting, never ran', [waiting('side')], [waiting('app')], 'Always', 'Pending'],
    ['restartable init container in back-off after the regular containers started', [backOff('side')], [running('app')], 'Always', 'Running'],
    ['restartable init container in back-off before the regular containers started', [backOff('side')], [waiting('app')], 'Always', 'Pending'],
    ['regular init container running after a started sidecar', [running('side'), running('setup')], [waiting('app')], 'Always', 'Pending'],
    ['regular init container failed, Never: Failed though the sidecar runs', [running('side'), exited('setup', 1)], [waiting('app')], 'Never', 'Failed'],
    ['regular containers succeeded, sidecar still running: Running until it is killed', [running('side')], [exited('app', 0)], 'Never', 'Running'],
    ['regular containers succeeded, sidecar killed (137): Succeeded', [exited('side', 137)], [exited('app', 0)], 'Never', 'Succeeded'],
    ['regular container failed, sidecar killed, OnFailure would restart: Running', [exited('side', 137)], [backOff('app')], 'OnFailure', 'Running'],
    ['regular container failed, sidecar killed, Never: Failed', [exited('side', 0)], [exited('app', 2)], 'Never', 'Failed'],
  ] as const)('%s', (_name, inits, apps, policy, phase) => {
    expect(computePhase(inits, apps, policy, false, sidecars)).toBe(phase);
  });

  it('without the sidecar names a running init container keeps the pod Pending (the regular rule)', () => {
    expect(computePhase([running('side')], [running('app')], 'Always', false)).toBe('Running');
    expect(computePhase([running('side')], [waiting('app')], 'Always', false)).toBe('Pending');
  });
});

