// Unit checks of the pure modules (no browser): money and rate formatting,
// input validation, and the normalisation of the lending API's responses.
import { expect, test } from '@playwright/test';
import { fractionPercent, idNumberValid, money, percentToFraction, sumMoney, twoPlaces } from '../src/format';
import * as normalize from '../src/normalize';
import { paidTotals } from '../src/statement';
import type { LoanEvent, Payment } from '../src/types';

test('money and rates are formatted without floating point', () => {
  expect(money('8530.99')).toBe('¥8,530.99');
  expect(money('1234567.5')).toBe('¥1,234,567.50');
  expect(money('-0.10')).toBe('-¥0.10');
  expect(money(null)).toBe('—');
  expect(fractionPercent('0.1350')).toBe('13.50%');
  expect(fractionPercent('0.0435')).toBe('4.35%');
  expect(fractionPercent('1.5')).toBe('150.00%');
  expect(percentToFraction('12')).toBe('0.12');
  expect(percentToFraction('12.5')).toBe('0.125');
  expect(percentToFraction('4.35')).toBe('0.0435');
  expect(percentToFraction('100')).toBe('1');
  expect(twoPlaces('500')).toBe('500.00');
  expect(twoPlaces('0.5')).toBe('0.50');
  expect(sumMoney(['0.10', '0.20', '867.29'])).toBe('867.59');
});

test('resident ID numbers are checked like the server does', () => {
  expect(idNumberValid('110105199001010010')).toBe(true);
  expect(idNumberValid('440304199506150028')).toBe(true);
  expect(idNumberValid('110105199001010011')).toBe(false);
  expect(idNumberValid('11010519900101001')).toBe(false);
});

test('the match response per product becomes offers', () => {
  const offer = {
    amount: '5000.00', term_months: 6, method: 'equal-installment', annual_rate: { rate: '0.135', percent: '13.50%' },
    apr: { nominal: '0.135', nominal_percent: '13.50%', effective: '0.1439', effective_percent: '14.39%' },
    upfront_fee: '0.00', net_proceeds: '5000.00', first_payment: '867.29', totals: { principal: '5000.00', interest: '203.74', fee: '0.00', payment: '5203.74' },
    schedule: [],
  };
  const result = normalize.match({
    offers: [{ product_code: 'CONSUMER', product_name: '消费贷', outcome: 'approved', score: 661, grade: 'B', reasons: [], offer }],
    declined: [{ product_code: 'EDU', product_name: '助学贷', outcome: 'declined', score: 661, grade: 'B', reasons: [{ code: 'score_too_low', text_zh: '综合信用评分未达到要求', text_en: 'low' }] }],
  });
  expect(result.score).toBe(661);
  expect(result.offers).toHaveLength(1);
  expect(result.offers[0]).toMatchObject({ product_code: 'CONSUMER', annual_rate: '0.135', annual_rate_percent: '13.50%', total_payment: '5203.74' });
  expect(result.reasons).toEqual([]);
  const none = normalize.match({ offers: [], declined: [{ product_code: 'EDU', outcome: 'declined', score: 500, grade: 'E', reasons: [{ code: 'score_too_low' }] }] });
  expect(none.offers).toEqual([]);
  expect(none.reasons?.map((r) => r.code)).toEqual(['score_too_low']);
  const contractShape = normalize.match({ score: 655, grade: 'B', offers: [{ ...offer, product_code: 'CONSUMER', annual_rate: '0.1350', annual_rate_percent: '13.50%', total_payment: '1.00' }] });
  expect(contractShape.offers[0]).toMatchObject({ annual_rate_percent: '13.50%', total_payment: '1.00' });
});

test('a contract without a disclosure takes it from its document', () => {
  const contract = normalize.contract({
    id: 7, application_id: 41, digest: 'ab', signed_at: '2026-11-25T10:00:00Z',
    document: {
      cost: { apr_nominal: '0.135000', apr_effective: '0.1439', annual_interest_rate: '0.135', monthly_fee_rate: '0', total_interest: '203.74', total_fees: '0.00', total_repayable: '5203.74' },
      schedule: [{ number: 1 }], consents: [{ terms_version: '2026-11' }],
    },
  });
  expect(contract.disclosure).toMatchObject({ apr_percent: '13.50%', annual_rate_percent: '13.50%', total_payment: '5203.74' });
  expect(contract.terms_version).toBe('2026-11');
  expect(contract.schedule).toHaveLength(1);
});

test('events carry their type and amount either flat or inside `event`', () => {
  expect(normalize.event({ id: 1, date: '2026-12-01', event: { type: 'repayment', amount: '500.00' }, allocation: { principal: '500.00' }, reversed: false }))
    .toMatchObject({ type: 'repayment', amount: '500.00' });
  expect(normalize.event({ id: 2, date: '2026-12-01', type: 'payoff', amount: '1.00', allocation: null, reversed: true })).toMatchObject({ type: 'payoff', amount: '1.00' });
});

test('an application decision with a rate object is flattened', () => {
  const application = normalize.application({
    id: 1, status: 'approved', product_code: 'CONSUMER',
    decision: { outcome: 'approved', score: 700, grade: 'A', probability_of_default: '0.05', model: 'm', reasons: [], approved_amount: '1000.00', annual_rate: { rate: '0.12', percent: '12.00%' }, offer: null },
  });
  expect(application.decision).toMatchObject({ annual_rate: '0.12', annual_rate_percent: '12.00%', offer: null });
});

test('the statement sums the confirmed, unreversed collections by component in fen', () => {
  const payment = (id: number, status: Payment['status'], applied: Payment['applied'], direction = 'collection'): Payment => ({
    id, loan_id: 1, direction, purpose: 'repayment', amount: '0.00', status, failure_code: null, created_at: '2026-12-01T10:00:00Z', applied,
  });
  const payments = [
    payment(1, 'succeeded', {}, 'disbursement'),
    payment(2, 'succeeded', { penalty: '0.00', fee: '0.10', interest: '56.25', principal: '811.04', credit: '0.00' }),
    payment(3, 'succeeded', { penalty: '0.20', fee: '0.20', interest: '0.01', principal: '0.07', credit: '12.34' }),
    payment(4, 'failed', null),
    payment(5, 'pending', null),
    payment(6, 'succeeded', { principal: '100.00' }),
    payment(7, 'succeeded', { suspense: '5.00' }),
  ];
  const events: LoanEvent[] = [{ id: 9, date: '2026-12-01', type: 'repayment', amount: '100.00', allocation: { principal: '100.00' }, payment_id: 6, reversed: true }];
  const totals = paidTotals(payments, events);
  expect(totals.byComponent).toEqual({ principal: '811.11', interest: '56.26', fee: '0.30', penalty: '0.20', credit: '12.34', suspense: '5.00' });
  expect(totals.total).toBe('885.21');
  expect(totals.payments).toBe(3);
});
