// fixtures.ts - what every end-to-end test shares: a `page` that fails the
// test on a Content-Security-Policy violation or an uncaught script error,
// sign-in through the page, API calls made as another demo user with that
// user's bearer token, the accessibility check (axe-core) and screenshots.
import AxeBuilder from '@axe-core/playwright'
import {
  test as base,
  expect,
  request,
  type APIRequestContext,
  type Page,
  type PlaywrightTestArgs,
  type PlaywrightTestOptions,
  type PlaywrightWorkerArgs,
  type PlaywrightWorkerOptions,
  type TestInfo,
} from '@playwright/test'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { e2eState } from './state'

export { expect }

/** Pages (and server features) not on this branch yet: their tests are
 *  test.fixme until merged; delete an entry once its branch is in. */
export const PENDING: Record<string, string> = {}

type Args = PlaywrightTestArgs & PlaywrightTestOptions & PlaywrightWorkerArgs & PlaywrightWorkerOptions
type Body = (args: Args & { page: Page; problems: string[] }, info: TestInfo) => Promise<void>

/** A test that needs the named pages: test.fixme (not run) while one is pending. */
export function pageTest(pages: string[], title: string, body: Body): void {
  const missing = pages.filter((p) => p in PENDING)
  if (missing.length) test.fixme(`${title} [fixme: ${missing.map((p) => PENDING[p]).join('; ')}]`, body)
  else test(title, body)
}

export const test = base.extend<{ page: Page; problems: string[] }>({
  problems: async ({}, use) => {
    await use([])
  },
  page: async ({ page, problems }, use) => {
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) problems.push('CSP: ' + m.text())
    })
    page.on('pageerror', (e) => problems.push('uncaught: ' + e.message))
    await use(page)
    expect(problems, 'CSP violations or uncaught errors on the page').toEqual([])
  },
})

export function password(): string {
  return e2eState().password
}

/** Signs in through the sign-in page and waits for the queues. */
export async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/login')
  await page.locator('#login-username').fill(username)
  await page.locator('#login-password').fill(password())
  await page.locator('[data-test=login-submit]').click()
  await page.waitForURL(/\/queues\//)
}

/** An API client authenticated as a demo user by its bearer token. */
export async function apiAs(username: string): Promise<APIRequestContext> {
  const s = e2eState()
  const u = s.users[username]
  if (!u) throw new Error('no demo user ' + username)
  return request.newContext({
    baseURL: s.url,
    extraHTTPHeaders: { Authorization: 'Bearer ' + u.token, Accept: 'application/json' },
  })
}

/** POST as a demo user; fails the test unless the answer is 2xx. */
export async function post<T = Record<string, unknown>>(username: string, p: string, body: unknown = {}): Promise<T> {
  const api = await apiAs(username)
  try {
    const res = await api.post('/v1' + p, { data: body })
    expect(res.ok(), `POST ${p} as ${username}: ${res.status()} ${await res.text()}`).toBeTruthy()
    return (await res.json()) as T
  } finally {
    await api.dispose()
  }
}

export async function get<T = Record<string, unknown>>(username: string, p: string): Promise<T> {
  const api = await apiAs(username)
  try {
    const res = await api.get('/v1' + p)
    expect(res.ok(), `GET ${p} as ${username}: ${res.status()} ${await res.text()}`).toBeTruthy()
    return (await res.json()) as T
  } finally {
    await api.dispose()
  }
}

/** Registers a complaint as a demo user (target: the user's own party). */
export async function register(username: string, extra: Record<string, unknown> = {}): Promise<string> {
  const doc = await post<{ no: string }>(username, '/complaints', {
    channel: 'phone',
    complainant: { name: '端到端测试', phone: '13800138000' },
    description: '端到端测试：扣款两次，要求退还多扣的款项。',
    claims: '退还多扣款项',
    ...extra,
  })
  return doc.no
}

/** Waits until the page has its heading and no loading mask. */
export async function settle(page: Page): Promise<void> {
  await expect(page.locator('h1').first()).toBeVisible()
  await expect(page.locator('.el-loading-mask:visible')).toHaveCount(0, { timeout: 10_000 })
  await page.waitForTimeout(300) // transitions
}

/** axe-core: no serious or critical violation; the rest is reported. */
export async function checkA11y(page: Page, name: string): Promise<void> {
  // @axe-core/playwright types Page from its own playwright-core; the object is the same.
  const result = await new AxeBuilder({ page: page as unknown as ConstructorParameters<typeof AxeBuilder>[0]["page"] }).analyze()
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical')
  const rest = result.violations.filter((v) => !bad.includes(v))
  for (const v of rest) {
    test.info().annotations.push({ type: 'axe', description: `${name}: ${v.impact} ${v.id} (${v.nodes.length}): ${v.help}` })
    console.log(`axe ${name}: ${v.impact} ${v.id} (${v.nodes.length} nodes): ${v.help}`)
  }
  const detail = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n  ` + v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join('\n  '))
  expect(detail, `axe: serious or critical violations on ${name}`).toEqual([])
}

const SHOTS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../docs/screenshots')

/** Writes docs/screenshots/<name>.png when OMBUD_SCREENSHOTS=1. */
export async function screenshot(page: Page, name: string): Promise<void> {
  if (process.env.OMBUD_SCREENSHOTS !== '1') return
  mkdirSync(SHOTS, { recursive: true })
  await page.mouse.move(0, 0) // no hover tooltip in the picture
  await page.waitForTimeout(300)
  await page.screenshot({ path: path.join(SHOTS, name + '.png') })
}
