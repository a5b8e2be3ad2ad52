import { expect, type Group } from '../runner.js';
import type { Page } from './types.js';

// The last groups: which operations the run exercised, and the clean-up of what it created.

export const coverage: Group = {
  name: 'coverage',
  cannotRun: (ctx) => (ctx.options.only.length > 0 ? '--only runs part of the suite' : undefined),
  checks: [
    {
      name: "every operation of the spec was called and answered with one of its success statuses",
      async run(ctx) {
        const skippedPaths = [...ctx.notRun.keys()].map((name) => ctx.groups.find((g) => g.name === name)?.paths).filter((p) => p !== undefined);
        const missed: string[] = [];
        const excused: string[] = [];
        let declared = 0;
        let provoked = 0;
        const unprovoked: string[] = [];
        for (const { method, template, operation } of ctx.spec.operations) {
          const seen = ctx.api.log.seen.get(operation.operationId) ?? new Set<number>();
          const name = `${method.toUpperCase()} ${template} (${operation.operationId})`;
          if (skippedPaths.some((p) => p.test(template))) {
            excused.push(name);
            continue;
          }
          if (![...seen].some((s) => s >= 200 && s < 300)) missed.push(name);
          for (const status of Object.keys(operation.responses).filter((s) => /^4\d\d$/.test(s))) {
            declared++;
            if (seen.has(Number(status))) provoked++;
            else unprovoked.push(`${operation.operationId} ${status}`);
          }
        }
        ctx.notes.push(`${ctx.spec.operations.length - excused.length} operations exercised; ${provoked} of ${declared} declared 4xx answers provoked (not provoked: ${unprovoked.join(', ') || 'none'})`);
        if (excused.length > 0) ctx.notes.push(`not exercised, their group did not run: ${excused.join(', ')}`);
        expect(missed.length === 0, `no success answer seen for: ${missed.join(', ')}`);
        return Promise.resolve();
      },
    },
  ],
};

export const cleanup: Group = {
  name: 'cleanup',
  checks: [
    {
      name: 'everything this run created is deleted',
      async run(ctx) {
        const order = ['webhooks', 'labels', 'todos', 'lists'];
        const created = [...ctx.created].reverse().sort((x, y) => order.indexOf(x.kind) - order.indexOf(y.kind));
        const failed: string[] = [];
        for (const { who, kind, id } of created) {
          const res = await ctx.request(who, 'DELETE', `/v1/${kind}/${id}`);
          if (res.status !== 204 && res.status !== 404) failed.push(`DELETE /v1/${kind}/${id} answered ${res.status}`);
        }
        expect(failed.length === 0, failed.join('; '));
        for (const who of ['a', 'b'] as const) {
          if (!ctx.created.some((c) => c.who === who)) continue;
          const todos = (await ctx.request(who, 'GET', `/v1/todos?q=${encodeURIComponent(ctx.marker)}&limit=100`)).body as Page<{ id: string }> | undefined;
          expect(todos?.data.length === 0, `${todos?.data.length} todos of this run are left (q=${ctx.marker})`);
        }
      },
    },
  ],
};
