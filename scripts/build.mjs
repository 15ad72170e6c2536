// Bundles each function into dist/<name>/index.mjs (ESM, minified, source maps apart), with the
// AWS SDK inside the bundle rather than taken from the runtime, so what is tested is what runs.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';
import { bundleOptions } from './bundle-options.mjs';

export const FUNCTIONS = ['ack', 'poster', 'reaper', 'sweeper', 'install'];

await rm('dist', { recursive: true, force: true });
const results = await Promise.all(
  FUNCTIONS.map((name) =>
    build(bundleOptions(`functions/${name}/handler.ts`, `dist/${name}/index.mjs`)).then((result) => ({
      name,
      result,
    })),
  ),
);
await mkdir('dist', { recursive: true });
for (const { name, result } of results) {
  await mkdir('dist/.meta', { recursive: true });
  await writeFile(`dist/.meta/${name}.json`, JSON.stringify(result.metafile));
  const bytes =
    Object.entries(result.metafile.outputs).find(([file]) => file.endsWith('index.mjs'))?.[1].bytes ?? 0;
  console.log(`dist/${name}/index.mjs  ${(bytes / 1024).toFixed(1)} KB`);
}
