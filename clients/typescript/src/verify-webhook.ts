import { Webhook as StandardWebhook, WebhookVerificationError as StandardVerificationError } from 'standardwebhooks';
import type { WebhookEvent } from './types.js';

// A receiver's check of a delivery (Standard Webhooks v1): the signature over the raw body,
// under the endpoint's secret, with a timestamp within 5 minutes of now.

/** A delivery that is not genuine: a bad or missing signature, a timestamp over 5 minutes away, or a body that is not an event. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
}

/** The request's headers: a fetch `Headers`, or a plain object (Node's `req.headers`; names in any case). */
export type WebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

function plainHeaders(headers: WebhookHeaders): Record<string, string> {
  const plain: Record<string, string> = {};
  if (typeof Headers !== 'undefined' && headers instanceof Headers) {
    headers.forEach((value, name) => (plain[name] = value));
    return plain;
  }
  for (const [name, value] of Object.entries(headers as Record<string, string | readonly string[] | undefined>)) {
    if (value !== undefined) plain[name.toLowerCase()] = typeof value === 'string' ? value : value.join(' ');
  }
  return plain;
}

function verifierOf(secret: string): StandardWebhook {
  try {
    return new StandardWebhook(secret);
  } catch (error) {
    throw new TypeError(`verifyWebhook: the secret is not a webhook secret (whsec_…): ${(error as Error).message}`, { cause: error });
  }
}

/**
 * Checks a delivery and returns its event, typed (narrow it with `event.type`). `body` is the raw
 * body exactly as received (not parsed and re-serialised); `secret` the endpoint's `whsec_…`, or
 * several (during a rotation, the new and the old: either may sign). Throws a
 * WebhookVerificationError when the delivery is not genuine.
 */
export function verifyWebhook(body: string | Uint8Array, headers: WebhookHeaders, secret: string | readonly string[]): WebhookEvent {
  const secrets = typeof secret === 'string' ? [secret] : secret;
  if (secrets.length === 0) throw new TypeError('verifyWebhook: no secret given');
  let text: string;
  try {
    text = typeof body === 'string' ? body : new TextDecoder('utf-8', { fatal: true }).decode(body);
  } catch (error) {
    throw new WebhookVerificationError('The body is not UTF-8: no event of this API.', { cause: error });
  }
  const plain = plainHeaders(headers);
  let reason = 'No matching signature found';
  for (const s of secrets) {
    try {
      verifierOf(s).verify(text, plain, { jsonParse: false });
    } catch (error) {
      if (error instanceof TypeError) throw error;
      if (!(error instanceof StandardVerificationError)) throw new WebhookVerificationError(`The delivery cannot be verified: ${(error as Error).message}`, { cause: error });
      reason = error.message;
      continue;
    }
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch (error) {
      throw new WebhookVerificationError('The signature is valid but the body is not JSON.', { cause: error });
    }
    if (typeof parsed !== 'object' || parsed === null || typeof (parsed as { type?: unknown }).type !== 'string' || typeof (parsed as { data?: unknown }).data !== 'object') {
      throw new WebhookVerificationError('The signature is valid but the body is not an event ({ type, timestamp, data }).');
    }
    return parsed as WebhookEvent;
  }
  throw new WebhookVerificationError(`The delivery is not genuine: ${reason} (check the secret, the raw body and the clock).`);
}
