import { IdempotencyKey } from './idempotency-key.model.js';
import { Todo } from './todo.model.js';
import { User } from './user.model.js';

export { IdempotencyKey, Todo, User };
export { TODO_COLUMNS, type TodoRow } from './todo.model.js';
export const models = [User, Todo, IdempotencyKey];
