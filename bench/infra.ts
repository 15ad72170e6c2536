/** What the benchmark takes from infra/: each function's memory, so its figures follow the deployment. */
import { readFileSync } from 'node:fs';
import { parse } from '@cdktf/hcl2json';
import { FUNCTIONS } from './bundles';

/** `memory_size` of each function's module in infra/<fn>.tf (MB). */
export async function memorySizes(): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const fn of FUNCTIONS) {
    const parsed = (await parse(`${fn}.tf`, readFileSync(`infra/${fn}.tf`, 'utf8'))) as {
      module?: Record<string, Array<{ memory_size?: unknown }>>;
    };
    const size = parsed.module?.[fn]?.[0]?.memory_size;
    if (typeof size !== 'number')
      throw new Error(`infra/${fn}.tf: module "${fn}" has no numeric memory_size`);
    sizes[fn] = size;
  }
  return sizes;
}
