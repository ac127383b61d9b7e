// (b) An underwriter decides a referred application; and the console pages
// that must degrade gracefully.
import { expect, test } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { apiCall, apiLogin, BASE, DESKTOP, idNumber, missingEndpoints, PASSWORD, shoot, uiLogin } from './support';

test.use({ viewport: DESKTOP });

interface Application {
  id: number;
  status: string;
}

/** A borrower with a verified identity and a referred application, set up through the API. */
async function referredApplication(): Promise<Application> {
  const phone = `136${String(Date.now() % 100_000_000).padStart(8, '0')}`;
  await apiCall('POST', '/auth/register', { phone, password: PASSWORD });
  const token = await apiLogin(phone);
  // A 20-year-old asking for most of the product's ceiling lands in the
  // review band of the rules scorecard (kredit-core's RulesScorecard); a few variants in case
  // the scorecard's points move.
  await apiCall(
    'POST',
    '/me/identity',
    { real_name: '赵六', id_number: idNumber('20060808', Date.now()), bank_card: '6222021234567840123', bank_phone: phone },
    token,
  );
  const attempts: [string, number][] = [['160000.00', 12], ['160000.00', 36], ['100000.00', 36], ['60000.00', 12]];
  for (const [amount, term] of attempts) {
    const application = await apiCall<Application>(
      'POST',
      '/applications',
      { product_code: 'CONSUMER', amount, term_months: term, method: 'equal-installment', purpose: 'consumer' },
      token,
      randomUUID(),
    );
    if (application.status === 'referred') return application;
  }
  throw new Error('no profile produced a referred application');
}

test('underwriter decides a referred application', async ({ page }) => {
  const missing = await missingEndpoints([
    ['POST', '/applications'],
    ['GET', '/applications'],
    ['POST', '/applications/1/decision'],
  ]);
  test.skip(missing.length > 0, `lending endpoints missing on this server: ${missing.join(', ')}`);
  const application = await referredApplication();

  await uiLogin(page, '13900000002');
  await expect(page).toHaveURL(/\/staff\/underwriting$/);
  const row = page.getByRole('link', { name: `#${application.id}` });
  await expect(row).toBeVisible();
  await shoot(page, '10-underwriting-queue');
  await row.click();
  await expect(page).toHaveURL(new RegExp(`/staff/applications/${application.id}$`));
  const detail = page.getByTestId('staff-application');
  await expect(detail.getByText('信用评分')).toBeVisible();
  await expect(detail.getByTestId('status')).toHaveText('人工审核中');
  await expect(detail.getByTestId('identity-status')).toHaveText('已认证');
  // A decision needs a comment: validated before sending.
  await page.getByRole('button', { name: /提\s*交/ }).click();
  await expect(page.getByText('请填写审批意见')).toBeVisible();
  await page.getByLabel('审批意见').fill('收入稳定，同意放款');
  await shoot(page, '11-underwriting-decide');
  await page.getByRole('button', { name: /提\s*交/ }).click();
  await expect(detail.getByTestId('status')).toHaveText('已批准');
});

test('staff console: portfolio, audit, models degrade, unknown API paths', async ({ page }) => {
  const noPortfolio = (await missingEndpoints([['GET', '/portfolio/summary']])).length > 0;
  await uiLogin(page, '13900000001');
  await expect(page).toHaveURL(/\/staff\/portfolio$/);
  if (noPortfolio) {
    // Until the endpoint exists the page must show the problem, not a blank screen.
    await expect(page.getByTestId('problem')).toContainText('no such resource');
    test.info().annotations.push({ type: 'missing', description: 'GET /api/v1/portfolio/summary' });
  } else {
    await expect(page.getByText(/在贷余额/).first()).toBeVisible();
  }
  await shoot(page, '20-portfolio');

  await page.getByRole('link', { name: '审计日志' }).click();
  await expect(page.getByText('auth.login').first()).toBeVisible();
  await shoot(page, '21-audit');

  await page.getByRole('link', { name: '模型管理' }).click();
  // Either the registry (branch scoring) or a clear note that it is not there yet.
  await expect(page.getByRole('table').or(page.getByTestId('models-unavailable'))).toBeVisible();
  await shoot(page, '22-models');

  await page.getByRole('link', { name: '产品管理' }).click();
  await expect(page.getByRole('table').or(page.getByTestId('problem'))).toBeVisible();
  await shoot(page, '23-products');

  const response = await page.request.get(`${BASE()}/api/v1/no-such-endpoint`);
  expect(response.status()).toBe(404);
  expect(response.headers()['content-type']).toBe('application/problem+json');
  const spa = await page.request.get(`${BASE()}/staff/loans/12345`);
  expect(spa.status()).toBe(200);
  expect(await spa.text()).toContain('<div id="root">');
});
