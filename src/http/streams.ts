/**
 * `exec` and `attach` over WebSocket, as kubectl 1.32 speaks them: `GET|POST
 * /api/v1/namespaces/NS/pods/NAME/exec?command=…&container=…&stdin=…&stdout=…&stderr=…&tty=…`
 * upgraded with the subprotocol `v5.channel.k8s.io` (or `v4.channel.k8s.io`). Every WebSocket
 * message is binary, its first byte a channel: 0 stdin, 1 stdout, 2 stderr, 3 error (a JSON
 * metav1.Status written once at the end: Success, or Failure with reason NonZeroExitCode and a
 * cause `ExitCode`), 4 resize, and in v5 255 "close" (`[255, 0]`: the client closed stdin).
 *
 * The order of checks is kube-apiserver's: the connect request is authorized and the pod read by
 * the API server (`create` on `pods/exec`; a WebSocket upgrade by GET also needs `create`, as the
 * AuthorizePodWebsocketUpgradeCreatePermission gate does), then the pod registry's
 * `streamLocation` refusals (an unknown container, several containers and none named, no node)
 * answer the upgrade with a 400 Status, then what the kubelet refuses (a container that is not
 * running) comes as the StreamTranslator writes it, on the error channel of the upgraded socket.
 *
 * The command runs through the kubelet's interpreter (src/cluster/exec.ts), and its lines are
 * written as the cluster's virtual time reaches them (kernel timers: with `serve`'s real-time
 * driver, `sleep 2` takes two seconds at speed 1).
 */
import type { IncomingMessage } from 'node:http';
import type { SourceReader } from '../../machines/kubelet/config-sources.js';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Kernel } from '../kernel/kernel.js';
import type { Pod, Status } from '../api/types.js';
import { StatusError, badRequest } from '../api/status.js';
import { execInPod } from '../cluster/exec.js';
import type { NetworkSource } from '../../machines/kubelet/network.js';
import { containerLog, containerSpecOf, containerStatusOf, logContainer } from '../cluster/logs.js';
import type { ImageEntry } from '../profiles/images.js';
import type { ContainerTraffic } from '../cluster/traffic.js';
import type { Gateway } from './gateway.js';
import type { RequestSpec } from '../../machines/client/api-client.js';
import { nowAbs } from './logs.js';
import { Terminal, isInteractiveShell } from './terminal.js';
import { containerArgv } from '../../machines/kubelet/process.js';

/** The subprotocol kubectl's port-forward tunneling dialer asks for (SPDY/3.1 inside WebSocket). */
export const PORT_FORWARD_PROTOCOL = 'SPDY/3.1+portforward.k8s.io';

/** The paths of the streaming subresources of pods. */
export const POD_STREAM_PATH = /^\/api\/v1\/namespaces\/([^/?]+)\/pods\/([^/?]+)\/(exec|attach|portforward)(?:\?|$)/;

/** The remote-command subprotocols served, preferred first. */
const CHANNEL_PROTOCOLS = ['v5.channel.k8s.io', 'v4.channel.k8s.io'] as const;

const STDIN = 0;
const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;
const CLOSE = 255;

/** What the streaming endpoints need from the server. */
export interface StreamDeps {
  gateway: Gateway;
  kernel: Kernel;
  catalog?: ImageEntry[];
  /** Reads the ConfigMaps and Secrets pods use. */
  sources?: SourceReader;
  /** The network an exec sees (captured at its start) and where its requests are logged. */
  network?: NetworkSource;
  /** Answers the (not upgraded) request with a Status. */
  sendStatus(code: number, status: Status): void;
  traffic?: ContainerTraffic;
  /** Serves port-forward once authorized (src/http/portforward.ts). */
  portForward?(deps: StreamDeps, pod: Pod, req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** The request's impersonation headers (the API server checks them with the rest). */
  impersonate?: RequestSpec['impersonate'];
  /** How often an attach looks for new lines (real ms). Default 100. */
  attachPollMs?: number;
}

/** The upgrade of a request: its socket and the bytes read past its head. */
export interface Upgrade {
  socket: Duplex;
  head: Buffer;
  /** Hands the socket back from the ServerResponse that would have answered it. */
  release(): void;
}

/** PodExecOptions / PodAttachOptions from the query, as the API server converts them. */
interface StreamOptions {
  command: string[];
  container: string | undefined;
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  tty: boolean;
}

function parseBool(params: URLSearchParams, name: string, dflt: boolean): boolean {
  const v = params.get(name);
  if (v === null) return dflt;
  if (v === '' || v === 'true' || v === '1') return true;
  if (v === 'false' || v === '0') return false;
  throw new StatusError(badRequest(`invalid value for ${name}: "${v}": must be a boolean`));
}

function parseOptions(params: URLSearchParams, kind: 'exec' | 'attach'): StreamOptions {
  return {
    command: params.getAll('command'),
    container: params.get('container') || undefined,
    stdin: parseBool(params, 'stdin', false),
    // PodExecOptions defaults stdout and stderr to true; PodAttachOptions too
    stdout: parseBool(params, 'stdout', kind === 'exec' || kind === 'attach'),
    stderr: parseBool(params, 'stderr', true),
    tty: parseBool(params, 'tty', false),
  };
}

const wss = new WebSocketServer({ noServer: true, perMessageDeflate: false, handleProtocols: (offered) => CHANNEL_PROTOCOLS.find((p) => offered.has(p)) ?? false });

/** True for a WebSocket upgrade request. */
function isWebSocket(req: IncomingMessage): boolean {
  return (req.headers.upgrade ?? '').toLowerCase() === 'websocket';
}

/** The offered WebSocket subprotocols. */
function offeredProtocols(req: IncomingMessage): string[] {
  return (req.headers['sec-websocket-protocol'] ?? '')
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean);
}

/**
 * Serves one request on `…/pods/NAME/exec|attach|portforward`: authorization and the pod through
 * the API server, the registry's checks, then the upgrade (or a Status saying why not).
 */
export async function servePodStream(deps: StreamDeps, req: IncomingMessage, upgrade: Upgrade | undefined, token: string, namespace: string, name: string, kind: 'exec' | 'attach' | 'portforward'): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  if (method !== 'GET' && method !== 'POST') {
    return deps.sendStatus(405, { ...badRequest(`${method} is not allowed on pods/${kind}`), code: 405, reason: 'MethodNotAllowed' });
  }
  const base: RequestSpec = { verb: method === 'GET' ? 'get' : 'create', resource: 'pods', namespace: decodeURIComponent(namespace), name: decodeURIComponent(name), subresource: kind, ...(deps.impersonate ? { impersonate: deps.impersonate } : {}) };
  let answer = await deps.gateway.request(token, base);
  // a WebSocket upgrade by GET must also be allowed to create (AuthorizePodWebsocketUpgradeCreatePermission)
  if (answer.code === 200 && base.verb === 'get' && upgrade) answer = await deps.gateway.request(token, { ...base, verb: 'create' });
  if (answer.code !== 200) return deps.sendStatus(answer.code, answer.body);
  const pod = answer.body as Pod;
  const podName = pod.metadata?.name ?? '';
  const url = new URL(req.url ?? '/', 'http://localhost');
  let options: StreamOptions | undefined;
  try {
    if (kind !== 'portforward') {
      options = parseOptions(url.searchParams, kind);
      options.container = logContainer(pod, options.container);
    }
    if (!pod.spec?.nodeName) throw new StatusError(badRequest(`pod ${podName} does not have a host assigned`));
  } catch (error) {
    if (error instanceof StatusError) return deps.sendStatus(error.status.code ?? 400, error.status);
    throw error;
  }
  if (!upgrade) return deps.sendStatus(400, badRequest('Upgrade request required'));
  if (kind === 'portforward') {
    if (!deps.portForward) return deps.sendStatus(400, badRequest('port-forward is not served'));
    if (!isWebSocket(req)) {
      return deps.sendStatus(
        400,
        badRequest(`kube-actors forwards ports over WebSocket only (subprotocol ${PORT_FORWARD_PROTOCOL}), not over ${req.headers.upgrade || 'this upgrade'}: use kubectl 1.31 or later without KUBECTL_PORT_FORWARD_WEBSOCKETS=false`),
      );
    }
    if (!offeredProtocols(req).includes(PORT_FORWARD_PROTOCOL)) return deps.sendStatus(400, badRequest(`requested protocol(s) are not supported: [${offeredProtocols(req).join(' ')}]; supports [${PORT_FORWARD_PROTOCOL}]`));
    upgrade.release();
    return deps.portForward(deps, pod, req, upgrade.socket, upgrade.head);
  }
  if (!isWebSocket(req)) {
    const asked = req.headers.upgrade ?? '';
    return deps.sendStatus(
      400,
      badRequest(`kube-actors streams ${kind} over WebSocket only (subprotocols ${CHANNEL_PROTOCOLS.join(', ')}), not over ${asked || 'this upgrade'}: use kubectl 1.30 or later without KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false`),
    );
  }
  const offered = offeredProtocols(req);
  if (!offered.some((p) => (CHANNEL_PROTOCOLS as readonly string[]).includes(p))) {
    return deps.sendStatus(400, badRequest(`requested protocol(s) are not supported: [${offered.join(' ')}]; supports [${CHANNEL_PROTOCOLS.join(' ')}]`));
  }
  if (kind === 'exec' && options!.command.length === 0) return deps.sendStatus(400, badRequest('you must specify at least one command for the container'));
  if (!options!.stdin && !options!.stdout && !options!.stderr) return deps.sendStatus(400, badRequest('you must specify at least 1 of stdin, stdout, stderr'));
  upgrade.release();
  wss.handleUpgrade(req, upgrade.socket, upgrade.head, (ws) => {
    const session = new ChannelSession(ws, options!);
    if (kind === 'exec') runExec(deps, session, pod, options!);
    else runAttach(deps, session, token, { ...base, verb: 'create' }, pod, options!);
  });
}

/** One upgraded connection speaking the channel protocol. */
class ChannelSession {
  readonly v5: boolean;
  private stdinChunks: Buffer[] = [];
  private stdinClosed = false;
  private stdinWaiters: (() => void)[] = [];
  closed = false;
  private readonly onClose: (() => void)[] = [];

  constructor(
    readonly ws: WebSocket,
    readonly options: StreamOptions,
  ) {
    this.v5 = ws.protocol === 'v5.channel.k8s.io';
    ws.on('message', (data: Buffer, isBinary: boolean) => {
      if (!isBinary || data.length === 0) return;
      const channel = data[0]!;
      if (channel === STDIN) {
        if (this.input) this.input(data.subarray(1));
        else this.stdinChunks.push(data.subarray(1));
      } else if (channel === CLOSE && data[1] === STDIN) this.endStdin();
      // 4 (resize) changes nothing the interpreter prints
    });
    ws.on('close', () => {
      this.closed = true;
      this.endStdin();
      for (const f of this.onClose.splice(0)) f();
    });
    ws.on('error', () => ws.terminate());
  }

  private endStdin(): void {
    if (this.stdinClosed) return;
    this.stdinClosed = true;
    for (const f of this.stdinWaiters.splice(0)) f();
  }

  /** Takes stdin as it comes (a terminal) instead of collecting it; `end` when it closes. */
  private input: ((chunk: Buffer) => void) | undefined;
  onInput(input: (chunk: Buffer) => void, end: () => void): void {
    this.input = input;
    this.stdinWaiters.push(end);
  }

  /** Writes to stdout as is (a terminal's echo and prompt). */
  writeRaw(text: string): void {
    if (this.closed || !this.options.stdout) return;
    this.ws.send(Buffer.concat([Buffer.from([STDOUT]), Buffer.from(text)]));
  }

  /** All of stdin, once the client closed it (v5's close signal, or the connection's end). */
  stdin(): Promise<string> {
    return new Promise((resolve) => {
      const done = () => resolve(Buffer.concat(this.stdinChunks).toString('utf8'));
      if (this.stdinClosed) done();
      else this.stdinWaiters.push(done);
    });
  }

  whenClosed(f: () => void): void {
    if (this.closed) f();
    else this.onClose.push(f);
  }

  write(stream: 'stdout' | 'stderr', text: string): void {
    if (this.closed) return;
    const tty = this.options.tty;
    // a terminal has one output stream and turns \n into \r\n
    const channel = stream === 'stdout' || tty ? STDOUT : STDERR;
    if (channel === STDOUT && !this.options.stdout) return;
    if (channel === STDERR && !this.options.stderr) return;
    this.ws.send(Buffer.concat([Buffer.from([channel]), Buffer.from(tty ? text.replace(/\n/g, '\r\n') : text)]));
  }

  /** Writes the final Status on the error channel and closes normally. */
  finish(status: Status): void {
    if (this.closed) return;
    this.ws.send(Buffer.concat([Buffer.from([ERROR]), Buffer.from(JSON.stringify(status))]));
    this.ws.close(1000);
    this.closed = true;
  }
}

const SUCCESS = { metadata: {}, status: 'Success' } as Status;

/** The Status of a command that exited with `code`, as the API server's StreamTranslator writes it. */
function exitStatus(command: readonly string[], code: number): Status {
  return {
    metadata: {},
    status: 'Failure',
    message: `command terminated with non-zero exit code: command terminated with non-zero exit code: error executing command [${command.join(' ')}], exit code ${code}`,
    reason: 'NonZeroExitCode',
    details: { causes: [{ reason: 'ExitCode', message: String(code) }] },
  };
}

function internalError(message: string): Status {
  return { metadata: {}, status: 'Failure', message: `Internal error occurred: ${message}`, reason: 'InternalError', details: { causes: [{ message }] }, code: 500 };
}

function runExec(deps: StreamDeps, session: ChannelSession, pod: Pod, options: StreamOptions): void {
  if (options.tty && options.stdin && session.v5 && isInteractiveShell(options.command)) return runTerminal(deps, session, pod, options);
  const start = async () => {
    const stdin = options.stdin && session.v5 ? await session.stdin() : undefined;
    if (session.closed) return;
    let result;
    try {
      result = execInPod(pod, options.command, nowAbs(deps.kernel), { container: options.container, stdin, catalog: deps.catalog, sources: deps.sources, network: deps.network });
    } catch (error) {
      if (error instanceof StatusError) return session.finish(internalError(error.status.message ?? ''));
      throw error;
    }
    // the lines as virtual time reaches them, then the exit
    const timers = result.lines.map((line) => deps.kernel.setTimer(() => session.write(line.stream, `${line.text}\n`), line.atMs));
    timers.push(deps.kernel.setTimer(() => session.finish(result.exitCode === 0 ? SUCCESS : exitStatus(options.command, result.exitCode)), result.durationMs));
    session.whenClosed(() => timers.forEach((t) => deps.kernel.clearTimer(t)));
  };
  start().catch((error: unknown) => session.finish(internalError(error instanceof Error ? error.message : String(error))));
}

/** `exec -it POD -- sh`: a terminal whose lines run one by one through the interpreter. */
function runTerminal(deps: StreamDeps, session: ChannelSession, pod: Pod, options: StreamOptions): void {
  const shell = options.command[0]!;
  let timers: unknown[] = [];
  session.whenClosed(() => timers.forEach((t) => deps.kernel.clearTimer(t)));
  const terminal = new Terminal({
    echo: (text) => session.writeRaw(text),
    exit: (code) => session.finish(code === 0 ? SUCCESS : exitStatus(options.command, code)),
    run: (line, done) => {
      let result;
      try {
        result = execInPod(pod, [shell, '-c', line], nowAbs(deps.kernel), { container: options.container, catalog: deps.catalog, sources: deps.sources, network: deps.network });
      } catch (error) {
        if (error instanceof StatusError) return session.finish(internalError(error.status.message ?? ''));
        throw error;
      }
      timers = result.lines.map((l) => deps.kernel.setTimer(() => session.write(l.stream, `${l.text}\n`), l.atMs));
      timers.push(deps.kernel.setTimer(() => done(result.exitCode), result.durationMs));
    },
  });
  session.onInput(
    (chunk) => terminal.feed(chunk.toString('utf8')),
    () => terminal.end(),
  );
  terminal.start();
}

/**
 * attach: the main process's output from now on (as `logs -f` without the history), until the
 * container's run ends (Success) or the client goes. Its stdin is read and dropped: the
 * interpreter ran the process from its start.
 */
function runAttach(deps: StreamDeps, session: ChannelSession, token: string, authorized: RequestSpec, pod: Pod, options: StreamOptions): void {
  const container = options.container!;
  // a shell started on a terminal (`kubectl debug -it … -- sh`, `kubectl run -it -- sh`): attaching is a terminal to it
  const spec = containerSpecOf(pod, container);
  // its argv as the runtime runs it: `kubectl debug -it --image=busybox` gives no command, and busybox's CMD is `sh`
  const argv = spec ? containerArgv(spec, deps.catalog) : [];
  if (options.tty && options.stdin && session.v5 && spec?.stdin && spec.tty && argv.length > 0 && isInteractiveShell(argv) && containerStatusOf(pod, container)?.state?.running) {
    return runTerminal(deps, session, pod, { ...options, command: argv });
  }
  if (options.stdin) {
    // the process was replayed from its start: what is typed cannot reach it, and the user is told so once
    let told = false;
    session.onInput(
      (chunk) => {
        if (told || chunk.length === 0) return;
        told = true;
        session.write('stderr', `kube-actors: input to an attached container is not delivered (its process is replayed from its start); use kubectl exec -i ${pod.metadata?.name ?? ''} -- COMMAND\n`);
      },
      () => undefined,
    );
  }
  const read = async (): Promise<Pod | undefined> => {
    const answer = await deps.gateway.request(token, authorized);
    return answer.code === 200 ? (answer.body as Pod) : undefined;
  };
  const loop = async () => {
    let log;
    try {
      log = containerLog(pod, { container }, nowAbs(deps.kernel), { catalog: deps.catalog, sources: deps.sources });
    } catch (error) {
      if (error instanceof StatusError) return session.finish(internalError(`unable to upgrade connection: container not found ("${container}")`));
      throw error;
    }
    if (log.ended) return session.finish(internalError(`unable to upgrade connection: container not found ("${container}")`));
    // the lines written in full, and how much of the next one (a line still being written: `OK!OK!…`)
    let done = log.lines.length - (log.unfinished ? 1 : 0);
    let open = log.unfinished ? log.lines.at(-1)!.text.length : 0;
    const startedAt = runStart(pod, container);
    const poll = deps.attachPollMs ?? 100;
    while (!session.closed) {
      await new Promise((resolve) => setTimeout(resolve, poll));
      const again = await read();
      if (!again || runStart(again, container) !== startedAt) break;
      let next;
      try {
        next = containerLog(again, { container }, nowAbs(deps.kernel), { catalog: deps.catalog, sources: deps.sources });
      } catch (error) {
        if (error instanceof StatusError) break;
        throw error;
      }
      for (let i = done; i < next.lines.length; i++) {
        const line = next.lines[i]!;
        const text = line.text.slice(i === done ? open : 0);
        if (i === next.lines.length - 1 && next.unfinished) {
          if (text) session.write(line.stream, text);
          done = i;
          open = line.text.length;
        } else {
          session.write(line.stream, `${text}\n`);
          done = i + 1;
          open = 0;
        }
      }
      if (next.ended) break;
    }
    session.finish(SUCCESS);
  };
  loop().catch((error: unknown) => session.finish(internalError(error instanceof Error ? error.message : String(error))));
}

function runStart(pod: Pod, container: string): string | undefined {
  const s = containerStatusOf(pod, container);
  return s?.state?.running?.startedAt ?? s?.state?.terminated?.startedAt;
}
