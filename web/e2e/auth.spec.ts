// auth.spec.ts - sign-in for every role, a wrong password, sign-out that
// revokes the session, CSRF on writes made with the cookie, no bearer token
// in the page's storage, and the Content-Security-Policy header.
import { expect, password, signIn, test } from './fixtures'

const ROLES: [role: string, username: string, label: string][] = [
  ['agent', 'bank.agent', '客服专员'],
  ['supervisor', 'bank.supervisor', '主管'],
  ['compliance', 'bank.compliance', '合规'],
  ['admin', 'bank.admin', '管理员'],
  ['auditor', 'bank.auditor', '审计'],
  ['mediator', 'mediator', '调解员'],
  ['regulator', 'regulator', '监管'],
]

for (const [role, username, label] of ROLES) {
  test(`sign-in as ${role} (${username}) lands on the queues`, async ({ page }) => {
    await signIn(page, username)
    await expect(page.locator('[data-test=queue-table]')).toBeVisible()
    await expect(page.locator('[data-test=user-menu]')).toContainText(label)
    await expect(page.locator('h1')).toHaveCount(1)
  })
}

test('a wrong password shows the error and stays on the sign-in page', async ({ page }) => {
  await page.goto('/login')
  await page.locator('#login-username').fill('lender.agent2')
  await page.locator('#login-password').fill('not-the-password')
  await page.locator('[data-test=login-submit]').click()
  await expect(page.getByRole('alert')).toContainText('用户名或密码不正确')
  await expect(page).toHaveURL(/\/login/)
})

test('sign-out revokes the session: back and reload land on the sign-in page', async ({ page, context }) => {
  await signIn(page, 'bank.agent2')
  await expect(page.locator('[data-test=queue-table]')).toBeVisible()
  const cookie = (await context.cookies()).find((c) => c.name === 'ombud_session')
  expect(cookie, 'the session cookie').toBeTruthy()
  expect(cookie?.httpOnly).toBe(true)
  expect(cookie?.sameSite).toBe('Strict')

  await page.locator('[data-test=user-menu]').click()
  await page.locator('[data-test=sign-out]').click()
  await page.waitForURL(/\/login/)

  await page.goBack()
  await expect(page).toHaveURL(/\/login/)
  await expect(page.locator('#login-username')).toBeVisible()
  await page.reload()
  await expect(page).toHaveURL(/\/login/)
  await expect(page.locator('#login-username')).toBeVisible()
  await page.goto('/queues/team')
  await expect(page).toHaveURL(/\/login/)

  // The server revoked the token: the old cookie, sent again, is refused.
  const res = await page.request.get('/v1/sessions/current', {
    headers: { Cookie: 'ombud_session=' + cookie?.value },
  })
  expect(res.status()).toBe(401)
  expect((await res.json()).error.code).toBe('invalid_token')
})

test('CSRF: a write with the cookie but without X-CSRF-Token is refused, with it accepted', async ({ page }) => {
  await signIn(page, 'bank.agent')
  const result = await page.evaluate(async () => {
    const body = JSON.stringify({
      channel: 'web',
      complainant: { name: '跨站测试' },
      description: 'CSRF 测试：没有令牌的写入必须被拒绝。',
    })
    const headers = { 'Content-Type': 'application/json', Accept: 'application/json' }
    const without = await fetch('/v1/complaints', { method: 'POST', headers, body, credentials: 'same-origin' })
    const forged = await fetch('/v1/complaints', {
      method: 'POST',
      headers: { ...headers, 'X-CSRF-Token': 'forged-token-value' },
      body,
      credentials: 'same-origin',
    })
    const current = await (await fetch('/v1/sessions/current')).json()
    const ok = await fetch('/v1/complaints', {
      method: 'POST',
      headers: { ...headers, 'X-CSRF-Token': current.csrf_token },
      body,
      credentials: 'same-origin',
    })
    return {
      without: [without.status, await without.json()],
      forged: [forged.status, await forged.json()],
      ok: [ok.status, await ok.json()],
    }
  })
  expect(result.without[0]).toBe(403)
  expect(result.without[1].error.code).toBe('csrf_token_invalid')
  expect(result.forged[0]).toBe(403)
  expect(result.forged[1].error.code).toBe('csrf_token_invalid')
  expect(result.ok[0]).toBe(201)
  expect(result.ok[1].no).toMatch(/^TS\d+$/)
})

test('the page keeps no bearer token in localStorage, sessionStorage or document.cookie', async ({ page, context }) => {
  await signIn(page, 'bank.supervisor')
  await page.goto('/queues/team')
  await expect(page.locator('[data-test=queue-table]')).toBeVisible()
  const cookie = (await context.cookies()).find((c) => c.name === 'ombud_session')?.value ?? ''
  expect(cookie).toMatch(/^omb_/)
  const stored = await page.evaluate(() => {
    const dump = (s: Storage) => Array.from({ length: s.length }, (_, i) => `${s.key(i)}=${s.getItem(s.key(i) ?? '')}`)
    return { local: dump(localStorage), session: dump(sessionStorage), cookie: document.cookie }
  })
  const all = [...stored.local, ...stored.session, stored.cookie].join('\n')
  expect(all).not.toContain(cookie)
  expect(all).not.toMatch(/omb_[A-Za-z0-9_-]{20,}/)
  expect(all).not.toContain(password())
})

test('every page answers with a strict Content-Security-Policy', async ({ page }) => {
  for (const p of ['/', '/login', '/queues/mine', '/complaints/TS20260101000001', '/no/such/page']) {
    const res = await page.request.get(p)
    expect(res.status(), p).toBe(200)
    const csp = res.headers()['content-security-policy'] ?? ''
    expect(csp, p).toContain("script-src 'self'")
    expect(csp, p).toContain("style-src 'self'")
    expect(csp, p).not.toContain('unsafe-inline')
    expect(csp, p).not.toContain('unsafe-eval')
  }
  const nav = await page.goto('/login')
  expect(nav?.headers()['content-security-policy']).toContain("default-src 'self'")
})
