// Builds the web UI into dist/: one JavaScript bundle, one stylesheet and
// the page, minified, with no source maps and nothing that depends on the
// machine, so that a rebuild from the same lock file gives the same bytes
// (scripts/test checks that the committed dist/ is what src/ builds).
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
mkdirSync('dist');
await esbuild.build({
  entryPoints: { app: 'src/main.jsx', style: 'src/app.css' },
  outdir: 'dist',
  bundle: true,
  minify: true,
  format: 'esm',
  target: ['es2020'],
  jsx: 'automatic',
  jsxImportSource: 'preact',
  legalComments: 'eof',
  charset: 'utf8',
  logLevel: 'warning',
});
copyFileSync('src/index.html', 'dist/index.html');
