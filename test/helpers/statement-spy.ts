import pg from 'pg';

/**
 * Every SQL statement this process sends to PostgreSQL, seen at the driver: no cache or ORM
 * layer can hide a query from it. Install in beforeAll, restore in afterAll.
 */
export function spyOnStatements() {
  const sent: string[] = [];
  const original = pg.Client.prototype.query;
  return {
    sent,
    install() {
      pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
        const [config] = args as [string | { text?: string }];
        sent.push(typeof config === 'string' ? config : (config?.text ?? ''));
        return (original as (...a: unknown[]) => unknown).apply(this, args);
      } as typeof original;
    },
    reset() {
      sent.length = 0;
    },
    restore() {
      pg.Client.prototype.query = original;
    },
  };
}
