import { z } from '@hono/zod-openapi';

export const LivenessSchema = z
  .object({ status: z.literal('ok').openapi({ description: 'Always `ok` while the process runs.' }) })
  .openapi('Liveness');

export const ReadinessSchema = z
  .object({
    status: z.literal('ready').openapi({ description: 'Always `ready` on a 200.' }),
    checks: z
      .object({
        database: z.literal('ok').openapi({ description: 'The database answered a query.' }),
        migrations: z.literal('ok').openapi({ description: 'Every migration this build ships has run.' }),
      })
      .openapi({ description: 'What was checked.' }),
  })
  .openapi('Readiness');
