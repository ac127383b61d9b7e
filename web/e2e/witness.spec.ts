// The transparency log is witnessed: global setup starts two witnesses
// (`kredit witness serve`) and the server requires both, so the published
// checkpoint at /log/checkpoint carries the log's signature and one
// cosignature line from each witness.
import { expect, test } from '@playwright/test';
import { apiCall, BASE, newBorrower } from './support';

/** The signature lines of a signed note, by the key name they carry. */
function signers(note: string): string[] {
  const [, signatures = ''] = note.split('\n\n');
  return signatures
    .split('\n')
    .filter((line) => line.startsWith('— '))
    .map((line) => line.slice(2).split(' ')[0]);
}

test('the published checkpoint carries both witnesses\u2019 cosignatures', async ({ request }) => {
  // An application's decision is logged: the log has a checkpoint to witness.
  const { token } = await newBorrower('136', { verified: true });
  await apiCall(
    'POST',
    '/applications',
    { product_code: 'CONSUMER', amount: '5000.00', term_months: 6, method: 'equal-installment', purpose: 'consumer' },
    token,
    `witness-${Date.now()}`,
  );
  let note = '';
  await expect
    .poll(
      async () => {
        const response = await request.get(`${BASE()}/log/checkpoint`);
        note = response.ok() ? await response.text() : '';
        return signers(note).filter((name) => name.startsWith('witness.example/')).sort();
      },
      { timeout: 30_000 },
    )
    .toEqual(['witness.example/w1', 'witness.example/w2']);
  expect(signers(note)).toContain('localhost/kredit-log');
  const origin = note.split('\n')[0];
  expect(origin).toBe('localhost/kredit-log');
});
