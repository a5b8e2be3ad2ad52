import { createRouter } from '../../lib/create-app.js';
import { unitOfWork } from '../../middleware/unit-of-work.js';
import * as handlers from './changes.handlers.js';
import * as routes from './changes.routes.js';

export const changesRouter = createRouter().openapi(routes.list, unitOfWork(handlers.list)).openapi(routes.latest, unitOfWork(handlers.latest));
