// state.ts - what the global setup tells the tests: the server's URL and the
// demo users' bearer tokens (for writes made "by another user" through the
// API), read from the file named by OMBUD_E2E_STATE.
import { readFileSync } from 'node:fs'

export const E2E_PASSWORD = 'ombud-demo-2026'

export interface E2EState {
  url: string
  dir: string
  password: string
  users: Record<string, { role: string; party: string; token: string }>
}

let cached: E2EState | null = null

export function e2eState(): E2EState {
  if (cached) return cached
  const file = process.env.OMBUD_E2E_STATE
  if (!file) throw new Error('OMBUD_E2E_STATE is not set: run the tests with playwright test (global setup)')
  cached = JSON.parse(readFileSync(file, 'utf8')) as E2EState
  return cached
}
