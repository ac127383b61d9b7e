// (c) Operations in the staff console: close of business (the business date,
// the schedule, an admin closing a day and the run in the table) and the
// integrators' webhooks (registration with the secret shown once, delivery
// state against a real local receiver, signatures checked); who may see them.
import { expect, test, type Page } from '@playwright/test';
import { createHmac, randomUUID } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CobStatus, Webhook } from '../src/api-types';
import { apiCall, apiLogin, BASE, DESKTOP, newBorrower, setLang, shoot, uiLogin } from './support';

test.use({ viewport: DESKTOP });

const ADMIN = '13900000001';
const UNDERWRITER = '13900000002';

function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}

/** The staff menu's entries. */
function menu(page: Page) {
  return page.getByRole('navigation', { name: '主导航' });
}

test('close of business: an admin reads the schedule, closes a day and sees the run', async ({ page }) => {
  const before = await apiCall<CobStatus>('GET', '/admin/close-of-business', undefined, await apiLogin(ADMIN));
  const target = nextDay(before.business_date);

  await uiLogin(page, ADMIN);
  await expect(page).toHaveURL(/\/staff\/portfolio$/);
  // The business-date control lives on the close-of-business page; the portfolio links to it.
  await page.getByRole('link', { name: '日终批处理与业务日期' }).click();
  await expect(page).toHaveURL(/\/staff\/close-of-business$/);
  await expect(menu(page).getByRole('link', { name: '日终批处理' })).toBeVisible();

  await expect(page.getByTestId('cob-business-date')).toHaveText(before.business_date);
  await expect(page.getByTestId('cob-next-run')).toContainText(`${before.schedule_at}（${before.time_zone}）`);
  await expect(page.getByTestId('cob-state')).toContainText('空闲');
  if (before.runs.length === 0) {
    // A fresh install: no run yet, said so.
    await expect(page.getByText(/尚未运行过日终批处理/)).toBeVisible();
  }
  await shoot(page, '30-cob');

  await test.step('a date not after the business date is refused on the page', async () => {
    const date = page.getByLabel('推进至');
    await expect(date).toHaveValue(target);
    await date.fill(before.business_date);
    await page.getByRole('button', { name: '执行日终批处理' }).click();
    await expect(page.getByText('请选择晚于当前业务日期的日期')).toBeVisible();
    await date.fill(target);
  });

  await test.step('close one day', async () => {
    await page.getByRole('button', { name: '执行日终批处理' }).click();
    await expect(page.getByText(new RegExp(`已推进至 ${target}，处理 \\d+ 笔借款`))).toBeVisible();
    await expect(page.getByTestId('cob-business-date')).toHaveText(target);
    const run = page.getByTestId('cob-runs').getByRole('row').filter({ hasText: `${before.business_date} → ${target}` });
    await expect(run).toBeVisible();
    await expect(run).toContainText('已完成');
    // The form now offers the day after the new business date.
    await expect(page.getByLabel('推进至')).toHaveValue(nextDay(target));
    await expect(page.locator('.ant-message-notice')).toHaveCount(0, { timeout: 10_000 });
    await shoot(page, '31-cob-closed', { scrollTo: page.getByTestId('cob-runs') });
  });

  await test.step('in English', async () => {
    await setLang(page, 'en');
    await expect(page.getByRole('heading', { name: 'Close of business' })).toBeVisible();
    await expect(page.getByTestId('cob-runs').getByRole('row').filter({ hasText: `${before.business_date} → ${target}` })).toContainText('Done');
    await setLang(page, 'zh-CN');
  });
});

/** A local integrator: `/ok` takes every event, `/fail` answers 503. */
async function receiver(): Promise<{ server: Server; base: string; received: { path: string; headers: Record<string, string | string[] | undefined>; body: string }[] }> {
  const received: { path: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk: Buffer) => (body += chunk.toString('utf8')));
    request.on('end', () => {
      received.push({ path: request.url ?? '', headers: request.headers, body });
      response.writeHead(request.url === '/ok' ? 204 : 503).end(request.url === '/ok' ? undefined : 'down for maintenance');
    });
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { server, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, received };
}

/** A borrower's loan, approved and accepted through the API: its disbursement is a domain event. */
async function disbursedLoan() {
  const { token } = await newBorrower('134', { verified: true, birth: '19850505' });
  const application = await apiCall<{ id: number; status: string }>(
    'POST',
    '/applications',
    { product_code: 'CONSUMER', amount: '5000.00', term_months: 6, method: 'equal-installment', purpose: 'consumer', profile: { monthly_income: '20000.00', employment_years: 8 } },
    token,
    randomUUID(),
  );
  expect(application.status).toBe('approved');
  const accepted = await apiCall<{ loan: { id: number } }>(
    'POST',
    `/applications/${application.id}/accept`,
    { agree: true, terms_version: '2026-11' },
    token,
    randomUUID(),
  );
  return { application: application.id, loan: accepted.loan.id };
}

function webhookRow(page: Page, url: string) {
  return page.getByTestId('webhook').filter({ hasText: url });
}

test('webhooks: an admin registers two, reads the secret once and sees their delivery state', async ({ page }) => {
  const integrator = await receiver();
  try {
    await uiLogin(page, ADMIN);
    await expect(page).toHaveURL(/\/staff\/portfolio$/);
    await menu(page).getByRole('link', { name: '事件推送' }).click();
    await expect(page).toHaveURL(/\/staff\/webhooks$/);
    const existing = await apiCall<Webhook[]>('GET', '/admin/webhooks', undefined, await apiLogin(ADMIN));
    if (existing.length === 0) await expect(page.getByText('尚未登记任何推送地址。')).toBeVisible();

    const url = page.getByLabel('推送地址');
    const register = page.getByRole('button', { name: /登\s*记$/ });
    await test.step('URLs the server would refuse are refused on the page', async () => {
      await register.click();
      await expect(page.getByText('请填写此项')).toBeVisible();
      for (const bad of ['ftp://127.0.0.1/hook', 'http://user:secret@127.0.0.1/hook', '/relative/path']) {
        await url.fill(bad);
        await register.click();
        await expect(page.getByText('请输入不含用户名密码的完整 http(s) 地址')).toBeVisible();
      }
    });

    await test.step('a field error of the server lands on its field', async () => {
      // The server refuses nothing the page lets through; a fixture answer stands in for it once.
      await page.route('**/api/v1/admin/webhooks', async (route) => {
        if (route.request().method() !== 'POST') return route.fallback();
        await route.fulfill({
          status: 422,
          contentType: 'application/problem+json',
          body: JSON.stringify({ type: '/problems/validation_failed', title: '校验失败', status: 422, code: 'validation_failed', detail: 'the request is not valid', errors: [{ field: 'url', code: 'invalid_url', message: 'an absolute http(s) URL without credentials' }] }),
        });
      });
      await url.fill(`${integrator.base}/ok`);
      await register.click();
      await expect(page.getByTestId('problem')).toContainText('the request is not valid');
      await expect(page.locator('.ant-form-item-explain-error').filter({ hasText: 'an absolute http(s) URL without credentials' })).toBeVisible();
      await page.unroute('**/api/v1/admin/webhooks');
    });

    let secret = '';
    await test.step('register a receiving endpoint: the secret is shown once', async () => {
      await url.fill(`${integrator.base}/ok`);
      await page.getByLabel('说明').fill('e2e 对账系统');
      await register.click();
      const shown = page.getByTestId('webhook-secret');
      await expect(shown).toContainText('密钥只显示这一次');
      await expect(shown).toContainText('Kredit-Signature');
      secret = (await shown.getByTestId('webhook-secret-value').textContent()) ?? '';
      expect(secret).toMatch(/^[0-9a-f]{64}$/);
      await expect(webhookRow(page, `${integrator.base}/ok`).getByTestId('webhook-state')).toContainText('正常');
      await expect(url).toHaveValue('');
      await shoot(page, '32-webhook-secret');
      await shown.getByRole('button', { name: '我已保存密钥' }).click();
      await expect(shown).toHaveCount(0);
      // Not part of the list, nor of a reload.
      await page.reload();
      await expect(webhookRow(page, `${integrator.base}/ok`)).toBeVisible();
      await expect(page.getByText(secret)).toHaveCount(0);
    });

    await test.step('register an endpoint that is down', async () => {
      await url.fill(`${integrator.base}/fail`);
      await register.click();
      await expect(page.getByTestId('webhook-secret')).toBeVisible();
      await page.getByRole('button', { name: '我已保存密钥' }).click();
      await expect(webhookRow(page, `${integrator.base}/fail`).getByTestId('webhook-state')).toContainText('正常');
    });

    await test.step('a loan is disbursed: one endpoint takes the event, signed; the other retries', async () => {
      const made = await disbursedLoan();
      // This loan's life so far, in order: decided (with its fraud
      // decision), signed, the fraud decision before disbursement, evaluated,
      // disbursed (other tests' events may come between); every delivery
      // signed.
      const ours = () =>
        integrator.received
          .filter((r) => r.path === '/ok')
          .map((r) => JSON.parse(r.body) as { kind: string; subject: string; loan_id: number | null })
          .filter((e) => e.subject === `application:${made.application}` || e.loan_id === made.loan)
          .map((e) => e.kind);
      await expect.poll(ours, { timeout: 45_000 }).toEqual(['application.decided', 'fraud.decided', 'contract.signed', 'fraud.decided', 'disbursement.evaluated', 'loan.disbursed']);
      for (const delivery of integrator.received.filter((r) => r.path === '/ok')) {
        const signature = String(delivery.headers['kredit-signature']);
        const [, t, v1] = /^t=(\d+),v1=([0-9a-f]+)$/.exec(signature) ?? [];
        expect(v1).toBe(createHmac('sha256', secret).update(`${t}.${delivery.body}`).digest('hex'));
      }

      const failing = webhookRow(page, `${integrator.base}/fail`);
      await expect(async () => {
        await page.getByRole('button', { name: /刷\s*新/ }).click();
        await expect(failing.getByTestId('webhook-state')).toContainText(/重试中|持续失败/, { timeout: 2_000 });
      }).toPass({ timeout: 30_000 });
      await expect(failing.getByTestId('webhook-error')).toContainText('503');
      await expect(failing.getByTestId('webhook-state')).toContainText('下次尝试');
      await expect(webhookRow(page, `${integrator.base}/ok`).getByTestId('webhook-state')).toContainText('正常');
      await shoot(page, '33-webhooks', { scrollTo: page.getByTestId('webhooks') });
    });
  } finally {
    integrator.server.close();
  }
});

test('roles: an underwriter reads close of business but may not close a day nor see webhooks', async ({ page }) => {
  await uiLogin(page, UNDERWRITER);
  await expect(page).toHaveURL(/\/staff\/underwriting$/);
  await expect(menu(page).getByRole('link', { name: '日终批处理' })).toBeVisible();
  await expect(menu(page).getByRole('link', { name: '事件推送' })).toHaveCount(0);

  await menu(page).getByRole('link', { name: '日终批处理' }).click();
  await expect(page.getByTestId('cob-business-date')).toBeVisible();
  await expect(page.getByRole('button', { name: '执行日终批处理' })).toHaveCount(0);

  await page.goto(`${BASE()}/staff/webhooks`);
  await expect(page.getByText('您的角色无权访问此页面。')).toBeVisible();
  await expect(page.getByLabel('推送地址')).toHaveCount(0);
  await shoot(page, '34-webhooks-forbidden');
  // The server agrees.
  const response = await page.request.get(`${BASE()}/api/v1/admin/webhooks`, { headers: { Authorization: `Bearer ${await apiLogin(UNDERWRITER)}` } });
  expect(response.status()).toBe(403);
});

test('states the demo cannot produce at will: a run in progress days behind, a failing webhook (fixtures)', async ({ page }) => {
  const now = Date.now();
  const status: CobStatus = {
    business_date: '2026-11-28',
    due: '2026-12-02',
    schedule_enabled: true,
    schedule_at: '00:30',
    time_zone: 'Asia/Shanghai',
    lease_holder: 'kredit-7f3a@node-2',
    lease_expires_at: new Date(now + 10 * 60_000).toISOString(),
    runs: [
      { id: 12, from_date: '2026-11-28', to_date: '2026-12-02', status: 'running', chunks: 100, chunks_done: 37, loans: 370_000, started_at: new Date(now - 95_000).toISOString(), finished_at: null },
      { id: 11, from_date: '2026-11-27', to_date: '2026-11-28', status: 'done', chunks: 100, chunks_done: 100, loans: 1_000_000, started_at: '2026-11-27T16:30:05Z', finished_at: '2026-11-27T16:31:17Z' },
    ],
  };
  const failing: Webhook = {
    id: 7, url: 'https://risk-hub.example.com/api/v2/integrations/kredit/loan-events?tenant=east-region', description: '风控数据平台', active: true,
    created_at: '2026-11-20T02:00:00Z', delivered_through: 1204, behind: 58, attempts: 9, last_error: 'cannot reach https://risk-hub.example.com/api/v2/integrations/kredit/loan-events?tenant=east-region: error sending request: connection refused',
    next_attempt_at: new Date(now + 512_000).toISOString(),
  };
  await page.route('**/api/v1/admin/close-of-business', (route) => route.fulfill({ json: status }));
  await page.route('**/api/v1/admin/webhooks', (route) => route.fulfill({ json: [failing] }));

  await uiLogin(page, ADMIN);
  await expect(page).toHaveURL(/\/staff\/portfolio$/);
  await menu(page).getByRole('link', { name: '日终批处理' }).click();
  await expect(page.getByTestId('cob-state')).toContainText('运行中');
  await expect(page.getByTestId('cob-state')).toContainText('kredit-7f3a@node-2');
  await expect(page.getByText('落后 4 天')).toBeVisible();
  await expect(page.getByTestId('cob-runs')).toContainText('1 min 12 s');
  await expect(page.getByTestId('cob-runs')).toContainText('1,000,000');
  // A run is in progress: closing by hand waits for it.
  await expect(page.getByRole('button', { name: '执行日终批处理' })).toBeDisabled();
  await shoot(page, '35-cob-running');

  await menu(page).getByRole('link', { name: '事件推送' }).click();
  const row = webhookRow(page, failing.url);
  await expect(row.getByTestId('webhook-state')).toContainText('持续失败');
  await expect(row.getByTestId('webhook-state')).toContainText('连续失败 9 次');
  await expect(row.getByTestId('webhook-error')).toContainText('connection refused');
  await shoot(page, '36-webhook-failing', { scrollTo: page.getByTestId('webhooks') });
});
