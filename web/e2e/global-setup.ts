// Starts a real `kredit serve --demo` on a fresh SQLite database in a temp
// directory, on a free port, serving web/dist, with two witnesses
// (`kredit witness serve`, separate processes) cosigning its transparency
// log; stops them all afterwards.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { writeFileSync, mkdtempSync, openSync, existsSync, rmSync } from 'node:fs';
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

/// The verifier key a `kredit … keygen` printed.
function keygen(bin: string, args: string[]): string {
  const output = execFileSync(bin, args, { encoding: 'utf8' });
  const line = output.split('\n').find((l) => l.startsWith('verifier key: '));
  if (!line) throw new Error(`no verifier key in: ${output}`);
  return line.slice('verifier key: '.length).trim();
}

async function waitHealthy(url: string, what: string, exited: () => boolean, logFile: string) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (exited()) throw new Error(`${what} exited early; see ${logFile}`);
    try {
      const response = await fetch(url);
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${what} did not become ready; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/// Two witnesses of the log signed by `logKeyFile`: their `<key> <url>` list for KREDIT_LOG_WITNESSES.
async function startWitnesses(bin: string, dir: string, logKey: string, children: ChildProcess[]) {
  const listed: string[] = [];
  for (const name of ['witness.example/w1', 'witness.example/w2']) {
    const file = name.replace('/', '_');
    const key = keygen(bin, ['witness', 'keygen', '--name', name, '--out', join(dir, `${file}.key`)]);
    const port = await freePort();
    const logFile = join(dir, `${file}.log`);
    const out = openSync(logFile, 'a');
    const child = spawn(
      bin,
      ['witness', 'serve', '--key', join(dir, `${file}.key`), '--state', join(dir, `${file}-state`), '--addr', `127.0.0.1:${port}`, '--log', logKey],
      { cwd: dir, stdio: ['ignore', out, out] },
    );
    let exited = false;
    child.on('exit', () => (exited = true));
    children.push(child);
    await waitHealthy(`http://127.0.0.1:${port}/healthz`, name, () => exited, logFile);
    listed.push(`${key} http://127.0.0.1:${port}`);
  }
  return listed;
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
  const logKeyFile = join(dir, 'log.key');
  const logKey = keygen(bin, ['log', 'keygen', '--origin', 'localhost/kredit-log', '--out', logKeyFile]);
  const witnesses: ChildProcess[] = [];
  const listed = await startWitnesses(bin, dir, logKey, witnesses);
  // Payouts above ¥10,000 wait for two approvals (approvals.spec.ts);
  // every other journey borrows ¥5,000 and is paid at once.
  const policyFile = join(dir, 'disbursement-policy.toml');
  writeFileSync(
    policyFile,
    [
      'name = "e2e-large-loans"',
      'version = 1',
      '[[conditions]]\nkind = "identity_verified"',
      '[[conditions]]\nkind = "contract_signed"',
      '[[conditions]]\nkind = "approvals"\nabove_fen = 1000000\nrequired = 2\nof_roles = ["admin", "risk_officer", "underwriter"]',
    ].join('\n\n') + '\n',
  );
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
      KREDIT_LOG_KEY_FILE: logKeyFile,
      // Both must cosign a checkpoint before it is published (the default quorum).
      KREDIT_LOG_WITNESSES: listed.join(', '),
      KREDIT_DISBURSEMENT_POLICY_FILE: policyFile,
    },
    stdio: ['ignore', log, log],
  });
  let exited = false;
  child.on('exit', () => (exited = true));
  await waitHealthy(`${base}/readyz`, 'kredit', () => exited, join(dir, 'server.log'));
  process.env.KREDIT_E2E_URL = base;
  process.env.KREDIT_E2E_DIR = dir;
  console.log(`kredit e2e server on ${base} (log: ${join(dir, 'server.log')})`);

  return async () => {
    child.kill('SIGTERM');
    for (const witness of witnesses) witness.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    if (!process.env.KREDIT_E2E_KEEP) rmSync(dir, { recursive: true, force: true });
  };
}
