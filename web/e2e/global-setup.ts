// Starts a real `kredit serve --demo` on a fresh SQLite database in a temp
// directory, on a free port, serving web/dist; stops it afterwards.
import { spawn } from 'node:child_process';
import { mkdtempSync, openSync, existsSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => done(port));
    });
  });
}

export default async function globalSetup() {
  const root = resolve(here, '..', '..');
  const bin = process.env.KREDIT_BIN || join(process.env.CARGO_TARGET_DIR || join(root, 'target'), 'debug', 'kredit');
  if (!existsSync(bin)) throw new Error(`kredit binary not found at ${bin}: cargo build -p kredit, or set KREDIT_BIN`);
  const webDir = resolve(here, '..', 'dist');
  if (!existsSync(join(webDir, 'index.html'))) throw new Error('web/dist is missing: npm run build');

  const dir = mkdtempSync(join(tmpdir(), 'kredit-e2e-'));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const log = openSync(join(dir, 'server.log'), 'a');
  const child = spawn(bin, ['serve', '--demo', '--addr', `127.0.0.1:${port}`, '--database-url', `sqlite://${join(dir, 'kredit.db')}`], {
    cwd: dir,
    env: {
      ...process.env,
      KREDIT_WEB_DIR: webDir,
      KREDIT_DATA_DIR: dir,
      KREDIT_ENV: 'development',
      RUST_LOG: process.env.RUST_LOG ?? 'info',
      // Every test signs in from 127.0.0.1: more logins than one address gets by default.
      KREDIT_LOGIN_ADDRESS_BURST: '1000',
    },
    stdio: ['ignore', log, log],
  });
  let exited = false;
  child.on('exit', () => (exited = true));

  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited) throw new Error(`kredit exited early; see ${join(dir, 'server.log')}`);
    try {
      const response = await fetch(`${base}/readyz`);
      if (response.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`kredit did not become ready; see ${join(dir, 'server.log')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  process.env.KREDIT_E2E_URL = base;
  process.env.KREDIT_E2E_DIR = dir;
  console.log(`kredit e2e server on ${base} (log: ${join(dir, 'server.log')})`);

  return async () => {
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    if (!process.env.KREDIT_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
  };
}
