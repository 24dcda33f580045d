// i18n/index.ts - the workbench speaks Chinese first (zh-CN) and English
// second. Messages live in one module per area under messages/, each giving
// both languages side by side; this file merges them. The chosen language is
// remembered in localStorage (a preference, not a secret).
import { createI18n } from 'vue-i18n'
import common from './messages/common'
import queue from './messages/queue'
import intake from './messages/intake'
import dashboard from './messages/dashboard'
import complaint from './messages/complaint'
import supervision from './messages/supervision'
import admin from './messages/admin'

type Tree = { [key: string]: string | Tree }
export type Bilingual = { 'zh-CN': Tree; en: Tree }

const modules: Bilingual[] = [common, queue, intake, dashboard, complaint, supervision, admin]

function merge(into: Tree, from: Tree): Tree {
  for (const [k, v] of Object.entries(from)) {
    const cur = into[k]
    if (typeof v === 'object' && typeof cur === 'object') merge(cur, v)
    else into[k] = v
  }
  return into
}

const messages = {
  'zh-CN': modules.reduce((acc, m) => merge(acc, m['zh-CN']), {} as Tree),
  en: modules.reduce((acc, m) => merge(acc, m.en), {} as Tree),
}

export const LOCALES = ['zh-CN', 'en'] as const
export type Locale = (typeof LOCALES)[number]

function initialLocale(): Locale {
  const saved = localStorage.getItem('ombud.locale')
  return saved === 'en' ? 'en' : 'zh-CN'
}

export const i18n = createI18n({
  legacy: false,
  locale: initialLocale(),
  fallbackLocale: 'zh-CN',
  messages,
  missingWarn: false,
  fallbackWarn: false,
})

export function setLocale(locale: Locale): void {
  i18n.global.locale.value = locale
  localStorage.setItem('ombud.locale', locale)
  document.documentElement.lang = locale
}
