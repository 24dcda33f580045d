// forms.ts - the state of an administration form's submission: whether it is
// saving, and its errors: an ApiError naming a field is shown beside that
// field (el-form-item :error), any other error above the form.
import { reactive, ref } from 'vue'
import { ApiError } from '../../api'
import { errorText } from '../supervision/util'

export function useForm(fields: string[]) {
  const errors = reactive<Record<string, string>>({})
  const general = ref('')
  const saving = ref(false)

  function clear(): void {
    for (const k of Object.keys(errors)) delete errors[k]
    general.value = ''
  }

  /** Shows the error beside its field (a path such as members[1].share_bp
      counts as its first name) or above the form. */
  function take(e: unknown): void {
    clear()
    if (e instanceof ApiError && e.field) {
      const name = e.field.split(/[.[]/)[0]
      if (fields.includes(name)) {
        errors[name] = e.message
        return
      }
    }
    general.value = errorText(e)
  }

  /** Runs the submission, showing its error if it fails. */
  async function submit(work: () => Promise<void>): Promise<void> {
    saving.value = true
    clear()
    try {
      await work()
    } catch (e) {
      take(e)
    } finally {
      saving.value = false
    }
  }

  return { errors, general, saving, clear, take, submit }
}
