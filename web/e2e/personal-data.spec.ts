// Staff views of unmasked personal data, as the three people involved see
// them: an underwriter states why and shows one field, the auditor finds the
// view in the record, and the borrower sees on their profile that it
// happened, when and why.
import { expect, test } from '@playwright/test';
import { apiCall, apiLogin, DESKTOP, MOBILE, newBorrower, setLang, shoot, uiLogin } from './support';

test('a stated, recorded view of a borrower’s ID number', async ({ browser }) => {
  const { phone } = await newBorrower('135', { verified: true });
  const borrowerToken = await apiLogin(phone);
  const me = await apiCall<{ user_id: number }>('GET', '/me', undefined, borrowerToken);

  const staff = await browser.newPage({ viewport: DESKTOP });
  await uiLogin(staff, '13900000002');
  await staff.getByRole('link', { name: '贷后服务' }).click();
  await staff.getByLabel('查询内容').fill(phone);
  await staff.getByRole('button', { name: /查\s*询/ }).click();
  // Masked in the search result.
  await expect(staff.getByRole('cell', { name: /^110105\*+/ })).toBeVisible();
  await staff.getByTestId(`reveal-${me.user_id}`).click();
  const dialog = staff.getByRole('dialog');
  // Nothing is shown without a purpose and a case reference.
  await dialog.getByRole('button', { name: '记录并查看' }).click();
  await expect(dialog.getByText('请填写此项').first()).toBeVisible();
  await dialog.getByLabel('查看目的').click();
  await staff.getByTitle('处理客户请求').click();
  await dialog.getByLabel('案件/工单编号').fill('TICKET-2026-118');
  await dialog.getByLabel('身份证号').check();
  await dialog.getByLabel('手机号', { exact: true }).uncheck();
  await dialog.getByRole('button', { name: '记录并查看' }).click();
  const shown = dialog.getByTestId('revealed');
  await expect(shown).toContainText(/110105\d{11}[\dX]/);
  await expect(shown).not.toContainText(phone);
  await shoot(staff, '27-personal-data-reveal');
  await staff.close();

  const auditor = await browser.newPage({ viewport: DESKTOP });
  await uiLogin(auditor, '13900000004');
  await auditor.getByRole('link', { name: '信息查看记录' }).click();
  const row = auditor.getByRole('row', { name: /TICKET-2026-118/ });
  await expect(row).toContainText('处理客户请求');
  await expect(row).toContainText('身份证号');
  await expect(row).toContainText(`#${me.user_id}`);
  await setLang(auditor, 'en');
  await expect(row).toContainText("Handling the customer's request");
  await shoot(auditor, '28-personal-data-access');
  await auditor.close();

  const borrower = await browser.newPage({ viewport: MOBILE });
  await uiLogin(borrower, phone);
  await expect(borrower).toHaveURL(/\/app$/);
  await borrower.getByRole('link', { name: '我的', exact: true }).click();
  const view = borrower.getByTestId('data-view');
  await expect(view).toHaveCount(1);
  await expect(view).toContainText('处理客户请求');
  await expect(view).toContainText('审批员');
  await view.scrollIntoViewIfNeeded();
  await shoot(borrower, '29-who-viewed-my-data', { scrollTo: view });
  await borrower.close();
});
