import { mkdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import chromium from '@sparticuz/chromium';
import puppeteer, { type Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_GUIDE } from '../../src/lib/api-guide.js';
import { PROBLEM_CODES, PROBLEMS } from '../../src/lib/problems.js';
import { spec } from '../helpers/contract.js';
import { startDevServer, type DevServer } from '../helpers/dev-server.js';

// The guide integrators read first is the spec's info.description, at the top of /docs. A real
// browser (Chromium from the @sparticuz/chromium package: no system browser, no download)
// loads /docs as an integrator would and must show the guide and every operation.

const SECTIONS = ['Getting a token', 'Errors', 'Pagination and cursors', 'ETags and If-Match', 'Idempotency and retries', 'Rate limits', 'Limits', 'Sync with the change feed', 'Webhooks (v1.1)', 'Batches (v1.1)'];

/**
 * Chromium unpacked from the package into a folder of its own version: @sparticuz/chromium
 * unpacks into os.tmpdir() and reuses whatever `chromium` it finds there, however it got there.
 */
async function chromiumPath(): Promise<string> {
  const pkg = path.resolve(import.meta.dirname, '../../node_modules/@sparticuz/chromium/package.json');
  const { version } = JSON.parse(readFileSync(pkg, 'utf8')) as { version: string };
  const saved = process.env.TMPDIR;
  process.env.TMPDIR = path.join(os.tmpdir(), `todo-api-chromium-${version}`);
  mkdirSync(process.env.TMPDIR, { recursive: true });
  try {
    return await chromium.executablePath();
  } finally {
    if (saved === undefined) delete process.env.TMPDIR;
    else process.env.TMPDIR = saved;
  }
}

// The operations, and the events the service sends (the spec's top-level `webhooks`): Swagger UI shows both.
const webhooks = (spec as unknown as { webhooks?: Record<string, object> }).webhooks ?? {};
const blocksOf = (items: object[], section?: string) =>
  items.flatMap((item) => Object.values(item).map((op) => op as unknown as { operationId: string; tags: string[] })).map((op) => ({ ...op, section: section ?? op.tags[0] }));
// Swagger UI names each block operations-<tag>-<operationId>, and puts the webhooks in a section of their own.
const operations = [...blocksOf(Object.values(spec.paths)), ...blocksOf(Object.values(webhooks), 'webhooks')];

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer('docs-guide');
});
afterAll(() => server.close());

describe('the guide in the spec', () => {
  it('is the info.description of the document /docs shows, with every section', async () => {
    const document = (await (await fetch(`${server.base}/openapi.json`)).json()) as { info: { description: string } };
    expect(document.info.description).toBe(API_GUIDE);
    for (const section of SECTIONS) expect(API_GUIDE).toContain(`\n## ${section}\n`);
  });

  it('lists every problem code with its status, from problems.ts', () => {
    for (const code of PROBLEM_CODES) expect(API_GUIDE).toContain(`| [\`${code}\`](/problems/${code.replaceAll('_', '-')}) | ${PROBLEMS[code].status} |`);
  });

  it('/docs serves Swagger UI on that document', async () => {
    const page = await fetch(`${server.base}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<div id="swagger-ui"></div>');
    const init = await (await fetch(`${server.base}/docs/swagger-initializer.js`)).text();
    expect(init).toContain('/openapi.json');
  });
});

describe('/docs in a headless browser', () => {
  let browser: Browser;
  beforeAll(async () => {
    browser = await puppeteer.launch({
      executablePath: await chromiumPath(),
      // The machine has no network beyond loopback: nothing in the background may try it.
      args: [...chromium.args, '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
      headless: 'shell',
    });
  }, 120_000);
  afterAll(() => browser?.close());

  it('renders the guide and every operation', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(String(error)));
    await page.goto(`${server.base}/docs`, { waitUntil: 'load' });
    await page.waitForSelector('.info__description .renderedMarkdown h2', { timeout: 20_000 });
    await page.waitForSelector('.opblock', { timeout: 20_000 });
    // Run in the page (as text: this project compiles without the DOM's types).
    const rendered = (await page.evaluate(`(() => {
      const guide = document.querySelector('.info__description .renderedMarkdown');
      return {
        headings: [...guide.querySelectorAll('h2')].map((h) => h.textContent.trim()),
        problemRows: [...guide.querySelectorAll('table')].map((table) => table.querySelectorAll('tbody tr').length),
        links: [...guide.querySelectorAll('table a')].map((a) => a.getAttribute('href')),
        operations: [...document.querySelectorAll('.opblock')].map((block) => block.id),
      };
    })()`)) as { headings: string[]; problemRows: number[]; links: string[]; operations: string[] };
    expect(rendered.headings).toEqual(SECTIONS);
    expect(rendered.problemRows[0]).toBe(PROBLEM_CODES.length);
    expect(rendered.links).toEqual(PROBLEM_CODES.map((code) => `/problems/${code.replaceAll('_', '-')}`));
    expect(rendered.operations.sort()).toEqual(operations.map((op) => `operations-${op.section}-${op.operationId}`).sort());
    expect(errors).toEqual([]);
    await page.close();
  }, 60_000);
});
