// Bundle the compiled CLI (dist/) into a few files under dist/bin/: loading one file instead of hundreds
// of small modules (the openai SDK, zod) cuts headless startup by about 100 ms. Native modules and the UI
// stack stay external; the UI is only loaded by interactive mode, through dynamic import().
import { defineConfig } from 'rolldown';

export default defineConfig({
  input: { main: 'dist/cli/main.js' },
  platform: 'node',
  logLevel: 'warn',
  external: [/^node-pty(\/|$)/, /^ink(\/|$)/, /^ink-/, /^react(\/|$)/, /^react-/, /^yoga-layout/, /^cli-highlight/, /^marked/],
  output: {
    dir: 'dist/bin',
    format: 'esm',
    entryFileNames: '[name].js',
    chunkFileNames: '[name]-[hash].js',
    cleanDir: true,
  },
});
