/**
 * The README is a short front door and docs/ holds the depth: every page says first what a reader
 * gets from it, and every relative link (and #anchor) points at something that exists.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const pages = ['README.md', ...readdirSync('docs').map((f) => join('docs', f))].filter((p) =>
  p.endsWith('.md'),
);

/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
const anchor = (heading: string) =>
  heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s_-]/gu, '')
    .replace(/\s/g, '-');

const anchorsOf = (file: string) =>
  new Set(
    readFileSync(file, 'utf8')
      .split('\n')
      .filter((line) => /^#{1,6} /.test(line))
      .map((line) => anchor(line.replace(/^#+ /, ''))),
  );

describe('the documentation', () => {
  it('keeps the README a front door of at most 200 lines', () => {
    expect(readFileSync('README.md', 'utf8').split('\n').length).toBeLessThanOrEqual(200);
  });

  it.each(pages.filter((p) => p.startsWith('docs')))(
    '%s starts by saying what a reader gets from it',
    (page) => {
      const [title, blank, first] = readFileSync(page, 'utf8').split('\n');

      expect(title).toMatch(/^# /);
      expect(blank).toBe('');
      expect(first).toMatch(/^What you get from this page: /);
    },
  );

  it.each(pages)('%s links only to files and headings that exist', (page) => {
    const text = readFileSync(page, 'utf8');
    const broken: string[] = [];
    for (const [, target] of text.matchAll(/\]\(([^)\s]+)\)/g)) {
      if (!target || /^[a-z]+:/.test(target)) continue; // https:, mailto:
      const [path, hash] = target.split('#');
      const file = path ? normalize(join(dirname(page), path)) : page;
      if (!existsSync(file)) broken.push(target);
      else if (hash && file.endsWith('.md') && !anchorsOf(file).has(hash)) broken.push(target);
    }

    expect(broken).toEqual([]);
  });
});
