// vite.config.ts - builds the workbench into ../build/web, which ombud serves
// (configuration key web_root). No CDN: every byte the page loads is built here.
import { defineConfig } from 'vite'
import vue from '@vitejs/plugin-vue'
import { fileURLToPath } from 'node:url'

export default defineConfig({
  plugins: [vue()],
  resolve: {
    alias: { '@': fileURLToPath(new URL('./src', import.meta.url)) },
  },
  define: {
    __VUE_OPTIONS_API__: 'false',
    __VUE_PROD_DEVTOOLS__: 'false',
    __VUE_PROD_HYDRATION_MISMATCH_DETAILS__: 'false',
    __INTLIFY_PROD_DEVTOOLS__: 'false',
    __INTLIFY_JIT_COMPILATION__: 'true',
    __INTLIFY_DROP_MESSAGE_COMPILER__: 'false',
  },
  build: {
    outDir: '../build/web',
    emptyOutDir: true,
    target: 'es2020',
    // The strict Content-Security-Policy allows no inline script or style:
    // the module preload polyfill would be inlined, so it is left out.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    chunkSizeWarningLimit: 800,
    rollupOptions: {
      output: {
        manualChunks(id: string) {
          if (id.includes('node_modules/echarts') || id.includes('node_modules/zrender')) return 'charts'
          return undefined
        },
      },
    },
  },
  // `npm run dev` / `vite preview` against a local server (make run).
  server: { proxy: { '/v1': process.env.OMBUD_API || 'http://127.0.0.1:8080' } },
  preview: { proxy: { '/v1': process.env.OMBUD_API || 'http://127.0.0.1:8080' } },
})
