import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PROBLEMS, problemType, type ProblemCode } from '../../src/lib/problems.js';
import { describeErrors, validatorFor } from '../helpers/contract.js';
import { spawnServer, type ServerProcess } from '../helpers/spawn-server.js';
import { createTestDatabase, type TestDatabase } from '../helpers/test-database.js';
import { newSubject, signToken } from '../helpers/tokens.js';

// What Node and the HTTP adapter answer before the router sees a request (a request that cannot
// be parsed, headers over Node's 16 KB, no or a malformed Host) is problem details like every
// other error: application/problem+json, X-Request-Id, the app's security headers. Sent over
// raw sockets, since no HTTP client sends such requests.

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server closed the connection after answering. */
  closed: boolean;
}

let db: TestDatabase;
let server: ServerProcess;
let host: string;
let port: number;

beforeAll(async () => {
  db = await createTestDatabase();
  server = spawnServer({ DATABASE_URL: db.url });
  const url = new URL(await server.ready);
  host = url.hostname;
  port = Number(url.port);
});
afterAll(async () => {
  await server.stop();
  await db.drop();
});

/** Sends bytes as they are and reads the one answer until the server closes (or 5 s pass). */
function sendRaw(bytes: string): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, host);
    const chunks: Buffer[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      socket.destroy();
    }, 5_000);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', () => {});
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      if (end < 0) return reject(new Error(`no answer: ${JSON.stringify(text)}`));
      const [statusLine, ...lines] = text.slice(0, end).split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(statusLine!.split(' ')[1]), headers, body: text.slice(end + 4), closed: !timedOut });
    });
    socket.write(bytes);
  });
}

const request = (lines: string[]) => `${lines.join('\r\n')}\r\n\r\n`;

/** The security headers the app sends with a problem it renders itself (a 404), for comparison. */
async function appSecurityHeaders(): Promise<Record<string, string>> {
  const answer = await sendRaw(request(['GET /no-such-page HTTP/1.1', `Host: ${host}:${port}`, 'Connection: close']));
  expect(answer.status).toBe(404);
  const names = Object.keys(answer.headers).filter((name) =>
    /^(content-security-policy|cross-origin-|origin-agent-cluster|referrer-policy|strict-transport-security|x-content-type-options|x-dns-prefetch-control|x-download-options|x-frame-options|x-permitted-cross-domain-policies|x-xss-protection)/.test(name),
  );
  expect(names.length).toBeGreaterThanOrEqual(10);
  return Object.fromEntries(names.map((name) => [name, answer.headers[name]!]));
}

async function expectProblem(answer: RawAnswer, code: ProblemCode, instance: string) {
  const { status, title } = PROBLEMS[code];
  expect(answer.status).toBe(status);
  expect(answer.headers['content-type']).toBe('application/problem+json');
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  expect(answer.headers.connection).toBe('close');
  const body = JSON.parse(answer.body) as Record<string, unknown>;
  const validate = validatorFor('components/schemas/Problem');
  expect(validate(body), describeErrors(validate)).toBe(true);
  expect(body).toMatchObject({ type: problemType(code), title, status, code, instance });
  expect(body.detail).toEqual(expect.any(String));
  expect(body.request_id).toBe(answer.headers['x-request-id']);
  expect(answer.headers['x-request-id']).toMatch(/^[\w\-=]{1,128}$/);
  expect(answer.headers).toMatchObject(await appSecurityHeaders());
  expect(answer.closed).toBe(true);
  return body;
}

// The request target reaches the app as it was sent, escapes the router cannot decode included.
describe('a request target with percent-encoding that is not UTF-8, through the real adapter', () => {
  it.each([
    { what: 'a stray % in a path parameter: a 422 on path.id whose instance is a URI reference', target: '/v1/todos/%', status: 422, problem: { code: 'validation_failed', instance: '/v1/todos/%25', errors: [{ path: 'path.id' }] } },
    { what: 'a query parameter that is not UTF-8 (q=%ff): a 400 bad_request naming query.q, not a search for "%ff"', target: '/v1/todos?q=%ff', status: 400, problem: { code: 'bad_request', instance: '/v1/todos', errors: [{ path: 'query.q' }] } },
  ])('$what', async ({ target, status, problem }) => {
    const token = await signToken({ sub: newSubject() });
    const answer = await sendRaw(request([`GET ${target} HTTP/1.1`, `Host: ${host}:${port}`, `Authorization: Bearer ${token}`, 'Connection: close']));
    expect(answer.status).toBe(status);
    const body = JSON.parse(answer.body) as Record<string, unknown>;
    const validate = validatorFor('components/schemas/Problem');
    expect(validate(body), describeErrors(validate)).toBe(true);
    expect(body).toMatchObject(problem);
  });
});

describe('errors below the router are problem details', () => {
  it('headers over 16 KB: a 431 request_header_fields_too_large', async () => {
    const answer = await sendRaw(request(['GET /v1/todos HTTP/1.1', `Host: ${host}:${port}`, `X-Padding: ${'a'.repeat(20_000)}`]));
    const body = await expectProblem(answer, 'request_header_fields_too_large', '/v1/todos');
    expect(body.detail).toMatch(/16384 bytes/);
  });

  it.each([
    ['a method that is not a token', 'G(T /v1/todos HTTP/1.1'],
    ['text after the version', 'GET /v1/todos HTTP/1.1 please'],
    ['a lowercase version', 'GET /v1/todos http/1.1'],
    ['an unknown HTTP version', 'GET /v1/todos HTTP/7.1'],
    ['a space in the target', 'GET /v1/to dos HTTP/1.1'],
  ])('a malformed request line (%s): a 400 bad_request', async (_name, line) => {
    const answer = await sendRaw(request([line, `Host: ${host}:${port}`]));
    // The request line cannot be read, so neither can its path.
    const body = await expectProblem(answer, 'bad_request', '/');
    expect(body.detail).toMatch(/request line|parsed/);
  });

  it('a malformed header line: a 400 bad_request', async () => {
    const answer = await sendRaw(request(['GET /v1/todos HTTP/1.1', `Host: ${host}:${port}`, 'Bad Header: x']));
    await expectProblem(answer, 'bad_request', '/v1/todos');
  });

  it('no Host on HTTP/1.1: a 400 bad_request that says Host is required, with the caller\'s X-Request-Id', async () => {
    const answer = await sendRaw(request(['GET /v1/todos HTTP/1.1', 'X-Request-Id: my-trace-42']));
    const body = await expectProblem(answer, 'bad_request', '/v1/todos');
    expect(body.detail).toMatch(/Host header/);
    expect(body.request_id).toBe('my-trace-42');
  });

  it.each([
    ['a Host that is not a host name', 'exa mple.com'],
    ['a Host with a path', 'example.com/evil'],
    ['a Host with an out-of-range port', 'example.com:99999'],
  ])('a malformed Host (%s): a 400 bad_request', async (_name, value) => {
    const answer = await sendRaw(request(['GET /v1/todos HTTP/1.1', `Host: ${value}`]));
    const body = await expectProblem(answer, 'bad_request', '/v1/todos');
    expect(body.detail).toMatch(/Host|target/);
  });

  it('a backslash in the path: a 400 bad_request with the path percent-encoded as its instance', async () => {
    const answer = await sendRaw(request(['GET /v1\\todos HTTP/1.1', `Host: ${host}:${port}`]));
    const body = await expectProblem(answer, 'bad_request', '/v1%5Ctodos');
    expect(body.detail).toMatch(/backslash/);
  });

  it('a backslash and a stray % in the path: the instance is still a URI reference (the % as %25)', async () => {
    const answer = await sendRaw(request(['GET /v1\\%zz HTTP/1.1', `Host: ${host}:${port}`]));
    await expectProblem(answer, 'bad_request', '/v1%5C%25zz');
  });

  it('still serves the next well-formed request', async () => {
    const answer = await sendRaw(request(['GET /health/live HTTP/1.1', `Host: ${host}:${port}`, 'Connection: close']));
    expect(answer.status).toBe(200);
  });
});
