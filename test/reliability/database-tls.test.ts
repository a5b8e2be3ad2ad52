import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startEmbeddedDatabase, type EmbeddedDatabase } from '../../src/db/embedded.js';
import { checkedFetch } from '../helpers/contract.js';
import { spawnServer } from '../helpers/spawn-server.js';

// A real PostgreSQL with ssl=on, and a certificate authority and server certificate made here.

const openssl = (dir: string, ...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });

function makeCertificates(dir: string) {
  for (const ca of ['ca', 'other-ca']) {
    openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', `/CN=Test ${ca}`, '-keyout', `${ca}.key`, '-out', `${ca}.crt`);
  }
  writeFileSync(path.join(dir, 'san.ext'), 'subjectAltName=DNS:localhost\n');
  openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr');
  openssl(dir, 'x509', '-req', '-in', 'server.csr', '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'san.ext', '-out', 'server.crt');
  // PostgreSQL refuses a key that others can read, or that its own user does not own.
  chmodSync(path.join(dir, 'server.key'), 0o600);
  if (process.getuid?.() === 0) {
    const id = (flag: string) => Number(execFileSync('id', [flag, 'postgres']).toString().trim());
    chownSync(path.join(dir, 'server.key'), id('-u'), id('-g'));
  }
}

describe('TLS to the database', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'todo-api-tls-'));
  const certs = path.join(dir, 'certs');
  let db: EmbeddedDatabase;
  let localhostUrl: string;

  beforeAll(async () => {
    chmodSync(dir, 0o755);
    execFileSync('mkdir', ['-m', '755', certs]);
    // A first start creates the cluster and, as root, the postgres user that must own the key.
    db = await startEmbeddedDatabase({ dataDir: path.join(dir, 'data'), database: 'tls' });
    await db.stop();
    makeCertificates(certs);
    db = await startEmbeddedDatabase({
      dataDir: path.join(dir, 'data'),
      database: 'tls',
      port: db.port,
      postgresFlags: ['-c', 'ssl=on', '-c', `ssl_cert_file=${certs}/server.crt`, '-c', `ssl_key_file=${certs}/server.key`],
    });
    // Through "localhost": the name the server certificate is issued for.
    localhostUrl = db.url.replace('127.0.0.1', 'localhost');
  });
  afterAll(async () => {
    await db.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  const adminQuery = async (sql: string): Promise<pg.QueryResultRow[]> => {
    const client = new pg.Client({ connectionString: db.adminUrl });
    await client.connect();
    try {
      return (await client.query<pg.QueryResultRow>(sql)).rows;
    } finally {
      await client.end();
    }
  };

  it('with DATABASE_SSL=verify-full and the right CA the app connects, and its connections are encrypted', async () => {
    const server = spawnServer({ DATABASE_URL: localhostUrl, DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: path.join(certs, 'ca.crt'), DATA_DIR: dir });
    try {
      const url = await server.ready;
      expect((await checkedFetch(`${url}/health/ready`)).status).toBe(200);
      const rows = await adminQuery(
        "SELECT s.ssl, s.version FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid) WHERE a.application_name = 'todo-api' AND a.datname = 'tls'",
      );
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) expect(row).toMatchObject({ ssl: true, version: expect.stringMatching(/^TLSv1\.[23]$/) });
    } finally {
      expect(await server.stop()).toBe(0);
    }
  });

  it('with a CA that did not sign the server certificate, start-up fails with a clear message', async () => {
    const server = spawnServer({ DATABASE_URL: localhostUrl, DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: path.join(certs, 'other-ca.crt'), DATA_DIR: dir });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/TLS verification of the database server failed/);
    expect(server.stderr()).toMatch(/DATABASE_SSL_CA/);
    expect(server.stderr()).not.toMatch(/\n\s+at /);
  });

  it('with a host name the certificate does not name, start-up fails too', async () => {
    // The certificate names only "localhost"; 127.0.0.1 is the same server under another name.
    const server = spawnServer({ DATABASE_URL: db.url, DATABASE_SSL: 'verify-full', DATABASE_SSL_CA: path.join(certs, 'ca.crt'), DATA_DIR: dir });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(/TLS verification of the database server failed.*ERR_TLS_CERT_ALTNAME_INVALID/);
  });

  it.each([
    [{ DATABASE_URL: 'postgres://app:secret@db.example.invalid:5432/app', DATABASE_SSL: 'disable' }, /DATABASE_SSL=disable is refused/],
    [{ DATABASE_URL: 'postgres://app:secret@db.example.invalid:5432/app?sslmode=disable' }, /Refusing a plain connection to database host "db\.example\.invalid"/],
  ])('a plain connection to a host that is not loopback is refused before connecting: %j', async (env, message) => {
    const server = spawnServer({ ...env, DATA_DIR: dir });
    expect(await server.exited).toBe(1);
    expect(server.stderr()).toMatch(message);
    expect(server.stderr()).not.toContain('secret');
  });
});
