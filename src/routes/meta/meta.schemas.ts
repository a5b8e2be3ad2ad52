import { z } from '@hono/zod-openapi';

export const OpenAPIDocumentSchema = z
  .record(z.string(), z.unknown())
  .openapi('OpenAPIDocument', { description: 'This OpenAPI 3.1 document.' });

export const HtmlSchema = z.string().openapi({ description: 'An HTML page.' });

export const DocsAssetParamsSchema = z.object({
  asset: z.string().openapi({
    param: { name: 'asset', in: 'path' },
    description: 'A file of the Swagger UI page.',
    example: 'swagger-ui.css',
  }),
});

export const ProblemPageParamsSchema = z.object({
  slug: z.string().openapi({
    param: { name: 'slug', in: 'path' },
    description: 'The last segment of a problem `type` URI.',
    example: 'validation-failed',
  }),
});
