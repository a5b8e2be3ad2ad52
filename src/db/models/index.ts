import { Change } from './change.model.js';
import { IdempotencyKey } from './idempotency-key.model.js';
import { Label } from './label.model.js';
import { List } from './list.model.js';
import { Todo } from './todo.model.js';
import { User } from './user.model.js';
import { WebhookAttempt } from './webhook-attempt.model.js';
import { Webhook } from './webhook.model.js';

export { Change, IdempotencyKey, Label, List, Todo, User, Webhook, WebhookAttempt };
export { type ChangeRow } from './change.model.js';
export { LABEL_COLUMNS, type LabelRow } from './label.model.js';
export { LIST_COLUMNS, type ListRow } from './list.model.js';
export { TODO_COLUMNS, type TodoRow } from './todo.model.js';
export { WEBHOOK_ATTEMPT_COLUMNS, type WebhookAttemptRow } from './webhook-attempt.model.js';
export { WEBHOOK_COLUMNS, type WebhookPublicRow, type WebhookRow } from './webhook.model.js';
export const models = [User, List, Todo, Label, Change, IdempotencyKey, Webhook, WebhookAttempt];
