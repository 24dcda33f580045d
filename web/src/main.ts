// main.ts - starts the workbench: Vue, the router, the languages and the
// Element Plus components it uses (registered one by one, so only those are
// built in).
import { createApp } from 'vue'
import './styles.css'
import App from './App.vue'
import { router } from './router'
import { i18n } from './i18n'
import { registerElement } from './element'
import { setUnauthorizedHandler } from './api'
import { forgetSession } from './session'

const app = createApp(App)
registerElement(app)
app.use(i18n)
app.use(router)
setUnauthorizedHandler(() => {
  forgetSession()
  const here = router.currentRoute.value
  if (here.name !== 'login') void router.push({ name: 'login', query: { next: here.fullPath } })
})
app.mount('#app')
