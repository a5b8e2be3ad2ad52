import type { Env } from './env.js';
import { renderEvent } from './routes/webhooks/webhooks.events.js';
import { targetPolicy } from './routes/webhooks/webhooks.handlers.js';
import { WebhookWorker } from './services/webhook-worker.js';

/**
 * The webhook worker as the configuration says (as app.ts builds the app): in the API's process
 * (WEBHOOK_WORKER, src/server.ts) or on its own (`npm run worker`, src/cli/worker.ts). Bodies are
 * rendered with the routes' own mappings, so an event's object is what a GET returns.
 */
export function buildWebhookWorker(config: Env): WebhookWorker {
  return new WebhookWorker({
    policy: targetPolicy(config),
    render: renderEvent,
    timeoutMs: config.webhookTimeoutMs,
    pollIntervalMs: config.webhookPollIntervalMs,
    concurrency: config.webhookConcurrency,
  });
}
