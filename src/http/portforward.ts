/**
 * `kubectl port-forward` (1.32) over WebSocket: kubectl tunnels SPDY/3.1 through a WebSocket
 * (subprotocol `SPDY/3.1+portforward.k8s.io`, client-go's tunneling dialer; kube-apiserver's
 * tunneling handler hands the SPDY bytes to the kubelet). For every local connection kubectl
 * opens two SPDY streams with the headers `streamType` (`error`, then `data`), `port` and
 * `requestID`; the kubelet answers each with SYN_REPLY, copies the data stream to and from
 * `localhost:PORT` in the pod's network namespace, writes a failure as text on the error stream,
 * and closes both.
 *
 * Here the connection is the simulated one of src/cluster/connect.ts (nginx answers HTTP on 80
 * and logs the access line); a port nothing listens on gets the kubelet's error text, which
 * kubectl prints (`an error occurred forwarding 8080 -> 81: error forwarding port 81 to pod …`).
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Pod } from '../api/types.js';
import { StatusError } from '../api/status.js';
import { connectToPod, type PodConnection } from '../cluster/connect.js';
import { nowAbs } from './logs.js';
import { FLAG_FIN, FrameReader, GOAWAY, HeaderDeflater, HeaderInflater, PING, RST_STREAM, SYN_STREAM, controlFrame, dataFrame, rstStream, synReply, type Frame } from './spdy.js';
import { PORT_FORWARD_PROTOCOL, type StreamDeps } from './streams.js';


/**
 * `SPDY/3.1+portforward.k8s.io` is not an RFC 7230 token (its `/`), which ws refuses in
 * Sec-WebSocket-Protocol: the handshake is made with a stand-in and the answer's header written
 * with the real name (gorilla/websocket, kubectl's client, takes it as it comes).
 */
const STAND_IN = 'portforward.k8s.io';
const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => (offered.has(STAND_IN) ? STAND_IN : false) });
wss.on('headers', (headers: string[]) => {
  const i = headers.findIndex((h) => h.toLowerCase() === `sec-websocket-protocol: ${STAND_IN}`);
  if (i >= 0) headers[i] = `Sec-WebSocket-Protocol: ${PORT_FORWARD_PROTOCOL}`;
});

/** One forwarded connection: its error and data streams. */
interface Pair {
  port: number;
  error?: number;
  data?: number;
  connection?: PodConnection;
  /** Streams this side has closed (FIN sent). */
  finished: Set<number>;
}

/** Upgrades the (authorized) request and serves the tunneled SPDY session. */
export function servePortForward(deps: StreamDeps, pod: Pod, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  req.headers['sec-websocket-protocol'] = STAND_IN;
  wss.handleUpgrade(req, socket, head, (ws) => new PortForwardSession(deps, pod, ws));
}

class PortForwardSession {
  private readonly reader = new FrameReader();
  private readonly inflater = new HeaderInflater();
  private readonly deflater = new HeaderDeflater();
  private readonly pairs = new Map<string, Pair>();
  /** requestID of each stream. */
  private readonly streams = new Map<number, string>();

  constructor(
    private readonly deps: StreamDeps,
    private readonly pod: Pod,
    private readonly ws: WebSocket,
  ) {
    ws.on('message', (data: Buffer) => {
      for (const frame of this.reader.push(Buffer.from(data))) this.onFrame(frame);
    });
    ws.on('error', () => ws.terminate());
  }

  private send(bytes: Buffer): void {
    if (this.ws.readyState === this.ws.OPEN) this.ws.send(bytes);
  }

  private onFrame(frame: Frame): void {
    if (!frame.control) return this.onData(frame.streamId, frame.flags, frame.data);
    switch (frame.type) {
      case SYN_STREAM:
        return this.onSynStream(frame.flags, frame.data);
      case PING:
        return this.send(controlFrame(PING, 0, frame.data));
      case RST_STREAM:
        return this.forget(frame.data.readUInt32BE(0) & 0x7fffffff);
      case GOAWAY:
        this.ws.close(1000);
        return;
      default:
      // SETTINGS, WINDOW_UPDATE, HEADERS: nothing to do for answers this small
    }
  }

  private onSynStream(flags: number, data: Buffer): void {
    const streamId = data.readUInt32BE(0) & 0x7fffffff;
    let headers: Map<string, string[]>;
    try {
      headers = this.inflater.headers(data.subarray(10));
    } catch (error) {
      // a header block that does not inflate breaks the session's compression context: go away
      this.send(rstStream(streamId, 1));
      this.ws.close(1002, `bad SPDY header block: ${error instanceof Error ? error.message : String(error)}`.slice(0, 120));
      return;
    }
    const one = (name: string) => headers.get(name.toLowerCase())?.[0] ?? '';
    const type = one('streamType');
    const portText = one('port');
    const requestId = one('requestID');
    const port = Number(portText);
    if ((type !== 'error' && type !== 'data') || !/^\d+$/.test(portText) || port < 1 || port > 65535) {
      this.send(rstStream(streamId, 1));
      return;
    }
    this.send(synReply(streamId, this.deflater.block([])));
    const key = `${requestId}/${port}`;
    const pair = this.pairs.get(key) ?? { port, finished: new Set<number>() };
    this.pairs.set(key, pair);
    this.streams.set(streamId, key);
    if (type === 'error') pair.error = streamId;
    else pair.data = streamId;
    if (pair.data !== undefined && pair.error !== undefined) this.open(pair);
    if (flags & FLAG_FIN && type === 'data') this.closePair(key);
  }

  /** Dials the pod's port once both streams of a connection exist. */
  private open(pair: Pair): void {
    try {
      pair.connection = connectToPod(this.pod, pair.port, { catalog: this.deps.catalog, traffic: this.deps.traffic, sources: this.deps.sources, nowAbs: () => nowAbs(this.deps.kernel) });
    } catch (error) {
      if (!(error instanceof StatusError)) throw error;
      this.finish(pair, pair.error!, Buffer.from(error.status.message ?? ''));
      this.finish(pair, pair.data!);
    }
  }

  private onData(streamId: number, flags: number, data: Buffer): void {
    const key = this.streams.get(streamId);
    if (key === undefined) return;
    const pair = this.pairs.get(key)!;
    if (streamId === pair.data && pair.connection && data.length > 0) {
      const answer = pair.connection.send(data);
      if (answer.length > 0 && !pair.finished.has(streamId)) this.send(dataFrame(streamId, 0, Buffer.from(answer.buffer, answer.byteOffset, answer.byteLength)));
      if (pair.connection.closed) this.closePair(key);
    }
    if (flags & FLAG_FIN && streamId === pair.data) this.closePair(key);
  }

  /** Ends a connection: FIN on its data and error streams (the error stream empty: no error). */
  private closePair(key: string): void {
    const pair = this.pairs.get(key);
    if (!pair) return;
    if (pair.data !== undefined) this.finish(pair, pair.data);
    if (pair.error !== undefined) this.finish(pair, pair.error);
  }

  private finish(pair: Pair, streamId: number, data: Buffer = Buffer.alloc(0)): void {
    if (pair.finished.has(streamId)) return;
    pair.finished.add(streamId);
    this.send(dataFrame(streamId, FLAG_FIN, data));
    if (pair.data !== undefined && pair.error !== undefined && pair.finished.has(pair.data) && pair.finished.has(pair.error)) {
      this.pairs.delete(this.streams.get(streamId)!);
      this.streams.delete(pair.data);
      this.streams.delete(pair.error);
    }
  }

  private forget(streamId: number): void {
    const key = this.streams.get(streamId);
    this.streams.delete(streamId);
    if (key !== undefined) this.pairs.get(key)?.finished.add(streamId);
  }
}
