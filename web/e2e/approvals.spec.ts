// A large payout waits for two approvals (global setup's policy: above
// ¥10,000, two of admin, risk officer, underwriter, never the maker): the
// underwriter who approved the application is refused, an admin's approval
// leaves it waiting for one more, a risk officer's sends the money.
import { expect, test, type Page } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { apiCall, apiLogin, DESKTOP, newBorrower, shoot, uiLogin, BASE } from './support';

test.use({ viewport: DESKTOP });

interface Application {
  id: number;
  status: string;
  loan_id?: number | null;
}

/** A referred application (its offer above the approvals threshold), approved by the underwriter (its maker), accepted by its borrower. */
async function heldLoan(): Promise<{ loanId: number; borrowerToken: string }> {
  const { token } = await newBorrower('135', { verified: true, birth: '20060808' });
  // As in staff.spec.ts: a 20-year-old asking for most of the ceiling is
  // referred (and offered less, still above the threshold).
  for (const [amount, term] of [['160000.00', 12], ['160000.00', 36], ['100000.00', 36], ['60000.00', 12]] as const) {
    const application = await apiCall<Application>(
      'POST',
      '/applications',
      { product_code: 'CONSUMER', amount, term_months: term, method: 'equal-installment', purpose: 'consumer' },
      token,
      randomUUID(),
    );
      if (application.status !== 'referred') continue;
    const underwriter = await apiLogin('13900000002');
    await apiCall('POST', `/applications/${application.id}/decision`, { decision: 'approve', comment: '收入证明齐全，同意。' }, underwriter);
    const accepted = await apiCall<{ loan: { id: number } }>('POST', `/applications/${application.id}/accept`, { agree: true, terms_version: '2026-11' }, token, randomUUID());
    return { loanId: accepted.loan.id, borrowerToken: token };
  }
  throw new Error('no profile produced a referred application');
}

async function signInAs(page: Page, phone: string) {
  await page.goto(`${BASE()}/login`);
  await page.evaluate(() => localStorage.removeItem('kredit.session'));
  await uiLogin(page, phone);
  await expect(page).toHaveURL(/\/staff\//);
  await page.goto(`${BASE()}/staff/held-disbursements`);
}

async function decide(page: Page, loanId: number, comment: string) {
  const row = page.getByTestId('held-table').getByRole('row').filter({ hasText: new RegExp(`#${loanId}\\b`) });
  await row.getByRole('button', { name: /^批\s*准$/ }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('意见（可选）').fill(comment);
  await dialog.getByRole('button', { name: /确\s*定/ }).click();
  return { row, dialog };
}

test('a large payout waits for two approvals, the maker is refused, the second approval pays it', async ({ page }) => {
  const { loanId, borrowerToken } = await heldLoan();

  await signInAs(page, '13900000002');
  const row = page.getByTestId('held-table').getByRole('row').filter({ hasText: new RegExp(`#${loanId}\\b`) });
  await expect(row.getByTestId('held-reasons')).toContainText('需要 2 人批准，已有 0 人');
  await shoot(page, '42-held-waiting');
  const attempt = await decide(page, loanId, '我来批准');
  await expect(attempt.dialog).toContainText('您是此笔贷款的审批人（经办人），不能再审批其放款。');
  await shoot(page, '43-held-maker-refused');
  await attempt.dialog.getByRole('button', { name: /取\s*消/ }).click();

  await signInAs(page, '13900000001');
  await decide(page, loanId, '额度与收入匹配');
  await expect(row.getByTestId('approvals-needed')).toHaveText('还需 1 人批准');
  await expect(row).toContainText('员工 #');

  await signInAs(page, '13900000003');
  await decide(page, loanId, '风险可控');
  await expect(page.getByTestId('held-table').getByRole('row').filter({ hasText: new RegExp(`#${loanId}\\b`) })).toHaveCount(0);
  await shoot(page, '44-held-released');

  // The money went: the loan is disbursed (the sandbox confirms within seconds).
  await expect
    .poll(async () => (await apiCall<{ status: string }>('GET', `/loans/${loanId}`, undefined, borrowerToken)).status, { timeout: 30_000 })
    .toBe('active');
});
