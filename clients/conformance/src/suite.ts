import { Api } from './http.js';
import { auth, meta } from './checks/basics.js';
import { changes, conditional, idempotency, isolation, pagination } from './checks/behaviour.js';
import { cleanup, coverage } from './checks/bookkeeping.js';
import { account, batch } from './checks/data.js';
import { errors } from './checks/errors.js';
import { labels, lists, todos } from './checks/resources.js';
import { WebhookReceiver, webhookGroup } from './checks/webhooks.js';
import { Context, runSuite, type CheckResult, type Group, type Options } from './runner.js';
import type { Spec } from './spec.js';

/** The groups in the order they run; a new group goes before coverage. */
export function groups(receiver: WebhookReceiver): Group[] {
  return [meta, auth, todos, lists, labels, isolation, conditional, idempotency, pagination, changes, errors, batch, webhookGroup(receiver), account, coverage];
}

export interface RunResult {
  results: CheckResult[];
  notes: string[];
  notRun: Map<string, string>;
  requests: number;
}

/** Runs the suite against a deployment; `onResult` sees each check as it finishes. */
export async function runConformance(spec: Spec, options: Options, onResult: (r: CheckResult) => void = () => {}): Promise<RunResult> {
  const ctx = new Context(new Api(options.baseUrl, spec, options.requestTimeoutMs), spec, options);
  const receiver = new WebhookReceiver();
  ctx.groups = groups(receiver);
  try {
    if (options.webhookHost && spec.hasPath('/v1/webhooks')) {
      const hostHasPort = /:\d+$/.test(options.webhookHost);
      const port = await receiver.start(options.webhookPort || (hostHasPort ? Number(options.webhookHost.split(':').pop()) : 0));
      ctx.state.set('webhook-url', `http://${hostHasPort ? options.webhookHost : `${options.webhookHost}:${port}`}/${ctx.marker}`);
    }
    const results = await runSuite(ctx, ctx.groups, [cleanup], onResult);
    return { results, notes: ctx.notes, notRun: ctx.notRun, requests: ctx.api.log.requests };
  } finally {
    await receiver.stop();
  }
}
