// Runs a TypeScript entry point (bench, local tools) on this Node: esbuild bundles our sources
// (dependencies stay external, loaded from node_modules) into .bench/, then it is imported.
import { rmSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { basename, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

const [entry, ...args] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node scripts/run-ts.mjs <entry.ts> [args…]');
  process.exit(2);
}
await mkdir('.bench', { recursive: true });
// One file per process: tests may start several at once.
const outfile = resolve('.bench', `${basename(entry, '.ts')}-${process.pid}.mjs`);
await build({
  entryPoints: [entry],
  outfile,
  bundle: true,
  platform: 'node',
  target: 'node24',
  format: 'esm',
  packages: 'external',
  sourcemap: 'inline',
  logLevel: 'warning',
});
// Removed however the process ends: entry points stop with process.exit(), which skips a finally.
process.on('exit', () => rmSync(outfile, { force: true }));
process.argv = [process.argv[0] ?? 'node', outfile, ...args];
await import(pathToFileURL(outfile).href);
