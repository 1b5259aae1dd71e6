/**
 * The server side of SPDY/3.1 framing, as much of it as port-forward needs (kubectl 1.32 tunnels
 * SPDY through a WebSocket, subprotocol `SPDY/3.1+portforward.k8s.io`; the kubelet's
 * moby/spdystream answers it): SYN_STREAM with its zlib-compressed header block (one zlib
 * stream per direction, with SPDY/3's dictionary), SYN_REPLY, DATA with FIN, RST_STREAM, PING,
 * GOAWAY; SETTINGS and WINDOW_UPDATE are read and ignored (answers are far below the 64 KiB
 * initial window).
 */
import { constants, inflateSync } from 'node:zlib';

const CONTROL = 0x80;
const VERSION = 3;
/** Control frame types. */
export const SYN_STREAM = 1;
export const SYN_REPLY = 2;
export const RST_STREAM = 3;
export const PING = 6;
export const GOAWAY = 7;
/** Flags. */
export const FLAG_FIN = 0x01;

const HEADER_NAMES = [
  'options', 'head', 'post', 'put', 'delete', 'trace', 'accept', 'accept-charset', 'accept-encoding', 'accept-language', 'accept-ranges', 'age', 'allow',
  'authorization', 'cache-control', 'connection', 'content-base', 'content-encoding', 'content-language', 'content-length', 'content-location', 'content-md5',
  'content-range', 'content-type', 'date', 'etag', 'expect', 'expires', 'from', 'host', 'if-match', 'if-modified-since', 'if-none-match', 'if-range',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'pragma', 'proxy-authenticate', 'proxy-authorization', 'range', 'referer', 'retry-after',
  'server', 'te', 'trailer', 'transfer-encoding', 'upgrade', 'user-agent', 'vary', 'via', 'warning', 'www-authenticate', 'method', 'get', 'status', '200 OK',
  'version', 'HTTP/1.1', 'url', 'public', 'set-cookie', 'keep-alive', 'origin',
];
const DICTIONARY_TAIL =
  '100101201202205206300302303304305306307402405406407408409410411412413414415416417502504505' +
  '203 Non-Authoritative Information204 No Content301 Moved Permanently400 Bad Request401 Unauthorized403 Forbidden404 Not Found' +
  '500 Internal Server Error501 Not Implemented503 Service Unavailable' +
  'Jan Feb Mar Apr May Jun Jul Aug Sept Oct Nov Dec 00:00:00 Mon, Tue, Wed, Thu, Fri, Sat, Sun, GMT' +
  'chunked,text/html,image/png,image/jpg,image/gif,application/xml,application/xhtml+xml,text/plain,text/javascript,public' +
  'privatemax-age=gzip,deflate,sdchcharset=utf-8charset=iso-8859-1,utf-,*,enq=0.';

/** The SPDY/3 header compression dictionary (draft-mbelshe-httpbis-spdy-00, 2.6.10.1). */
export const SPDY3_DICTIONARY: Buffer = Buffer.concat([
  ...HEADER_NAMES.map((name) => {
    const b = Buffer.alloc(4 + name.length);
    b.writeUInt32BE(name.length, 0);
    b.write(name, 4, 'latin1');
    return b;
  }),
  Buffer.from(DICTIONARY_TAIL, 'latin1'),
]);

/** A frame read from the peer. */
export type Frame =
  | { control: true; type: number; flags: number; data: Buffer }
  | { control: false; streamId: number; flags: number; data: Buffer };

/** Splits a byte stream into frames. */
export class FrameReader {
  private buffer: Buffer = Buffer.alloc(0);

  /** Adds bytes; returns the frames now complete. */
  push(chunk: Buffer): Frame[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk]);
    const frames: Frame[] = [];
    while (this.buffer.length >= 8) {
      const length = this.buffer.readUIntBE(5, 3);
      if (this.buffer.length < 8 + length) break;
      const flags = this.buffer[4]!;
      const data = this.buffer.subarray(8, 8 + length);
      if (this.buffer[0]! & CONTROL) frames.push({ control: true, type: this.buffer.readUInt16BE(2), flags, data });
      else frames.push({ control: false, streamId: this.buffer.readUInt32BE(0) & 0x7fffffff, flags, data });
      this.buffer = this.buffer.subarray(8 + length);
    }
    return frames;
  }
}

/** Decompresses the header blocks of one peer (a single zlib stream across its frames). */
export class HeaderInflater {
  private compressed: Buffer[] = [];
  private consumed = 0;

  /** The headers of the next block (names lower-cased; values split on NUL). Throws on a malformed block. */
  headers(block: Buffer): Map<string, string[]> {
    this.compressed.push(block);
    // the stream so far, inflated up to where it is; this block is the part after what was read
    const all = inflateSync(Buffer.concat(this.compressed), { dictionary: SPDY3_DICTIONARY, finishFlush: constants.Z_SYNC_FLUSH });
    const out = all.subarray(this.consumed);
    let at = 0;
    const u32 = (): number => {
      if (at + 4 > out.length) throw new Error('truncated SPDY header block');
      const v = out.readUInt32BE(at);
      at += 4;
      return v;
    };
    const text = (length: number): string => {
      if (at + length > out.length) throw new Error('truncated SPDY header block');
      const v = out.subarray(at, at + length).toString('latin1');
      at += length;
      return v;
    };
    const headers = new Map<string, string[]>();
    const count = u32();
    for (let i = 0; i < count; i++) {
      const name = text(u32()).toLowerCase();
      const value = text(u32());
      headers.set(name, [...(headers.get(name) ?? []), ...value.split('\0')]);
    }
    this.consumed += at;
    return headers;
  }
}

/**
 * Compresses the header blocks this side sends: a zlib stream of stored (uncompressed) deflate
 * blocks, each header block followed by the empty stored block of a sync flush (the peer's
 * inflater reads it like any zlib stream; no dictionary is needed for stored blocks).
 */
export class HeaderDeflater {
  private started = false;

  block(headers: [string, string][]): Buffer {
    const parts: Buffer[] = [];
    const count = Buffer.alloc(4);
    count.writeUInt32BE(headers.length, 0);
    parts.push(count);
    for (const [name, value] of headers) {
      for (const text of [name, value]) {
        const b = Buffer.alloc(4 + Buffer.byteLength(text));
        b.writeUInt32BE(Buffer.byteLength(text), 0);
        b.write(text, 4);
        parts.push(b);
      }
    }
    const raw = Buffer.concat(parts);
    const stored = Buffer.alloc(5);
    stored[0] = 0x00; // BFINAL 0, BTYPE 00 (stored)
    stored.writeUInt16LE(raw.length, 1);
    stored.writeUInt16LE(~raw.length & 0xffff, 3);
    const head = this.started ? [] : [Buffer.from([0x78, 0x01])];
    this.started = true;
    // then an empty stored block, as a sync flush writes: Go's inflater hands the block's bytes
    // over only once it has read the next block's header
    return Buffer.concat([...head, stored, raw, Buffer.from([0x00, 0x00, 0x00, 0xff, 0xff])]);
  }
}

/** A control frame. */
export function controlFrame(type: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt16BE(0x8000 | VERSION, 0);
  head.writeUInt16BE(type, 2);
  head[4] = flags;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

/** A data frame. */
export function dataFrame(streamId: number, flags: number, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(streamId & 0x7fffffff, 0);
  head[4] = flags;
  head.writeUIntBE(data.length, 5, 3);
  return Buffer.concat([head, data]);
}

/** SYN_REPLY for a stream, with a header block. */
export function synReply(streamId: number, block: Buffer): Buffer {
  const id = Buffer.alloc(4);
  id.writeUInt32BE(streamId & 0x7fffffff, 0);
  return controlFrame(SYN_REPLY, 0, Buffer.concat([id, block]));
}

/** RST_STREAM with a status code (1 PROTOCOL_ERROR, 2 INVALID_STREAM, 5 CANCEL ...). */
export function rstStream(streamId: number, status: number): Buffer {
  const data = Buffer.alloc(8);
  data.writeUInt32BE(streamId & 0x7fffffff, 0);
  data.writeUInt32BE(status, 4);
  return controlFrame(RST_STREAM, 0, data);
}
