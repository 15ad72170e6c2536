/**
 * Every cross-reference in the repository's text files resolves — not only the README's and
 * docs/' links, but the comments in Terraform, YAML, TypeScript and the example files too:
 * - a Markdown link `[…](path#anchor)`: the file exists, and the heading, by GitHub's anchor;
 * - a repository path named anywhere (`infra/poster.tf`, `docs/local.md#…`, `local/sandbox.ts`):
 *   the file exists in the repository (generated ones — dist/, test-output/ — apart);
 * - a section named by its title (`README: "Deploy it"`, `docs/deploy.md, "What it costs"`):
 *   that file has that heading.
 * And every figure measured by the benchmark has one source, docs/performance.md: the pages that
 * quote one say what it says.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, normalize, relative, sep } from 'node:path';
import { describe, expect, it } from '@jest/globals';

/** Not the repository's own text: installed, generated, or local state. */
const SKIPPED_DIRS = new Set([
  'node_modules',
  'dist',
  '.git',
  'test-output',
  '.bench',
  '.snap-data',
  'coverage',
  '.terraform',
  '.build',
]);
// .gitignore holds patterns, not references.
const TEXT_FILE = /\.(md|ts|mjs|cjs|js|tf|json|yaml|yml|sh|html|example|hcl)$|^(run|\.npmrc)$/;

function textFiles(dir = '.'): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) {
      if (!SKIPPED_DIRS.has(name)) out.push(...textFiles(path));
    } else if (TEXT_FILE.test(name) && name !== 'package-lock.json') out.push(path);
  }
  return out;
}

// This file's own examples of references are not references.
const files = textFiles().filter((f) => f !== join('tests', 'infra', 'references.test.ts'));

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

const headingsOf = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((line) => /^#{1,6} /.test(line))
    .map((line) => line.replace(/^#+ /, '').trim());

const anchorsOf = (file: string) => new Set(headingsOf(file).map(anchor));

/** Paths that may leave the repository, and why. */
const OUTSIDE = new Map([
  [
    '../shared/tools/tfcheck/tfcheck.mjs',
    'scripts/infra-check.sh runs the provider-schema check where this repository sits beside that tool, and says what it means when it does not',
  ],
]);

/** Generated, or a template with a placeholder: nothing to find in a clean clone. */
const GENERATED = /^(dist|test-output|\.bench|\.snap-data|infra\/\.terraform|infra\/\.build)\/|[<>{}$*…]/;

/**
 * A repository path as text names it: from the root (`infra/poster.tf`, `tests/infra`), or
 * relative with a file's extension (`../local/sandbox.ts`; an import without one is the
 * compiler's to check), or a page by name (`deploy.md`).
 */
const EXTENSION = /\.(md|ts|mjs|cjs|js|tf|json|yaml|yml|sh|html|example)$/;
const PATH =
  /(?<![\w@/.:-])((?:\.\.?\/)*(?:README\.md|(?:docs|infra|local|shared|scripts|tests|bench|slack|functions|\.ci)\/[\w./<>{}$*…-]*[\w>}*…/]|[\w-]+\.(?:md|example)))(#[\w-]+)?/g;

/** Where a path named in `file` points: from the repository's root, else from the file's folder. */
function resolvePath(file: string, path: string): string | undefined {
  const candidates = [normalize(join(dirname(file), path))];
  if (!path.startsWith('.')) candidates.unshift(normalize(path));
  if (!path.includes('/')) candidates.push(normalize(join('docs', path)));
  return candidates.find((c) => existsSync(c));
}

const outsideRepository = (path: string) => path === '..' || path.startsWith(`..${sep}`);

describe('cross-references in the repository’s text files', () => {
  it('finds text to check everywhere, not only in docs/', () => {
    const where = new Set(files.map((f) => f.split(sep)[0]));

    expect([...where]).toEqual(
      expect.arrayContaining(['docs', 'infra', 'slack', 'local', 'shared', 'README.md']),
    );
    expect(files).toContain('terraform.tfvars.example');
  });

  it.each(files.filter((f) => f.endsWith('.md')))(
    '%s: every Markdown link reaches a file and heading',
    (file) => {
      const broken: string[] = [];
      for (const [, target] of readFileSync(file, 'utf8').matchAll(/\]\(([^)\s]+)\)/g)) {
        if (!target || /^[a-z]+:/.test(target)) continue; // https:, mailto:
        const [path, hash] = target.split('#');
        const to = path ? normalize(join(dirname(file), path)) : file;
        if (!existsSync(to) || outsideRepository(relative('.', to))) broken.push(target);
        else if (hash && to.endsWith('.md') && !anchorsOf(to).has(hash)) broken.push(target);
      }

      expect(broken).toEqual([]);
    },
  );

  it('names only repository paths that exist, and headings that exist in them', () => {
    const broken: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, 'utf8');
      for (const match of text.matchAll(PATH)) {
        const [, rawPath = '', hash] = match;
        const path = rawPath.replace(/[.,;:]+$/, '');
        if (GENERATED.test(path) || OUTSIDE.has(path)) continue;
        // Without an extension: an import (the compiler checks those) or a route (`slack/install`).
        if ((path.startsWith('.') || path.startsWith('slack/')) && !EXTENSION.test(path)) continue;
        // A Markdown link's target is checked above, relative to its page.
        if (text[(match.index ?? 0) - 1] === '(' && text[(match.index ?? 0) - 2] === ']') continue;
        const to = resolvePath(file, path);
        if (!to || outsideRepository(relative('.', to))) broken.push(`${file}: ${path}`);
        else if (hash && to.endsWith('.md') && !anchorsOf(to).has(hash.slice(1)))
          broken.push(`${file}: ${path}${hash}`);
      }
    }

    expect(broken).toEqual([]);
  });

  it('names only sections that exist, by their titles', () => {
    // `README: "Title"`, `README section "Title"`, `docs/x.md, "Title"`, `x.md ("Title")`.
    const named = /(README(?:\.md)?|(?:docs\/)?[\w-]+\.md)(?::|,| section| \(| —)\s*["“]([^"”\n]{3,80})["”]/g;
    const broken: string[] = [];
    for (const file of files) {
      for (const [, page = '', title = ''] of readFileSync(file, 'utf8').matchAll(named)) {
        const to = page.startsWith('README') ? 'README.md' : resolvePath(file, page);
        if (!to || !anchorsOf(to).has(anchor(title))) broken.push(`${file}: ${page} "${title}"`);
      }
    }

    expect(broken).toEqual([]);
  });

  it('refers outside the repository only where it says what that means for a copy without it', () => {
    for (const [path, why] of OUTSIDE) {
      const users = files.filter((f) => readFileSync(f, 'utf8').includes(path));

      expect({ path, users: users.length > 0, why }).toEqual({ path, users: true, why });
    }
  });
});

/** The one match of `pattern` in `file` (its groups), or a failure that names both. */
function figure(file: string, pattern: RegExp): string[] {
  const found = [...readFileSync(file, 'utf8').matchAll(new RegExp(pattern, 'g'))];
  if (found.length !== 1) throw new Error(`${file}: ${found.length} matches of ${pattern}, not one`);
  return (found[0] ?? []).slice(1);
}

const MEASURED = 'docs/performance.md';
const money = (value: number) => value.toFixed(2);

describe('figures measured by the benchmark', () => {
  it('quotes the cost per 1,000 snaps as docs/performance.md measured it', () => {
    const [measured] = figure(MEASURED, /cost per 1,000 snaps[^|]*\|[^|]*\| \*\*\$(0\.\d+)\*\*/);

    expect(figure('README.md', /\$(0\.\d+) per 1,000 snaps/)).toEqual([measured]);
    expect(figure('docs/deploy.md', /measures\s+the whole bill[^$]*\$(0\.\d+) per 1,000 snaps/)).toEqual([
      measured,
    ]);
  });

  it('quotes the idle month as docs/performance.md measured it, fixed fees included', () => {
    const [idle = '', key = '', alarms = ''] = figure(
      MEASURED,
      /\*\*\$(0\.\d+)\*\*; fixed fees apart: KMS key \$(\d+\.\d\d), \d+ alarms \$(\d+\.\d\d)/,
    );
    const fixed = money(Number(key) + Number(alarms));
    const total = money(Number(idle) + Number(key) + Number(alarms));

    expect(
      figure('README.md', /about \$(\d+\.\d\d) a month idle \(\$(\d+\.\d\d) of it\s+fixed fees/),
    ).toEqual([total, fixed]);
    expect(figure('docs/deploy.md', /\| \$(0\.\d+) as measured/)).toEqual([idle]);
    expect(figure('docs/deploy.md', /\*\*\$(\d+\.\d\d) \/ month\*\* \(fixed fees \$(\d+\.\d\d)/)).toEqual([
      total,
      fixed,
    ]);
  });

  it('quotes the token lookups as docs/performance.md measured them', () => {
    const measured = figure(
      MEASURED,
      /\*\*p99 ([\d.]+) ms\*\*; 100 warm snaps[^|]*cold lookup[^|]*p50 ([\d.]+) ms, p99 ([\d.]+) ms/,
    );

    expect(
      figure(
        'docs/workspaces.md',
        /both lookups of a snap p99 ([\d.]+) ms[\s\S]*?p50 ([\d.]+) ms, p99 ([\d.]+) ms/,
      ),
    ).toEqual(measured);
  });
});
