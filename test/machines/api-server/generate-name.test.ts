import { describe, expect, it } from 'vitest';
import { safeSuffix, simpleNameGenerator } from '../../../machines/api-server/admission.js';
import { startControlPlane } from '../../helpers/control-plane.js';

// apimachinery's utilrand alphabet: no vowels, no 0/1/3 (names.SimpleNameGenerator)
const SAFE = /^[bcdfghjklmnpqrstvwxz2456789]{5}$/;

describe('generateName', () => {
  it('appends five characters of apimachinery\'s safe alphabet, as names.SimpleNameGenerator does', () => {
    const cp = startControlPlane({ seed: 7 });
    const names: string[] = [];
    for (let i = 0; i < 40; i++) {
      const created = cp.client.create({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { generateName: 'web-', namespace: 'default' } } as never);
      names.push(String((created as { metadata: { name: string } }).metadata.name));
    }
    for (const name of names) {
      expect(name.startsWith('web-')).toBe(true);
      expect(name.slice(4)).toMatch(SAFE);
    }
    expect(new Set(names).size).toBe(names.length);
  });

  it('maps one 32-bit draw to five base-27 digits of the alphabet', () => {
    expect(safeSuffix(0)).toBe('bbbbb');
    expect(safeSuffix(26)).toBe('9bbbb');
    expect(safeSuffix(27)).toBe('bcbbb');
    expect(safeSuffix(0xffffffff)).toMatch(SAFE);
    for (let d = 0; d < 200_000; d += 997) expect(safeSuffix(d * 21_487)).toMatch(SAFE);
  });

  it('the volume-name generator draws each character from the same alphabet', () => {
    let i = 0;
    const gen = simpleNameGenerator((n) => i++ % n);
    expect(gen('kube-api-access-')).toBe('kube-api-access-bcdfg');
  });
});
