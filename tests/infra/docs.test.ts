/**
 * The README is a short front door and docs/ holds the depth: every page says first what a reader
 * gets from it. That every link and reference resolves: references.test.ts.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const pages = ['README.md', ...readdirSync('docs').map((f) => join('docs', f))].filter((p) =>
  p.endsWith('.md'),
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
});
