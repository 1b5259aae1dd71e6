import { describe, expect, it } from 'vitest';
import { answered, disagrees, finalStatus, fresh, needsWrite, reported, statusToWrite, withEntry } from '../../../machines/kubelet/status-manager.js';

describe('kubelet status manager (pure part)', () => {
  it('a new report replaces what was not written and keeps the write in flight', () => {
    const sending = { ...fresh('u1', { phase: 'Pending' }), state: 'sending' as const, dirty: false };
    const next = reported(sending, 'u1', { phase: 'Running' });
    expect(next).toMatchObject({ state: 'sending', dirty: true, status: { phase: 'Running' } });
    expect(needsWrite(next)).toBe(false);
    expect(needsWrite(answered(next, 200, { phase: 'Pending' }))).toBe(true);
  });

  it('an answer: written on 2xx, dirty again on a failure, not on 404 (the pod is gone)', () => {
    const inFlight = { ...fresh('u1', { phase: 'Running' }), state: 'sending' as const, dirty: false };
    expect(answered(inFlight, 200, { phase: 'Running' })).toMatchObject({ state: 'idle', dirty: false, sent: { phase: 'Running' } });
    expect(answered(inFlight, 503, { phase: 'Running' })).toMatchObject({ state: 'idle', dirty: true, sent: undefined });
    expect(answered(inFlight, 404, { phase: 'Running' })).toMatchObject({ state: 'idle', dirty: false });
  });

  it('the final status keeps the write in flight and what was sent', () => {
    const inFlight = { ...fresh('u1', { phase: 'Running' }), state: 'sending' as const, dirty: false, sent: { phase: 'Running' as const } };
    expect(finalStatus(inFlight, 'u1', { phase: 'Failed' })).toEqual({ uid: 'u1', status: { phase: 'Failed' }, sent: { phase: 'Running' }, state: 'sending', dirty: true, final: true });
  });

  it('a phase never goes back: Pending is not written, a terminal phase on the server stays', () => {
    expect(statusToWrite({ phase: 'Pending', podIP: '10.0.0.2' }, 'Running')).toEqual({ podIP: '10.0.0.2' });
    expect(statusToWrite({ phase: 'Running' }, 'Failed')).toEqual({ phase: 'Failed' });
    expect(statusToWrite({ phase: 'Running' }, 'Running')).toEqual({ phase: 'Running' });
  });

  it('reconcile: the server copy disagrees on the phase or Ready while nothing is in flight', () => {
    const entry = fresh('u1', { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] });
    expect(disagrees(entry, { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] })).toBe(true);
    expect(disagrees(entry, { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] })).toBe(false);
    expect(disagrees({ ...entry, state: 'sending' }, { phase: 'Pending' })).toBe(false);
    expect(disagrees(entry, undefined)).toBe(false);
  });

  it('withEntry copies: the old map is unchanged', () => {
    const a = withEntry(new Map(), 'default/p', fresh('u1', {}));
    const b = withEntry(a, 'default/p', undefined);
    expect([a.size, b.size]).toEqual([1, 0]);
  });
});
