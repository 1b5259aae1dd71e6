// @ts-check
/**
 * The page's WebSocket: connects to /ws, reconnects with back-off, and resumes the message
 * stream from the seq after the last one it received (`subscribe { since }`), so a reconnect
 * loses nothing the server still holds. Requests with an `id` get their answer as a Promise.
 */

/** How many past messages a fresh page asks for. */
const INITIAL_HISTORY = 4000;

export class Connection {
  /**
   * @param {string} url
   * @param {{ onHello: (m: any) => void, onMessages: (list: any[]) => void, onState: (state: 'connecting' | 'open' | 'closed', info?: string) => void, onReset?: () => void }} handlers
   */
  constructor(url, handlers) {
    this.url = url;
    this.handlers = handlers;
    /** Highest trace seq received. */
    this.lastSeq = -1;
    /** @type {WebSocket | undefined} */
    this.ws = undefined;
    this.nextId = 1;
    /** @type {Map<number, (m: any) => void>} */
    this.waiting = new Map();
    this.retry = 0;
    this.everConnected = false;
  }

  connect() {
    this.handlers.onState('connecting');
    const ws = new WebSocket(this.url);
    this.ws = ws;
    ws.onopen = () => {
      this.retry = 0;
      this.handlers.onState('open');
    };
    ws.onmessage = (ev) => {
      /** @type {any[]} */
      let list;
      try {
        list = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      if (!Array.isArray(list)) list = [list];
      /** @type {any[]} */
      const rest = [];
      for (const m of list) {
        if (m.type === 'hello') {
          if (this.lastSeq >= m.buffer.next) {
            // a different run answered (the server was restarted): start over
            this.lastSeq = -1;
            this.everConnected = false;
            this.handlers.onReset?.();
          }
          this.handlers.onHello(m);
          const since = this.everConnected && this.lastSeq >= 0 ? this.lastSeq + 1 : Math.max(m.buffer.oldest, m.buffer.next - INITIAL_HISTORY);
          this.everConnected = true;
          this.send({ type: 'subscribe', since });
          continue;
        }
        if (m.type === 'message') {
          if (m.seq <= this.lastSeq) continue;
          this.lastSeq = m.seq;
        }
        if (m.id !== undefined && this.waiting.has(m.id)) {
          const resolve = this.waiting.get(m.id);
          this.waiting.delete(m.id);
          resolve?.(m);
        }
        rest.push(m);
      }
      if (rest.length) this.handlers.onMessages(rest);
    };
    ws.onclose = () => {
      this.handlers.onState('closed', 'reconnecting…');
      for (const [, resolve] of this.waiting) resolve({ type: 'error', message: 'connection lost' });
      this.waiting.clear();
      const delay = Math.min(5000, 300 * 2 ** this.retry++);
      setTimeout(() => this.connect(), delay);
    };
  }

  /** Sends a request without waiting for an answer. */
  send(/** @type {any} */ req) {
    if (this.ws && this.ws.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(req));
  }

  /** Sends a request and resolves with its answer. */
  request(/** @type {any} */ req) {
    const id = this.nextId++;
    return new Promise((resolve) => {
      if (!this.ws || this.ws.readyState !== WebSocket.OPEN) {
        resolve({ type: 'error', id, message: 'not connected' });
        return;
      }
      this.waiting.set(id, resolve);
      this.ws.send(JSON.stringify({ ...req, id }));
    });
  }
}
