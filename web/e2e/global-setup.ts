// global-setup.ts - starts the real ombud server for the end-to-end tests:
// a temporary database (init, then `ombud demo` over a cut-down copy of
// data/demo: the demo's parties, users, products and cooperations, and its
// first complaints), the built workbench (build/web) as web_root, on a
// loopback port. Returns the teardown, which stops the server and fails when
// it did not exit cleanly (an ASan report, a crash).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { E2E_PASSWORD, type E2EState } from './state'

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')
const COMPLAINTS = 40 // of data/demo/complaints.tsv: enough for every queue and chart

function run(bin: string, args: string[], what: string): void {
  const r = spawnSync(bin, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 })
  if (r.status !== 0) throw new Error(`e2e setup: ${what} failed (exit ${r.status}): ${r.stderr || r.stdout}`)
}

/** data/demo with only its first complaints and no CFPB rows: a fast demo. */
function fixtureData(dir: string): string {
  const out = path.join(dir, 'demo-data')
  mkdirSync(out)
  const lines = readFileSync(path.join(ROOT, 'data/demo/complaints.tsv'), 'utf8').split('\n')
  let kept = 0
  const tsv = lines.filter((l) => l.startsWith('#') || (l.trim() !== '' && kept++ < COMPLAINTS))
  writeFileSync(path.join(out, 'complaints.tsv'), tsv.join('\n') + '\n')
  const csv = readFileSync(path.join(ROOT, 'data/demo/cfpb_demo.csv'), 'utf8')
  writeFileSync(path.join(out, 'cfpb_demo.csv'), csv.slice(0, csv.indexOf('\n') + 1))
  return out
}

function readLogins(file: string): Record<string, { role: string; party: string; token: string }> {
  const users: Record<string, { role: string; party: string; token: string }> = {}
  for (const line of readFileSync(file, 'utf8').split('\n').slice(2)) {
    const [username, role, party, token] = line.trim().split(/\s+/)
    if (username && token) users[username] = { role, party, token }
  }
  return users
}

async function waitHealthy(url: string, server: ChildProcess, log: string): Promise<void> {
  const until = Date.now() + 30_000
  while (Date.now() < until) {
    if (server.exitCode !== null) throw new Error(`e2e setup: ombud serve exited (${server.exitCode}):\n${readFileSync(log, 'utf8')}`)
    try {
      const res = await fetch(url + '/v1/health')
      if (res.ok) return
    } catch {
      /* not listening yet */
    }
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error('e2e setup: ombud did not answer /v1/health within 30 s')
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const bin = path.resolve(ROOT, process.env.OMBUD_E2E_BIN || 'build/release/ombud')
  const webRoot = path.join(ROOT, 'build/web')
  if (!existsSync(bin)) throw new Error(`e2e setup: no ${bin} (make, or set OMBUD_E2E_BIN)`)
  if (!existsSync(path.join(webRoot, 'index.html'))) throw new Error('e2e setup: no build/web/index.html (make web)')
  const port = process.env.OMBUD_E2E_PORT
  if (!port) throw new Error('e2e setup: OMBUD_E2E_PORT is not set (playwright.config.ts sets it)')

  const dir = mkdtempSync(path.join(tmpdir(), 'ombud-e2e-'))
  const db = ['--db', path.join(dir, 'ombud.db'), '--set', 'attachments=' + path.join(dir, 'attachments')]
  run(bin, [...db, 'init', '--admin-password', 'ombud-operator-2026'], 'ombud init')
  const logins = path.join(dir, 'logins.txt')
  run(bin, [...db, 'demo', '--data', fixtureData(dir), '--logins', logins], 'ombud demo')

  const log = path.join(dir, 'serve.log')
  const fd = openSync(log, 'a')
  const server = spawn(bin, [...db, '--set', 'web_root=' + webRoot, '--listen', '127.0.0.1:' + port, 'serve'], {
    stdio: ['ignore', fd, fd],
  })
  const url = 'http://127.0.0.1:' + port
  await waitHealthy(url, server, log)

  const state: E2EState = { url, dir, password: E2E_PASSWORD, users: readLogins(logins) }
  const stateFile = path.join(dir, 'state.json')
  writeFileSync(stateFile, JSON.stringify(state))
  process.env.OMBUD_E2E_STATE = stateFile

  return async () => {
    const exited = new Promise<number | null>((resolve) => {
      if (server.exitCode !== null) resolve(server.exitCode)
      else server.once('exit', (code) => resolve(code))
    })
    server.kill('SIGTERM')
    const timer = setTimeout(() => server.kill('SIGKILL'), 20_000)
    const code = await exited
    clearTimeout(timer)
    const text = readFileSync(log, 'utf8')
    const bad = code !== 0 || /ERROR: AddressSanitizer|runtime error:|LeakSanitizer/.test(text)
    if (bad || process.env.OMBUD_E2E_KEEP) console.log(`e2e: the server's log and database are kept in ${dir}`)
    else rmSync(dir, { recursive: true, force: true })
    if (bad) throw new Error(`e2e: ombud serve exited with ${code}; the end of its log:\n${text.slice(-3000)}`)
  }
}
