import { defineConfig } from 'tsup';

// Two builds: the CLI (one small entry, commands split into lazily loaded chunks so `--help`
// starts fast) and the library entries with their type declarations.
export default defineConfig([
  {
    entry: { cli: 'src/cli/main.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: true,
    sourcemap: true,
    clean: false,
    outDir: 'dist',
    banner: { js: '#!/usr/bin/env node' },
    // The sandbox is its own entry point; the CLI loads it by the package's self-reference.
    external: ['ecs-chaos/sandbox'],
  },
  {
    entry: { index: 'src/index.ts', sandbox: 'sandbox/index.ts' },
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: true,
    sourcemap: true,
    dts: true,
    clean: false,
    outDir: 'dist',
  },
]);
