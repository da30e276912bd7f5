/// <reference types="vitest/config" />
import { defineConfig, type Plugin } from 'vite';
import react from '@vitejs/plugin-react';
import { VitePWA } from 'vite-plugin-pwa';
import { compression } from 'vite-plugin-compression2';

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
          mapStyleUrl: process.env.CREWUP_MAP_STYLE_URL ?? '/map/style.json',
          adminUrl: '/admin/',
        }),
      );
    });
  };
  return { name: 'crewup-dev-config', configureServer: serve, configurePreviewServer: serve };
}

const ingress = process.env.CREWUP_URL ?? 'http://127.0.0.1:8080';

// The installable app: the manifest, and our own service worker (src/sw.ts: precache, offline
// shell, push, notification actions, background sync), into which the plugin injects the list
// of files to precache. Colours are styles.css's --green (theme) and --bg (splash).
function pwa() {
  return VitePWA({
    strategies: 'injectManifest',
    srcDir: 'src',
    filename: 'sw.ts',
    registerType: 'autoUpdate',
    // src/main.tsx registers it (virtual:pwa-register): no script is injected into index.html.
    injectRegister: false,
    // The glob below takes the icons already; the plugin adds manifest.webmanifest itself.
    includeManifestIcons: false,
    manifest: {
      id: '/',
      name: 'CrewUp',
      short_name: 'CrewUp',
      description: 'Go out together, safely: events, crews, chat and safety alerts.',
      lang: 'en',
      start_url: '/',
      scope: '/',
      display: 'standalone',
      theme_color: '#14532d',
      background_color: '#f4f5f0',
      icons: [
        { src: '/icons/icon-192.png', sizes: '192x192', type: 'image/png', purpose: 'any' },
        { src: '/icons/icon-512.png', sizes: '512x512', type: 'image/png', purpose: 'any' },
        { src: '/icons/maskable-512.png', sizes: '512x512', type: 'image/png', purpose: 'maskable' },
      ],
    },
    injectManifest: {
      // The app shell, the lazy pages, the icons and the offline basemap (world-atlas's
      // countries-50m.json, emitted under assets/ by src/map/basemap.ts's `?url` import).
      // Never source maps; /config.json is not in dist (the ingress writes it at run time).
      globPatterns: ['**/*.{html,js,css,json,png,svg}'],
      globIgnores: ['**/*.map'],
      maximumFileSizeToCacheInBytes: 2 * 1024 * 1024,
    },
    // The dev server runs without a service worker unless CREWUP_DEV_SW=1 (then as a module
    // worker, as the plugin's docs ask for an injectManifest worker with imports).
    devOptions: {
      enabled: process.env.CREWUP_DEV_SW === '1',
      type: 'module',
      navigateFallback: 'index.html',
    },
  });
}

export default defineConfig({
  // Every text asset is also written gzipped beside itself (name.js.gz), for the ingress's
  // gzip_static: nginx then sends bytes compressed once at build time. Compressed per request
  // instead, the 1 MB map bundle cost nginx about 40 ms of CPU on every first visit, and under
  // load its worker stalled every other request behind that work (#15).
  plugins: [
    react(),
    devRuntimeConfig(),
    pwa(),
    compression({ algorithms: ['gzip'], threshold: 1024, exclude: [/\.map$/], logLevel: 'silent' }),
  ],
  server: {
    host: '127.0.0.1',
    port: 5173,
    proxy: {
      '/api/': ingress,
      '/ws/': { target: ingress.replace(/^http/, 'ws'), ws: true },
      '/admin/': ingress,
      '/map/': ingress,
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
      '/map/': ingress,
    },
  },
  build: {
    target: 'es2022',
    sourcemap: true,
    // maplibre-gl is one module of about 1 MB (286 kB gzipped) that cannot be split further.
    chunkSizeWarningLimit: 1100,
    rollupOptions: {
      output: {
        // Libraries change less often than the app: separate files stay cached across releases.
        manualChunks(id) {
          if (!id.includes('node_modules')) return undefined;
          if (/node_modules\/(maplibre-gl|topojson-client)\//.test(id)) return 'map';
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
