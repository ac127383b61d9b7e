// Unit checks of the pure modules (no browser): money and rate formatting,
// input validation and the statement's sums.
import { expect, test } from '@playwright/test';
import { fractionPercent, idNumberValid, money, percentToFraction, sumMoney, twoPlaces } from '../src/format';
import { paidTotals } from '../src/statement';
import type { LoanEvent, Payment } from '../src/api-types';

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

test('the statement sums the confirmed, unreversed collections by component in fen', () => {
  const payment = (id: number, status: Payment['status'], applied: Payment['applied'], direction = 'collection'): Payment => ({
    id, loan_id: 1, direction, purpose: 'repayment', amount: '0.00', status, failure_code: null, created_at: '2026-12-01T10:00:00Z', updated_at: '2026-12-01T10:00:00Z', applied,
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
  const events: LoanEvent[] = [{ id: 9, date: '2026-12-01', event: { type: 'repayment', amount: '100.00' }, allocation: { principal: '100.00' }, payment_id: 6, reversed: true }];
  const totals = paidTotals(payments, events);
  expect(totals.byComponent).toEqual({ principal: '811.11', interest: '56.26', fee: '0.30', penalty: '0.20', credit: '12.34', suspense: '5.00' });
  expect(totals.total).toBe('885.21');
  expect(totals.payments).toBe(3);
});
