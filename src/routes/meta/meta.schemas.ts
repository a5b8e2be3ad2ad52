import { z } from '@hono/zod-openapi';

export const OpenAPIDocumentSchema = z
  .record(z.string(), z.unknown())
  .openapi('OpenAPIDocument', { description: 'This OpenAPI 3.1 document.' });

const MAX_DOCUMENT_BYTES = 16 * 1024 * 1024;

export const HtmlSchema = z.string().max(MAX_DOCUMENT_BYTES).openapi({ description: 'An HTML page.' });

export const TextFileSchema = z.string().max(MAX_DOCUMENT_BYTES).openapi({ description: 'The file.' });

export const DocsAssetParamsSchema = z.object({
  asset: z.string().max(64).openapi({
    param: { name: 'asset', in: 'path' },
    description: 'A file of the Swagger UI page.',
    example: 'swagger-ui.css',
  }),
});

export const ProblemPageParamsSchema = z.object({
  slug: z.string().max(64).openapi({
    param: { name: 'slug', in: 'path' },
    description: 'The last segment of a problem `type` URI.',
    example: 'validation-failed',
  }),
});

export const IfNoneMatchHeaderSchema = z.object({
  'if-none-match': z
    .string()
    .max(1024)
    .optional()
    .openapi({
      param: { name: 'if-none-match', in: 'header' },
      description: 'The `ETag` of the copy the client holds, quoted as it was received: when it is still the current one, the answer is 304 with no body.',
    }),
});
