import { createRouter } from '../../lib/create-app.js';
import * as handlers from './me.handlers.js';
import * as routes from './me.routes.js';

export const meRouter = createRouter().openapi(routes.me, handlers.me);
