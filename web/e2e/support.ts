// Helpers shared by the end-to-end tests.
import { expect, type Locator, type Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const BASE = () => {
  const base = process.env.KREDIT_E2E_URL;
  if (!base) throw new Error('KREDIT_E2E_URL is not set (global setup did not run)');
  return base;
};
export const PASSWORD = 'kredit-demo-2026';
export const MOBILE = { width: 390, height: 844 };
export const DESKTOP = { width: 1280, height: 800 };

const SHOTS = join(dirname(fileURLToPath(import.meta.url)), 'screenshots');

/** A fresh mainland mobile number for this run. */
export function newPhone(): string {
  return `137${String(Date.now() % 100_000_000).padStart(8, '0')}`;
}

/** A valid resident ID number (GB 11643-1999 check character) born on the given date. */
export function idNumber(birth: string, sequence: number): string {
  const body = `110105${birth}${String(sequence % 1000).padStart(3, '0')}`;
  const weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
  const sum = weights.reduce((acc, w, i) => acc + w * Number(body[i]), 0);
  return body + '10X98765432'[sum % 11];
}

/** Calls the API directly (for setting up state the test is not about). */
export async function apiCall<T>(method: string, path: string, body?: unknown, token?: string, idempotencyKey?: string): Promise<T> {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  if (idempotencyKey) headers['Idempotency-Key'] = idempotencyKey;
  const response = await fetch(`${BASE()}/api/v1${path}`, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${text}`);
  return (text ? JSON.parse(text) : undefined) as T;
}

export async function apiLogin(phone: string, password = PASSWORD): Promise<string> {
  const tokens = await apiCall<{ access_token: string }>('POST', '/auth/login', { phone, password });
  return tokens.access_token;
}

/** A newly registered borrower (prefix keeps the test files' numbers apart), identity verified when asked. */
export async function newBorrower(prefix: '134' | '135' | '136', options: { verified: boolean; birth?: string }): Promise<{ phone: string; token: string }> {
  const phone = `${prefix}${String(Date.now() % 100_000_000).padStart(8, '0')}`;
  await apiCall('POST', '/auth/register', { phone, password: PASSWORD });
  const token = await apiLogin(phone);
  if (options.verified) {
    await apiCall(
      'POST',
      '/me/identity',
      { real_name: '赵六', id_number: idNumber(options.birth ?? '19900101', Date.now()), bank_card: '6222021234567840123', bank_phone: phone },
      token,
    );
  }
  return { phone, token };
}

/** The demo model artefact (`serve --demo` registers it as german-credit-scorecard v1). */
export const DEMO_ARTEFACT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crates', 'kredit-scoring', 'fixtures', 'german_scorecard.json');

/**
 * The UI language, switched with the header button (no reload, forms keep
 * their values). The click is dispatched to the button, so that an open
 * dialog or drawer, whose mask covers the header, can be shot in both languages.
 */
export async function setLang(page: Page, lang: 'zh-CN' | 'en') {
  const current = await page.evaluate(() => document.documentElement.lang);
  if (current !== lang) {
    await page.getByTestId('lang-switch').first().dispatchEvent('click');
    await expect(page.locator('html')).toHaveAttribute('lang', lang);
  }
}

/**
 * Screenshots of the current page at 390×844 and 1280×800, in zh-CN and en;
 * leaves the page as it found it. `scrollTo`: a part below the fold to bring
 * to the top of each shot.
 */
export async function shoot(page: Page, name: string, options: { scrollTo?: Locator } = {}) {
  mkdirSync(SHOTS, { recursive: true });
  const original = page.viewportSize();
  const lang = await page.evaluate(() => document.documentElement.lang);
  for (const target of ['zh-CN', 'en'] as const) {
    await setLang(page, target);
    for (const [label, size] of [['mobile', MOBILE], ['desktop', DESKTOP]] as const) {
      await page.setViewportSize(size);
      await page.waitForTimeout(500);
      await options.scrollTo?.evaluate((element) => element.scrollIntoView({ block: 'start' }));
      await page.screenshot({ path: join(SHOTS, `${name}.${target}.${label}.png`), fullPage: false });
    }
  }
  await setLang(page, lang as 'zh-CN' | 'en');
  if (original) await page.setViewportSize(original);
}

export async function uiLogin(page: Page, phone: string, password = PASSWORD) {
  await page.goto(`${BASE()}/login`);
  await page.getByLabel(/手机号|Mobile number/).fill(phone);
  await page.getByLabel(/^(密码|Password)$/).fill(password);
  await page.getByRole('button', { name: /登\s*录|Log in/ }).click();
}
