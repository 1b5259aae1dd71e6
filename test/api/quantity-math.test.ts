import { describe, expect, it } from 'vitest';
import { addQuantities, compareQuantities, formatQuantity, isExactQuantity, parseExact, parseResourceList, subtractQuantities } from '../../src/api/quantity-math.js';

const canonical = (text: string) => formatQuantity(parseExact(text));

describe('quantities as apimachinery computes them', () => {
  it('prints the canonical form of Quantity.String()', () => {
    // cases of apimachinery's quantity_test.go (TestQuantityCanonicalize/TestQuantityString)
    expect(canonical('0')).toBe('0');
    expect(canonical('500m')).toBe('500m');
    expect(canonical('0.5')).toBe('500m');
    expect(canonical('1500')).toBe('1500');
    expect(canonical('2000')).toBe('2k');
    expect(canonical('100Mi')).toBe('100Mi');
    expect(canonical('0.5Gi')).toBe('512Mi');
    expect(canonical('1.5Gi')).toBe('1536Mi');
    expect(canonical('1024')).toBe('1024');
    expect(canonical('1e3')).toBe('1e3');
    expect(canonical('0.1')).toBe('100m');
    expect(canonical('1n')).toBe('1n');
    expect(canonical('-5')).toBe('-5');
    // a binary quantity below 1024 prints as DecimalSI
    expect(canonical('0.5Ki')).toBe('512');
  });

  it('adds in the format of the first non-zero operand and compares by value', () => {
    expect(formatQuantity(addQuantities(parseExact('512Mi'), parseExact('512Mi')))).toBe('1Gi');
    expect(formatQuantity(addQuantities(parseExact('500m'), parseExact('500m')))).toBe('1');
    expect(formatQuantity(addQuantities(parseExact('0'), parseExact('1Gi')))).toBe('1Gi');
    expect(formatQuantity(subtractQuantities(parseExact('1'), parseExact('300m')))).toBe('700m');
    expect(compareQuantities(parseExact('1'), parseExact('1000m'))).toBe(0);
    expect(compareQuantities(parseExact('1Gi'), parseExact('1G'))).toBe(1);
    expect(compareQuantities(parseExact('100m'), parseExact('0.2'))).toBe(-1);
  });

  it('refuses what is not a quantity and skips it in a resource list', () => {
    expect(isExactQuantity('1x')).toBe(false);
    expect(isExactQuantity('')).toBe(false);
    expect(() => parseExact('abc')).toThrow(/quantities must match the regular expression/);
    expect([...parseResourceList({ cpu: '1', memory: 'lots' }).keys()]).toEqual(['cpu']);
  });
});
