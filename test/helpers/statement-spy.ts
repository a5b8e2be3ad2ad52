import pg from 'pg';

/**
 * Every SQL statement this process sends to PostgreSQL, seen at the driver: no cache or ORM
 * layer can hide a query from it. Install in beforeAll, restore in afterAll.
 */
export function spyOnStatements() {
  const sent: string[] = [];
  /** The bind parameters of each statement in `sent`, at the same index. */
  const values: unknown[][] = [];
  // eslint-disable-next-line @typescript-eslint/unbound-method -- kept to be restored, and only ever called with .apply on a client
  const original = pg.Client.prototype.query;
  return {
    sent,
    values,
    install() {
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const [config, params] = args as [string | { text?: string; values?: unknown[] }, unknown];
        sent.push(typeof config === 'string' ? config : (config?.text ?? ''));
        values.push(Array.isArray(params) ? params : typeof config === 'object' ? (config?.values ?? []) : []);
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof original;
    },
    reset() {
      sent.length = 0;
      values.length = 0;
    },
    restore() {
      pg.Client.prototype.query = original;
    },
  };
}
