// Bundles each function into dist/<name>/index.mjs (ESM, minified, source maps apart), with the
// AWS SDK inside the bundle rather than taken from the runtime, so what is tested is what runs.
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

/**
 * Loads Node built-ins with require() instead of ESM imports. An ESM import of a built-in builds
 * a facade that reads every export, getters included: node:http's load undici, node:fs's load
 * its streams (~30 ms of an ack cold start in all, found with --cpu-prof); require() reads
 * nothing until used.
 */
const builtinsViaRequire = {
  name: 'builtins-via-require',
  setup(b) {
    b.onResolve({ filter: /^(node:)?[a-z_/0-9]+$/ }, (args) => {
      if (!isBuiltin(args.path)) return undefined;
      // The shim's own require() must reach Node, not the shim again.
      return args.namespace === 'builtin'
        ? { path: args.path, external: true }
        : { path: args.path, namespace: 'builtin' };
    });
    // A CommonJS shim: esbuild then reads each export where it is used, never all up front.
    b.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path.startsWith('node:') ? args.path : `node:${args.path}`)});`,
      loader: 'js',
    }));
  },
};

/** Environment credentials only: see scripts/lambda-credentials.mjs. */
const lambdaCredentials = {
  name: 'lambda-credentials',
  setup(b) {
    b.onResolve({ filter: /^@aws-sdk\/credential-provider-node$/ }, () => ({
      path: fileURLToPath(new URL('./lambda-credentials.mjs', import.meta.url)),
    }));
  },
};

export const FUNCTIONS = ['ack', 'poster', 'reaper', 'sweeper'];

await rm('dist', { recursive: true, force: true });
const results = await Promise.all(
  FUNCTIONS.map((name) =>
    build({
      entryPoints: [`functions/${name}/handler.ts`],
      outfile: `dist/${name}/index.mjs`,
      bundle: true,
      platform: 'node',
      target: 'node24',
      format: 'esm',
      minify: true,
      sourcemap: 'external',
      sourcesContent: false,
      legalComments: 'none',
      // ESM builds of the SDK first: smaller and faster to load than the CJS ones.
      mainFields: ['module', 'main'],
      // Some CJS dependencies call require() for Node built-ins; give the ESM bundle one.
      banner: { js: "import{createRequire as __cr}from'node:module';const require=__cr(import.meta.url);" },
      plugins: [builtinsViaRequire, lambdaCredentials],
      metafile: true,
      logLevel: 'warning',
    }).then((result) => ({ name, result })),
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
