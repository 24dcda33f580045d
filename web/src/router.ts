// router.ts - the workbench's pages. Every page but the sign-in needs a
// session; a page for other roles sends the user to the queues.
import { createRouter, createWebHistory, type RouteRecordRaw } from 'vue-router'
import { restoreSession, session } from './session'
import type { Role } from './types'
/* The two pages a visit starts on are in the first bundle; the others load
   when first opened. */
import LoginView from './views/LoginView.vue'
import QueueView from './views/QueueView.vue'

declare module 'vue-router' {
  interface RouteMeta {
    public?: boolean
    roles?: Role[]
    title?: string
  }
}

const routes: RouteRecordRaw[] = [
  { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: 'login.title' } },
  { path: '/', redirect: '/queues/mine' },
  { path: '/queues', redirect: '/queues/mine' },
  { path: '/queues/:queue', name: 'queue', component: QueueView, meta: { title: 'nav.queues' } },
  { path: '/complaints/:no', name: 'complaint', component: () => import('./views/ComplaintView.vue'), meta: { title: 'nav.queues' } },
  {
    path: '/intake',
    name: 'intake',
    component: () => import('./views/IntakeView.vue'),
    meta: { roles: ['agent', 'supervisor', 'regulator'], title: 'nav.intake' },
  },
  { path: '/dashboard', name: 'dashboard', component: () => import('./views/DashboardView.vue'), meta: { title: 'nav.dashboard' } },
  {
    path: '/supervision/:tab?',
    name: 'supervision',
    component: () => import('./views/SupervisionView.vue'),
    meta: { roles: ['supervisor', 'compliance', 'admin', 'auditor'], title: 'nav.supervision' },
  },
  {
    path: '/admin/:tab?',
    name: 'admin',
    component: () => import('./views/AdminView.vue'),
    meta: { roles: ['admin'], title: 'nav.admin' },
  },
  { path: '/:pathMatch(.*)*', name: 'notfound', component: () => import('./views/NotFoundView.vue'), meta: { title: 'common.notFound' } },
]

export const router = createRouter({ history: createWebHistory(), routes })

router.beforeEach(async (to) => {
  if (to.meta.public) return true
  let signedIn = false
  try {
    signedIn = await restoreSession()
  } catch {
    signedIn = false
  }
  if (!signedIn) return { name: 'login', query: to.fullPath !== '/' ? { next: to.fullPath } : {} }
  const roles = to.meta.roles
  if (roles && session.user && !roles.includes(session.user.role)) return { path: '/queues/mine' }
  return true
})
