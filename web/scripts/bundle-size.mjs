#!/usr/bin/env node
// Sums the gzip sizes of the JavaScript the first page loads: the module
// scripts and modulepreloads of dist/index.html plus, transitively, every
// static import of those files. Lazy routes (dynamic import()) are left out.
// Usage: node scripts/bundle-size.mjs [dist] [--max-kb 300]
import { readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';

const args = process.argv.slice(2);
const maxIndex = args.indexOf('--max-kb');
const maxKb = maxIndex >= 0 ? Number(args[maxIndex + 1]) : 300;
const positional = args.filter((arg, i) => !arg.startsWith('--') && args[i - 1] !== '--max-kb');
const dist = resolve(positional[0] ?? 'dist');
const indexFile = join(dist, 'index.html');
if (!existsSync(indexFile)) {
  console.error(`${indexFile} not found: run npm run build first`);
  process.exit(2);
}

const html = readFileSync(indexFile, 'utf8');
const entries = new Set();
for (const match of html.matchAll(/<script[^>]*type="module"[^>]*src="([^"]+)"/g)) entries.add(match[1]);
for (const match of html.matchAll(/<link[^>]*rel="modulepreload"[^>]*href="([^"]+)"/g)) entries.add(match[1]);

const toFile = (url, from) => (url.startsWith('/') ? join(dist, url) : resolve(from ? dirname(from) : dist, url));
// Static forms only: `import x from "./a.js"`, `import "./a.js"`, `export * from "./a.js"`; not `import("./a.js")`.
const STATIC_IMPORT = /(?:^|[;\s}])(?:import|export)\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+\.js)["']/g;

const seen = new Map();
const queue = [...entries].map((url) => toFile(url));
while (queue.length) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  const source = readFileSync(file);
  seen.set(file, { raw: source.length, gzip: gzipSync(source).length });
  for (const match of source.toString('utf8').matchAll(STATIC_IMPORT)) queue.push(toFile(match[1], file));
}

let raw = 0;
let gzip = 0;
const rows = [...seen.entries()].sort((a, b) => b[1].gzip - a[1].gzip);
for (const [file, size] of rows) {
  raw += size.raw;
  gzip += size.gzip;
  console.log(`${(size.gzip / 1024).toFixed(1).padStart(8)} kB gz  ${(size.raw / 1024).toFixed(1).padStart(8)} kB  ${file.slice(dist.length + 1)}`);
}
console.log(`first page: ${rows.length} JS files, ${(raw / 1024).toFixed(1)} kB raw, ${(gzip / 1024).toFixed(1)} kB gzipped (budget ${maxKb} kB)`);
if (gzip / 1024 > maxKb) {
  console.error(`over budget by ${(gzip / 1024 - maxKb).toFixed(1)} kB`);
  process.exit(1);
}
