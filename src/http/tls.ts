/**
 * A self-signed TLS certificate made with `node:crypto` alone (no `openssl`, no packages): an
 * ECDSA P-256 key and an X.509 v3 certificate, DER-encoded by hand, that is its own CA and is
 * valid for the given IP addresses and DNS names (subjectAltName). kubectl (Go's crypto/x509)
 * accepts it as the kubeconfig's `certificate-authority-data`; Node accepts it as `ca`.
 */
import { createHash, generateKeyPairSync, randomBytes, sign, X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';

/** A certificate and its key, PEM-encoded. */
export interface SelfSignedCertificate {
  /** The certificate (PEM). */
  cert: string;
  /** The private key (PKCS#8 PEM). */
  key: string;
  /** The certificate as a kubeconfig's `certificate-authority-data` (base64 of the PEM). */
  caData: string;
  /** SHA-256 fingerprint, colon-separated hex. */
  fingerprint: string;
  notBefore: Date;
  notAfter: Date;
}

/** Options of {@link createSelfSignedCertificate}. */
export interface CertificateOptions {
  /** Subject common name. Default `kube-actors`. */
  commonName?: string;
  /** IP addresses and DNS names the certificate is valid for. Default `127.0.0.1`, `localhost`. */
  hosts?: readonly string[];
  /** Validity in days. Default 365. */
  days?: number;
  /** Time the certificate is valid from. Default an hour ago (clock skew). */
  now?: Date;
}

// ---- DER ------------------------------------------------------------------------------------

function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  while (n > 0) {
    bytes.unshift(n & 0xff);
    n >>>= 8;
  }
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

const seq = (...items: Buffer[]): Buffer => tlv(0x30, Buffer.concat(items));
const set = (...items: Buffer[]): Buffer => tlv(0x31, Buffer.concat(items));
const octets = (b: Buffer): Buffer => tlv(0x04, b);
const bits = (b: Buffer, unused = 0): Buffer => tlv(0x03, Buffer.concat([Buffer.from([unused]), b]));
const bool = (v: boolean): Buffer => tlv(0x01, Buffer.from([v ? 0xff : 0x00]));
const utf8 = (s: string): Buffer => tlv(0x0c, Buffer.from(s, 'utf8'));
const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);

function integer(b: Buffer): Buffer {
  let i = 0;
  while (i < b.length - 1 && b[i] === 0 && (b[i + 1]! & 0x80) === 0) i++;
  let body = b.subarray(i);
  if (body[0]! & 0x80) body = Buffer.concat([Buffer.from([0]), body]);
  return tlv(0x02, body);
}

function oid(text: string): Buffer {
  const parts = text.split('.').map(Number);
  const out: number[] = [40 * parts[0]! + parts[1]!];
  for (const p of parts.slice(2)) {
    const chunk: number[] = [p & 0x7f];
    let v = Math.floor(p / 128);
    while (v > 0) {
      chunk.unshift((v & 0x7f) | 0x80);
      v = Math.floor(v / 128);
    }
    out.push(...chunk);
  }
  return tlv(0x06, Buffer.from(out));
}

function time(d: Date): Buffer {
  const pad = (n: number) => String(n).padStart(2, '0');
  const y = d.getUTCFullYear();
  const body = `${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
  // RFC 5280: UTCTime through 2049, GeneralizedTime from 2050
  return y < 2050 ? tlv(0x17, Buffer.from(`${pad(y % 100)}${body}`)) : tlv(0x18, Buffer.from(`${y}${body}`));
}

function ipBytes(ip: string): Buffer {
  if (isIP(ip) === 4) return Buffer.from(ip.split('.').map(Number));
  // IPv6: expand `::`
  const [head, tail] = ip.includes('::') ? ip.split('::') : [ip, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(parseInt(g || '0', 16), i * 2));
  return out;
}

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  basicConstraints: '2.5.29.19',
  keyUsage: '2.5.29.15',
  extKeyUsage: '2.5.29.37',
  subjectAltName: '2.5.29.17',
  subjectKeyIdentifier: '2.5.29.14',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

function name(commonName: string): Buffer {
  return seq(set(seq(oid(OID.organization), utf8('kube-actors'))), set(seq(oid(OID.commonName), utf8(commonName))));
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return critical ? seq(oid(id), bool(true), octets(value)) : seq(oid(id), octets(value));
}

function pem(label: string, der: Buffer): string {
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n').replace(/\n$/, '');
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

/**
 * Makes a self-signed certificate for a local HTTPS server.
 *
 * @example
 * const { cert, key, caData } = createSelfSignedCertificate({ hosts: ['127.0.0.1'] });
 * https.createServer({ cert, key }, handler);
 */
export function createSelfSignedCertificate(options: CertificateOptions = {}): SelfSignedCertificate {
  const hosts = options.hosts ?? ['127.0.0.1', 'localhost'];
  const days = options.days ?? 365;
  if (!Number.isFinite(days) || days <= 0) throw new RangeError(`days must be positive; got ${days}`);
  const start = new Date(Math.floor(((options.now?.getTime() ?? Date.now()) - 3_600_000) / 1000) * 1000);
  const end = new Date(start.getTime() + days * 86_400_000);
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const serial = randomBytes(16);
  serial[0]! &= 0x7f;
  const algorithm = seq(oid(OID.ecdsaWithSha256));
  const subject = name(options.commonName ?? 'kube-actors');
  const altNames = hosts.map((h) => (isIP(h) ? tlv(0x87, ipBytes(h)) : tlv(0x82, Buffer.from(h, 'ascii'))));
  // the public key's BIT STRING content (after the unused-bits byte) for the key identifier
  const keyId = createHash('sha1').update(spki.subarray(spki.length - 65)).digest();
  const extensions = seq(
    extension(OID.basicConstraints, true, seq(bool(true))),
    // digitalSignature (bit 0) and keyCertSign (bit 5): 1000 0100, two unused bits
    extension(OID.keyUsage, true, bits(Buffer.from([0x84]), 2)),
    extension(OID.extKeyUsage, false, seq(oid(OID.serverAuth), oid(OID.clientAuth))),
    extension(OID.subjectAltName, false, seq(...altNames)),
    extension(OID.subjectKeyIdentifier, false, octets(keyId)),
  );
  const tbs = seq(
    explicit(0, integer(Buffer.from([2]))),
    integer(serial),
    algorithm,
    subject,
    seq(time(start), time(end)),
    subject,
    spki,
    explicit(3, extensions),
  );
  const signature = sign('sha256', tbs, privateKey);
  const der = seq(tbs, algorithm, bits(signature));
  const cert = pem('CERTIFICATE', der);
  const parsed = new X509Certificate(cert);
  if (!parsed.verify(publicKey)) throw new Error('the generated certificate does not verify with its own key');
  return {
    cert,
    key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string,
    caData: Buffer.from(cert).toString('base64'),
    fingerprint: parsed.fingerprint256,
    notBefore: start,
    notAfter: end,
  };
}
