/// <reference types="vitest/config" />
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type Plugin } from 'vite';

// go:embed all:frontend/dist needs the folder in a fresh checkout, so the
// repository keeps dist/.gitkeep; put it back after Vite empties dist/.
const keepGitkeep = (): Plugin => ({
  name: 'folio-keep-gitkeep',
  apply: 'build',
  closeBundle() {
    writeFileSync(fileURLToPath(new URL('./dist/.gitkeep', import.meta.url)), '');
  },
});

// Preact JSX through Vite's built-in esbuild; no plugin needed.
export default defineConfig({
  plugins: [keepGitkeep()],
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // Wails serves the built files from the embedded frontend/dist.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', sourcemap: false },
  server: { strictPort: false },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
