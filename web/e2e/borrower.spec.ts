// (a) The borrower journey through the UI: register → verify identity →
// apply → accept the contract → repay → history and statement, on a
// phone-sized screen in zh-CN.
import { expect, test } from '@playwright/test';
import { readFileSync } from 'node:fs';
import { BASE, MOBILE, newPhone, shoot, uiLogin } from './support';

test.use({ viewport: MOBILE });

test('borrower: register, verify identity, apply, accept, repay, read the history and statement', async ({ page }) => {
  const phone = newPhone();
  const password = 'e2e-pass-2026';

  await test.step('register', async () => {
    await page.goto(`${BASE()}/`);
    await expect(page).toHaveURL(/\/login$/);
    await shoot(page, '01-login');
    await page.getByRole('link', { name: /立即注册|Register/ }).click();
    // Validation happens before anything is sent.
    await page.getByRole('button', { name: /注\s*册|Register/ }).click();
    await expect(page.getByText('请填写此项').first()).toBeVisible();
    await page.getByLabel('手机号').fill(phone);
    await page.getByLabel(/^密码$/).fill(password);
    await page.getByLabel('确认密码').fill(password);
    await shoot(page, '02-register');
    await page.getByRole('button', { name: /注\s*册/ }).click();
    await expect(page.getByText('注册成功，请登录。')).toBeVisible();
  });

  await test.step('log in', async () => {
    await uiLogin(page, phone, password);
    await expect(page).toHaveURL(/\/app$/);
    await expect(page.getByText('请先完成实名认证，才能申请借款。')).toBeVisible();
  });

  await test.step('verify identity', async () => {
    await page.getByRole('button', { name: '去认证' }).click();
    await expect(page).toHaveURL(/\/app\/identity$/);
    await page.getByLabel('真实姓名').fill('李四');
    await page.getByLabel('身份证号').fill('440304199506150028');
    await page.getByLabel('银行卡号').fill('6222021234567840123');
    await page.getByLabel('银行预留手机号').fill(phone);
    await shoot(page, '03-identity');
    await page.getByRole('button', { name: /提\s*交/ }).click();
    await expect(page.getByTestId('identity-result').getByText('已认证')).toBeVisible();
  });

  await test.step('calculator', async () => {
    await page.getByRole('link', { name: '计算器', exact: true }).click();
    await page.getByRole('button', { name: '比较全部还款方式' }).click();
    await expect(page.getByTestId('calc-result').getByTestId('apr')).toBeVisible();
    await shoot(page, '04-calculator');
  });

  await test.step('match and apply', async () => {
    await page.getByRole('link', { name: '借款', exact: true }).click();
    await page.getByLabel('借款金额（元）').fill('5000');
    await page.getByRole('spinbutton', { name: '借款期限（月）' }).fill('6');
    await page.getByText('补充信息（选填，有助于评估）').click();
    await page.getByLabel('月收入（元）').fill('20000');
    await page.getByRole('spinbutton', { name: '工作年限' }).fill('8');
    await page.getByRole('button', { name: '查看为我推荐的产品' }).click();
    const offer = page.getByTestId('offer').first();
    await expect(offer).toBeVisible();
    await shoot(page, '05-offers');
    await offer.getByRole('button', { name: '选择此方案并申请' }).click();
    await expect(page).toHaveURL(/\/app\/applications\/\d+$/);
    await expect(page.getByTestId('decision').getByTestId('status')).toHaveText('已批准');
  });

  await test.step('read and accept the contract', async () => {
    const contract = page.getByTestId('pre-contract');
    await expect(contract.getByTestId('apr')).toBeVisible();
    await shoot(page, '06-contract');
    // Signing without agreeing is refused on the page.
    await page.getByRole('button', { name: '确认签署' }).click();
    await expect(page.getByText('请勾选同意后再签署')).toBeVisible();
    await page.getByTestId('agree').click();
    await page.getByRole('button', { name: '确认签署' }).click();
    await expect(page).toHaveURL(/\/app\/loans\/\d+$/);
    await expect(page.getByTestId('loan-facts').getByTestId('status')).toHaveText('还款中', { timeout: 30_000 });
    await shoot(page, '07-loan');
  });

  await test.step('payoff quote and repay', async () => {
    await page.getByRole('button', { name: '结清试算' }).click();
    await expect(page.getByTestId('quote')).toBeVisible();
    await page.getByText('提前还部分').click();
    await page.getByLabel('还款金额（元）').fill('500');
    await page.getByRole('button', { name: /^还\s*款$/ }).click();
    await expect(page.getByTestId('payment-status')).toContainText('还款成功', { timeout: 45_000 });
    await shoot(page, '08-repaid');
  });

  await test.step('history: the disbursement and the prepayment', async () => {
    await page.getByRole('tab', { name: '历史记录' }).click();
    const history = page.getByTestId('loan-history');
    const prepayment = history.getByRole('listitem').filter({ hasText: '提前还款' });
    await expect(prepayment.getByTestId('history-status')).toHaveText('成功');
    await expect(prepayment).toContainText('¥500.00');
    await expect(prepayment).toContainText('本金');
    await expect(history.getByRole('listitem').filter({ hasText: '放款' }).getByTestId('history-status')).toHaveText('成功');
    await shoot(page, '09-history', { scrollTo: page.getByTestId('loan-records') });
  });

  await test.step('statement: what was paid by component, printable', async () => {
    await page.getByRole('tab', { name: '对账单' }).click();
    const statement = page.getByTestId('statement');
    await expect(statement.getByTestId('statement-total')).toHaveText('¥500.00');
    await expect(statement.getByRole('row', { name: /^本金 / })).toContainText('¥');
    await shoot(page, '09-statement', { scrollTo: page.getByTestId('loan-records') });
    // The Print button opens the browser's print dialog; the print stylesheet
    // leaves out the bars, the tabs and the repayment form.
    await page.evaluate(() => {
      (window as Window & { printed?: boolean }).printed = false;
      window.print = () => ((window as Window & { printed?: boolean }).printed = true);
    });
    await statement.getByRole('button', { name: '打印对账单' }).click();
    expect(await page.evaluate(() => (window as Window & { printed?: boolean }).printed)).toBe(true);
    await page.emulateMedia({ media: 'print' });
    await expect(page.getByTestId('repay')).toBeHidden();
    await expect(page.getByRole('navigation')).toBeHidden();
    await expect(statement.getByTestId('statement-total')).toBeVisible();
    await page.emulateMedia({ media: 'screen' });
  });

  await test.step('the contract in the transparency log: checked in the browser, proof downloaded', async () => {
    await page.getByRole('link', { name: '查看合同' }).click();
    await expect(page).toHaveURL(/\/app\/contracts\/\d+$/);
    const contractId = Number(page.url().split('/').pop());
    const card = page.getByTestId('log-proof');
    // The log takes a new entry within a second or two: ask until it has.
    await expect(async () => {
      await card.getByTestId('verify-proof').click();
      await expect(card.getByTestId('proof-verdict')).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 20_000 });
    await expect(card.getByTestId('proof-verdict')).toContainText('验证通过');
    await expect(card.getByTestId('log-index')).toHaveText(/^\d+$/);
    const download = page.waitForEvent('download');
    await card.getByTestId('download-proof').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(`contract-${contractId}-proof.json`);
    const saved = JSON.parse(readFileSync(await file.path(), 'utf8'));
    expect(saved.bundle).toMatch(/^c2sp\.org\/tlog-proof@v1\nindex \d+\n/);
    expect(JSON.parse(saved.entry)).toMatchObject({ kind: 'contract.signed', subject: `contract:${contractId}` });
    expect(saved.log_key).toMatch(/^\S+\+[0-9a-f]{8}\+\S+$/);
    await shoot(page, '10-contract-proof', { scrollTo: card });
  });
});
