import { pino, type Logger } from 'pino';

// JSON logs to stdout. The level is the configuration's LOG_LEVEL, set by whoever builds the app
// (buildApp) or starts the process (src/index.ts): nothing reads the environment at import.
export const logger: Logger = pino({
  level: 'info',
  base: { service: 'todo-api' },
  timestamp: pino.stdTimeFunctions.isoTime,
  formatters: { level: (label) => ({ level: label }) },
});
