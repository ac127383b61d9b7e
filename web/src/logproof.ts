// Checks a contract's transparency-log proof in the browser, with no trust
// in the server that sent it (docs/transparency-log.md): the entry's leaf
// hash walked up its RFC 9162 inclusion proof must give the root of a
// checkpoint signed by the lender's log key (a C2SP signed note, Ed25519).
// WebCrypto does the hashing and the signature; the rest is the RFC's
// arithmetic, the same as `kredit log verify`.

const encoder = new TextEncoder();

export type Verdict =
  | { ok: true; index: number; size: number; origin: string }
  | { ok: false; reason: 'bundle' | 'key' | 'signature' | 'checkpoint' | 'inclusion' | 'entry' };

function fromBase64(text: string): Uint8Array {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

function concat(...parts: Uint8Array[]): Uint8Array<ArrayBuffer> {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

async function sha256(...parts: Uint8Array[]): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', concat(...parts)));
}

function equal(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/** A decimal without sign or leading zeros that fits a JS integer exactly. */
function canonicalNumber(text: string): number | null {
  if (!/^(0|[1-9][0-9]*)$/.test(text)) return null;
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : null;
}

export const leafHash = (entry: Uint8Array) => sha256(new Uint8Array([0]), entry);
const nodeHash = (left: Uint8Array, right: Uint8Array) => sha256(new Uint8Array([1]), left, right);

/**
 * The root that `proof` gives for leaf `index` of a tree of `size`
 * (RFC 9162 §2.1.3.2), or null if the proof has the wrong length.
 */
export async function rootFromInclusion(index: number, size: number, leaf: Uint8Array, proof: Uint8Array[]): Promise<Uint8Array | null> {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = await nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = await nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

interface VerifierKey {
  name: string;
  id: Uint8Array;
  key: Uint8Array;
}

/** `<name>+<key id hex>+<base64(0x01 ‖ Ed25519 key)>`, its ID checked. */
export async function parseVerifierKey(line: string): Promise<VerifierKey | null> {
  // The base64 key may itself hold '+': split at the first two only.
  const match = /^([^+\s]+)\+([0-9a-f]{8})\+(\S+)$/.exec(line.trim());
  if (!match) return null;
  const [, name, hex, b64] = match;
  let material: Uint8Array;
  try {
    material = fromBase64(b64);
  } catch {
    return null;
  }
  if (material.length !== 33 || material[0] !== 1) return null;
  const id = (await sha256(encoder.encode(`${name}\n`), material)).slice(0, 4);
  const given = Uint8Array.from(hex.match(/../g)!.map((h) => parseInt(h, 16)));
  return equal(id, given) ? { name, id, key: material.slice(1) } : null;
}

/** Whether a signature line of `key` on the note's text verifies. */
async function signedBy(note: string, key: VerifierKey): Promise<boolean> {
  const split = note.indexOf('\n\n');
  if (split < 0) return false;
  const text = note.slice(0, split + 1);
  const publicKey = await crypto.subtle.importKey('raw', concat(key.key), { name: 'Ed25519' }, false, ['verify']);
  for (const line of note.slice(split + 2).split('\n')) {
    const match = /^\u2014 (\S+) (\S+)$/.exec(line);
    if (!match || match[1] !== key.name) continue;
    let material: Uint8Array;
    try {
      material = fromBase64(match[2]);
    } catch {
      continue;
    }
    if (material.length !== 68 || !equal(material.slice(0, 4), key.id)) continue;
    if (await crypto.subtle.verify({ name: 'Ed25519' }, publicKey, concat(material.slice(4)), encoder.encode(text))) return true;
  }
  return false;
}

interface Bundle {
  index: number;
  proof: Uint8Array[];
  note: string;
}

/** A C2SP tlog-proof bundle: header, optional extra, index, proof, blank line, note. */
export function parseBundle(text: string): Bundle | null {
  const lines = text.split('\n');
  if (lines[0] !== 'c2sp.org/tlog-proof@v1') return null;
  let at = 1;
  if (lines[at]?.startsWith('extra ')) at++;
  const index = lines[at]?.startsWith('index ') ? canonicalNumber(lines[at].slice(6)) : null;
  if (index === null) return null;
  at++;
  const proof: Uint8Array[] = [];
  for (; at < lines.length && lines[at] !== ''; at++) {
    try {
      const hash = fromBase64(lines[at]);
      if (hash.length !== 32) return null;
      proof.push(hash);
    } catch {
      return null;
    }
  }
  if (at >= lines.length) return null;
  return { index, proof, note: lines.slice(at + 1).join('\n') };
}

/** Origin, size and root of a checkpoint note's text. */
function parseCheckpoint(note: string): { origin: string; size: number; root: Uint8Array } | null {
  const [origin, size, root] = note.split('\n');
  const n = size === undefined ? null : canonicalNumber(size);
  if (!origin || n === null || root === undefined) return null;
  try {
    const hash = fromBase64(root);
    return hash.length === 32 ? { origin, size: n, root: hash } : null;
  } catch {
    return null;
  }
}

/**
 * Checks that `entry` (its exact text) is at the bundle's index in a tree
 * whose checkpoint `logKey` signed. `expect` names what the entry must say
 * (its kind and subject), so a valid proof of another entry is refused.
 */
export async function verifyProof(
  proof: { entry: string; bundle: string },
  logKey: string,
  expect: { kind: string; subject: string },
): Promise<Verdict> {
  const bundle = parseBundle(proof.bundle);
  if (!bundle) return { ok: false, reason: 'bundle' };
  const key = await parseVerifierKey(logKey);
  if (!key) return { ok: false, reason: 'key' };
  if (!(await signedBy(bundle.note, key))) return { ok: false, reason: 'signature' };
  const checkpoint = parseCheckpoint(bundle.note);
  if (!checkpoint || checkpoint.origin !== key.name) return { ok: false, reason: 'checkpoint' };
  let fields: { kind?: unknown; subject?: unknown };
  try {
    fields = JSON.parse(proof.entry);
  } catch {
    return { ok: false, reason: 'entry' };
  }
  if (fields.kind !== expect.kind || fields.subject !== expect.subject) return { ok: false, reason: 'entry' };
  const root = await rootFromInclusion(bundle.index, checkpoint.size, await leafHash(encoder.encode(proof.entry)), bundle.proof);
  if (!root || !equal(root, checkpoint.root)) return { ok: false, reason: 'inclusion' };
  return { ok: true, index: bundle.index, size: checkpoint.size, origin: checkpoint.origin };
}
