import { createRouter } from '../../lib/create-app.js';
import { unitOfWork } from '../../middleware/unit-of-work.js';
import * as handlers from './lists.handlers.js';
import * as routes from './lists.routes.js';

export const listsRouter = createRouter()
  .openapi(routes.list, unitOfWork(handlers.list))
  .openapi(routes.create, unitOfWork(handlers.create))
  .openapi(routes.get, unitOfWork(handlers.get))
  .openapi(routes.patch, unitOfWork(handlers.patch))
  .openapi(routes.remove, unitOfWork(handlers.remove))
  .openapi(routes.move, unitOfWork(handlers.move));
