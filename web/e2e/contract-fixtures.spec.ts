// The lending pages checked against the API's published shapes (the
// OpenAPI document's, typed by the generated src/generated/openapi.ts), with
// the lending endpoints answered by fixtures in the browser; accounts, login
// and identity are the real server's.
import { expect, test, type Page, type Route } from '@playwright/test';
import type { Accepted, Application, ApplicationStatus, Contract, Installment, Loan, LoanEvent, MatchResponse, Offer, Payment, PayoffQuote, Portfolio } from '../src/api-types';
import { DESKTOP, MOBILE, shoot, uiLogin } from './support';

const apr = { nominal: '0.135000', nominal_percent: '13.50%', effective: '0.143900', effective_percent: '14.39%' };
const schedule: Installment[] = Array.from({ length: 6 }, (_, i) => ({
  number: i + 1,
  due_date: `2027-0${i + 1}-25`,
  principal: '811.04',
  interest: '56.25',
  fee: '0.00',
  payment: '867.29',
  balance_after: 5000 - 811.04 * (i + 1) > 0 ? (5000 - 811.04 * (i + 1)).toFixed(2) : '0.00',
}));
const offer: Offer = {
  amount: '5000.00', term_months: 6, method: 'equal-installment', annual_rate: { rate: '0.135', percent: '13.50%' }, apr,
  upfront_fee: '0.00', net_proceeds: '5000.00', first_payment: '867.29',
  totals: { principal: '5000.00', interest: '203.74', fee: '0.00', payment: '5203.74' }, schedule,
};
const decision = {
  outcome: 'approved' as const, score: 661, grade: 'B' as const, probability_of_default: '0.08', model: 'german-scorecard-v1',
  reasons: [{ code: 'feature:duration_in_month', text_zh: '借款期限较长', text_en: 'Long loan duration' }],
  approved_amount: '5000.00', annual_rate: { rate: '0.135', percent: '13.50%' }, offer,
};
const matched: MatchResponse = { offers: [{ product_code: 'CONSUMER', product_name: '消费贷', ...decision }], declined: [] };
const application = (status: ApplicationStatus): Application => ({
  id: 41, borrower_id: 5, status, product_code: 'CONSUMER', amount: '5000.00', term_months: 6, method: 'equal-installment', purpose: 'consumer',
  profile: {}, created_at: '2026-11-25T10:00:00Z', decision,
  underwriting: null, contract_id: status === 'accepted' ? 7 : null, loan_id: status === 'accepted' ? 9 : null,
});
const loan = (paid: boolean): Loan => ({
  id: 9, borrower_id: 5, product_code: 'CONSUMER', status: 'active', principal: '5000.00', outstanding_principal: paid ? '4500.00' : '5000.00',
  amount_due: '0.00', next_due_date: '2026-12-25', next_due_amount: '867.29', dpd: 0, bucket: 'M0', classification: 'normal',
  annual_rate_percent: '13.50%', credit_balance: '0.00', start_date: '2026-11-25', maturity_date: '2027-05-25', as_of: '2026-11-25',
  contract_id: 7, application_id: 41,
  installments: schedule.map((row) => ({ ...row, penalty: '0.00', paid: '0.00', outstanding: row.payment, status: 'pending' as const })),
});
// The signed contract's APR differs from its annual rate, so their sizes can be told apart.
const contract: Contract = {
  id: 7, application_id: 41, digest: 'ab'.repeat(32), signed_at: '2026-11-25T10:01:00Z',
  document: {
    contract_number: 'KR-20261125-00000041', lender: 'Kredit', borrower_id: '5', borrower_name: '王*', borrower_id_number: '110105********0010',
    product_code: 'CONSUMER', product_name: '消费贷', product_kind: 'consumer', purpose: 'consumer', principal: '5000.00', upfront_fee: '0.00',
    net_proceeds: '5000.00', term_months: 6, repayment_method: 'equal-installment', start_date: '2026-11-25', penalty_annual_rate: '0.2025',
    grace_days: 3, prepayment_allowed: true, prepayment_fee_rate: '0.01',
    cost: { apr_nominal: '0.144000', apr_effective: '0.153900', annual_interest_rate: '0.135', monthly_fee_rate: '0', total_interest: '203.74', total_fees: '0.00', total_repayable: '5203.74' },
    schedule: schedule.map((row) => ({ n: row.number, period_start: '2026-11-25', due_date: row.due_date, principal: row.principal, interest: row.interest, fee: row.fee, payment: row.payment, remaining: row.balance_after })),
    consents: [{ kind: 'loan_contract', terms_version: '2026-11', accepted_at: '2026-11-25T10:01:00Z', ip: '127.0.0.1' }],
    signed_at: '2026-11-25T10:01:00Z',
  },
};
const payment = (status: Payment['status'], applied: Payment['applied']): Payment => ({
  id: 3, loan_id: 9, direction: 'collection', purpose: 'prepayment', amount: '500.00', status, failure_code: null,
  created_at: '2026-11-25T10:02:00Z', updated_at: '2026-11-25T10:02:00Z', applied,
});
const quote: PayoffQuote = { date: '2026-11-25', principal: '5000.00', interest: '0.00', fee: '0.00', penalty: '0.00', prepayment_fee: '50.00', credit_applied: '0.00', total: '5050.00' };
const events: { items: LoanEvent[] } = { items: [{ id: 1, date: '2026-11-25', event: { type: 'prepayment', amount: '500.00', mode: 'reduce_installment' }, allocation: { principal: '500.00' }, payment_id: 3, reversed: false }] };
const portfolio: Portfolio = {
  business_date: '2026-11-25', loans_active: 12, outstanding_principal: '123456.78',
  disbursed_by_day: [{ date: '2026-11-23', amount: '20000.00', loans: 2 }, { date: '2026-11-24', amount: '35000.00', loans: 3 }, { date: '2026-11-25', amount: '5000.00', loans: 1 }],
  applications: { total: 20, by_status: { approved: 4, accepted: 8, declined: 5, referred: 3 }, approval_rate: '0.6' },
  buckets: [{ key: 'M0', loans: 10, outstanding: '100000.00' }, { key: 'M1', loans: 1, outstanding: '15000.00' }, { key: 'M2', loans: 1, outstanding: '8456.78' }],
  classification: [{ key: 'normal', loans: 10, outstanding: '100000.00' }, { key: 'special_mention', loans: 1, outstanding: '15000.00' }, { key: 'substandard', loans: 1, outstanding: '8456.78' }],
  bad_debt_rate: '0.0685',
};

async function fixtures(page: Page) {
  let accepted = false;
  let paid = false;
  const json = (route: Route, body: unknown, status = 200) => route.fulfill({ status, contentType: 'application/json', body: JSON.stringify(body) });
  await page.route(/\/api\/v1\/(products|applications|loans|payments|contracts|portfolio|calculator)/, async (route) => {
    const url = new URL(route.request().url());
    const path = url.pathname.replace('/api/v1', '');
    const method = route.request().method();
    if (method === 'POST' && path === '/products/match') return json(route, matched);
    if (method === 'POST' && path === '/applications') {
      expect(route.request().headers()['idempotency-key']).toBeTruthy();
      return json(route, application('approved'), 201);
    }
    if (path === '/applications') return json(route, { items: [application(accepted ? 'accepted' : 'approved')] });
    if (path === '/applications/41') return json(route, application(accepted ? 'accepted' : 'approved'));
    if (method === 'POST' && path === '/applications/41/accept') {
      expect(route.request().postDataJSON()).toEqual({ agree: true, terms_version: '2026-11' });
      accepted = true;
      return json(route, { contract, loan: loan(false) } satisfies Accepted, 201);
    }
    if (path === '/contracts/7') return json(route, contract);
    if (path === '/loans') return json(route, { items: accepted ? [loan(paid)] : [] });
    if (path === '/loans/9') return json(route, loan(paid));
    if (path === '/loans/9/payoff-quote') return json(route, quote);
    if (method === 'POST' && path === '/loans/9/repayments') {
      expect(route.request().postDataJSON()).toMatchObject({ amount: '500.00', kind: 'prepayment', mode: 'reduce_installment' });
      return json(route, payment('pending', null), 202);
    }
    if (path === '/payments/3') {
      paid = true;
      return json(route, payment('succeeded', { principal: '500.00' }));
    }
    if (path === '/loans/9/payments') return json(route, { items: paid ? [payment('succeeded', { principal: '500.00' })] : [] });
    if (path === '/loans/9/events') return json(route, paid ? events : { items: [] });
    if (path === '/portfolio/summary') return json(route, portfolio);
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
  await expect(contractCard.getByTestId('apr')).toContainText('14.40%');
  const sizes = await contractCard.evaluate((card) => {
    const size = (text: string) => {
      const el = [...card.querySelectorAll('div')].find((d) => d.children.length === 0 && d.textContent === text);
      return el ? parseFloat(getComputedStyle(el).fontSize) : 0;
    };
    return { apr: size('14.40%'), annual: size('13.50%') };
  });
  expect(sizes.annual).toBeGreaterThan(0);
  expect(sizes.apr).toBeGreaterThan(sizes.annual);
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
