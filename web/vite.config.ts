import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// The UI is served by `kredit serve` from web/dist; in development `npm run dev`
// proxies the API to a server on 127.0.0.1:8080.
export default defineConfig({
  plugins: [react()],
  server: { proxy: { '/api': 'http://127.0.0.1:8080' } },
  build: { target: 'es2022', chunkSizeWarningLimit: 1200 },
});
