// (c) Feedback round trip: a borrower asks on the phone, staff answer in the
// console (a second answer is refused), the borrower reads the reply.
import { expect, test } from '@playwright/test';
import { randomUUID } from 'node:crypto';
import { apiCall, apiLogin, BASE, DESKTOP, MOBILE, newBorrower, PASSWORD, shoot, uiLogin } from './support';

interface Feedback {
  id: number;
  status: string;
}

test('feedback: a borrower asks, an underwriter replies in the console, the borrower reads the reply', async ({ browser }) => {
  const { phone, token } = await newBorrower('135', { verified: false });
  const masked = `${phone.slice(0, 3)}****${phone.slice(-4)}`;
  const question = `合同里的提前还款费怎么计算？(${randomUUID().slice(0, 8)})`;
  const answer = '提前还款费以结清试算为准，签约时的费率写在合同“主要条款”中。';

  const borrower = await browser.newPage({ viewport: MOBILE });
  await test.step('the borrower finds the form from the profile and sends a complaint', async () => {
    await uiLogin(borrower, phone, PASSWORD);
    await expect(borrower).toHaveURL(/\/app$/);
    await borrower.getByRole('link', { name: '我的', exact: true }).click();
    await borrower.getByRole('button', { name: '去反馈' }).click();
    await expect(borrower).toHaveURL(/\/app\/feedback$/);
    await expect(borrower.getByRole('link', { name: '意见反馈', exact: true })).toHaveClass(/active/);
    // Validated before sending.
    await borrower.getByRole('button', { name: /提\s*交/ }).click();
    await expect(borrower.getByText('请填写此项')).toBeVisible();
    await borrower.getByText('投诉', { exact: true }).click();
    await borrower.getByLabel('内容', { exact: true }).fill(question);
    await shoot(borrower, '30-feedback-form');
    await borrower.getByRole('button', { name: /提\s*交/ }).click();
    await expect(borrower.getByText('反馈已提交，我们会尽快回复。')).toBeVisible();
    const mine = borrower.getByTestId('feedback-item').filter({ hasText: question });
    await expect(mine.getByTestId('feedback-status')).toHaveText('待回复');
    await expect(mine).toContainText('等待工作人员回复');
  });

  // A second message, answered through the API by someone else while the console shows it open.
  const other = await apiCall<Feedback>('POST', '/me/feedback', { category: 'question', message: '还款日可以修改吗？' }, token, randomUUID());

  const staff = await browser.newPage({ viewport: DESKTOP });
  await test.step('an underwriter answers in the console', async () => {
    await uiLogin(staff, '13900000002');
    await expect(staff).toHaveURL(/\/staff\/underwriting$/);
    await staff.getByRole('link', { name: '客户反馈' }).click();
    const row = staff.getByRole('row').filter({ hasText: question });
    await expect(row).toContainText(masked);
    await expect(row).toContainText('投诉');
    await expect(row.getByTestId('feedback-status')).toHaveText('待回复');
    await shoot(staff, '31-feedback-console');
    await row.getByRole('button', { name: /回\s*复/ }).click();
    const dialog = staff.getByRole('dialog');
    await dialog.getByRole('button', { name: '发送回复' }).click();
    await expect(dialog.getByText('请填写此项')).toBeVisible();
    await dialog.getByLabel('回复内容').fill(answer);
    await shoot(staff, '32-feedback-reply');
    await dialog.getByRole('button', { name: '发送回复' }).click();
    await expect(staff.getByText('已回复，借款人可在“意见反馈”中看到。')).toBeVisible();
    await expect(row).toHaveCount(0); // no longer open
    await staff.getByText('已回复', { exact: true }).click();
    await expect(staff.getByRole('row').filter({ hasText: question })).toContainText(answer);
  });

  await test.step('a second answer is refused with the server’s reason', async () => {
    await staff.getByText('待回复', { exact: true }).click();
    const row = staff.getByRole('row').filter({ hasText: '还款日可以修改吗？' });
    await expect(row).toBeVisible();
    await apiCall('POST', `/admin/feedback/${other.id}/reply`, { reply: '可以，请联系客服。' }, await apiLogin('13900000001'));
    await row.getByRole('button', { name: /回\s*复/ }).click();
    const dialog = staff.getByRole('dialog');
    await dialog.getByLabel('回复内容').fill('可以。');
    await dialog.getByRole('button', { name: '发送回复' }).click();
    await expect(dialog.getByTestId('problem')).toContainText('answered already');
    await dialog.getByRole('button', { name: /取\s*消/ }).click();
    await expect(row).toHaveCount(0);
  });

  await test.step('the borrower reads the reply', async () => {
    await borrower.reload();
    const mine = borrower.getByTestId('feedback-item').filter({ hasText: question });
    await expect(mine.getByTestId('feedback-status')).toHaveText('已回复');
    await expect(mine.getByTestId('feedback-reply')).toContainText(answer);
    await shoot(borrower, '33-feedback-answered', { scrollTo: borrower.getByTestId('my-feedback') });
  });

  // Staff see everybody's feedback; a borrower's list is their own.
  const stranger = await apiLogin('13800000002');
  const theirs = await apiCall<{ items: Feedback[] }>('GET', '/me/feedback', undefined, stranger);
  expect(theirs.items.map((item) => item.id)).not.toContain(other.id);
  expect((await fetch(`${BASE()}/api/v1/admin/feedback`, { headers: { Authorization: `Bearer ${stranger}` } })).status).toBe(403);
});
