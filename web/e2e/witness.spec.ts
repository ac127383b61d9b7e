// The transparency log is witnessed: global setup starts two witnesses
// (`kredit witness serve`) and the server requires both, so the published
// checkpoint at /log/checkpoint carries the log's signature and one
// cosignature line from each witness.
import { expect, test } from '@playwright/test';
import { apiCall, BASE, newBorrower, shoot, uiLogin } from './support';

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

test('staff see the log, its witnesses and the held disbursements', async ({ page }) => {
  await uiLogin(page, '13900000001');
  await expect(page).toHaveURL(/\/staff\//);
  await page.goto(`${BASE()}/staff/transparency-log`);
  const status = page.getByTestId('tlog-status');
  await expect(status).toBeVisible();
  await expect(status).toContainText('localhost/kredit-log');
  await expect(status).toContainText('2 个见证人中需 2 个联署');
  // Both witnesses have cosigned the newest checkpoint (the log is small and quiet here).
  await expect(async () => {
    await page.reload();
    await expect(page.getByText('已联署最新')).toHaveCount(2, { timeout: 2_000 });
  }).toPass({ timeout: 30_000 });
  await expect(page.getByTestId('tlog-checkpoint')).toContainText('— witness.example/w1 ');
  await shoot(page, '40-transparency-log');
  await page.goto(`${BASE()}/staff/held-disbursements`);
  await expect(page.getByRole('heading', { name: '待放款审批' })).toBeVisible();
  await shoot(page, '41-held-disbursements');
});
