/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';

// The runtime configuration is served by the ingress (scripts/ingress.sh writes it), never
// baked into the build. The dev server answers /config.json itself, from the environment.
function devRuntimeConfig(): Plugin {
  const serve = (server: { middlewares: { use: (path: string, fn: (req: unknown, res: import('node:http').ServerResponse) => void) => void } }) => {
    server.middlewares.use('/config.json', (_req, res) => {
      res.setHeader('Content-Type', 'application/json');
      res.setHeader('Cache-Control', 'no-store');
      res.end(
        JSON.stringify({
          issuer: process.env.CREWUP_ISSUER ?? 'http://127.0.0.1:8090/realms/crewup',
          clientId: process.env.CREWUP_CLIENT_ID ?? 'crewup-spa',
          apiBase: '/',
          tileUrl: process.env.CREWUP_TILE_URL ?? null,
          tileAttribution: process.env.CREWUP_TILE_ATTRIBUTION ?? '',
          adminUrl: '/admin/',
        }),
      );
    });
  };
  return { name: 'crewup-dev-config', configureServer: serve, configurePreviewServer: serve };
}

const ingress = process.env.CREWUP_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  plugins: [react(), devRuntimeConfig()],
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api/': ingress,
      '/ws/': { target: ingress.replace(/^http/, 'ws'), ws: true },
      '/admin/': ingress,
    },
  },
  preview: {
    host: '127.0.0.1',
    port: 5173,
    strictPort: true,
    proxy: {
      '/api/': ingress,
      '/ws/': { target: ingress.replace(/^http/, 'ws'), ws: true },
      '/admin/': ingress,
    },
  },
  build: {
    target: 'es2022',
    sourcemap: true,
    chunkSizeWarningLimit: 600,
    rollupOptions: {
      output: {
        // Libraries change less often than the app: separate files stay cached across releases.
        manualChunks(id) {
          if (!id.includes('node_modules')) return undefined;
          if (/node_modules\/(leaflet|leaflet\.markercluster|topojson-client)\//.test(id)) return 'map';
          if (/node_modules\/(react|react-dom|scheduler|react-router|react-router-dom|cookie|set-cookie-parser)\//.test(id)) return 'react';
          return 'vendor';
        },
      },
    },
  },
  test: {
    environment: 'jsdom',
    globals: true,
    setupFiles: ['./vitest.setup.ts'],
    include: ['src/**/*.test.{ts,tsx}'],
    css: false,
  },
});
