// live.ts - the server's event stream (GET /v1/stream, server-sent events
// with the session cookie). Pages subscribe with onLiveEvent() and refresh
// what an event touches; the browser reconnects by itself and the server
// replays what was missed from Last-Event-ID.
import { reactive } from 'vue'

export interface LiveEvent {
  id: number
  no: string
  seq: number
  type: string
  at: string
  actor_party: number
  lead_party: number
}

/* Every event type the stream names (docs/api.md, "Reading"). */
const EVENT_TYPES = [
  'received', 'imported', 'accepted', 'rejected', 'merged', 'withdrawn', 'investigation_started',
  'decided', 'notified', 'review_requested', 'mediation_referred', 'closed', 'reopened', 'assigned',
  'classified', 'note_added', 'attachment_added', 'extended', 'paused', 'resumed', 'callback_recorded',
  'transferred', 'transfer_acknowledged', 'transfer_declined', 'task_requested', 'task_answered',
  'task_cancelled', 'pii_read', 'clock_warning', 'clock_escalated', 'dispatched', 'transfer_escalated',
  'task_overdue',
]

export const live = reactive({ connected: false, lastId: 0 })

type Listener = (ev: LiveEvent) => void
const listeners = new Set<Listener>()
let source: EventSource | null = null

function deliver(e: MessageEvent): void {
  let ev: LiveEvent
  try {
    ev = JSON.parse(e.data) as LiveEvent
  } catch {
    return
  }
  live.lastId = ev.id
  for (const l of listeners) l(ev)
}

export function startLive(): void {
  if (source) return
  source = new EventSource('/v1/stream', { withCredentials: true })
  source.onopen = () => {
    live.connected = true
  }
  source.onerror = () => {
    live.connected = source?.readyState === EventSource.OPEN
  }
  for (const type of EVENT_TYPES) source.addEventListener(type, deliver as EventListener)
}

export function stopLive(): void {
  source?.close()
  source = null
  live.connected = false
}

/** Subscribes to every event; returns the function that unsubscribes. */
export function onLiveEvent(listener: Listener): () => void {
  listeners.add(listener)
  return () => listeners.delete(listener)
}
