// Personal-information rights end to end, on a fresh demo install: a borrower
// registers (seeing the consent they give), switches marketing on and off,
// downloads their data, mistypes their password without losing the session,
// corrects their phone number and signs in with it, asks for erasure; an
// auditor sees the request read-only, an admin carries it out, and the
// borrower can no longer sign in. A second borrower's erasure is refused
// with a reason they can read.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { apiCall, apiLogin, BASE, DESKTOP, MOBILE, PASSWORD, shoot, uiLogin } from './support';

const CONSENT_ZH = '为提供借款服务，我们处理您的手机号、身份信息（姓名、身份证号）、银行卡及借款记录';

function phoneWith(prefix: string): string {
  return `${prefix}${String(Date.now() % 100_000_000).padStart(8, '0')}`;
}

test('a borrower exercises their data rights and is erased', async ({ browser }) => {
  const phone = phoneWith('133');
  const corrected = phoneWith('132');
  const page = await browser.newPage({ viewport: MOBILE });

  // Registering shows the consent text in force, in both languages.
  await page.goto(`${BASE()}/register`);
  const consent = page.getByTestId('register-consent');
  await expect(consent).toContainText('注册即表示您同意');
  await expect(consent).toContainText(CONSENT_ZH);
  await page.getByTestId('lang-switch').click();
  await expect(consent).toContainText('By registering you agree to the processing of your personal information (version 2026-12)');
  await expect(consent).toContainText('You can see, download, correct or ask to erase it at any time.');
  await page.getByTestId('lang-switch').click();
  await shoot(page, '37-register-consent');
  await page.getByLabel('手机号').fill(phone);
  await page.getByLabel('密码', { exact: true }).fill(PASSWORD);
  await page.getByLabel('确认密码').fill(PASSWORD);
  await page.getByRole('button', { name: /注\s*册/ }).click();
  await expect(page).toHaveURL(/\/login$/);
  await uiLogin(page, phone);
  await expect(page).toHaveURL(/\/app$/);

  await page.getByRole('link', { name: '隐私与数据', exact: true }).click();
  await expect(page).toHaveURL(/\/app\/privacy$/);
  // The consent given by registering: required, not a switch.
  const required = page.getByTestId('consent-personal_information');
  await expect(required).toContainText('必需');
  await expect(required).toContainText(CONSENT_ZH);
  await expect(required).toContainText(/同意于 \d{4}-\d{2}-\d{2}/);
  await expect(required.getByRole('switch')).toHaveCount(0);

  // Marketing on, then off again: each is recorded.
  const marketing = page.getByRole('switch', { name: '营销信息' });
  await expect(marketing).not.toBeChecked();
  await marketing.click();
  await expect(page.getByText('已开启：营销信息')).toBeVisible();
  await expect(marketing).toBeChecked();
  await marketing.click();
  await expect(page.getByText('已关闭：营销信息')).toBeVisible();
  await expect(marketing).not.toBeChecked();
  await expect(page.getByTestId('consent-marketing')).toContainText(/撤回于 \d{4}-\d{2}-\d{2}/);
  // The withdrawal is a completed request.
  await expect(page.getByTestId('rights-request').filter({ hasText: '撤回同意' })).toContainText('已完成');

  // A wrong password is said on the field; the session stays.
  await page.getByRole('button', { name: '下载 JSON' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('登录密码').fill('not-my-password-1');
  await dialog.getByRole('button', { name: /下\s*载/ }).click();
  await expect(dialog.getByText('密码不正确')).toBeVisible();
  await expect(page).toHaveURL(/\/app\/privacy$/);
  await shoot(page, '38-privacy-wrong-password');
  await expect(dialog.getByText('密码不正确')).toBeVisible();
  expect(await page.evaluate(() => localStorage.getItem('kredit.session'))).not.toBeNull();

  // The right one downloads the JSON export with this borrower's data in it.
  await dialog.getByLabel('登录密码').fill(PASSWORD);
  const downloading = page.waitForEvent('download');
  await dialog.getByRole('button', { name: /下\s*载/ }).click();
  const file = await downloading;
  expect(file.suggestedFilename()).toMatch(/^kredit-data-\d+-\d{8}\.json$/);
  const data = JSON.parse(readFileSync(await file.path(), 'utf8')) as {
    account: { phone: string; role: string; user_id: number };
    consents: { kind: string; action: string; version: string }[];
  };
  expect(data.account.phone).toBe(phone);
  expect(data.account.role).toBe('borrower');
  expect(data.consents.map((c) => `${c.kind}:${c.action}:${c.version}`).sort()).toEqual(['marketing:given:2026-12', 'marketing:withdrawn:2026-12', 'personal_information:given:2026-12']);
  await expect(dialog).toBeHidden();
  await expect(page.getByTestId('rights-request').filter({ hasText: '下载数据' })).toContainText('已完成');

  // Correcting the phone number: checked as typed, then with the password.
  await page.getByLabel('新手机号').fill('12345');
  await page.getByRole('button', { name: '更正手机号' }).click();
  await expect(page.getByText('请输入 11 位中国大陆手机号')).toBeVisible();
  // Another account's number is refused on the field.
  await page.getByLabel('新手机号').fill('13800000001');
  await page.getByLabel('登录密码').fill(PASSWORD);
  await page.getByRole('button', { name: '更正手机号' }).click();
  await expect(page.getByText('该手机号已被其他账户使用')).toBeVisible();
  await page.getByLabel('新手机号').fill(corrected);
  await expect(page.getByText('该手机号已被其他账户使用')).toHaveCount(0);
  await page.getByRole('button', { name: '更正手机号' }).click();
  await expect(page.getByTestId('current-phone')).toHaveText(`${corrected.slice(0, 3)}****${corrected.slice(7)}`);
  await expect(page.getByTestId('rights-request').filter({ hasText: '更正信息' })).toContainText('已完成');

  // The new number signs in; the old one no longer does.
  await page.getByRole('button', { name: '退出登录' }).click();
  await expect(page).toHaveURL(/\/login$/);
  await uiLogin(page, phone);
  await expect(page.getByTestId('problem')).toBeVisible();
  await uiLogin(page, corrected);
  await expect(page).toHaveURL(/\/app$/);
  await page.getByRole('link', { name: '隐私与数据', exact: true }).click();

  // Erasure: what it does, the password, then the request and its deadline.
  const erasure = page.getByTestId('erasure');
  await expect(erasure).toContainText('法定保存期限');
  await erasure.getByRole('button', { name: '申请删除账户' }).click();
  await dialog.getByLabel('登录密码').fill(PASSWORD);
  await dialog.getByRole('button', { name: '确认申请删除' }).click();
  await expect(erasure.getByTestId('erasure-open')).toContainText(/删除申请已受理（#\d+），我们将在 \d{4}-\d{2}-\d{2} 前处理/);
  const request = page.getByTestId('rights-request').filter({ hasText: '删除账户' });
  await expect(request).toContainText('已受理');
  await expect(request).toContainText(/处理期限 \d{4}-\d{2}-\d{2}/);
  // Shots without the confirmation toasts, which would stay in the language they were raised in.
  await expect(page.locator('.ant-message-notice')).toHaveCount(0, { timeout: 10_000 });
  await page.evaluate(() => window.scrollTo(0, 0));
  await shoot(page, '38-privacy');
  await shoot(page, '38-privacy-export', { scrollTo: page.getByTestId('export') });
  await shoot(page, '39-privacy-erasure', { scrollTo: erasure });

  const userId = data.account.user_id;
  // An auditor sees the request but cannot decide it.
  const auditor = await browser.newPage({ viewport: DESKTOP });
  await uiLogin(auditor, '13900000004');
  await auditor.getByRole('link', { name: '个人信息权利请求' }).click();
  await expect(auditor.getByText('审计员只能查看，执行和拒绝由管理员操作。')).toBeVisible();
  const auditorRow = auditor.getByRole('row', { name: new RegExp(`#${userId}\\b`) });
  await expect(auditorRow).toContainText('删除账户');
  await auditorRow.getByRole('button', { name: /详\s*情/ }).click();
  await expect(auditor.getByTestId('rights-detail')).toContainText('已受理');
  await expect(auditor.getByRole('button', { name: '执行删除' })).toHaveCount(0);
  await auditor.close();

  // The admin finds it in the queue, reads its trail and carries it out.
  const admin = await browser.newPage({ viewport: DESKTOP });
  await uiLogin(admin, '13900000001');
  await admin.getByRole('link', { name: '个人信息权利请求' }).click();
  await expect(admin).toHaveURL(/\/staff\/data-rights$/);
  const row = admin.getByRole('row', { name: new RegExp(`#${userId}\\b`) });
  await expect(row).toContainText('删除账户');
  await expect(row).toContainText('已受理');
  await expect(row).toContainText(/\d{4}-\d{2}-\d{2}/);
  await shoot(admin, '40-data-rights');
  await row.getByRole('button', { name: /详\s*情/ }).click();
  const drawer = admin.getByRole('dialog');
  await expect(drawer.getByTestId('rights-trail')).toContainText('data_rights.erasure_requested');
  await shoot(admin, '41-data-rights-request');
  await drawer.getByRole('button', { name: '执行删除' }).click();
  await admin.getByRole('button', { name: /确\s*定/ }).click();
  await expect(admin.getByText(/请求 #\d+ 已执行/)).toBeVisible();
  await expect(drawer.getByTestId('rights-detail')).toContainText('已完成');
  await expect(drawer.getByRole('button', { name: '执行删除' })).toHaveCount(0);
  // Gone from the received queue, listed under completed.
  await admin.keyboard.press('Escape');
  await expect(drawer).toBeHidden();
  await expect(row).toHaveCount(0);
  await admin.getByText('已完成', { exact: true }).click();
  await expect(admin.getByRole('row', { name: new RegExp(`#${userId}\\b`) }).filter({ hasText: '删除账户' })).toContainText('已完成');
  await admin.close();

  // The borrower can no longer sign in, with either number.
  await uiLogin(page, corrected);
  await expect(page).toHaveURL(/\/login/);
  await expect(page.getByTestId('problem')).toBeVisible();
  await expect(apiLogin(corrected)).rejects.toThrow(/401/);
  await expect(apiCall('POST', '/auth/login', { phone, password: PASSWORD })).rejects.toThrow(/401/);
  await page.close();
});

test('an admin refuses an erasure with a reason, and the borrower reads it', async ({ browser }) => {
  const phone = phoneWith('131');
  await apiCall('POST', '/auth/register', { phone, password: PASSWORD });
  const token = await apiLogin(phone);
  const me = await apiCall<{ user_id: number }>('GET', '/me', undefined, token);
  await apiCall('POST', '/me/erasure-requests', { password: PASSWORD }, token);

  const admin = await browser.newPage({ viewport: DESKTOP });
  await uiLogin(admin, '13900000001');
  await admin.getByRole('link', { name: '个人信息权利请求' }).click();
  const row = admin.getByRole('row', { name: new RegExp(`#${me.user_id}\\b`) });
  await row.getByRole('button', { name: /详\s*情/ }).click();
  const drawer = admin.getByRole('dialog');
  // No reason, no refusal.
  await expect(drawer.getByRole('button', { name: /拒\s*绝/ })).toBeDisabled();
  await drawer.getByLabel('拒绝理由').click();
  await admin.getByTitle('依法须保留（诉讼或监管冻结）').click();
  await drawer.getByRole('button', { name: /拒\s*绝/ }).click();
  await expect(admin.getByText(/请求 #\d+ 已拒绝/)).toBeVisible();
  const detail = drawer.getByTestId('rights-detail');
  await expect(detail).toContainText('已拒绝');
  await expect(detail).toContainText('依法须保留（诉讼或监管冻结）');
  await expect(drawer.getByTestId('rights-trail')).toContainText('data_rights.refused');
  await admin.close();

  // The borrower still signs in, reads why, and may ask again.
  const page = await browser.newPage({ viewport: MOBILE });
  await uiLogin(page, phone);
  await expect(page).toHaveURL(/\/app$/);
  await page.getByRole('link', { name: '隐私与数据', exact: true }).click();
  const request = page.getByTestId('rights-request').filter({ hasText: '删除账户' });
  await expect(request).toContainText('已拒绝');
  await expect(request).toContainText('拒绝原因：依法须保留（诉讼或监管冻结）');
  await expect(page.getByTestId('erasure').getByRole('button', { name: '申请删除账户' })).toBeVisible();
  await page.close();
});
