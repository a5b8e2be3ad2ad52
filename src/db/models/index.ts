import { Todo } from './todo.model.js';
import { User } from './user.model.js';

export { Todo, User };
export const models = [User, Todo];
