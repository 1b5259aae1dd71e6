import { describe, it, expect } from 'vitest';
import { test, fc } from '@fast-check/vitest';
import {
  isDNS1123Label,
  isDNS1123Subdomain,
  isDNS1035Label,
  isQualifiedName,
  isValidLabelValue,
  isValidPortName,
  isValidPathSegmentName,
  nameIsDNSSubdomain,
  nameIsDNSLabel,
  nameIsPathSegment,
  regexError,
} from '../../src/api/names.js';

const labelChar = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789-'.split(''));
const alnum = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz0123456789'.split(''));

describe('DNS-1123 labels', () => {
  it('accepts typical names and rejects bad ones with the real message', () => {
    expect(isDNS1123Label('my-name')).toEqual([]);
    expect(isDNS1123Label('123-abc')).toEqual([]);
    expect(isDNS1123Label('My-Name')).toEqual([
      "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')",
    ]);
    expect(isDNS1123Label('-a')).toHaveLength(1);
    expect(isDNS1123Label('a-')).toHaveLength(1);
    expect(isDNS1123Label('')).toHaveLength(1);
  });
  it('says "must not contain dots" for a subdomain that is not a label', () => {
    expect(isDNS1123Label('a.b')).toEqual(['must not contain dots']);
  });
  it('limits length to 63', () => {
    expect(isDNS1123Label('a'.repeat(63))).toEqual([]);
    expect(isDNS1123Label('a'.repeat(64))).toEqual(['must be no more than 63 characters']);
  });
  test.prop([fc.array(labelChar, { maxLength: 61 }), alnum, alnum])('alnum-bounded strings up to 63 chars are labels', (mid, a, b) => {
    expect(isDNS1123Label(a + mid.join('') + b)).toEqual([]);
  });
  test.prop([fc.string({ maxLength: 80 })])('label ⇒ subdomain', (s) => {
    if (isDNS1123Label(s).length === 0) expect(isDNS1123Subdomain(s)).toEqual([]);
  });
});

describe('DNS-1123 subdomains and DNS-1035 labels', () => {
  it('accepts dotted names, limits to 253', () => {
    expect(isDNS1123Subdomain('example.com')).toEqual([]);
    expect(isDNS1123Subdomain('a..b')[0]).toContain("regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*'");
    expect(isDNS1123Subdomain('Example.com')[0]).toMatch(/^a lowercase RFC 1123 subdomain must consist of .*\(e\.g\. 'example\.com', regex used/);
    expect(isDNS1123Subdomain(('a'.repeat(60) + '.').repeat(4) + 'b'.repeat(20))).toEqual(['must be no more than 253 characters']);
  });
  it('DNS-1035 labels must start with a letter', () => {
    expect(isDNS1035Label('web')).toEqual([]);
    expect(isDNS1035Label('1web')[0]).toContain("a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character");
    expect(isDNS1035Label('1web')[0]).toContain("(e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')");
  });
  it('generateName prefixes may end with a dash', () => {
    expect(nameIsDNSSubdomain('web-', true)).toEqual([]);
    expect(nameIsDNSSubdomain('web-', false)).toHaveLength(1);
    expect(nameIsDNSLabel('ns-', true)).toEqual([]);
  });
});

describe('qualified names and label values', () => {
  it('accepts prefixed keys', () => {
    expect(isQualifiedName('app.kubernetes.io/name')).toEqual([]);
    expect(isQualifiedName('MyName')).toEqual([]);
  });
  it('reports the parts separately', () => {
    expect(isQualifiedName('/name')).toEqual(['prefix part must be non-empty']);
    expect(isQualifiedName('example.com/')).toEqual([
      'name part must be non-empty',
      "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')",
    ]);
    expect(isQualifiedName('Bad_Prefix/x')[0]).toMatch(/^prefix part a lowercase RFC 1123 subdomain/);
    expect(isQualifiedName('a/b/c')[0]).toMatch(/^a qualified name must consist of .* with an optional DNS subdomain prefix and '\/' \(e\.g\. 'example\.com\/MyName'\)$/);
    expect(isQualifiedName('x'.repeat(64))).toContain('name part must be no more than 63 characters');
  });
  it('label values may be empty', () => {
    expect(isValidLabelValue('')).toEqual([]);
    expect(isValidLabelValue('my_value.1')).toEqual([]);
    expect(isValidLabelValue('bad value')[0]).toContain("(e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')");
  });
  it('regexError without examples', () => {
    expect(regexError('msg', 'x+')).toBe("msg (regex used for validation is 'x+')");
  });
});

describe('port names and path segments', () => {
  it('port names', () => {
    expect(isValidPortName('http')).toEqual([]);
    expect(isValidPortName('8080')).toEqual(['must contain at least one letter (a-z)']);
    expect(isValidPortName('a--b')).toEqual(['must not contain consecutive hyphens']);
    expect(isValidPortName('-ab')).toEqual(['must not begin or end with a hyphen']);
    expect(isValidPortName('abcdefghijklmnop')).toEqual(['must be no more than 15 characters']);
    expect(isValidPortName('HTTP')).toContain('must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)');
  });
  it('path segments', () => {
    expect(isValidPathSegmentName('system:controller:x')).toEqual([]);
    expect(isValidPathSegmentName('..')).toEqual(["may not be '..'"]);
    expect(isValidPathSegmentName('a/b%')).toEqual(["may not contain '/'", "may not contain '%'"]);
    expect(nameIsPathSegment('.', true)).toEqual([]);
  });
});
