// pages.mjs - `make bench`: how fast the web workbench is for its users, in
// Debian's Chromium against a running ombud that serves it (web_root):
//   - from navigation to the first rows of a queue, and to a complaint's page,
//     first visit (empty cache) and again (median of the repeats);
//   - the JS and CSS bytes a first page loads, as sent (compressed) and raw;
//   - Lighthouse performance and accessibility scores of the queue page
//     (desktop settings: the workbench is a desktop tool).
// Usage: node pages.mjs URL USERNAME PASSWORD COMPLAINT_NO
// Prints one line per figure.
import { chromium } from 'playwright-core'
import lighthouse from 'lighthouse'
import desktopConfig from 'lighthouse/core/config/desktop-config.js'
import * as chromeLauncher from 'chrome-launcher'

const [url, username, password, no] = process.argv.slice(2)
const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium'
const REPEATS = Number(process.env.BENCH_PAGE_REPEATS || 5)
const ARGS = process.getuid && process.getuid() === 0 ? ['--no-sandbox'] : []

if (!url || !username || !password || !no) {
  console.error('usage: node pages.mjs URL USERNAME PASSWORD COMPLAINT_NO')
  process.exit(2)
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b)
  return s[Math.floor(s.length / 2)]
}

const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS })

async function signedInContext() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } })
  const res = await context.request.post(url + '/v1/sessions', { data: { username, password } })
  if (res.status() !== 201) throw new Error('sign-in answered ' + res.status())
  return context
}

/* Milliseconds from the start of navigation to the moment `selector`
   matches, read in the page itself (performance.now() counts from the
   navigation's start), polled every animation frame. */
async function timeTo(page, path, selector) {
  await page.goto(url + path, { waitUntil: 'commit' })
  const handle = await page.waitForFunction(
    (sel) => (document.querySelector(sel) ? performance.now() : null),
    selector,
    { polling: 'raf', timeout: 30000 },
  )
  return Math.round(await handle.jsonValue())
}

async function pageTimes(label, path, selector) {
  const context = await signedInContext()
  const page = await context.newPage()
  const cold = await timeTo(page, path, selector)
  const warm = []
  for (let i = 0; i < REPEATS; i++) warm.push(await timeTo(page, path, selector))
  await context.close()
  console.log(`${label}: first visit ${cold} ms, again ${median(warm)} ms (median of ${REPEATS}; target 500 ms)`)
}

/* The JS and CSS a page loads on a first visit: as sent and decoded. */
async function firstPageBytes(label, path, selector, signedIn) {
  const context = signedIn ? await signedInContext() : await browser.newContext()
  const page = await context.newPage()
  const seen = []
  page.on('response', (r) => {
    const type = r.request().resourceType()
    if (type === 'script' || type === 'stylesheet') seen.push(r)
  })
  await page.goto(url + path)
  await page.waitForSelector(selector)
  /* Not 'networkidle': a signed-in page keeps its event stream open. The
     files a first page loads have all arrived once it shows its content. */
  await page.waitForLoadState('load')
  let sent = 0
  let raw = 0
  for (const r of seen) {
    const sizes = await r.request().sizes()
    sent += sizes.responseBodySize
    raw += (await r.body()).length
  }
  await context.close()
  console.log(
    `${label}: ${seen.length} JS+CSS files, ${(sent / 1024).toFixed(0)} KB as sent (compressed; target 400 KB), ${(raw / 1024).toFixed(0)} KB raw`,
  )
}

async function sessionCookie() {
  const context = await signedInContext()
  const cookies = await context.cookies(url)
  await context.close()
  const c = cookies.find((x) => x.name === 'ombud_session')
  return c.name + '=' + c.value
}

async function lighthouseScores(path, cookie) {
  const chrome = await chromeLauncher.launch({
    chromePath: CHROMIUM,
    chromeFlags: ['--headless=new', ...ARGS],
  })
  try {
    const result = await lighthouse(
      url + path,
      { port: chrome.port, output: 'json', logLevel: 'error', extraHeaders: { Cookie: cookie } },
      desktopConfig,
    )
    const c = result.lhr.categories
    const perf = Math.round(c.performance.score * 100)
    console.log(
      `lighthouse ${path} (desktop): performance ${perf} (target 90), accessibility ${Math.round(c.accessibility.score * 100)} (target 95); ` +
        `FCP ${Math.round(result.lhr.audits['first-contentful-paint'].numericValue)} ms, ` +
        `LCP ${Math.round(result.lhr.audits['largest-contentful-paint'].numericValue)} ms, ` +
        `TBT ${Math.round(result.lhr.audits['total-blocking-time'].numericValue)} ms`,
    )
  } finally {
    await chrome.kill()
  }
}

await pageTimes('queue (本机构), first rows', '/queues/team', '.queue-table tbody tr')
await pageTimes('complaint page, record shown', '/complaints/' + no, '[data-test=complaint-title]')
await firstPageBytes('first page (sign-in)', '/login', '#login-username', false)
await firstPageBytes('first page after sign-in (queue)', '/queues/team', '.queue-table tbody tr', true)
const cookie = await sessionCookie()
await browser.close()
await lighthouseScores('/queues/team', cookie)
