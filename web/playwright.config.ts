import { defineConfig } from '@playwright/test';

// The tests start their own `kredit serve --demo` (e2e/global-setup.ts) and
// drive Debian's Chromium; no browser is ever downloaded.
export default defineConfig({
  testDir: './e2e',
  globalSetup: './e2e/global-setup.ts',
  timeout: 120_000,
  expect: { timeout: 15_000 },
  workers: 1,
  retries: 0,
  reporter: [['list']],
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.KREDIT_CHROMIUM || '/usr/lib/chromium/chromium',
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
