// playwright.config.ts - the workbench's end-to-end tests (e2e/*.spec.ts) in
// Debian's Chromium (/usr/bin/chromium, never a downloaded browser), headless,
// against the real ombud server the global setup starts on a loopback port.
// Run by scripts/e2e.sh (make test); by hand: cd web && npx playwright test.
import { defineConfig } from '@playwright/test'

// The port is chosen here, once, by the main process: the workers inherit
// the environment, so they all talk to the one server the setup starts.
if (!process.env.OMBUD_E2E_PORT) process.env.OMBUD_E2E_PORT = String(20000 + (process.pid % 20000))
const baseURL = 'http://127.0.0.1:' + process.env.OMBUD_E2E_PORT

export default defineConfig({
  testDir: './e2e',
  outputDir: '../build/e2e/results',
  globalSetup: './e2e/global-setup.ts',
  workers: 2,
  fullyParallel: false,
  retries: 0,
  timeout: 60_000,
  expect: { timeout: 5_000 },
  forbidOnly: true,
  reporter: [['list']],
  use: {
    baseURL,
    headless: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'off',
    launchOptions: {
      executablePath: process.env.OMBUD_CHROMIUM || '/usr/bin/chromium',
      // root in a container has no user namespaces for Chromium's sandbox
      args: ['--no-sandbox', '--disable-dev-shm-usage'],
    },
  },
  projects: [{ name: 'chromium' }],
})
