import { createRouter } from '../../lib/create-app.js';
import * as handlers from './meta.handlers.js';
import * as routes from './meta.routes.js';

export const metaRouter = createRouter()
  .openapi(routes.openapiJson, handlers.openapiJson)
  .openapi(routes.openapiYaml, handlers.openapiYaml)
  .openapi(routes.docs, handlers.docs)
  .openapi(routes.docsAsset, handlers.docsAsset)
  .openapi(routes.problemPage, handlers.problemPage);
