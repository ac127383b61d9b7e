// Display helpers. Money stays a decimal string end to end: no floats.

/** "12345.6" → "¥12,345.60"; anything unparseable is shown as given. */
export function money(value: string | number | null | undefined): string {
  if (value === null || value === undefined || value === '') return '—';
  const text = String(value).trim();
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(text);
  if (!match) return text;
  const [, sign, whole, frac = ''] = match;
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return `${sign}¥${grouped}.${(frac + '00').slice(0, 2)}`;
}

/** A fraction string ("0.1350") as a percent with two places, by string arithmetic. */
export function fractionPercent(value: string | null | undefined): string {
  if (!value) return '—';
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value.trim());
  if (!match) return value;
  const [, sign, whole, frac = ''] = match;
  const digits = (whole + (frac + '0000').slice(0, 4)).replace(/^0+(?=\d{3})/, '');
  // digits = value × 10^4, i.e. percent × 100
  const padded = digits.padStart(3, '0');
  return `${sign}${padded.slice(0, -2)}.${padded.slice(-2)}%`;
}

export function dateTime(value: string | null | undefined): string {
  if (!value) return '—';
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return value;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

/** The same with seconds, for moments seconds apart (retries). */
export function dateTimeSeconds(value: string | null | undefined): string {
  const minutes = dateTime(value);
  if (!value || minutes === value) return minutes;
  return `${minutes}:${String(new Date(value).getSeconds()).padStart(2, '0')}`;
}

/** Validates a yuan amount typed by a person: positive, at most two decimals. */
export const AMOUNT_RE = /^(?:0|[1-9]\d{0,11})(?:\.\d{1,2})?$/;
export const PHONE_RE = /^1[3-9]\d{9}$/;
export const PASSWORD_RE = /^(?=.*[A-Za-z])(?=.*\d).{8,128}$/;
export const ID_NUMBER_RE = /^\d{17}[\dXx]$/;

/** GB 11643-1999 check character (ISO 7064 MOD 11-2). */
export function idNumberValid(id: string): boolean {
  if (!ID_NUMBER_RE.test(id)) return false;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(id[i]), 0);
  return '10X98765432'[sum % 11] === id[17].toUpperCase();
}

/** Normalises a yuan amount to two places: "500" → "500.00". */
export function twoPlaces(value: string): string {
  const [whole, frac = ''] = value.trim().split('.');
  return `${whole}.${(frac + '00').slice(0, 2)}`;
}

/** Percent typed by a person ("12" or "12.5") → fraction string ("0.12", "0.125") without floats. */
export function percentToFraction(value: string): string {
  const [whole, frac = ''] = value.trim().split('.');
  const padded = whole.padStart(3, '0');
  const intPart = padded.slice(0, -2).replace(/^0+(?=\d)/, '');
  const fracPart = (padded.slice(-2) + frac).replace(/0+$/, '');
  return fracPart ? `${intPart}.${fracPart}` : intPart;
}

/** Exact money arithmetic in fen. */
export function toFen(value: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d*))?$/.exec(value.trim());
  if (!match) return 0n;
  const [, sign, whole, frac = ''] = match;
  const fen = BigInt(whole) * 100n + BigInt((frac + '00').slice(0, 2));
  return sign ? -fen : fen;
}

export function fromFen(fen: bigint): string {
  const sign = fen < 0n ? '-' : '';
  const abs = fen < 0n ? -fen : fen;
  return `${sign}${abs / 100n}.${String(abs % 100n).padStart(2, '0')}`;
}

export function sumMoney(values: string[]): string {
  return fromFen(values.reduce((acc, value) => acc + toFen(value), 0n));
}

/** A count with thousands separators: 1000000 → "1,000,000". */
export function count(value: number | null | undefined): string {
  if (value === null || value === undefined) return '—';
  return String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
}

/** A calendar date ("2026-12-01") moved by whole days, without time zones. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = date.split('-').map(Number);
  const moved = new Date(Date.UTC(y, m - 1, d + days));
  return moved.toISOString().slice(0, 10);
}

/** "1 h 2 min 3 s" style length of a run from two instants; "—" while it runs. */
export function duration(start: string | null | undefined, end: string | null | undefined): string {
  if (!start || !end) return '—';
  const ms = new Date(end).getTime() - new Date(start).getTime();
  if (Number.isNaN(ms) || ms < 0) return '—';
  if (ms < 1000) return `${ms} ms`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const min = Math.floor((total % 3600) / 60);
  const s = total % 60;
  return [h ? `${h} h` : '', min ? `${min} min` : '', s || (!h && !min) ? `${s} s` : ''].filter(Boolean).join(' ');
}

/**
 * The next moment a daily local time `at` ("00:30") comes round in `zone`
 * after `now`, as the local date and time there ("2026-12-03 00:30").
 */
export function nextDailyRun(at: string, zone: string, now: Date = new Date()): string {
  let parts: Record<string, string>;
  try {
    parts = Object.fromEntries(
      new Intl.DateTimeFormat('en-CA', { timeZone: zone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
        .formatToParts(now)
        .map((part) => [part.type, part.value]),
    );
  } catch {
    return at; // a zone this browser does not know
  }
  const today = `${parts.year}-${parts.month}-${parts.day}`;
  const local = `${parts.hour}:${parts.minute}`;
  return `${local < at ? today : addDays(today, 1)} ${at}`;
}

/** What the server accepts as a webhook URL: absolute http(s), a host, no credentials (kredit_app::outbox::register_webhook). */
export function webhookUrlValid(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '' && url.username === '' && url.password === '';
}
