import { defineConfig } from 'vite';

// The dashboard, built into web/dist and served by the gateway at / (no CDN: everything is bundled).
export default defineConfig({
  root: import.meta.dirname,
  base: '/',
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 400 },
  logLevel: 'warn',
});
