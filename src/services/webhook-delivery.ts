import http from 'node:http';
import https from 'node:https';
import { Webhook as Signer } from 'standardwebhooks';
import { TargetRefused, checkUrlShape, checkedLookup, type TargetPolicy } from './webhook-target.js';

// One HTTP attempt of a webhook delivery: signed per Standard Webhooks v1, sent with Node's own
// http client (it never follows a redirect), through a lookup that checks every address
// (webhook-target.ts), the whole exchange cut at the timeout, the answer read to at most 64 KiB.

/** The receiver's answer is read to at most this many bytes, then the connection is dropped. */
export const MAX_ANSWER_BYTES = 64 * 1024;

export interface SendOptions {
  timeoutMs: number;
  policy: TargetPolicy;
}

export interface Message {
  /** `webhook-id`: the event's id, the same on every retry. */
  id: string;
  /** `webhook-timestamp`: when this attempt was signed. */
  timestamp: Date;
  body: string;
  /** Every secret that signs it (the current one, and the previous one for 24 hours after a rotation). */
  secrets: string[];
}

export type Outcome =
  | { ok: true; status: number; durationMs: number }
  | { ok: false; status: number | null; error: string; durationMs: number; gone: boolean };

/** The Standard Webhooks headers: one `v1,<signature>` per secret, space-separated. */
export function signatureHeaders(message: Message): Record<string, string> {
  const signatures = message.secrets.map((secret) => new Signer(secret).sign(message.id, message.timestamp, message.body));
  return {
    'webhook-id': message.id,
    'webhook-timestamp': String(Math.floor(message.timestamp.getTime() / 1000)),
    'webhook-signature': signatures.join(' '),
  };
}

// Keep-alive connections per origin; each new one goes through the checked lookup.
const agents = { http: new http.Agent({ keepAlive: true, maxSockets: 64 }), https: new https.Agent({ keepAlive: true, maxSockets: 64 }) };

/** Sends one attempt; never throws: every failure is an Outcome with the reason, for the attempt log. */
export async function sendMessage(url: string, message: Message, options: SendOptions): Promise<Outcome> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  let target: URL;
  try {
    target = checkUrlShape(url, options.policy);
  } catch (error) {
    return { ok: false, status: null, error: `refused: the URL ${(error as Error).message}`, durationMs: elapsed(), gone: false };
  }
  const client = target.protocol === 'https:' ? https : http;
  return new Promise<Outcome>((resolve) => {
    let settled = false;
    const finish = (outcome: Outcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(outcome);
    };
    const request = client.request(
      target,
      {
        method: 'POST',
        agent: target.protocol === 'https:' ? agents.https : agents.http,
        lookup: checkedLookup(options.policy),
        headers: {
          'content-type': 'application/json',
          'user-agent': 'todo-api-webhooks/1',
          'content-length': Buffer.byteLength(message.body),
          ...signatureHeaders(message),
        },
      },
      (response) => {
        const status = response.statusCode ?? 0;
        let read = 0;
        response.on('data', (chunk: Buffer) => {
          read += chunk.length;
          // Enough: the answer's body decides nothing; a receiver cannot make us read more.
          if (read > MAX_ANSWER_BYTES) response.destroy();
        });
        const done = () => {
          if (status >= 200 && status < 300) finish({ ok: true, status, durationMs: elapsed() });
          else if (status >= 300 && status < 400) {
            finish({ ok: false, status, error: `redirect (${status}) not followed: answer 2xx at the registered URL`, durationMs: elapsed(), gone: false });
          } else finish({ ok: false, status, error: `the endpoint answered ${status}`, durationMs: elapsed(), gone: status === 410 });
        };
        response.on('end', done);
        response.on('close', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      finish({ ok: false, status: null, error: `timed out after ${options.timeoutMs} ms`, durationMs: elapsed(), gone: false });
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error: NodeJS.ErrnoException) => {
      const reason = error instanceof TargetRefused ? `refused: the URL's ${error.message}` : `connection failed (${error.code ?? error.message})`;
      finish({ ok: false, status: null, error: reason, durationMs: elapsed(), gone: false });
    });
    request.end(message.body);
  });
}

/** Stops the keep-alive connections (shutdown, tests). */
export function closeDeliveryConnections(): void {
  agents.http.destroy();
  agents.https.destroy();
}
