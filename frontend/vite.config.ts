/// <reference types="vitest/config" />
import { createReadStream, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, normalize, sep } from 'node:path';
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

// pdf.js reads CMaps (CJK text), standard font data, colour profiles and
// wasm image decoders (JPEG 2000, JBIG2) at run time. Folio works offline,
// so ship them: served from node_modules under /pdfjs/ by the dev server and
// copied to dist/pdfjs/ by the build (pdfAsset() in src/components/PdfPage.tsx reads them).
const PDFJS_DIRS = ['cmaps', 'standard_fonts', 'wasm', 'iccs'];
const pdfjsRoot = fileURLToPath(new URL('./node_modules/pdfjs-dist/', import.meta.url));
const pdfjsAssets = (): Plugin => ({
  name: 'folio-pdfjs-assets',
  configureServer(server) {
    server.middlewares.use('/pdfjs/', (req, res, next) => {
      let rel: string;
      try {
        rel = normalize(decodeURIComponent((req.url ?? '').split('?')[0])).replace(/^[/\\]+/, '');
      } catch {
        return next();
      }
      const dir = rel.split(sep)[0];
      const file = join(pdfjsRoot, rel);
      if (!PDFJS_DIRS.includes(dir) || !file.startsWith(pdfjsRoot) || !statSync(file, { throwIfNoEntry: false })?.isFile()) {
        return next();
      }
      res.setHeader('Content-Type', file.endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream');
      createReadStream(file).pipe(res);
    });
  },
  generateBundle() {
    for (const dir of PDFJS_DIRS) {
      for (const name of readdirSync(join(pdfjsRoot, dir))) {
        if (!statSync(join(pdfjsRoot, dir, name)).isFile()) continue;
        this.emitFile({ type: 'asset', fileName: `pdfjs/${dir}/${name}`, source: readFileSync(join(pdfjsRoot, dir, name)) });
      }
    }
  },
});

// Preact JSX through Vite's built-in esbuild; no plugin needed.
export default defineConfig({
  plugins: [keepGitkeep(), pdfjsAssets()],
  esbuild: { jsx: 'automatic', jsxImportSource: 'preact' },
  // Wails serves the built files from the embedded frontend/dist.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2020', sourcemap: false },
  server: { strictPort: false },
  test: { include: ['src/**/*.test.ts'], environment: 'node' },
});
