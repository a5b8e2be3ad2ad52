import { createRouter } from '../../lib/create-app.js';
import * as handlers from './health.handlers.js';
import * as routes from './health.routes.js';

export const healthRouter = createRouter().openapi(routes.live, handlers.live).openapi(routes.ready, handlers.ready);
