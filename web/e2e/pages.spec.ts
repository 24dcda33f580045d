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

/* The pages of one user each: [name, pending key, user, path, what shows it loaded]. */
const PAGES: [string, string, string, () => Promise<string>, string][] = [
  ['complaint', 'complaint', 'bank.agent', closedComplaint, '[data-test=timeline]'],
  ['intake', 'intake', 'bank.agent', async () => '/intake', '[data-test=intake-form]'],
  ['dashboard', 'dashboard', 'bank.supervisor', async () => '/dashboard', 'h1'],
  ['supervision', 'supervision', 'bank.supervisor', async () => '/supervision', 'h1'],
  ['admin', 'admin', 'bank.admin', async () => '/admin', 'h1'],
]

async function closedComplaint(): Promise<string> {
  const list = await get<{ items: { no: string }[] }>('bank.agent', '/complaints?state=closed&limit=1')
  return '/complaints/' + list.items[0].no
}

for (const [name, pending, user, path, ready] of PAGES) {
  pageTest([pending], name + ' page', async ({ page }) => {
    await signIn(page, user)
    await page.goto(await path())
    await settle(page)
    await expect(page.locator(ready).first()).toBeVisible()
    await checkA11y(page, name)
    await screenshot(page, name)
  })
}

test('a page that does not exist', async ({ page }) => {
  await signIn(page, 'bank.agent')
  await page.goto('/no/such/page')
  await expect(page.getByText('未找到').first()).toBeVisible()
  await checkA11y(page, 'notfound')
})
