// The esbuild settings every Lambda bundle is built with, shared by the build and by the
// benchmark's SDK floor (which must be bundled exactly as the functions are to be comparable).
import { isBuiltin } from 'node:module';
import { fileURLToPath } from 'node:url';

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

/** esbuild options for one function bundle: `entry` → `outfile` (ESM, minified, map apart). */
export function bundleOptions(entry, outfile) {
  return {
    entryPoints: [entry],
    outfile,
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
  };
}
