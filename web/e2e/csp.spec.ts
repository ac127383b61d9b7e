// The web UI under the server's Content-Security-Policy: every main page of
// the borrower's and the staff's journeys loads and renders with not one
// `securitypolicyviolation` in Chromium, and the policy is the strict one
// (scripts from this origin only, no eval, no framing).
import { expect, test, type Page } from '@playwright/test';
import { BASE, DESKTOP, newBorrower, uiLogin } from './support';

test.use({ viewport: DESKTOP });

declare global {
  interface Window {
    __cspViolations: string[];
  }
}

/** Every violation the page reports, from before its first script runs. */
async function watchViolations(page: Page) {
  await page.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener('securitypolicyviolation', (event) => {
      window.__cspViolations.push(`${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} at ${event.sourceFile}:${event.lineNumber} (${event.sample})`);
    });
  });
}

async function visit(page: Page, path: string, seen: Map<string, string[]>) {
  const response = await page.goto(`${BASE()}${path}`);
  expect(response?.status(), path).toBe(200);
  await page.waitForLoadState('networkidle');
  // Rendered by React, not a blank page.
  await expect(page.locator('#root > *').first()).toBeVisible();
  seen.set(path, await page.evaluate(() => window.__cspViolations));
}

function assertNone(seen: Map<string, string[]>) {
  const violations = [...seen].filter(([, list]) => list.length > 0);
  expect(violations, JSON.stringify(violations, null, 2)).toEqual([]);
}

test('the document carries the strict policy', async ({ page }) => {
  const response = await page.goto(`${BASE()}/login`);
  const policy = response?.headers()['content-security-policy'] ?? '';
  expect(policy).toContain("default-src 'self'");
  expect(policy).toContain("script-src 'self';");
  expect(policy).toContain("frame-ancestors 'none'");
  expect(policy).not.toContain('unsafe-eval');
  // `<style>` elements only with this response's nonce; inline style
  // attributes (set by components and charts) are the one relaxation.
  expect(policy).toMatch(/style-src 'self' 'nonce-[A-Za-z0-9+/]+={0,2}';/);
  expect(policy).toContain("style-src-attr 'unsafe-inline'");
  const nonce = /'nonce-([^']+)'/.exec(policy)?.[1];
  expect(await page.locator('meta[name="csp-nonce"]').getAttribute('content')).toBe(nonce);
  expect(response?.headers()['x-frame-options']).toBe('DENY');
  expect(response?.headers()['x-content-type-options']).toBe('nosniff');
});

test('borrower pages run under the CSP without a violation', async ({ page }) => {
  await watchViolations(page);
  const seen = new Map<string, string[]>();
  for (const path of ['/login', '/register', '/calculator']) await visit(page, path, seen);
  const { phone } = await newBorrower('135', { verified: true });
  await uiLogin(page, phone);
  await expect(page).toHaveURL(/\/app$/);
  for (const path of ['/app', '/app/identity', '/app/calculator', '/app/apply', '/app/applications', '/app/profile', '/app/feedback', '/app/privacy']) {
    await visit(page, path, seen);
  }
  // The calculator draws a schedule: a page that changes after loading.
  await page.goto(`${BASE()}/app/calculator`);
  await page.getByRole('button', { name: '比较全部还款方式' }).click();
  await expect(page.getByTestId('calc-result').getByTestId('apr')).toBeVisible();
  seen.set('/app/calculator (computed)', await page.evaluate(() => window.__cspViolations));
  assertNone(seen);
});

test('staff pages run under the CSP without a violation', async ({ page }) => {
  await watchViolations(page);
  const seen = new Map<string, string[]>();
  await uiLogin(page, '13900000001');
  await expect(page).toHaveURL(/\/staff\/portfolio$/);
  // The portfolio draws its charts on a canvas.
  await expect(page.locator('canvas').first()).toBeVisible();
  seen.set('/staff/portfolio (login)', await page.evaluate(() => window.__cspViolations));
  for (const path of [
    '/staff/portfolio',
    '/staff/underwriting',
    '/staff/servicing',
    '/staff/reversals',
    '/staff/products',
    '/staff/models',
    '/staff/audit',
    '/staff/personal-data-access',
    '/staff/data-rights',
    '/staff/feedback',
    '/staff/close-of-business',
    '/staff/webhooks',
    '/staff/profile',
  ]) {
    await visit(page, path, seen);
  }
  assertNone(seen);
});
