import { describe, expect, it } from 'vitest';
import { constants, createDeflate, inflateSync } from 'node:zlib';
import { FLAG_FIN, FrameReader, HeaderDeflater, HeaderInflater, PING, SPDY3_DICTIONARY, SYN_REPLY, controlFrame, dataFrame, rstStream, synReply } from '../../src/http/spdy.js';

/** A header block as SPDY/3 lays it out before compression. */
function rawBlock(headers: [string, string][]): Buffer {
  const parts = [Buffer.alloc(4)];
  parts[0]!.writeUInt32BE(headers.length, 0);
  for (const [n, v] of headers) {
    for (const t of [n, v]) {
      const b = Buffer.alloc(4 + t.length);
      b.writeUInt32BE(t.length, 0);
      b.write(t, 4);
      parts.push(b);
    }
  }
  return Buffer.concat(parts);
}

describe('SPDY/3.1 framing', () => {
  it('the dictionary is the spec one (1423 bytes, from "options" to "enq=0.")', () => {
    expect(SPDY3_DICTIONARY.length).toBe(1423);
    expect(SPDY3_DICTIONARY.subarray(0, 11).toString('latin1')).toBe('\0\0\0\x07options');
    expect(SPDY3_DICTIONARY.subarray(-6).toString('latin1')).toBe('enq=0.');
  });

  it('inflates a peer header block compressed with the dictionary, across blocks of one stream', async () => {
    const first = rawBlock([
      ['streamType', 'error'],
      ['port', '80'],
      ['requestID', '0'],
    ]);
    const second = rawBlock([['streamType', 'data\0extra']]);
    // one zlib stream, sync-flushed after each block, as the peer's compressor does
    const z = createDeflate({ dictionary: SPDY3_DICTIONARY });
    const chunks: Buffer[] = [];
    z.on('data', (c: Buffer) => chunks.push(c));
    const flushed = async (raw: Buffer) => {
      z.write(raw);
      await new Promise<void>((resolve) => z.flush(constants.Z_SYNC_FLUSH, () => resolve()));
      return Buffer.concat(chunks.splice(0));
    };
    const a = await flushed(first);
    const b = await flushed(second);
    const inflater = new HeaderInflater();
    const h1 = inflater.headers(a);
    expect(Object.fromEntries(h1)).toEqual({ streamtype: ['error'], port: ['80'], requestid: ['0'] });
    const h2 = inflater.headers(b);
    expect(() => new HeaderInflater().headers(a.subarray(0, Math.floor(a.length / 2)))).toThrow();
    expect(Object.fromEntries(h2)).toEqual({ streamtype: ['data', 'extra'] });
  });

  it('deflates its own blocks as stored blocks with a sync flush, readable as one zlib stream', () => {
    const d = new HeaderDeflater();
    const a = d.block([]);
    const b = d.block([['status', '200']]);
    expect(a.subarray(0, 2)).toEqual(Buffer.from([0x78, 0x01]));
    expect(a.subarray(-5)).toEqual(Buffer.from([0, 0, 0, 0xff, 0xff]));
    const out = inflateSync(Buffer.concat([a, b]), { finishFlush: constants.Z_SYNC_FLUSH });
    expect(out).toEqual(Buffer.concat([rawBlock([]), rawBlock([['status', '200']])]));
  });

  it('splits a byte stream into frames wherever the chunks end', () => {
    const bytes = Buffer.concat([controlFrame(PING, 0, Buffer.from([0, 0, 0, 1])), dataFrame(3, FLAG_FIN, Buffer.from('hello')), synReply(5, Buffer.from([1, 2])), rstStream(7, 5)]);
    const reader = new FrameReader();
    const frames = [];
    for (let i = 0; i < bytes.length; i += 3) frames.push(...reader.push(bytes.subarray(i, i + 3)));
    expect(frames.map((f) => (f.control ? ['control', f.type, f.flags, f.data.toString('hex')] : ['data', f.streamId, f.flags, f.data.toString()]))).toEqual([
      ['control', PING, 0, '00000001'],
      ['data', 3, FLAG_FIN, 'hello'],
      ['control', SYN_REPLY, 0, '000000050102'],
      ['control', 3, 0, '0000000700000005'],
    ]);
    expect(bytes.subarray(0, 2)).toEqual(Buffer.from([0x80, 0x03]));
  });
});
