import { createRouter } from '../../lib/create-app.js';
import { unitOfWork } from '../../middleware/unit-of-work.js';
import * as handlers from './me.handlers.js';
import * as routes from './me.routes.js';

export const meRouter = createRouter()
  .openapi(routes.me, unitOfWork(handlers.me))
  .openapi(routes.exportMe, unitOfWork(handlers.exportMe))
  // No Idempotency-Key: its stored answer would be erased with the user (the route's description says why).
  .openapi(routes.deleteMe, unitOfWork(handlers.deleteMe, { idempotency: false }));
