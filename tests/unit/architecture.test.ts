/**
 * Dependencies point inward: the domain knows no outside system, the use cases speak to the
 * world only through their ports (never an adapter, not even for a type), and adapters may
 * import the ports' types but no use case. One exception: the domain may import *types* from
 * `@slack/types` — Block Kit's shape, erased at build, no code — because what snap says to a
 * person (replies.ts) is Slack's message format, and the type checker should catch a malformed
 * block there rather than Slack.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from '@jest/globals';

const importsOf = (dir: string): Array<{ file: string; spec: string; typeOnly: boolean }> =>
  readdirSync(dir)
    .filter((name) => name.endsWith('.ts'))
    .flatMap((name) => {
      const file = join(dir, name);
      const text = readFileSync(file, 'utf8');
      return [...text.matchAll(/^(?:import|export)\b(\s+type\b)?[^;]*?from\s+'([^']+)'/gms)].map((m) => ({
        file,
        spec: m[2] ?? '',
        typeOnly: m[1] !== undefined,
      }));
    });

describe('the layers of shared/', () => {
  it('keeps the use cases free of adapters, even for types', () => {
    const outward = importsOf('shared/app').filter(({ spec }) => spec.includes('/adapters/'));

    expect(outward).toEqual([]);
  });

  it('keeps the domain free of AWS, Slack and the layers above it, but for Block Kit types', () => {
    const blockKitTypes = (spec: string, typeOnly: boolean) => typeOnly && spec === '@slack/types';
    const outward = importsOf('shared/domain').filter(
      ({ spec, typeOnly }) =>
        (/^@aws-sdk|^@slack|^@middy/.test(spec) && !blockKitTypes(spec, typeOnly)) ||
        /\/(app|adapters)\//.test(spec),
    );

    expect(outward).toEqual([]);
  });

  it('lets adapters import the ports, never a use case', () => {
    const inward = importsOf('shared/adapters').filter(
      ({ spec }) => spec.startsWith('../app/') && spec !== '../app/ports',
    );

    expect(inward).toEqual([]);
  });
});
