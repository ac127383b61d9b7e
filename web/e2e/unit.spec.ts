// Unit checks of the pure modules (no browser): money and rate formatting,
// input validation and the statement's sums.
import { expect, test } from '@playwright/test';
import { addDays, count, duration, fractionPercent, idNumberValid, money, nextDailyRun, percentToFraction, sumMoney, twoPlaces, webhookUrlValid } from '../src/format';
import { paidTotals } from '../src/statement';
import { verifyProof } from '../src/logproof';
import { dict } from '../src/messages';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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

test('close of business: dates, run lengths and the next scheduled run in the lender’s zone', () => {
  expect(count(1000000)).toBe('1,000,000');
  expect(count(0)).toBe('0');
  expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
  expect(addDays('2028-02-28', 1)).toBe('2028-02-29');
  expect(duration('2026-12-01T16:30:12.000Z', '2026-12-01T16:30:12.224Z')).toBe('224 ms');
  expect(duration('2026-12-01T16:30:00Z', '2026-12-01T16:31:05Z')).toBe('1 min 5 s');
  expect(duration('2026-12-01T16:30:00Z', '2026-12-01T18:30:00Z')).toBe('2 h');
  expect(duration('2026-12-01T16:30:00Z', null)).toBe('—');
  // 00:29 and 00:30 in Shanghai (UTC+8) on 2 December.
  expect(nextDailyRun('00:30', 'Asia/Shanghai', new Date('2026-12-01T16:29:00Z'))).toBe('2026-12-02 00:30');
  expect(nextDailyRun('00:30', 'Asia/Shanghai', new Date('2026-12-01T16:30:00Z'))).toBe('2026-12-03 00:30');
  expect(nextDailyRun('00:30', 'Asia/Shanghai', new Date('2026-12-31T17:00:00Z'))).toBe('2027-01-02 00:30');
});

test('webhook URLs are checked like the server does', () => {
  expect(webhookUrlValid('https://example.com/kredit/events')).toBe(true);
  expect(webhookUrlValid('http://127.0.0.1:8080/hook?x=1')).toBe(true);
  expect(webhookUrlValid('ftp://example.com/hook')).toBe(false);
  expect(webhookUrlValid('https://user:secret@example.com/hook')).toBe(false);
  expect(webhookUrlValid('https://user@example.com/hook')).toBe(false);
  expect(webhookUrlValid('/relative')).toBe(false);
  expect(webhookUrlValid('example.com/hook')).toBe(false);
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

test('the register page shows the consent text in force, word for word as the server records it', () => {
  // crates/kredit-core/src/consent.rs TEXTS: the personal-information entry.
  const source = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'crates', 'kredit-core', 'src', 'consent.rs'), 'utf8');
  const entry = /kind: ConsentKind::PersonalInformation,\s*version: "([^"]+)",\s*required: true,\s*zh: "([^"]+)",\s*en: "([^"]+)"/.exec(source);
  expect(entry, 'the personal-information text in consent.rs').not.toBeNull();
  const [, version, zh, en] = entry!;
  expect(dict['consent.version']).toEqual([version, version]);
  expect(dict['consent.personal_information.text']).toEqual([zh, en]);
});

test('a contract proof made by the Rust signer and prover verifies in WebCrypto, and any change fails it', async () => {
  // Written by crates/kredit-tlog/tests/web_fixture.rs with the real formats.
  const fixture = JSON.parse(readFileSync(join(dirname(fileURLToPath(import.meta.url)), 'fixtures', 'log-proof.json'), 'utf8'));
  const expect9 = { kind: 'contract.signed', subject: 'contract:9' };
  expect(await verifyProof(fixture, fixture.log_key, expect9)).toEqual({ ok: true, index: 9, size: 13, origin: 'kredit.test/log' });
  const reason = async (proof: { entry: string; bundle: string }, key = fixture.log_key, expected = expect9) => {
    const verdict = await verifyProof(proof, key, expected);
    return verdict.ok ? 'ok' : verdict.reason;
  };
  // Another entry's proof is not this contract's.
  expect(await reason(fixture, fixture.log_key, { kind: 'contract.signed', subject: 'contract:8' })).toBe('entry');
  // An entry changed by one character.
  expect(await reason({ ...fixture, entry: fixture.entry.replace('"n":9', '"n":8') })).toBe('inclusion');
  // The proof claims another index.
  expect(await reason({ ...fixture, bundle: fixture.bundle.replace('index 9', 'index 8') })).toBe('inclusion');
  // A proof hash changed.
  const lines: string[] = fixture.bundle.split('\n');
  const flipped = lines.map((line, i) => (i === 2 ? (line[0] === 'A' ? 'B' : 'A') + line.slice(1) : line)).join('\n');
  expect(await reason({ ...fixture, bundle: flipped })).toBe('inclusion');
  // The checkpoint's size or root changed: its signature no longer holds.
  expect(await reason({ ...fixture, bundle: fixture.bundle.replace('\n13\n', '\n14\n') })).toBe('signature');
  // Another key, or a key whose ID does not match it.
  const [, name, id, material] = /^([^+]+)\+([^+]+)\+(.+)$/.exec(fixture.log_key)!;
  expect(await reason(fixture, `${name}+${id === '00000000' ? '00000001' : '00000000'}+${material}`)).toBe('key');
  expect(await reason(fixture, `other.example/log+${id}+${material}`)).toBe('key');
  expect(await reason({ ...fixture, bundle: 'c2sp.org/tlog-proof@v1\nindex 09\n' })).toBe('bundle');
});
