/**
 * Dependency hygiene: what the Lambda bundles import is exactly what `dependencies` lists
 * (tools used only by tests, benchmarks and `npm start` stay in devDependencies), and the AWS SDK
 * moves as one group — a single copy of each of its packages in the lockfile, so two clients
 * never bundle two different versions of the same middleware.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

interface Lock {
  packages: Record<string, { version?: string; dev?: boolean }>;
}
const pkg = JSON.parse(readFileSync('package.json', 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
};
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8')) as Lock;

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Package names imported (at run time, not `import type`) by the code that goes into bundles. */
function runtimeImports(): Set<string> {
  const found = new Set<string>();
  for (const file of [...sources('functions'), ...sources('shared')]) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/^import\s+(type\s+)?[^;]*?from\s+'([^'.][^']*)'/gms)) {
      const [, typeOnly, spec] = match;
      if (typeOnly || !spec || spec.startsWith('node:')) continue;
      const parts = spec.split('/');
      found.add(spec.startsWith('@') ? `${parts[0]}/${parts[1]}` : (parts[0] ?? spec));
    }
  }
  return found;
}

describe('dependencies', () => {
  it('lists every package the bundles import as a runtime dependency, and nothing they do not', () => {
    // Prepare
    // Packages the build needs beyond the sources' imports: the credential provider the
    // bundles use instead of the SDK's default chain (scripts/lambda-credentials.mjs).
    const byBuild = new Set(['@aws-sdk/credential-provider-env']);

    // Act
    const imported = runtimeImports();
    const declared = new Set(Object.keys(pkg.dependencies));

    // Assess
    expect([...imported].filter((name) => !declared.has(name))).toEqual([]);
    expect([...declared].filter((name) => !imported.has(name) && !byBuild.has(name))).toEqual([]);
  });

  it('keeps one version of every AWS SDK and Smithy package in the lockfile', () => {
    // Prepare
    const versions = new Map<string, Set<string>>();

    // Act
    for (const [path, entry] of Object.entries(lock.packages)) {
      const name = /node_modules\/((?:@aws-sdk|@smithy)\/[^/]+)$/.exec(path)?.[1];
      if (!name || !entry.version) continue;
      versions.set(name, (versions.get(name) ?? new Set()).add(entry.version));
    }
    const mixed = [...versions].filter(([, seen]) => seen.size > 1).map(([name, seen]) => [name, [...seen]]);

    // Assess
    expect(versions.size).toBeGreaterThan(10);
    expect(mixed).toEqual([]);
  });

  it('pins every dependency to an exact version', () => {
    const ranged = Object.entries({ ...pkg.dependencies, ...pkg.devDependencies }).filter(
      ([, version]) => !/^\d+\.\d+\.\d+$/.test(version),
    );

    expect(ranged).toEqual([]);
  });
});
