/** A test client of the inspector's WebSocket protocol: collects every message, answers requests. */
import WebSocket from 'ws';
import type { ClientRequest, ServerMessage } from '../../src/inspector/protocol.js';

export type Msg = ServerMessage & Record<string, any>;

export class TestClient {
  readonly received: Msg[] = [];
  readonly frames: Msg[][] = [];
  private readonly ws: WebSocket;
  private nextId = 1;
  private readonly waiters = new Set<() => void>();
  readonly opened: Promise<void>;
  readonly closed: Promise<void>;

  constructor(url: string) {
    this.ws = new WebSocket(url);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) => this.ws.once('close', () => resolve()));
    this.ws.on('message', (data) => {
      const frame = JSON.parse(data.toString()) as Msg[];
      if (!Array.isArray(frame)) throw new Error(`a server frame must be a JSON array; got ${data.toString().slice(0, 80)}`);
      this.frames.push(frame);
      this.received.push(...frame);
      for (const w of [...this.waiters]) w();
    });
  }

  /** Opens a client and waits for its hello. */
  static async connect(baseUrl: string): Promise<TestClient> {
    const c = new TestClient(baseUrl.replace(/^http/, 'ws') + 'ws');
    await c.opened;
    await c.waitFor((m) => m.type === 'hello');
    return c;
  }

  get hello(): Msg {
    const h = this.received.find((m) => m.type === 'hello');
    if (!h) throw new Error('no hello yet');
    return h;
  }

  /** Trace messages received, in order. */
  get messages(): Msg[] {
    return this.received.filter((m) => m.type === 'message');
  }

  send(req: ClientRequest): void {
    this.ws.send(JSON.stringify(req));
  }

  /** Sends a request and resolves with the answer carrying its id. */
  async request(req: ClientRequest, timeoutMs = 20_000): Promise<Msg> {
    const id = this.nextId++;
    this.send({ ...req, id });
    return this.waitFor((m) => m.id === id && m.type !== 'message', timeoutMs);
  }

  /** Resolves with the first received message (from `from` on) matching `predicate`. */
  async waitFor(predicate: (m: Msg) => boolean, timeoutMs = 20_000, from = 0): Promise<Msg> {
    let index = from;
    let found: Msg | undefined;
    await this.until(
      () => {
        for (; index < this.received.length; index++) {
          if (predicate(this.received[index]!)) {
            found = this.received[index]!;
            return true;
          }
        }
        return false;
      },
      timeoutMs,
      () => 'a message',
    );
    return found!;
  }

  /** Resolves once `count` frames in all have been received. */
  waitForFrames(count: number, timeoutMs = 20_000): Promise<void> {
    return this.until(() => this.frames.length >= count, timeoutMs, () => `frame ${count} (${this.frames.length} received)`);
  }

  /** Resolves when `check()` holds, checked now and after every frame; rejects after `timeoutMs`. */
  private until(check: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (check()) return resolve();
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what()}`));
      }, timeoutMs);
      const waiter = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.waiters.delete(waiter);
        resolve();
      };
      this.waiters.add(waiter);
    });
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** Waits (wall time) until `predicate()` holds. */
export async function eventually(predicate: () => boolean, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
