/**
 * The browser client's build: `web/` -> `web/dist/` (served by `npm start` at `/`). Hashed file
 * names under /assets/ (cached for a year), no inline scripts or data: URLs (the server's
 * Content-Security-Policy allows only this origin), the player's hls.js and the playlist editor's
 * Yjs split into chunks loaded when first needed.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

export default defineConfig(({ command }) => ({
  root: fileURLToPath(new URL('.', import.meta.url)),
  base: '/',
  publicDir: 'public',
  logLevel: 'warn',
  // A build is a production build whatever NODE_ENV says: Vite would otherwise take the JSX
  // development transform under a test runner (NODE_ENV=test), putting source paths and line
  // numbers in the bundle — which `npm start` and the web bench then serve, as the build's hash
  // does not change with the mode.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact', development: command === 'serve' } },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // Every asset is a file of its own: a data: URL would need a looser img-src/font-src.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: false,
    reportCompressedSize: false,
  },
  server: { port: 5173, proxy: { '/v1': { target: 'http://127.0.0.1:8080', ws: true } } },
}));
