// Bundle the compiled CLI (dist/) into a few files under dist/bin/: loading one file instead of hundreds
// of small modules (the openai SDK, zod) cuts headless startup by about 100 ms. Native modules stay
// external. The UI stack (ink, react, yoga, marked) is bundled too, into chunks that only interactive
// mode reaches through dynamic import(): loading Ink from a bundle takes about 0.18 s instead of 0.5 s.
// cli-highlight stays external: it is imported lazily, after the prompt is up.
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: { main: 'dist/cli/main.js' },
  platform: 'node',
  logLevel: 'warn',
  // react-devtools-core: an optional import of Ink's, used only with DEV=true and never installed.
  external: [/^@lydell\/node-pty(\/|$)/, /^cli-highlight/, /^react-devtools-core/],
  output: {
    dir: 'dist/bin',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    cleanDir: true,
  },
});
