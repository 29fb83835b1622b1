import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
// The observer's public signatures name the core's Runtime as users import it (a
// type-only import, erased from the bundle), so that its declarations refer to 'otp-ts'.
import type { Runtime } from 'otp-ts';
import { GenServer } from '../behaviours/gen-server.js';
import {
  LOCAL_NODE,
  loggerOf,
  type Pid,
  type Process,
  type Trace,
  type TraceEvent,
} from '../core/kernel.js';
import { describeDest, describeValue } from '../describe.js';
import { AlreadyStartedError, NoProcError } from '../errors.js';
import { type CrashReport, formatCrashReport } from '../logger.js';
import type { ExitReason } from '../types.js';
import { AGENT_MODULE, AGENT_NAME } from './agent.js';
import { killProcess, type ProcessDetails, processDetails } from './details.js';
import { PAGE_CSS, PAGE_HTML, PAGE_JS } from './page.js';
import { findProcess, nameText, type SortKey, snapshot, type View } from './snapshot.js';

/**
 * Options of {@link startObserver}.
 *
 * @example
 * ```ts
 * await startObserver(rt, { port: 4000 });                                   // loopback
 * await startObserver(rt, { host: '0.0.0.0', port: 4000, token: 's3cret' }); // needs the token
 * ```
 */
export interface ObserverOptions {
  /** The port to listen on; `0` picks a free one. @defaultValue 0 */
  port?: number;
  /**
   * The address to bind. Anything but loopback (`127.0.0.1`, `::1`, `localhost`)
   * requires a `token`. @defaultValue '127.0.0.1'
   */
  host?: string;
  /**
   * A secret every request must carry (`?token=`; the resolved `url` includes it).
   * Required off loopback; on loopback, required only when given.
   */
  token?: string;
  /** How often the page gets an update, in ms (at most 1000). @defaultValue 500 */
  interval?: number;
}

/**
 * A running observer, from {@link startObserver}.
 *
 * @example
 * ```ts
 * const observer = await startObserver(rt);
 * console.log(`observer at ${observer.url}`);
 * await observer.close();
 * ```
 */
export interface Observer {
  /** The page's address, with `?token=` when a token is set. */
  readonly url: string;
  /** Stops the server, ends the pages' updates and any trace started from a page. */
  close(): Promise<void>;
}

/** Recent crash reports and restarts kept for the page. */
const RECENT = 50;
/** How long an update of another node may take before the page hears of it. */
const AGENT_TIMEOUT = 2_000;
/** What a trace started from the page may take: it ends by itself past these. */
const PAGE_TRACE = { limit: 500, rate: { max: 200, ms: 1_000 } } as const;
const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
/** The largest request body an action may have. */
const MAX_BODY = 4_096;

interface Client {
  res: ServerResponse;
  view: View;
  /** The node it looks at, when not this runtime's own. */
  node: string | undefined;
  /** An update of another node is on its way: the next tick skips this client. */
  busy: boolean;
}

interface Recent {
  crashes: { at: number; pid: string; name: string | null; reason: string; report: string }[];
  restarts: {
    at: number;
    supervisor: string;
    childId: string;
    reason: string;
    oldPid: string | null;
    newPid: string | null;
  }[];
}

function checkOptions(opts: ObserverOptions): Required<Omit<ObserverOptions, 'token'>> & {
  token: string | undefined;
} {
  if (typeof opts !== 'object' || opts === null) {
    throw new TypeError(
      `startObserver: expected options { port?, host?, token? }, got ${describeValue(opts, 100)}`,
    );
  }
  const { port = 0, host = '127.0.0.1', token, interval = 500 } = opts;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new (typeof port === 'number' ? RangeError : TypeError)(
      `startObserver: expected \`port\` to be a whole number from 0 to 65535, got ${describeValue(port, 100)}`,
    );
  }
  if (typeof host !== 'string' || host === '') {
    throw new TypeError(
      `startObserver: expected \`host\` to be an address, got ${describeValue(host, 100)}`,
    );
  }
  if (token !== undefined && (typeof token !== 'string' || token.length < 8)) {
    throw new TypeError(
      `startObserver: expected \`token\` to be a string of at least 8 characters, got ${typeof token === 'string' ? `${token.length} characters` : describeValue(token, 100)}`,
    );
  }
  if (token === undefined && !LOOPBACK.has(host)) {
    throw new TypeError(
      `startObserver: binding to ${host}, which is not loopback, requires a \`token\`: anyone who reaches the page can kill processes and read their state`,
    );
  }
  if (typeof interval !== 'number' || !(interval >= 50 && interval <= 1_000)) {
    throw new (typeof interval === 'number' ? RangeError : TypeError)(
      `startObserver: expected \`interval\` to be a number of ms from 50 to 1000, got ${describeValue(interval, 100)}`,
    );
  }
  return { port, host, token, interval };
}

/**
 * Starts a live web page of `rt`, served by Node.js's own `http` module with
 * server-sent events (no dependency): the supervision tree and the process table
 * (sortable by mailbox length, messages handled and name, paged so that 100,000
 * processes stay smooth), updated every `interval` ms; a process's info, links,
 * monitors and state (through its `formatStatus` hook, so secrets can stay hidden);
 * recent crash reports and restarts; traces started and stopped from the page; and
 * killing a process, after a confirmation. Those two are the only actions.
 *
 * It binds loopback by default. Bound to any other address it requires `token`, and
 * every request must carry it (`?token=`, which `url` includes). Every value is shown
 * as text: a state that holds `<script>` shows those characters.
 *
 * @param rt - the runtime to show.
 * @param opts - `port`, `host`, `token`, `interval`.
 * @returns The {@link Observer}: its `url` and `close()`.
 * @throws TypeError or RangeError (as a rejection) for a bad option, or a host that is
 * not loopback without a token; the listen error when the port is taken.
 * @example
 * ```ts
 * import { Runtime } from 'otp-ts';
 * import { startObserver } from 'otp-ts/observer';
 *
 * const rt = new Runtime();
 * const observer = await startObserver(rt, { port: 4000 });
 * console.log(`open ${observer.url}`);
 * // ...
 * await observer.close();
 * await rt.shutdown();
 * ```
 */
export async function startObserver(rt: Runtime, opts: ObserverOptions = {}): Promise<Observer> {
  const { port, host, token, interval } = checkOptions(opts);
  const clients = new Set<Client>();
  const recent: Recent = { crashes: [], restarts: [] };
  let trace: Trace | undefined;
  let traceTarget = '';

  const broadcast = (event: string, data: unknown): void => {
    const text = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const client of clients) client.res.write(text);
  };

  const onCrash = (report: CrashReport): void => {
    recent.crashes.unshift({
      at: Date.now(),
      pid: String(report.pid),
      name: nameText(report.name),
      reason: describeValue(report.reason, 300),
      report: safeFormat(report),
    });
    recent.crashes.length = Math.min(recent.crashes.length, RECENT);
  };
  const onRestart = (
    supervisor: Pid,
    id: unknown,
    reason: ExitReason,
    oldPid: Pid | undefined,
    newPid: Pid | undefined,
  ): void => {
    recent.restarts.unshift({
      at: Date.now(),
      supervisor: String(supervisor),
      childId: describeValue(id, 200),
      reason: describeValue(reason, 300),
      oldPid: oldPid === undefined ? null : String(oldPid),
      newPid: newPid === undefined ? null : String(newPid),
    });
    recent.restarts.length = Math.min(recent.restarts.length, RECENT);
  };
  rt.on('crash', onCrash);
  rt.on('restart', onRestart);

  /** The nodes the page can look at: this one, then those it is connected to. */
  const nodes = (): string[] => (rt.node === LOCAL_NODE ? [rt.node] : [rt.node, ...rt.nodes()]);

  const write = (client: Client, shot: object): void => {
    const data = {
      ...shot,
      ...recent,
      trace: traceState(),
      node: client.node ?? rt.node,
      nodes: nodes(),
    };
    client.res.write(`event: snapshot\ndata: ${JSON.stringify(data)}\n\n`);
  };

  const update = (client: Client): void => {
    if (client.node === undefined) {
      write(client, snapshot(rt, client.view));
      return;
    }
    if (client.busy) return;
    client.busy = true;
    askAgent(client.node, { view: client.view }).then(
      (shot) => {
        client.busy = false;
        if (clients.has(client)) write(client, shot as object);
      },
      (error: unknown) => {
        client.busy = false;
        if (!clients.has(client)) return;
        client.res.write(
          `event: node-error\ndata: ${JSON.stringify({ node: client.node, error: describeValue(error, 300) })}\n\n`,
        );
      },
    );
  };

  /**
   * Asks the observer's agent on `node` (an update, a process's details, a kill),
   * starting it there on first use: a remote start of this package's own module.
   */
  const askAgent = async (node: string, request: object): Promise<unknown> => {
    const agent = { name: AGENT_NAME, node };
    try {
      return await GenServer.call(rt, agent, request, AGENT_TIMEOUT);
    } catch (error) {
      if (!(error instanceof NoProcError)) throw error;
    }
    await rt
      .start({ module: AGENT_MODULE, export: 'ObserverAgent' }, undefined, {
        node,
        name: AGENT_NAME,
      })
      .catch((error: unknown) => {
        // Another page may have started it meanwhile.
        if (!(error instanceof AlreadyStartedError)) throw error;
      });
    return GenServer.call(rt, agent, request, AGENT_TIMEOUT);
  };

  const traceState = () =>
    trace === undefined
      ? { running: false, target: traceTarget, endReason: null }
      : {
          running: trace.endReason === undefined,
          target: traceTarget,
          endReason: trace.endReason ?? null,
        };
  const timer = setInterval(() => {
    for (const client of clients) update(client);
  }, interval);
  timer.unref();

  const startTrace = (target: string): void => {
    trace?.stop();
    let proc: Process | 'all';
    if (target === 'all') proc = 'all';
    else {
      const found = findProcess(rt, target);
      if (found === undefined) throw new HttpError(404, `no live process ${target}`);
      proc = found;
    }
    const started = rt.trace(proc === 'all' ? 'all' : proc.pid, PAGE_TRACE);
    trace = started;
    traceTarget = target;
    void (async () => {
      for await (const event of started) broadcast('trace', traceLine(event));
      broadcast('trace-end', { target, endReason: started.endReason ?? null });
    })();
  };

  const details = async (text: string, node: string | undefined): Promise<ProcessDetails> => {
    const found =
      node === undefined
        ? await processDetails(rt, text)
        : ((await askAgent(node, { details: text })) as ProcessDetails | null);
    if (found === undefined || found === null) throw new HttpError(404, `no live process ${text}`);
    return found;
  };

  const kill = async (text: string, node: string | undefined): Promise<string> => {
    const killed =
      node === undefined
        ? killProcess(rt, text)
        : ((await askAgent(node, { kill: text })) as string | null);
    if (killed === undefined || killed === null)
      throw new HttpError(404, `no live process ${text}`);
    return killed;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://observer');
    if (!allowedHost(req, host)) throw new HttpError(403, 'unexpected Host header');
    if (token !== undefined && !sameSecret(url.searchParams.get('token') ?? '', token)) {
      throw new HttpError(401, 'this observer requires ?token=');
    }
    const route = `${req.method} ${url.pathname}`;
    switch (route) {
      case 'GET /':
        return send(res, 200, 'text/html; charset=utf-8', PAGE_HTML);
      case 'GET /app.js':
        return send(res, 200, 'text/javascript; charset=utf-8', PAGE_JS);
      case 'GET /app.css':
        return send(res, 200, 'text/css; charset=utf-8', PAGE_CSS);
      case 'GET /events': {
        const node = nodeOf(url, rt.node, nodes());
        res.writeHead(200, {
          ...SECURITY_HEADERS,
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        const client: Client = { res, view: viewOf(url), node, busy: false };
        clients.add(client);
        req.on('close', () => clients.delete(client));
        update(client);
        return;
      }
      case 'GET /api/process':
        return json(
          res,
          200,
          await details(url.searchParams.get('pid') ?? '', nodeOf(url, rt.node, nodes())),
        );
      case 'POST /api/kill': {
        const { pid, node } = await body(req);
        const remote = typeof node === 'string' && node !== rt.node ? node : undefined;
        if (remote !== undefined && !nodes().includes(remote)) {
          throw new HttpError(404, `not a connected node: ${remote}`);
        }
        return json(res, 200, { killed: await kill(String(pid), remote) });
      }
      case 'POST /api/trace': {
        const { target } = await body(req);
        startTrace(String(target));
        return json(res, 200, traceState());
      }
      case 'POST /api/trace/stop':
        await body(req);
        trace?.stop();
        return json(res, 200, traceState());
      default:
        throw new HttpError(404, `no such page: ${req.method} ${url.pathname}`);
    }
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((error: unknown) => {
      const status = error instanceof HttpError ? error.status : 500;
      const message = error instanceof HttpError ? error.message : 'internal error';
      if (!(error instanceof HttpError))
        loggerOf(rt).error('otp-ts observer: a request failed:', error);
      if (!res.headersSent) json(res, status, { error: message });
      else res.end();
    });
  });
  const cleanup = (): void => {
    clearInterval(timer);
    rt.off('crash', onCrash);
    rt.off('restart', onRestart);
    trace?.stop();
  };
  await new Promise<void>((resolve, reject) => {
    server.once('error', (error) => {
      cleanup();
      reject(error);
    });
    server.listen(port, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  const shownHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `http://${shownHost}:${address.port}/${token === undefined ? '' : `?token=${encodeURIComponent(token)}`}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        cleanup();
        for (const client of clients) client.res.end();
        clients.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
};

function send(res: ServerResponse, status: number, type: string, text: string): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': type, 'cache-control': 'no-store' });
  res.end(text);
}

function json(res: ServerResponse, status: number, value: unknown): void {
  send(res, status, 'application/json; charset=utf-8', JSON.stringify(value));
}

/**
 * Guards the actions against other sites: a browser sends a cross-site JSON POST only
 * after a CORS preflight, which this server never answers, and a site that resolves its
 * own name to 127.0.0.1 (DNS rebinding) is refused by the Host check.
 */
async function body(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    throw new HttpError(415, 'actions take application/json');
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY) throw new HttpError(413, 'request body too large');
    chunks.push(chunk as Buffer);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}');
  } catch {
    throw new HttpError(400, 'the body is not JSON');
  }
  if (typeof parsed !== 'object' || parsed === null) throw new HttpError(400, 'expected an object');
  return parsed as Record<string, unknown>;
}

/** On loopback, only a loopback Host is served (DNS rebinding); off loopback the token guards. */
function allowedHost(req: IncomingMessage, bound: string): boolean {
  if (!LOOPBACK.has(bound)) return true;
  const header = req.headers.host ?? '';
  const hostname = header.startsWith('[')
    ? header.slice(1, header.indexOf(']'))
    : header.split(':')[0];
  return hostname !== undefined && LOOPBACK.has(hostname);
}

function sameSecret(given: string, token: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(token);
  return a.length === b.length && timingSafeEqual(a, b);
}

const SORTS = new Set<SortKey>(['queue', 'handled', 'name', 'pid']);

/** The node `?node=` names, if it is another node the runtime is connected to. */
function nodeOf(url: URL, own: string, nodes: string[]): string | undefined {
  const node = url.searchParams.get('node');
  if (node === null || node === own) return undefined;
  if (!nodes.includes(node)) throw new HttpError(404, `not a connected node: ${node}`);
  return node;
}

function viewOf(url: URL): View {
  const sort = url.searchParams.get('sort') as SortKey | null;
  const offset = Number(url.searchParams.get('offset') ?? 0);
  const limit = Number(url.searchParams.get('limit') ?? 50);
  return {
    sort: sort !== null && SORTS.has(sort) ? sort : 'queue',
    offset: Number.isInteger(offset) && offset >= 0 && offset <= 1_000_000 ? offset : 0,
    limit: Number.isInteger(limit) && limit >= 1 && limit <= 500 ? limit : 50,
  };
}

function safeFormat(report: CrashReport): string {
  try {
    return formatCrashReport(report);
  } catch {
    return describeValue(report, 2_000);
  }
}

/** One trace event as the page shows it: every value as text. */
function traceLine(event: TraceEvent): { at: number; type: string; pid: string; text: string } {
  let text: string;
  switch (event.type) {
    case 'send':
      text = `sent ${describeValue(event.message, 300)} to ${describeDest(event.to)}`;
      break;
    case 'receive':
      text = `got ${describeValue(event.message, 300)}`;
      break;
    case 'call':
      text = `called ${describeDest(event.dest)} with ${describeValue(event.request, 300)}`;
      break;
    case 'spawn':
      text = `spawned ${String(event.child)}`;
      break;
    case 'exit':
      text = `exited: ${describeValue(event.reason, 300)}`;
      break;
    case 'link':
      text = `${event.linked ? 'linked to' : 'unlinked from'} ${String(event.other)}`;
      break;
    case 'restart':
      text = `restarted ${describeValue(event.childId, 200)} (${describeValue(event.reason, 200)}): ${String(event.oldPid)} -> ${String(event.newPid)}`;
      break;
    default: {
      const never: never = event;
      text = describeValue(never, 300);
    }
  }
  return { at: event.at, type: event.type, pid: String(event.pid), text };
}
