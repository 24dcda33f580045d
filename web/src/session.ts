// session.ts - who is signed in. The session cookie is HttpOnly, so the page
// learns the user and the CSRF token from POST /v1/sessions or, after a
// reload, from GET /v1/sessions/current; both stay in memory only.
import { reactive, readonly } from 'vue'
import { api, ApiError, setCsrfToken } from './api'
import type { Role, Session, User } from './types'

interface SessionState {
  user: User | null
  checked: boolean
}

const state = reactive<SessionState>({ user: null, checked: false })

export const session = readonly(state)

function adopt(s: Session): void {
  state.user = s.user
  setCsrfToken(s.csrf_token)
}

/** Restores the session of a reloaded page; false when there is none. */
export async function restoreSession(): Promise<boolean> {
  if (state.checked) return state.user !== null
  try {
    adopt(await api.get<Session>('/sessions/current'))
  } catch (e) {
    if (!(e instanceof ApiError) || (e.status !== 401 && e.status !== 403)) {
      state.checked = false
      throw e
    }
    state.user = null
  }
  state.checked = true
  return state.user !== null
}

export async function signIn(username: string, password: string): Promise<User> {
  const s = await api.post<Session>('/sessions', { username, password }, false)
  adopt(s)
  state.checked = true
  return s.user
}

export async function signOut(): Promise<void> {
  try {
    await api.del('/sessions/current')
  } finally {
    forgetSession()
  }
}

/** The server ended the session (401): drop what the page knew. */
export function forgetSession(): void {
  state.user = null
  state.checked = true
  setCsrfToken('')
}

export function hasRole(...roles: Role[]): boolean {
  return state.user !== null && roles.includes(state.user.role)
}
