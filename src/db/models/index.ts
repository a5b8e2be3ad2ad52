import { IdempotencyKey } from './idempotency-key.model.js';
import { Label } from './label.model.js';
import { List } from './list.model.js';
import { Todo } from './todo.model.js';
import { User } from './user.model.js';

export { IdempotencyKey, Label, List, Todo, User };
export { LABEL_COLUMNS, type LabelRow } from './label.model.js';
export { LIST_COLUMNS, type ListRow } from './list.model.js';
export { TODO_COLUMNS, type TodoRow } from './todo.model.js';
export const models = [User, List, Todo, Label, IdempotencyKey];
