// clock.ts - how a running time limit looks now: its colour (green, amber
// from the warning point, red when breached) and the time left or overdue.
// One shared "now" ticks every 15 seconds so every chip moves together.
import { ref } from 'vue'
import type { Clock } from './types'

export const now = ref(Date.now())
setInterval(() => {
  now.value = Date.now()
}, 15000)

export type ClockTone = 'ok' | 'warn' | 'late' | 'paused' | 'done'

export interface ClockView {
  tone: ClockTone
  /** milliseconds left (negative when overdue); null when the clock is stopped */
  leftMs: number | null
}

const COUNTING = new Set(['running', 'breached'])

export function clockView(c: Pick<Clock, 'state' | 'due_at' | 'warn_at'>, at: number): ClockView {
  if (c.state === 'paused') return { tone: 'paused', leftMs: null }
  if (!COUNTING.has(c.state)) return { tone: 'done', leftMs: null }
  const due = Date.parse(c.due_at)
  const left = due - at
  if (left < 0 || c.state === 'breached') return { tone: 'late', leftMs: left }
  const warn = c.warn_at ? Date.parse(c.warn_at) : NaN
  if (!Number.isNaN(warn) && at >= warn) return { tone: 'warn', leftMs: left }
  return { tone: 'ok', leftMs: left }
}

/** The largest two units of a duration: {days, hours} or {hours, minutes}. */
export function durationParts(ms: number): { d: number; h: number; m: number } {
  const abs = Math.abs(ms)
  const d = Math.floor(abs / 86400000)
  const h = Math.floor((abs % 86400000) / 3600000)
  const m = Math.floor((abs % 3600000) / 60000)
  return { d, h, m }
}

export function formatTime(iso: string | undefined | null, locale: string): string {
  if (!iso) return '—'
  const d = new Date(iso)
  if (Number.isNaN(d.getTime())) return iso
  return d.toLocaleString(locale === 'en' ? 'en-GB' : 'zh-CN', {
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    hour12: false,
  })
}
