import type pg from 'pg';

// Round trips from pg_stat_statements: reset before a measured run, summed after it. Every query
// here runs on the admin connection's database, so these monitoring statements are not counted.

export interface StatementCount {
  query: string;
  calls: number;
}

export async function resetStatements(admin: pg.Pool): Promise<void> {
  await admin.query('SELECT pg_stat_statements_reset()');
}

/** Calls per normalised statement in the bench database since the last reset, most called first. */
export async function readStatements(admin: pg.Pool, database: string): Promise<StatementCount[]> {
  const { rows } = await admin.query<{ query: string; calls: string }>(
    `SELECT s.query, sum(s.calls)::bigint AS calls
     FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid
     WHERE d.datname = $1
     GROUP BY s.query
     ORDER BY calls DESC, s.query`,
    [database],
  );
  return rows.map((r) => ({ query: r.query.replace(/\s+/g, ' ').trim(), calls: Number(r.calls) }));
}

/** Process ids of the sessions connected to the bench database (the servers' pools), for their CPU time. */
export async function databaseBackends(admin: pg.Pool, database: string): Promise<number[]> {
  const { rows } = await admin.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid() AND backend_type = 'client backend'",
    [database],
  );
  return rows.map((r) => r.pid);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until no session of the bench database is running a statement or holding a transaction
 * and the statement count has not moved for `stableMs`. Requests in flight when the load stopped
 * still run (some still verifying their token, invisible to pg_stat_activity, or held up by a
 * busy machine), and their statements must land on the right side of the next reset.
 */
export async function waitForQuiet(admin: pg.Pool, database: string, stableMs = 150, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastCalls = -1;
  let stableSince = Date.now();
  for (;;) {
    if (Date.now() > deadline) throw new Error(`the bench database stayed busy for ${timeoutMs} ms after a run`);
    const { rows } = await admin.query<{ busy: number; calls: string }>(
      `SELECT (SELECT count(*)::int FROM pg_stat_activity
               WHERE datname = $1 AND pid <> pg_backend_pid() AND state IS DISTINCT FROM 'idle' AND backend_type = 'client backend') AS busy,
              (SELECT coalesce(sum(s.calls), 0) FROM pg_stat_statements s JOIN pg_database d ON d.oid = s.dbid WHERE d.datname = $1) AS calls`,
      [database],
    );
    const calls = Number(rows[0]!.calls);
    if (rows[0]!.busy > 0 || calls !== lastCalls) stableSince = Date.now();
    else if (Date.now() - stableSince >= stableMs) return;
    lastCalls = calls;
    await sleep(30);
  }
}
