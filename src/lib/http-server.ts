import { randomUUID } from 'node:crypto';
import { createServer, maxHeaderSize, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { getRequestListener, RequestError } from '@hono/node-server';
import { Hono } from 'hono';
import { secureHeaders } from 'hono/secure-headers';
import { SECURE_HEADERS } from './create-app.js';
import { logger } from './logger.js';
import { instancePath } from './problem-response.js';
import { PROBLEMS, problemType, type ProblemCode } from './problems.js';

// The node:http server the app runs on. Two things happen here, below the router:
// - what Node or @hono/node-server answers before the app sees a request (a request it cannot
//   parse, an HTTP/1.1 request without Host, a Host or target the adapter cannot turn into a URL)
//   is RFC 9457 problem details with X-Request-Id and the app's security headers, not a bare status;
// - once draining (a graceful shutdown), every response says `Connection: close`, so keep-alive
//   clients move to another instance and the drain ends when the requests in flight do.

type Fetch = Parameters<typeof getRequestListener>[0];

export interface ApiServer {
  server: Server;
  /** From now on every response carries `Connection: close`; idle keep-alive connections are closed now. */
  startDraining: () => void;
}

interface BelowRouterProblem {
  code: ProblemCode;
  detail: string;
  /** The request's path, when it could be read. */
  instance: string;
  requestId: string;
}

export async function createApiServer(fetch: Fetch, { hostname }: { hostname?: string } = {}): Promise<ApiServer> {
  const headers = await securityHeaders();
  // The response on each connection, so that a parse error never writes into one already under way.
  const responses = new WeakMap<Socket, ServerResponse>();
  const connections = new Set<Socket>();
  let draining = false;
  // The request being handed to the adapter: its error handler runs synchronously within that call.
  let handing: IncomingMessage | undefined;

  const adapter = getRequestListener(fetch, {
    hostname,
    errorHandler: (error) => {
      const req = handing;
      const requestId = req ? requestIdOf(req) : randomUUID();
      const instance = req ? instanceOf(req.url ?? '/') : '/';
      if (!(error instanceof RequestError)) {
        logger.error({ err: error, request_id: requestId }, 'request failed before routing');
        return problemAsResponse({ code: 'internal_error', detail: PROBLEMS.internal_error.description, instance, requestId }, headers);
      }
      return problemAsResponse({ code: 'bad_request', detail: requestErrorDetail(error), instance, requestId }, headers);
    },
  });

  // Node's own check answers a missing Host with a bare 400; this one answers it with a problem.
  const server = createServer({ requireHostHeader: false }, (req, res) => {
    responses.set(req.socket, res);
    if (draining) res.setHeader('Connection', 'close');
    if (!req.headers.host && req.httpVersion === '1.1') {
      writeProblem(res, { code: 'bad_request', detail: 'An HTTP/1.1 request must carry a Host header (RFC 9112 §3.2).', instance: instanceOf(req.url ?? '/'), requestId: requestIdOf(req) }, headers);
      return;
    }
    handing = req;
    try {
      void adapter(req, res);
    } finally {
      handing = undefined;
    }
  });

  server.on('connection', (socket: Socket) => {
    connections.add(socket);
    socket.once('close', () => connections.delete(socket));
  });

  server.on('clientError', (error: NodeJS.ErrnoException & { reason?: string; rawPacket?: Buffer }, socket: Socket) => {
    const response = responses.get(socket);
    // As Node does by default: answer only when nothing of a response has been written on this connection.
    const underWay = response !== undefined && response.headersSent && !response.writableEnded;
    if (error.code === 'ECONNRESET' || !socket.writable || underWay) {
      socket.destroy();
      return;
    }
    const problem = { ...parseErrorProblem(error), instance: instanceFromPacket(error.rawPacket), requestId: randomUUID() };
    logger.info({ request_id: problem.requestId, status: PROBLEMS[problem.code].status, code: problem.code, error: error.code }, 'request refused before routing');
    socket.end(rawProblem(problem, headers), () => socket.destroy());
  });

  const startDraining = () => {
    draining = true;
    for (const socket of connections) {
      const response = responses.get(socket);
      if (!response || response.writableEnded) continue;
      if (!response.headersSent) response.setHeader('Connection', 'close');
      // Its headers went out saying keep-alive: close the connection once it is idle again.
      else response.once('finish', () => setImmediate(() => server.closeIdleConnections()));
    }
    server.closeIdleConnections();
  };

  return { server, startDraining };
}

/** The security headers the app sends on every response (create-app.ts), for the answers written here. */
async function securityHeaders(): Promise<Record<string, string>> {
  const probe = new Hono().use(secureHeaders(SECURE_HEADERS)).all('*', (c) => c.body(null, 204));
  const res = await probe.request('http://localhost/');
  return Object.fromEntries(res.headers);
}

/** The caller's X-Request-Id when it is a sane token of at most 128 characters (as the app's requestId middleware), else a new one. */
function requestIdOf(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && given.length <= 128 && /^[\w\-=]+$/.test(given) ? given : randomUUID();
}

/** The path of a request target as a URI reference: percent-encoded where it is not one, cut at 2048 characters. */
function instanceOf(target: string): string {
  const path = target.split('?')[0] ?? '';
  if (!path.startsWith('/')) return '/';
  return instancePath(path.replace(/[^\w\-.~!$&'()*+,;=:@/%]/g, (ch) => encodeURIComponent(ch)));
}

/** The path from the request line of what could not be parsed, when the line itself is readable. */
function instanceFromPacket(packet: Buffer | undefined): string {
  const line = /^[A-Z]{1,20} (\/[!-~]*) HTTP\/1\.[01]\r?\n/.exec(packet?.subarray(0, 4096).toString('latin1') ?? '');
  return line?.[1] ? instanceOf(line[1]) : '/';
}

function parseErrorProblem(error: NodeJS.ErrnoException & { reason?: string }): Pick<BelowRouterProblem, 'code' | 'detail'> {
  switch (error.code) {
    case 'HPE_HEADER_OVERFLOW':
      return { code: 'request_header_fields_too_large', detail: `The request line and headers are larger than ${maxHeaderSize} bytes in all. Send fewer or shorter headers.` };
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return { code: 'payload_too_large', detail: 'The chunk extensions of the request body are too large.' };
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return { code: 'request_timeout', detail: 'The request did not arrive in time. Send the whole request promptly, then retry.' };
    case 'HPE_INVALID_METHOD':
      return { code: 'bad_request', detail: 'The request line is malformed: the method is not a token.' };
    case 'HPE_INVALID_URL':
      return { code: 'bad_request', detail: 'The request line is malformed: the request target is not a valid URL path.' };
    case 'HPE_INVALID_VERSION':
    case 'HPE_INVALID_CONSTANT':
      return { code: 'bad_request', detail: 'The request line is malformed: it must be `METHOD /path HTTP/1.1`.' };
    case 'HPE_INVALID_HEADER_TOKEN':
      return { code: 'bad_request', detail: 'A header line is malformed: the name is not a token, or the value holds a character that is not allowed.' };
    case 'HPE_INVALID_CONTENT_LENGTH':
    case 'HPE_UNEXPECTED_CONTENT_LENGTH':
      return { code: 'bad_request', detail: 'Content-Length is not a single number, or is sent together with Transfer-Encoding.' };
    case 'HPE_INVALID_TRANSFER_ENCODING':
    case 'HPE_INVALID_CHUNK_SIZE':
      return { code: 'bad_request', detail: 'The chunked request body is malformed.' };
    default:
      // llhttp's reasons are fixed texts ("Missing expected CR after header value"), never the request's bytes.
      return { code: 'bad_request', detail: `The request could not be parsed as HTTP/1.1${error.reason ? `: ${error.reason}` : ''}.` };
  }
}

function requestErrorDetail(error: RequestError): string {
  if (/host/i.test(error.message)) return 'The Host header is not a host name or address with an optional port.';
  if (/backslash/i.test(error.message)) return 'The request path contains a backslash; send it percent-encoded (%5C).';
  return 'The request target is not a valid URL path.';
}

function problemBody(problem: BelowRouterProblem): string {
  const { status, title } = PROBLEMS[problem.code];
  // The same members, in the same order, as the app's problem responses (problem-response.ts).
  return JSON.stringify({ type: problemType(problem.code), title, status, detail: problem.detail, instance: problem.instance, code: problem.code, request_id: problem.requestId });
}

function problemHeaders(problem: BelowRouterProblem, body: string, security: Record<string, string>): Record<string, string> {
  return {
    ...security,
    'Content-Type': 'application/problem+json',
    'Content-Length': String(Buffer.byteLength(body)),
    'X-Request-Id': problem.requestId,
    Connection: 'close',
  };
}

function problemAsResponse(problem: BelowRouterProblem, security: Record<string, string>): Response {
  const body = problemBody(problem);
  const { 'Content-Length': _length, ...headers } = problemHeaders(problem, body, security);
  return new Response(body, { status: PROBLEMS[problem.code].status, headers });
}

function writeProblem(res: ServerResponse, problem: BelowRouterProblem, security: Record<string, string>): void {
  const body = problemBody(problem);
  res.writeHead(PROBLEMS[problem.code].status, problemHeaders(problem, body, security));
  res.end(body);
}

/** A whole HTTP/1.1 response, for a connection that has no request object to answer through. */
function rawProblem(problem: BelowRouterProblem, security: Record<string, string>): string {
  const status = PROBLEMS[problem.code].status;
  const body = problemBody(problem);
  const lines = Object.entries(problemHeaders(problem, body, security)).map(([name, value]) => `${name}: ${value}\r\n`);
  return `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n${lines.join('')}\r\n${body}`;
}
