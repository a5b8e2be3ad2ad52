import { z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import type { ZodError } from 'zod';
import { etagOf } from '../../lib/etag.js';
import { ApiError } from '../../lib/errors.js';
import { fieldErrors, validationHook, type FieldLayout } from '../../lib/problem-response.js';
import type { AppBindings, AppRouteHandler } from '../../lib/types.js';
import { chargeRequests } from '../../middleware/rate-limit.js';
import { checkPreconditions, runBatch, type BatchOperation, type BatchOutcome, type Kind } from '../../services/batch-service.js';
import { toLabel } from '../labels/labels.handlers.js';
import { toList } from '../lists/lists.handlers.js';
import { toTodo } from '../todos/todos.handlers.js';
import type { RunRoute } from './batch.routes.js';
import { OPERATION_SCHEMAS, type BatchResultSchema } from './batch.schemas.js';

/** One outcome as the contract's BatchResult, mapped as the single operation maps its object. */
function toResult(outcome: BatchOutcome): z.infer<typeof BatchResultSchema> {
  if (outcome.row === null) return { status: 204, data: null, etag: null };
  const data = outcome.type === 'todo' ? toTodo(outcome.row) : outcome.type === 'list' ? toList(outcome.row) : toLabel(outcome.row);
  return { status: outcome.status, data, etag: etagOf(outcome.row.version) };
}

export const run: AppRouteHandler<RunRoute> = async (c) => {
  const { config } = c.get('deps');
  const { operations } = c.req.valid('json');
  const outcomes = await runBatch(c.get('user').id, operations as BatchOperation[], {
    todos: config.limitTodosPerUser,
    lists: config.limitListsPerUser,
    labels: config.limitLabelsPerUser,
  });
  return c.json({ results: outcomes.map(toResult) }, 200);
};

/**
 * What a batch checks once its body is valid and before its unit of work takes a connection:
 * every `if_match` (the single operations' 400 `invalid_if_match`), and one more request per
 * operation past the first against the caller's rate limit (429 before anything runs).
 */
export function beforeConnection(handler: AppRouteHandler<RunRoute>): AppRouteHandler<RunRoute> {
  const checked: AppRouteHandler<RunRoute> = (c, next) => {
    const { operations } = c.req.valid('json');
    checkPreconditions(operations);
    chargeRequests(c, operations.length - 1);
    return handler(c, next);
  };
  return checked;
}

/** A step of a validation issue's path into an operation (`operations.3`), by what was sent there. */
function operationAt(data: unknown, steps: readonly PropertyKey[]): { type?: unknown; op?: unknown } | undefined {
  if (steps[0] !== 'operations' || typeof steps[1] !== 'number') return undefined;
  const operations = (data as { operations?: unknown } | undefined)?.operations;
  const op: unknown = Array.isArray(operations) ? operations[steps[1]] : undefined;
  return typeof op === 'object' && op !== null ? op : undefined;
}

/** Paths as `operations/3/data/title`; an unknown field is answered with the names its operation (or its `data`) takes. */
function batchLayout(data: unknown): FieldLayout {
  return {
    path: (steps) => steps.map(String).join('/') || 'body',
    namesAt: (steps) => {
      if (steps.length === 0) return ['operations'];
      const sent = operationAt(data, steps);
      const schema = sent && typeof sent.type === 'string' && typeof sent.op === 'string' ? OPERATION_SCHEMAS[sent.type as Kind]?.[sent.op] : undefined;
      if (!schema) return undefined;
      if (steps.length === 2) return Object.keys(schema.shape);
      const dataSchema: unknown = schema.shape.data;
      return steps.length === 3 && steps[2] === 'data' && dataSchema instanceof z.ZodObject ? Object.keys(dataSchema.shape) : undefined;
    },
  };
}

/** The route's validation hook: the body's failures are 422s with batch paths (`operations/3/data/title`); headers are checked as everywhere. */
export function batchValidationHook(
  result: { success: true } | { success: false; error: ZodError; target?: string; data?: unknown },
  c: Context<AppBindings>,
): undefined {
  if (result.success || result.target !== 'json') {
    validationHook(result, c);
    return undefined;
  }
  throw new ApiError('validation_failed', {
    detail: 'One or more fields are invalid; see errors. Nothing was changed.',
    errors: fieldErrors('body', result.error, { data: result.data, layout: batchLayout(result.data) }),
  });
}
