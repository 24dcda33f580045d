// pages.spec.ts - every page of the workbench, as a user who may see it:
// axe-core finds no serious or critical violation (the rest is reported),
// and with OMBUD_SCREENSHOTS=1 each page is saved, in zh-CN at 1440x900, to
// docs/screenshots/<page>.png.
import { checkA11y, expect, get, pageTest, screenshot, settle, signIn, test } from './fixtures'

test('login page', async ({ page }) => {
  await page.goto('/login')
  await settle(page)
  await checkA11y(page, 'login')
  await screenshot(page, 'login')
})

test('queues (agent: mine, team)', async ({ page }) => {
  await signIn(page, 'bank.agent')
  for (const q of ['mine', 'team']) {
    await page.goto('/queues/' + q)
    await settle(page)
    await expect(page.locator('[data-test=queue-table]')).toBeVisible()
    await expect(page.getByRole('alert')).toHaveCount(0) // the list loaded
    await checkA11y(page, 'queue-' + q)
    if (q === 'team') await screenshot(page, 'queue')
  }
})

pageTest(['views'], 'queues (agent: due, tasks, transfers; unassigned)', async ({ page }) => {
  await signIn(page, 'bank.agent')
  for (const q of ['due', 'tasks', 'transfers', 'unassigned']) {
    await page.goto('/queues/' + q)
    await settle(page)
    await expect(page.locator('[data-test=queue-table]')).toBeVisible()
    await expect(page.getByRole('alert')).toHaveCount(0)
    await checkA11y(page, 'queue-' + q)
    if (q === 'due') await screenshot(page, 'queue-due')
  }
})

test('queues (regulator: referred)', async ({ page }) => {
  await signIn(page, 'regulator')
  await settle(page)
  await checkA11y(page, 'queue-regulator')
  await screenshot(page, 'queue-regulator')
})

test('shortcut help', async ({ page }) => {
  await signIn(page, 'bank.agent')
  await settle(page)
  await page.locator('h1').click()
  await page.keyboard.press('?')
  await expect(page.locator('[data-test=shortcut-help]')).toBeVisible()
  await page.waitForTimeout(300)
  await checkA11y(page, 'shortcut-help')
  await screenshot(page, 'shortcuts')
})

pageTest(['complaint'], 'complaint page', async ({ page }) => {
  await signIn(page, 'bank.agent')
  const list = await get<{ items: { no: string }[] }>('bank.agent', '/complaints?state=closed&limit=1')
  await page.goto('/complaints/' + list.items[0].no)
  await settle(page)
  await expect(page.locator('[data-test=timeline]')).toBeVisible()
  await checkA11y(page, 'complaint')
  await screenshot(page, 'complaint')
})

pageTest(['intake'], 'intake form', async ({ page }) => {
  await signIn(page, 'bank.agent')
  await page.goto('/intake')
  await settle(page)
  await expect(page.locator('[data-test=intake-form]')).toBeVisible()
  await checkA11y(page, 'intake')
  await screenshot(page, 'intake')
})

pageTest(['dashboard'], 'dashboard', async ({ page }) => {
  await signIn(page, 'bank.supervisor')
  await page.goto('/dashboard')
  await settle(page)
  await checkA11y(page, 'dashboard')
  await screenshot(page, 'dashboard')
})

pageTest(['supervision'], 'supervision', async ({ page }) => {
  await signIn(page, 'bank.supervisor')
  await page.goto('/supervision')
  await settle(page)
  await checkA11y(page, 'supervision')
  await screenshot(page, 'supervision')
})

pageTest(['admin'], 'administration', async ({ page }) => {
  await signIn(page, 'bank.admin')
  await page.goto('/admin')
  await settle(page)
  await checkA11y(page, 'admin')
  await screenshot(page, 'admin')
})

test('a page that does not exist', async ({ page }) => {
  await signIn(page, 'bank.agent')
  await page.goto('/no/such/page')
  await expect(page.getByText('未找到').first()).toBeVisible()
  await checkA11y(page, 'notfound')
})
