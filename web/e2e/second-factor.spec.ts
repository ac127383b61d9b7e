// A member of staff sets up an authenticator app from their account page
// and signs in with it from then on: the code step of the login, a wrong
// code refused inline, then removal. The codes are computed here from the
// secret the page shows, as the app on their phone would (RFC 6238).
import { expect, test } from '@playwright/test';
import { createHmac } from 'node:crypto';
import { apiCall, apiLogin, BASE, DESKTOP, MOBILE, PASSWORD, shoot, uiLogin } from './support';

function base32(text: string): Buffer {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = '';
  for (const c of text.replace(/\s+/g, '').toUpperCase()) bits += alphabet.indexOf(c).toString(2).padStart(5, '0');
  const bytes = [];
  for (let i = 0; i + 8 <= bits.length; i += 8) bytes.push(parseInt(bits.slice(i, i + 8), 2));
  return Buffer.from(bytes);
}

/** The code of 30-second step `step` (RFC 4226's HOTP of the step). */
function code(secret: Buffer, step: number): string {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(step));
  const hash = createHmac('sha1', secret).update(counter).digest();
  const at = hash[hash.length - 1] & 0x0f;
  const value = (hash.readUInt32BE(at) & 0x7fffffff) % 1_000_000;
  return String(value).padStart(6, '0');
}

/** The step now, once at least 4 seconds of it are left. */
async function settledStep(): Promise<number> {
  while (30_000 - (Date.now() % 30_000) < 4_000) await new Promise((resolve) => setTimeout(resolve, 1_000));
  return Math.floor(Date.now() / 30_000);
}

test('staff set up an authenticator app and sign in with it', async ({ browser }) => {
  // Three logins with argon2 and a wait for a settled step each: more than
  // the default two minutes on a loaded machine.
  test.setTimeout(240_000);
  const phone = `138${String(Date.now() % 100_000_000).padStart(8, '0')}`;
  const admin = await apiLogin('13900000001');
  await apiCall('POST', '/admin/users', { phone, password: PASSWORD, role: 'risk_officer' }, admin);

  const page = await browser.newPage({ viewport: MOBILE });
  await uiLogin(page, phone);
  await expect(page).toHaveURL(/\/staff\//);
  await page.goto(`${BASE()}/staff/profile`);
  const card = page.getByTestId('second-factor');
  await expect(card).toContainText('身份验证器');
  // A wrong password keeps the session and says so.
  await card.getByLabel('密码').fill('wrong-pass-1');
  await card.getByRole('button', { name: '开始绑定' }).click();
  await expect(card.getByTestId('problem')).toBeVisible();
  await expect(page).toHaveURL(/\/staff\/profile/);
  await card.getByLabel('密码').fill(PASSWORD);
  await card.getByRole('button', { name: '开始绑定' }).click();
  await expect(card.getByTestId('otp-qr')).toBeVisible();
  const secret = base32((await card.getByTestId('otp-secret').innerText()).trim());
  expect(secret.length).toBe(20);
  await shoot(page, '43-second-factor-enrol', { scrollTo: card });
  // The step before the current one: what a phone a little behind shows.
  const step = await settledStep();
  await card.getByLabel('6 位验证码').fill(code(secret, step - 1));
  await card.getByRole('button', { name: '完成绑定' }).click();
  await expect(card).toContainText('已绑定身份验证器');
  await page.getByRole('main').getByRole('button', { name: '退出登录' }).click();

  // The password, then the code; a code already used is refused inline.
  await uiLogin(page, phone);
  await expect(page.getByText('输入动态验证码')).toBeVisible();
  await page.getByLabel('6 位验证码').fill(code(secret, step - 1));
  await page.getByRole('button', { name: /^登\s*录$/ }).click();
  await expect(page.getByText('验证码错误、已过期或已使用过')).toBeVisible();
  await shoot(page, '44-second-factor-login');
  // Codes from the clock at the moment of use, so a slow run never types
  // one that has left the window.
  const loginStep = await settledStep();
  await page.getByLabel('6 位验证码').fill(code(secret, loginStep));
  await page.getByRole('button', { name: /^登\s*录$/ }).click();
  await expect(page).toHaveURL(/\/staff\//);
  await expect(page.getByText('输入动态验证码')).toHaveCount(0);

  // Removing it takes the password and a fresh code.
  await page.setViewportSize(DESKTOP);
  await page.goto(`${BASE()}/staff/profile`);
  await shoot(page, '45-second-factor-on', { scrollTo: card });
  await card.getByLabel('密码').fill(PASSWORD);
  await card.getByLabel('6 位验证码').fill(code(secret, loginStep));
  await card.getByRole('button', { name: '解除绑定' }).click();
  await expect(card.getByTestId('problem')).toBeVisible();
  // A code newer than the login's: the next step's if the clock is still
  // in the login's (a phone a little ahead shows it), else the current one.
  const removalStep = Math.max(await settledStep(), loginStep + 1);
  await card.getByLabel('6 位验证码').fill(code(secret, removalStep));
  await card.getByRole('button', { name: '解除绑定' }).click();
  await expect(card.getByRole('button', { name: '开始绑定' })).toBeVisible();
  await page.close();
});
