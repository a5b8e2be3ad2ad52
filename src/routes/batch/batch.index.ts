import { createRouter } from '../../lib/create-app.js';
import { unitOfWork } from '../../middleware/unit-of-work.js';
import * as handlers from './batch.handlers.js';
import * as routes from './batch.routes.js';

export const batchRouter = createRouter().openapi(routes.run, handlers.beforeConnection(unitOfWork(handlers.run)), handlers.batchValidationHook);
