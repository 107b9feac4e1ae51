// Shared set-up of the browser tests: each test file starts its own `jindu demo` on its own
// database (JINDU_E2E_DB names a PostgreSQL prefix, `<prefix>_<name>`; default a temporary
// SQLite file) and its own headless Chromium, and stops both afterwards. JINDU_E2E_SEED names a
// directory where `jindu demo --no-serve` already made `demo.key` (and, for SQLite, `demo.db`):
// each test file then starts from a copy instead of generating the demo again (for PostgreSQL,
// .ci/run makes each database from a template the same way).
import { before, after } from 'node:test';
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

async function waitFor(url, ms) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    try {
      const r = await fetch(url);
      if (r.ok) return;
    } catch { /* not up yet */ }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`server did not start at ${url}`);
}

/** Registers the before/after hooks; returns { base, dir, browser } (browser set in `before`). */
export function demoServer(name, portBase) {
  const bin = process.env.JINDU_BIN ?? '../../target/debug/jindu';
  const port = portBase + Math.floor(Math.random() * 2000);
  const dir = mkdtempSync(join(tmpdir(), `jindu-e2e-${name}-`));
  const db = process.env.JINDU_E2E_DB ? `${process.env.JINDU_E2E_DB}_${name}` : `sqlite://${join(dir, 'demo.db')}`;
  const ctx = { base: `http://127.0.0.1:${port}`, dir, browser: undefined };
  const seed = process.env.JINDU_E2E_SEED;
  if (seed) {
    copyFileSync(join(seed, 'demo.key'), join(dir, 'demo.key'));
    if (!process.env.JINDU_E2E_DB) {
      for (const f of ['demo.db', 'demo.db-wal', 'demo.db-shm']) {
        if (existsSync(join(seed, f))) copyFileSync(join(seed, f), join(dir, f));
      }
    }
  }
  let server;
  before(async () => {
    server = spawn(bin, ['demo', '--db', db, '--key-file', join(dir, 'demo.key'), '--listen', `127.0.0.1:${port}`],
      { stdio: ['ignore', 'inherit', 'inherit'] });
    await waitFor(`${ctx.base}/healthz`, 120_000);
    ctx.browser = await chromium.launch({
      executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
        '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });
  after(async () => {
    await ctx.browser?.close();
    server?.kill('SIGINT');
    rmSync(dir, { recursive: true, force: true });
  });
  return ctx;
}
