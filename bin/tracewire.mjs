#!/usr/bin/env node
// tracewire CLI entry: the built dist/esm/cli/main.js when present (npm ci's `prepare` builds it),
// else the TypeScript sources through the repo's loader (a checkout without a build).
// TRACEWIRE_CLI_SOURCE=1 forces the sources (tests, so they never run a stale build).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const built = new URL('../dist/esm/cli/main.js', import.meta.url);
const fromSource = process.env.TRACEWIRE_CLI_SOURCE === '1' || !existsSync(fileURLToPath(built));
let entry = built;
if (fromSource) {
  await import('../scripts/register.mjs');
  entry = new URL('../cli/main.ts', import.meta.url);
}
const { run } = await import(entry.href);
await run(process.argv.slice(2));
