// queue.spec.ts - the work queues: j/k/Enter open a complaint from the
// keyboard, "?" shows the shortcuts, and an event made in one browser context
// (another signed-in user's write) shows in another context's queue within 2 s.
import { expect, signIn, test } from './fixtures'

test('keyboard: j/k move, Enter opens the complaint; ? shows the shortcut help', async ({ page }) => {
  await signIn(page, 'bank.supervisor')
  await page.goto('/queues/team')
  const rows = page.locator('[data-test=queue-table] .el-table__body tr')
  await expect(rows.nth(2)).toBeVisible()
  await page.locator('h1').click() // focus out of any input

  await page.keyboard.press('j')
  await page.keyboard.press('j')
  await page.keyboard.press('k')
  await expect(rows.nth(1)).toHaveClass(/row-current/)
  await expect(rows.nth(0)).not.toHaveClass(/row-current/)
  const no = (await rows.nth(1).locator('[data-row]').textContent())?.trim() ?? ''
  expect(no).toMatch(/^TS\d+$/)

  await page.keyboard.press('Enter')
  await expect(page).toHaveURL(new RegExp('/complaints/' + no + '$'))

  await page.goBack()
  await expect(rows.first()).toBeVisible()
  await page.locator('h1').click()
  await page.keyboard.press('?')
  const help = page.locator('[data-test=shortcut-help]')
  await expect(help).toBeVisible()
  for (const key of ['j', 'k', 'Enter', '?']) await expect(help.locator('kbd', { hasText: key }).first()).toBeVisible()
  await page.keyboard.press('Escape')
  await expect(help).toBeHidden()
})

test('live: a complaint registered in another browser context appears in the queue within 2 s', async ({ page, browser }) => {
  await signIn(page, 'bank.supervisor')
  await page.goto('/queues/team')
  await expect(page.locator('[data-test=queue-table] .el-table__body tr').first()).toBeVisible()
  await expect(page.locator('.live-dot.on')).toBeVisible() // the event stream is connected

  // Another user, in another browser context, registers a complaint for the bank.
  const other = await browser.newContext()
  try {
    const page2 = await other.newPage()
    await signIn(page2, 'bank.agent')
    const no = await page2.evaluate(async () => {
      const s = await (await fetch('/v1/sessions/current')).json()
      const res = await fetch('/v1/complaints', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': s.csrf_token },
        body: JSON.stringify({
          channel: 'app',
          complainant: { name: '实时测试' },
          description: '实时更新测试：另一个浏览器登记的投诉。',
        }),
      })
      return (await res.json()).no as string
    })
    expect(no).toMatch(/^TS\d+$/)
    const t0 = Date.now()
    await expect(page.locator('[data-test=queue-table] [data-row]', { hasText: no })).toBeVisible({ timeout: Number(process.env.OMBUD_E2E_LIVE_MS || 2_000) })
    test.info().annotations.push({ type: 'live', description: `${no} shown after ${Date.now() - t0} ms` })
  } finally {
    await other.close()
  }
})
