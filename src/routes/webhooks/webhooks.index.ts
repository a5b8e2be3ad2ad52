import { createRouter } from '../../lib/create-app.js';
import { unitOfWork } from '../../middleware/unit-of-work.js';
import * as handlers from './webhooks.handlers.js';
import * as routes from './webhooks.routes.js';

export const webhooksRouter = createRouter()
  .openapi(routes.list, unitOfWork(handlers.list))
  .openapi(routes.create, unitOfWork(handlers.create))
  .openapi(routes.get, unitOfWork(handlers.get))
  .openapi(routes.patch, unitOfWork(handlers.patch))
  .openapi(routes.remove, unitOfWork(handlers.remove))
  .openapi(routes.rotateSecret, unitOfWork(handlers.rotateSecret))
  .openapi(routes.test, unitOfWork(handlers.test))
  .openapi(routes.deliveries, unitOfWork(handlers.deliveries));
