import { createRouter } from '../../lib/create-app.js';
import * as handlers from './todos.handlers.js';
import * as routes from './todos.routes.js';

export const todosRouter = createRouter()
  .openapi(routes.list, handlers.list)
  .openapi(routes.create, handlers.create)
  .openapi(routes.get, handlers.get)
  .openapi(routes.patch, handlers.patch)
  .openapi(routes.remove, handlers.remove);
