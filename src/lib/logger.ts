import { pino, type Logger } from 'pino';
import { env } from '../env.js';

// JSON logs to stdout; the level comes from LOG_LEVEL.
export const logger: Logger = pino({
  level: env().logLevel,
  base: { service: 'todo-api' },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});
