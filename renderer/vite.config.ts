import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = (path: string) => fileURLToPath(new URL(path, import.meta.url));

// The renderer is served by the web host over HTTP and loaded by Electron from a file, so every
// URL in the build is relative.
export default defineConfig({
  root: here('.'),
  base: './',
  publicDir: here('../assets/icons'),
  plugins: [react()],
  build: {
    outDir: here('../dist/renderer'),
    emptyOutDir: true,
    sourcemap: true,
    target: 'chrome120',
  },
});
