// The lending pages checked against the published API contract
// (/work/api-contract.md shapes), with the lending endpoints answered by
// fixtures in the browser; accounts, login and identity are the real server's.
import { expect, test, type Page, type Route } from '@playwright/test';
import { DESKTOP, MOBILE, shoot, uiLogin } from './support';

const apr = { nominal: '0.1350', nominal_percent: '13.50%', effective: '0.1439', effective_percent: '14.39%' };
const schedule = Array.from({ length: 6 }, (_, i) => ({
  number: i + 1,
  due_date: `2027-0${i + 1}-25`,
  principal: '811.04',
  interest: '56.25',
  fee: '0.00',
  payment: '867.29',
  balance_after: String(5000 - 811.04 * (i + 1) > 0 ? (5000 - 811.04 * (i + 1)).toFixed(2) : '0.00'),
}));
const offer = {
  product_code: 'CONSUMER', product_name: '消费贷', method: 'equal-installment', annual_rate: '0.1350', annual_rate_percent: '13.50%',
  amount: '5000.00', term_months: 6, apr, first_payment: '867.29', total_payment: '5203.74', upfront_fee: '0.00', schedule,
};
const application = (status: string) => ({
  id: 41, status, product_code: 'CONSUMER', amount: '5000.00', term_months: 6, method: 'equal-installment', purpose: 'consumer',
  created_at: '2026-11-25T10:00:00Z',
  decision: {
    outcome: status === 'accepted' ? 'approved' : status, score: 661, grade: 'B', probability_of_default: '0.0800', model: 'german-scorecard-v1',
    reasons: [{ code: 'feature:duration_in_month', text_zh: '借款期限较长', text_en: 'Long loan duration' }],
    approved_amount: '5000.00', annual_rate: '0.1350', annual_rate_percent: '13.50%', offer,
  },
  underwriting: null, contract_id: status === 'accepted' ? 7 : null, loan_id: status === 'accepted' ? 9 : null,
});
const loan = (paid: boolean) => ({
  id: 9, borrower_id: 5, product_code: 'CONSUMER', status: 'active', principal: '5000.00', outstanding_principal: paid ? '4500.00' : '5000.00',
  amount_due: '0.00', next_due_date: '2026-12-25', next_due_amount: '867.29', dpd: 0, bucket: 'M0', classification: 'normal',
  annual_rate_percent: '13.50%', apr_percent: '13.50%', credit_balance: '0.00', start_date: '2026-11-25', maturity_date: '2027-05-25', contract_id: 7,
  installments: schedule.map((row) => ({ ...row, penalty: '0.00', paid: '0.00', outstanding: row.payment, status: 'pending' })),
});
const contract = {
  id: 7, application_id: 41, loan_id: 9, terms_version: '2026-11', digest: 'ab'.repeat(32), signed_at: '2026-11-25T10:01:00Z',
  consent: { at: '2026-11-25T10:01:00Z', ip: '127.0.0.1', terms_version: '2026-11' },
  disclosure: { apr: '0.1350', apr_percent: '13.50%', annual_rate_percent: '13.50%', daily_rate_percent: '0.0375%', monthly_rate_percent: '1.1250%', total_interest: '203.74', total_fees: '0.00', total_payment: '5203.74' },
  terms: {}, schedule, document: {},
};

async function fixtures(page: Page) {
  let accepted = false;
  let paid = false;
  const json = (route: Route, body: unknown, status = 200) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  await page.route(/\/api\/v1\/(products|applications|loans|payments|contracts|portfolio|calculator)/, async (route) => {
    const url = new URL(route.request().url());
    const path = url.pathname.replace('/api/v1', '');
    const method = route.request().method();
    if (method === 'POST' && path === '/products/match') return json(route, { score: 661, grade: 'B', offers: [offer] });
    if (method === 'POST' && path === '/applications') {
      expect(route.request().headers()['idempotency-key']).toBeTruthy();
      return json(route, application('approved'), 201);
    }
    if (path === '/applications') return json(route, { items: [application(accepted ? 'accepted' : 'approved')] });
    if (path === '/applications/41') return json(route, application(accepted ? 'accepted' : 'approved'));
    if (method === 'POST' && path === '/applications/41/accept') {
      expect(route.request().postDataJSON()).toEqual({ agree: true, terms_version: '2026-11' });
      accepted = true;
      return json(route, { contract, loan: loan(false) }, 201);
    }
    if (path === '/contracts/7') return json(route, contract);
    if (path === '/loans') return json(route, { items: accepted ? [loan(paid)] : [] });
    if (path === '/loans/9') return json(route, loan(paid));
    if (path === '/loans/9/payoff-quote') return json(route, { date: '2026-11-25', principal: '5000.00', interest: '0.00', fee: '0.00', penalty: '0.00', prepayment_fee: '50.00', credit_applied: '0.00', total: '5050.00' });
    if (method === 'POST' && path === '/loans/9/repayments') {
      expect(route.request().postDataJSON()).toMatchObject({ amount: '500.00', kind: 'prepayment', mode: 'reduce_installment' });
      return json(route, { id: 3, loan_id: 9, direction: 'collection', amount: '500.00', status: 'pending', failure_code: null, created_at: '2026-11-25T10:02:00Z', applied: null }, 202);
    }
    if (path === '/payments/3') {
      paid = true;
      return json(route, { id: 3, loan_id: 9, direction: 'collection', amount: '500.00', status: 'succeeded', failure_code: null, created_at: '2026-11-25T10:02:00Z', applied: { principal: '500.00' } });
    }
    if (path === '/loans/9/payments') return json(route, { items: paid ? [{ id: 3, loan_id: 9, direction: 'collection', amount: '500.00', status: 'succeeded', failure_code: null, created_at: '2026-11-25T10:02:00Z', applied: { principal: '500.00' } }] : [] });
    if (path === '/loans/9/events') return json(route, { items: paid ? [{ id: 1, date: '2026-11-25', type: 'prepayment', amount: '500.00', allocation: { principal: '500.00' }, reversed: false }] : [] });
    if (path === '/portfolio/summary') {
      return json(route, {
        business_date: '2026-11-25', loans_active: 12, outstanding_principal: '123456.78',
        disbursed_by_day: [{ date: '2026-11-23', amount: '20000.00', count: 2 }, { date: '2026-11-24', amount: '35000.00', count: 3 }, { date: '2026-11-25', amount: '5000.00', count: 1 }],
        applications: { total: 20, approved: 12, declined: 5, referred: 3, approval_rate: '0.6000' },
        buckets: [{ bucket: 'M0', count: 10, outstanding: '100000.00' }, { bucket: 'M1', count: 1, outstanding: '15000.00' }, { bucket: 'M2', count: 1, outstanding: '8456.78' }],
        classification: [{ class: 'normal', count: 10, outstanding: '100000.00' }, { class: 'special_mention', count: 1, outstanding: '15000.00' }, { class: 'substandard', count: 1, outstanding: '8456.78' }],
        bad_debt_rate: '0.0685',
      });
    }
    return json(route, { type: '/problems/not_found', title: 'Not found', status: 404, detail: 'no such resource', code: 'not_found' }, 404);
  });
}

test('borrower pages render the contract shapes: offers, decision, contract with the APR foremost, loan, prepayment', async ({ page }) => {
  await page.setViewportSize(MOBILE);
  await fixtures(page);
  await uiLogin(page, '13800000001');
  await expect(page).toHaveURL(/\/app$/);

  await page.getByRole('link', { name: '借款', exact: true }).click();
  await page.getByLabel('借款金额（元）').fill('5000');
  await page.getByRole('button', { name: '查看为我推荐的产品' }).click();
  await expect(page.getByTestId('offer').getByTestId('apr')).toContainText('13.50%');
  await page.getByRole('button', { name: '选择此方案并申请' }).click();
  await expect(page.getByTestId('decision').getByTestId('status')).toHaveText('已批准');
  await expect(page.getByTestId('reasons')).toContainText('借款期限较长');

  // The APR is the largest rate on the page before signing.
  const aprSize = await page.getByTestId('pre-contract').getByTestId('apr').locator('div').nth(1).evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
  expect(aprSize).toBeGreaterThanOrEqual(28);
  await shoot(page, 'fixture-01-decision-and-contract');
  await page.getByTestId('agree').click();
  await page.getByRole('button', { name: '确认签署' }).click();
  await expect(page).toHaveURL(/\/app\/loans\/9$/);

  await page.getByRole('link', { name: '查看合同' }).click();
  const contractCard = page.getByTestId('contract');
  await expect(contractCard.getByTestId('apr')).toContainText('13.50%');
  const sizes = await contractCard.evaluate((card) => {
    const size = (text: string) => {
      const el = [...card.querySelectorAll('div')].find((d) => d.children.length === 0 && d.textContent === text);
      return el ? parseFloat(getComputedStyle(el).fontSize) : 0;
    };
    return { apr: size('13.50%'), daily: size('0.0375%'), monthly: size('1.1250%') };
  });
  expect(sizes.daily).toBeGreaterThan(0);
  expect(sizes.apr).toBeGreaterThan(sizes.daily);
  expect(sizes.apr).toBeGreaterThan(sizes.monthly);
  await shoot(page, 'fixture-02-signed-contract');

  await page.goBack();
  await page.getByRole('button', { name: '结清试算' }).click();
  await expect(page.getByTestId('quote')).toContainText('¥5,050.00');
  await page.getByText('提前还部分').click();
  await page.getByLabel('还款金额（元）').fill('500');
  await page.getByRole('button', { name: /^还\s*款$/ }).click();
  await expect(page.getByTestId('payment-status')).toContainText('还款成功');
  await expect(page.getByTestId('outstanding')).toHaveText('¥4,500.00');
  await shoot(page, 'fixture-03-loan-after-prepayment');
});

test('portfolio dashboard draws its charts from the contract summary', async ({ page }) => {
  await page.setViewportSize(DESKTOP);
  await fixtures(page);
  await uiLogin(page, '13900000003');
  await expect(page).toHaveURL(/\/staff\/portfolio$/);
  await expect(page.getByText('¥123,456.78')).toBeVisible();
  await expect(page.getByText('60.00%')).toBeVisible();
  await expect(page.getByText('6.85%')).toBeVisible();
  await expect(page.locator('canvas')).toHaveCount(4);
  await shoot(page, 'fixture-04-portfolio');
});

test('the feedback form shows the server’s field errors where they belong', async ({ page }) => {
  await page.setViewportSize(MOBILE);
  await page.route(/\/api\/v1\/me\/feedback$/, async (route) => {
    if (route.request().method() === 'GET') return route.fulfill({ status: 200, contentType: 'application/json', body: JSON.stringify({ items: [] }) });
    expect(route.request().headers()['idempotency-key']).toBeTruthy();
    expect(route.request().postDataJSON()).toEqual({ category: 'suggestion', message: 'x' });
    return route.fulfill({
      status: 422,
      contentType: 'application/problem+json',
      body: JSON.stringify({
        type: '/problems/validation_failed', title: 'The request is not valid', status: 422, code: 'validation_failed',
        detail: 'write 1 to 2000 characters', errors: [{ field: 'message', code: 'invalid_length', message: 'write 1 to 2000 characters' }],
      }),
    });
  });
  await uiLogin(page, '13800000001');
  await expect(page).toHaveURL(/\/app$/);
  await page.getByRole('link', { name: '意见反馈', exact: true }).click();
  await page.getByText('建议', { exact: true }).click();
  await page.getByLabel('内容', { exact: true }).fill('x');
  await page.getByRole('button', { name: /提\s*交/ }).click();
  await expect(page.getByTestId('problem')).toContainText('write 1 to 2000 characters');
  await expect(page.locator('.ant-form-item-explain-error')).toHaveText('write 1 to 2000 characters');
});
